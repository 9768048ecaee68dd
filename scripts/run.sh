#!/bin/bash
# scripts/run.sh -- "make run": a local usersd on http://127.0.0.1:${USERSD_PORT:-8086}.
#
# First start: a PostgreSQL cluster in var/pg (fsync on: this data is kept),
# database "usersd", migrations, the operator (admin + generated password)
# with its token in var/operator-token and the password in
# var/admin-password (both mode 0600).  Later starts reuse all of it.
# Then: the usersd master (4 workers on var/run/usersd.sock, and a sign-in
# pool of one per CPU on var/run/usersd-signin.sock) and the web server, in
# the foreground; Ctrl-C (or SIGTERM) stops the web server, the master and
# PostgreSQL.  Logs: var/run/*.log, var/pg/postgres.log.
#
# The web server is nginx, from deploy/nginx.conf: it passes a POST without
# a body and without Content-Length (the InfluxDB documentation's
# "curl --request POST .../api/v2/signin --user USER:PASSWORD") on to
# usersd.  USERSD_WEB=lighttpd uses lighttpd from deploy/lighttpd-master.conf
# instead, which answers such a POST with its own 411 (JSON): behind it,
# clients must send "Content-Length: 0" (curl -d '' does); docs/deploy.md.
# Either way the web server's own errors are JSON from deploy/errors/,
# copied to var/run/errors.
#
# Environment:
#   USERSD_PORT=8086      the TCP port on 127.0.0.1
#   USERSD_WEB=nginx      or lighttpd
#   USERSD_VAR=var        the state directory (cluster, token, password, run/;
#                         default: var/ in the checkout); another one is
#                         another, independent "make run"
#   USERSD_BODY_LIMIT     usersd's body_limit, for the web server's own cap
#   USERSD_BIN, USERSCTL_BIN   the binaries (default build/usersd, build/usersctl)
#
# As root, PostgreSQL runs as the "postgres" user and nginx's workers as
# "www-data".  The cluster must then be reachable by postgres: if the state
# directory is not (e.g. under /root, mode 0700), the cluster goes to
# /var/lib/usersd-dev/<hash of the directory> and var/pg is a symlink to it.
# Likewise the sockets, the web server's files and the logs go to
# /run/usersd-dev/<hash> when www-data cannot reach var/run.
set -eu
# A relative USERSD_VAR is the caller's, not the checkout's.
case ${USERSD_VAR:-} in ''|/*) ;; *) USERSD_VAR=$PWD/$USERSD_VAR ;; esac
cd "$(dirname "$0")/.."
# nginx and lighttpd live in /usr/sbin, which a normal user's PATH lacks.
export PATH="$PATH:/usr/sbin:/sbin"
ROOT=$(pwd -P)
PORT=${USERSD_PORT:-8086}
WEB=${USERSD_WEB:-nginx}
USERSD=${USERSD_BIN:-$ROOT/build/usersd}
USERSCTL=${USERSCTL_BIN:-$ROOT/build/usersctl}
case $WEB in nginx|lighttpd) ;; *)
	echo "run.sh: USERSD_WEB must be nginx or lighttpd" >&2; exit 2 ;;
esac
VAR=${USERSD_VAR:-$ROOT/var}
mkdir -p "$VAR"
VAR=$(cd "$VAR" && pwd -P)
# The key of the fallback directories: the checkout for the default var/
# (where earlier versions put them), else the state directory itself.
KEY=$VAR
[ "$VAR" = "$ROOT/var" ] && KEY=$ROOT
KEY=$(printf '%s' "$KEY" | cksum | cut -d' ' -f1)
# How the printed commands name a file of the state directory.
show() { case $1 in "$ROOT"/*) printf '%s' "${1#"$ROOT"/}" ;; *) printf '%s' "$1" ;; esac; }

# What the service needs; make run has installed it already.
sh scripts/deps.sh build run
for b in "$USERSD" "$USERSCTL"; do
	[ -x "$b" ] || { echo "run.sh: $b is missing (run make)" >&2; exit 1; }
done
. tests/lib/pg.sh

ROOTUSER=0
[ "$(id -u)" -eq 0 ] && ROOTUSER=1
chmod 0755 "$VAR"

# Where the cluster lives: var/pg, or a documented fallback (see above).
PGDIR=$VAR/pg
if [ ! -e "$PGDIR" ] && [ $ROOTUSER = 1 ] &&
    ! runuser -u postgres -- test -x "$VAR"; then
	alt=/var/lib/usersd-dev/$KEY
	echo "run.sh: $VAR is not reachable by the postgres user;" \
	    "keeping the cluster in $alt ($(show "$PGDIR") links to it)" >&2
	mkdir -p "$alt"
	chmod 0755 /var/lib/usersd-dev "$alt"
	ln -s "$alt" "$PGDIR"
fi
[ -L "$PGDIR" ] && PGDIR=$(readlink -f "$PGDIR")

# The run directory: sockets, web server configuration and logs.  nginx's
# workers (www-data when root) connect to the sockets and read the errors.
RUN=$VAR/run
WEBUSER=$(id -un)
if [ $ROOTUSER = 1 ]; then
	WEBUSER=www-data
	if ! runuser -u "$WEBUSER" -- test -x "$VAR"; then
		RUN=/run/usersd-dev/$KEY
		echo "run.sh: $VAR is not reachable by $WEBUSER;" \
		    "the sockets and logs go to $RUN" >&2
	fi
fi
mkdir -p "$RUN"
chmod 0755 "$RUN"

PIDS=()
cleanup() {
	trap - EXIT INT TERM HUP
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
trap 'exit 0' INT TERM HUP

pg_start "$PGDIR" --fsync
export PGDATABASE=usersd
if [ "$(psql -X -Atq -d postgres -c "SELECT 1 FROM pg_database WHERE datname = 'usersd'")" != 1 ]; then
	psql -X -q -d postgres -c 'CREATE DATABASE usersd'
fi
export USERSD_DB="host=$PGHOST port=$PGPORT dbname=usersd user=postgres"
"$USERSCTL" migrate
# Migrated as postgres (acting as usersd_owner); served as the service role.
export USERSD_DB="host=$PGHOST port=$PGPORT dbname=usersd user=usersd_service"

umask 077
if [ ! -s "$VAR/operator-token" ]; then
	pass=$(od -An -N18 -tx1 /dev/urandom | tr -d ' \n')
	printf '%s\n' "$pass" >"$VAR/admin-password"
	# The password goes on stdin: never on a command line (ps shows those).
	printf '%s\n' "$pass" | "$USERSCTL" setup --username admin \
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
# lighttpd's error handler) go to the run directory, as the tests do.
rm -rf "$RUN/errors"
cp -R deploy/errors "$RUN/errors"
chmod -R a+rX "$RUN/errors"

# The account page (www/) too: the web server serves it from there.
rm -rf "$RUN/www"
cp -R www "$RUN/www"
chmod -R a+rX "$RUN/www"

SOCK=$RUN/usersd.sock
SIGNIN_SOCK=$RUN/usersd-signin.sock
LIMIT=$(( ${USERSD_BODY_LIMIT:-65536} + 65536 ))

# render TEMPLATE OUT: the deploy/ template with its placeholders filled
# (comment lines, which document them, are left alone); refuses to go on
# if one is left.  Instance hosting is off: no instance blocks for
# lighttpd, and nginx's NAME.<domain> map gets a reserved name
# (instances.invalid) that no client uses.
render() {
	sed -e '/^[[:space:]]*#/!{' \
	    -e "s|@LISTEN@|127.0.0.1|g; s|@PORT@|$PORT|g; s|@SOCKET@|$SOCK|g" \
	    -e "s|@SIGNIN_SOCKET@|$SIGNIN_SOCK|g; s|@USER@|$WEBUSER|g" \
	    -e "s|@RUNDIR@|$RUN|g; s|@ERRORS@|$RUN/errors|g; s|@WWW@|$RUN/www|g" \
	    -e "s|@BODY_CAP@|$LIMIT|g; s|@BODY_CAP_KB@|$(( LIMIT / 1024 ))|g" \
	    -e 's|@INSTANCE_DOMAIN_RE@|instances\\.invalid|g; s|@REAL_IP_FROM@|unix:|g' \
	    -e '/^@INSTANCE_BLOCKS@$/d' -e '}' "$1" >"$2"
	if grep -v '^[[:space:]]*#' "$2" | grep -q '@[A-Z_]*@'; then
		echo "run.sh: $1 has a placeholder run.sh does not fill:" >&2
		grep -v '^[[:space:]]*#' "$2" | grep -o '@[A-Z_]*@' | sort -u >&2
		exit 1
	fi
}

# Each server gets a session of its own (setsid): Ctrl-C reaches only this
# script, whose trap then stops them in order (web server, master,
# PostgreSQL; pg_ctl detaches PostgreSQL itself).  Sharing the terminal's
# SIGINT instead, each would stop on its own, in any order.
rm -f "$SOCK" "$SIGNIN_SOCK"
setsid "$USERSD" -c "$RUN/usersd.conf" --listen "unix:$SOCK" --workers 4 \
    --signin-listen "unix:$SIGNIN_SOCK" --socket-mode 0660 \
    2>>"$RUN/usersd.log" &
PIDS+=($!)
for _ in $(seq 100); do [ -S "$SOCK" ] && [ -S "$SIGNIN_SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] && [ -S "$SIGNIN_SOCK" ] || { tail "$RUN/usersd.log" >&2; echo "run.sh: usersd did not start" >&2; exit 1; }
# The sockets are 0660: nginx's workers connect through the group, as
# under usersd.service (Group=www-data).
[ $ROOTUSER = 1 ] && chgrp "$WEBUSER" "$SOCK" "$SIGNIN_SOCK"

# Prepend: stop the web server before the master.
if [ "$WEB" = nginx ]; then
	WEBLOG=$RUN/nginx-error.log
	render deploy/nginx.conf "$RUN/nginx.conf"
	nginx -t -q -p "$RUN" -c "$RUN/nginx.conf" 2>>"$RUN/nginx.stderr" ||
	    { tail "$RUN/nginx.stderr" >&2; echo "run.sh: nginx -t failed" >&2; exit 1; }
	setsid nginx -p "$RUN" -c "$RUN/nginx.conf" -g 'daemon off;' \
	    2>>"$RUN/nginx.stderr" &
else
	WEBLOG=$RUN/lighttpd-error.log
	render deploy/lighttpd-master.conf "$RUN/lighttpd.conf"
	setsid lighttpd -D -f "$RUN/lighttpd.conf" 2>>"$RUN/lighttpd.stderr" &
fi
PIDS=($! "${PIDS[@]}")

for _ in $(seq 50); do
	curl -fs -o /dev/null "http://127.0.0.1:$PORT/ping" && break
	sleep 0.1
done
curl -fs -o /dev/null "http://127.0.0.1:$PORT/ping" ||
    { cat "$WEBLOG" "$RUN/$WEB.stderr" >&2 || true; echo "run.sh: $WEB did not answer" >&2; exit 1; }

TOK=$(show "$VAR/operator-token")
PW=$(show "$VAR/admin-password")
URL=http://127.0.0.1:$PORT
cat <<EOF

usersd is running behind $WEB on $URL   (Ctrl-C stops it)
  the account page: $URL/   (sign in as admin with the password below)
  operator token:  $TOK      admin password: $PW
  logs:            $(show "$RUN")/usersd.log, $(show "$WEBLOG")

  curl -s $URL/health
  curl -s -H "Authorization: Token \$(cat $TOK)" $URL/api/v2/users
EOF
if [ "$WEB" = nginx ]; then
	cat <<EOF
  curl --request POST $URL/api/v2/signin --user "admin:\$(cat $PW)" -c cookies
  curl -b cookies $URL/api/v2/me
  curl --request POST -b cookies $URL/api/v2/signout
EOF
else
	cat <<EOF
  # lighttpd refuses a POST without Content-Length (411): send -d ''
  curl --request POST $URL/api/v2/signin --user "admin:\$(cat $PW)" -c cookies -d ''
  curl -b cookies $URL/api/v2/me
  curl --request POST -b cookies $URL/api/v2/signout -d ''
EOF
fi
cat <<EOF
  psql "$USERSD_DB"

EOF

# Stay in the foreground until a child dies or we are told to stop.
wait -n "${PIDS[@]}" || true
echo "run.sh: a server exited; see $(show "$RUN")/*.log" >&2
exit 1
