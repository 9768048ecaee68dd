#!/bin/bash
# scripts/run.sh -- "make run": a local usersd on http://127.0.0.1:${USERSD_PORT:-8086}.
#
# First start: a PostgreSQL cluster in var/pg (fsync on: this data is kept),
# database "usersd", migrations, the operator (admin + generated password)
# with its token in var/operator-token and the password in
# var/admin-password (both mode 0600).  Later starts reuse all of it.
# Then: the usersd master (4 workers on var/run/usersd.sock, and a sign-in
# pool of one per CPU on var/run/usersd-signin.sock) and lighttpd
# from deploy/lighttpd-master.conf, in the foreground; Ctrl-C stops both and
# PostgreSQL.  lighttpd's own errors are JSON from deploy/errors/, copied to
# var/run/errors.  Logs: var/run/*.log, var/pg/postgres.log.
#
# PostgreSQL runs as the "postgres" user when this runs as root, so var/pg
# must be reachable by it; if the checkout is not (e.g. under /root, mode
# 0700) the cluster goes to /var/lib/usersd-dev/<hash of the checkout path>
# and var/pg is a symlink to it.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd -P)
PORT=${USERSD_PORT:-8086}
VAR=$ROOT/var
RUN=$VAR/run

bash scripts/deps.sh
for b in build/usersd build/usersctl; do
	[ -x "$b" ] || { echo "run.sh: $b is missing (run make)" >&2; exit 1; }
done
. tests/lib/pg.sh

mkdir -p "$VAR" "$RUN"
chmod 0755 "$VAR" "$RUN"

# Where the cluster lives: var/pg, or a documented fallback (see above).
PGDIR=$VAR/pg
if [ ! -e "$PGDIR" ] && [ "$(id -u)" -eq 0 ] &&
    ! runuser -u postgres -- test -x "$VAR"; then
	alt=/var/lib/usersd-dev/$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)
	echo "run.sh: $VAR is not reachable by the postgres user;" \
	    "keeping the cluster in $alt (var/pg links to it)" >&2
	mkdir -p "$alt"
	chmod 0755 /var/lib/usersd-dev "$alt"
	ln -s "$alt" "$PGDIR"
fi
[ -L "$PGDIR" ] && PGDIR=$(readlink -f "$PGDIR")

PIDS=()
cleanup() {
	trap - EXIT INT TERM
	echo "run.sh: stopping" >&2
	# The web server first, then the master (it drains its workers).
	# SIGTERM each, wait up to 15 s, then SIGKILL: never hang on the way out.
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || continue
		for _ in $(seq 150); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	pg_stop "$PGDIR" || true
}
trap cleanup EXIT
trap 'exit 0' INT TERM

pg_start "$PGDIR" --fsync
export PGDATABASE=usersd
if [ "$(psql -X -Atq -d postgres -c "SELECT 1 FROM pg_database WHERE datname = 'usersd'")" != 1 ]; then
	psql -X -q -d postgres -c 'CREATE DATABASE usersd'
fi
export USERSD_DB="host=$PGHOST port=$PGPORT dbname=usersd user=postgres"
build/usersctl migrate
# Migrated as postgres (acting as usersd_owner); served as the service role.
export USERSD_DB="host=$PGHOST port=$PGPORT dbname=usersd user=usersd_service"

umask 077
if [ ! -s "$VAR/operator-token" ]; then
	pass=$(od -An -N18 -tx1 /dev/urandom | tr -d ' \n')
	printf '%s\n' "$pass" >"$VAR/admin-password"
	# The password goes on stdin: never on a command line (ps shows those).
	printf '%s\n' "$pass" | build/usersctl setup --username admin \
	    --org usersd --bucket default >"$VAR/operator-token.new"
	mv "$VAR/operator-token.new" "$VAR/operator-token"
fi
umask 022

# usersd config: the database only; everything else keeps its default.
cat >"$RUN/usersd.conf" <<EOF
# written by scripts/run.sh
db = $USERSD_DB
log_level = info
EOF

# The web server's own error bodies (deploy/errors/: JSON files and
# lighttpd's error handler) go to var/run/errors, as the tests do.
rm -rf "$RUN/errors"
cp -R deploy/errors "$RUN/errors"

SOCK=$RUN/usersd.sock
SIGNIN_SOCK=$RUN/usersd-signin.sock
LIMIT=$(( ${USERSD_BODY_LIMIT:-65536} + 65536 ))
sed -e "s|@LISTEN@|127.0.0.1|g" -e "s|@PORT@|$PORT|g" -e "s|@SOCKET@|$SOCK|g" \
    -e "s|@SIGNIN_SOCKET@|$SIGNIN_SOCK|g" \
    -e "s|@RUNDIR@|$RUN|g" -e "s|@ERRORS@|$RUN/errors|g" \
    -e "s|@BODY_CAP_KB@|$(( LIMIT / 1024 ))|g" \
    -e "/^@INSTANCE_BLOCKS@$/d" \
    deploy/lighttpd-master.conf >"$RUN/lighttpd.conf"

rm -f "$SOCK" "$SIGNIN_SOCK"
build/usersd -c "$RUN/usersd.conf" --listen "unix:$SOCK" --workers 4 \
    --signin-listen "unix:$SIGNIN_SOCK" 2>>"$RUN/usersd.log" &
PIDS+=($!)
for _ in $(seq 100); do [ -S "$SOCK" ] && [ -S "$SIGNIN_SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] && [ -S "$SIGNIN_SOCK" ] || { tail "$RUN/usersd.log" >&2; echo "run.sh: usersd did not start" >&2; exit 1; }
# Prepend: stop lighttpd before the master.
lighttpd -D -f "$RUN/lighttpd.conf" 2>>"$RUN/lighttpd.stderr" &
PIDS=($! "${PIDS[@]}")

for _ in $(seq 50); do
	curl -fs -o /dev/null "http://127.0.0.1:$PORT/ping" && break
	sleep 0.1
done
curl -fs -o /dev/null "http://127.0.0.1:$PORT/ping" ||
    { cat "$RUN/lighttpd-error.log" >&2 || true; echo "run.sh: lighttpd did not answer" >&2; exit 1; }

cat <<EOF

usersd is running on http://127.0.0.1:$PORT   (Ctrl-C stops it)
  operator token:  var/operator-token      admin password: var/admin-password
  logs:            var/run/usersd.log, var/run/lighttpd-error.log

  curl -s http://127.0.0.1:$PORT/health
  curl -s -H "Authorization: Token \$(cat var/operator-token)" http://127.0.0.1:$PORT/api/v2/users
  curl -s -i -u admin:\$(cat var/admin-password) -d '' http://127.0.0.1:$PORT/api/v2/signin
  psql "$USERSD_DB"

EOF

# Stay in the foreground until a child dies or we are told to stop.
wait -n "${PIDS[@]}" || true
echo "run.sh: a server exited; see var/run/*.log" >&2
exit 1
