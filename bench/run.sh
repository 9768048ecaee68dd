#!/bin/bash
# bench/run.sh -- "make bench": load-test usersd on this machine against its
# own floors, in one run, and write bench/results/<YYYY-MM-DD-HHMM>.md.
#
# Everything runs in a private directory under /tmp (removed on exit, also
# on Ctrl-C): a PostgreSQL cluster (tests/lib/pg.sh, fsync on) with two
# databases, "bench" (BENCH_USERS seeded users) and "bench1k" (1000), the
# usersd master with 4 workers on a unix socket (plus its sign-in pool on a
# second one), and nginx (or lighttpd) on 127.0.0.1.  wrk drives the
# scenarios; the ceiling is bench/bare.c (the same requests answered with
# one prepared statement, behind the same web server), the floors /ping
# through the same stack, pgbench on the same cluster and raw libargon2
# (bench/hashfloor.c).  Last, a streaming standby of the cluster measures
# what synchronous replication costs the writes, and a reload of the master
# what metrics cost a GET.  This script starts and stops things and leaves
# raw files; bench/report.pl makes the statistics and the report of them.
#
# Knobs (environment):
#   BENCH_USERS=100000     users seeded into "bench" (1000000 for the large run)
#   BENCH_DURATION=6       seconds of pgbench, the flood and single runs
#   BENCH_ROUNDS=3         A B B A rounds per comparison (2 x ROUNDS pairs)
#   BENCH_SLICE=2          seconds per slice of a comparison
#   BENCH_SERVER=nginx     or lighttpd
#   BENCH_WARMUP=1         seconds of unmeasured load before each scenario
#   BENCH_KEEP=1           keep the temporary directory (raw outputs, logs)
#   BENCH_HOLD=1           set the stack up, write its variables to
#                          hold.env in the temporary directory, and wait
#   BENCH_PERF=1           perf record -a -g each measured run into
#                          NAME.perf in that directory (skews the numbers)
#   BENCH_SIGNIN_WORKERS=N the master's sign-in pool (--signin-listen) for
#                          POST /api/v2/signin, default one per CPU as in
#                          usersd.service; 0 is the one-pool setup
#                          (docs/deploy.md)
#
# Every target gets a verdict with a 95 % interval over the slice pairs:
# met, MISS, or unclear (rerun); none of them fails the run.  The run fails only
# when the stack cannot be set up or does not answer correctly.
set -eu -o pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd -P)
BENCH=$ROOT/bench

N=${BENCH_USERS:-100000}
DUR=${BENCH_DURATION:-6}
DUR=${DUR%s}
SERVER=${BENCH_SERVER:-nginx}
WARM=${BENCH_WARMUP:-1}
WARM=${WARM%s}
ROUNDS=${BENCH_ROUNDS:-3}
SLICE=${BENCH_SLICE:-2}
SLICE=${SLICE%s}
SMALL_N=1000
T=2 C=32                 # the default wrk load: -t2 -c32
WORKERS=4
SIGNIN_WORKERS=${BENCH_SIGNIN_WORKERS:-$(nproc)}
PGBIN=${PG_BINDIR:-$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)}

die() { echo "bench: $*" >&2; exit 1; }
case $N in ''|*[!0-9]*) die "BENCH_USERS must be a number" ;; esac
case $DUR in ''|*[!0-9]*) die "BENCH_DURATION must be whole seconds" ;; esac
case $WARM in ''|*[!0-9]*) die "BENCH_WARMUP must be whole seconds" ;; esac
case $ROUNDS in ''|*[!0-9]*) die "BENCH_ROUNDS must be a number" ;; esac
case $SLICE in ''|*[!0-9]*) die "BENCH_SLICE must be whole seconds" ;; esac
[ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 20 ] || die "BENCH_ROUNDS must be 1..20"
[ "$SLICE" -ge 1 ] || die "BENCH_SLICE must be at least 1"
[ "$N" -ge 100 ] && [ "$N" -le 2000000 ] || die "BENCH_USERS must be 100..2000000"
[ "$DUR" -ge 1 ] || die "BENCH_DURATION must be at least 1"
case $SERVER in nginx|lighttpd) ;; *) die "BENCH_SERVER must be nginx or lighttpd" ;; esac
case $SIGNIN_WORKERS in ''|*[!0-9]*) die "BENCH_SIGNIN_WORKERS must be a number" ;; esac
for b in build/usersd build/usersctl; do
	[ -x "$b" ] || die "$b is missing (run make)"
done
for t in wrk curl psql cc perl awk pgrep ss "$SERVER" "$PGBIN/pgbench"; do
	command -v "$t" >/dev/null 2>&1 || die "$t is not installed"
done

STAMP=$(date +%Y-%m-%d-%H%M)
RESULTS_DIR=$BENCH/results
RESULTS=$RESULTS_DIR/$STAMP.md
TMP=$(mktemp -d /tmp/usersd-bench.XXXXXX)
chmod 0755 "$TMP"
PGDIR=$TMP/pg
STANDBY=$TMP/standby     # its base name is its slot and application_name
RUN=$TMP/run
RAW=$TMP/raw
mkdir -p "$RUN" "$RAW"
chmod 0755 "$RUN"
SOCK=$RUN/usersd.sock
CLK=$(getconf CLK_TCK)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
if awk -v l="${LOAD_START%% *}" 'BEGIN { exit !(l > 0.5) }'; then
	echo "bench: warning: load average $LOAD_START before the run: something" \
	    "else is using the CPUs, the numbers will be skewed" >&2
fi
T_START=$(date +%s)

# ---------------------------------------------------------------- cleanup
USERSD_PID="" WEB_PID="" BARE_PID="" SLAPD_PID="" PG_STARTED="" STANDBY_STARTED="" BG_PIDS=()

# stop_pid PID: TERM, wait up to 10 s, then KILL.  Only PIDs we started.
stop_pid() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	local rc=$? p
	trap - EXIT INT TERM
	for p in "${BG_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${BG_PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	# The web server first, then the master (it drains its workers).
	stop_pid "$WEB_PID"
	stop_pid "$USERSD_PID"
	stop_pid "$BARE_PID"
	stop_pid "$SLAPD_PID"
	if [ -n "$STANDBY_STARTED" ]; then
		bash tests/lib/pg.sh stop "$STANDBY" || true
	fi
	if [ -n "$PG_STARTED" ]; then
		bash tests/lib/pg.sh stop "$PGDIR" || true
	fi
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "bench: kept $TMP" >&2
	else
		rm -rf "$TMP"
	fi
	exit "$rc"
}
trap cleanup EXIT
on_signal() { echo "bench: interrupted" >&2; exit 130; }
trap on_signal INT TERM

say() { printf '%s bench: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }

# -------------------------------------------------------------- hash floor
say "compiling bench/hashfloor.c"
cc -O2 "$BENCH/hashfloor.c" -largon2 -o "$TMP/hashfloor"
say "compiling bench/bare.c"
cc -O2 -g -Isrc $(pkg-config --cflags libpq) "$BENCH/bare.c" -o "$TMP/bare" \
    -lfcgi $(pkg-config --libs libpq)

# -------------------------------------------------------------- PostgreSQL
say "starting PostgreSQL in $PGDIR"
bash tests/lib/pg.sh start "$PGDIR" --fsync >"$TMP/pgenv"
PG_STARTED=1
PGHOST=$(sed -n 's/^PGHOST=//p' "$TMP/pgenv")
PGPORT=$(sed -n 's/^PGPORT=//p' "$TMP/pgenv")
PGUSER=postgres
export PGHOST PGPORT PGUSER
PG_PID=$(head -1 "$PGDIR/data/postmaster.pid")
DB_BIG="host=$PGHOST port=$PGPORT dbname=bench user=postgres"
DB_SMALL="host=$PGHOST port=$PGPORT dbname=bench1k user=postgres"

psql -X -q -d postgres -c 'CREATE DATABASE bench' -c 'CREATE DATABASE bench1k'
USERSD_DB=$DB_BIG build/usersctl migrate >/dev/null
USERSD_DB=$DB_SMALL build/usersctl migrate >/dev/null
TOKEN=$(echo adminpass1 | USERSD_DB=$DB_BIG build/usersctl setup \
    --username admin --org o --bucket b 2>/dev/null | tail -1)
TOKEN_SMALL=$(echo adminpass1 | USERSD_DB=$DB_SMALL build/usersctl setup \
    --username admin --org o --bucket b 2>/dev/null | tail -1)
[ -n "$TOKEN" ] && [ -n "$TOKEN_SMALL" ] || die "usersctl setup printed no token"

# seed DB COUNT: COPY users (id, name, status); ids printf("%016x", n*1000+7).
# The same formula is in bench/lua/get_user.lua and bench/pgbench-users.sql.
seed() {
	awk -v n="$2" 'BEGIN {
		for (i = 1; i <= n; i++)
			printf "%016x\tbench-user-%07d\tactive\n", i * 1000 + 7, i
	}' | psql -X -q -v ON_ERROR_STOP=1 -d "$1" \
	    -c 'COPY users (id, name, status) FROM STDIN'
	psql -X -q -v ON_ERROR_STOP=1 -d "$1" -c 'VACUUM ANALYZE users'
}
say "seeding $N users into bench (COPY), $SMALL_N into bench1k"
t0=$(date +%s.%N)
seed bench "$N"
SEED_S=$(calc "$(date +%s.%N) - $t0" 1)
seed bench1k "$SMALL_N"
# Tokens of other users (the seeded ones, in turn), for the token list of
# a user who may read none of them (issue 25: it read them all).
NTOK=20000
say "seeding $NTOK tokens of seeded users into bench"
psql -X -q -v ON_ERROR_STOP=1 -d bench -c "
    INSERT INTO authorizations (token_hash, org_id, user_id, permissions)
    SELECT encode(sha256(convert_to('bench-token-' || g, 'UTF8')), 'hex'), o.id,
           lpad(to_hex(((g - 1) % $N + 1) * 1000 + 7), 16, '0'),
           ARRAY['read:orgs/' || o.id || '/buckets']
      FROM generate_series(1, $NTOK) g, orgs o WHERE o.name = 'o'" \
    -c 'VACUUM ANALYZE authorizations'
echo benchpass1 | USERSD_DB=$DB_BIG build/usersctl user add benchuser \
    >/dev/null 2>&1 || die "usersctl user add benchuser failed"
BENCHUSER_ID=$(psql -X -Atq -d bench -c "SELECT id FROM users WHERE name = 'benchuser'")
DB_SIZE=$(psql -X -Atq -d bench -c \
    "SELECT pg_size_pretty(pg_total_relation_size('users'))")

# ------------------------------------------------------------------- slapd
# The directory of the directory sign-in row: Debian's slapd on a unix
# socket (ldapi://, no TLS: the row measures usersd's side, one search and
# two binds, not a handshake), one user, set as the directory of "bench".
SLAPD=$(command -v slapd || echo /usr/sbin/slapd)
mkdir -p "$RUN/slapd/db"
cat >"$RUN/slapd/slapd.conf" <<SLAPDCONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile $RUN/slapd/slapd.pid
database mdb
maxsize 10485760
suffix "dc=bench,dc=test"
rootdn "cn=admin,dc=bench,dc=test"
rootpw benchmanager1
directory $RUN/slapd/db
access to attrs=userPassword by anonymous auth by * none
access to * by dn.exact="cn=search,dc=bench,dc=test" read by * none
SLAPDCONF
printf '%s\n' 'dn: dc=bench,dc=test' 'objectClass: dcObject' \
    'objectClass: organization' 'o: bench' 'dc: bench' '' \
    'dn: cn=search,dc=bench,dc=test' 'objectClass: person' 'cn: search' \
    'sn: search' 'userPassword: searchpw12' '' \
    'dn: uid=diruser,dc=bench,dc=test' 'objectClass: inetOrgPerson' \
    'uid: diruser' 'cn: diruser' 'sn: diruser' 'userPassword: dirpass12' \
    >"$RUN/slapd/data.ldif"
"${SLAPD%slapd}slapadd" -q -f "$RUN/slapd/slapd.conf" \
    -l "$RUN/slapd/data.ldif" >>"$RUN/slapd.log" 2>&1 ||
    die "slapadd failed (see $RUN/slapd.log)"
LDAPI="ldapi://$(printf '%s' "$RUN/slapd/ldapi" | sed 's|/|%2F|g')"
say "starting slapd on $LDAPI"
"$SLAPD" -d 0 -f "$RUN/slapd/slapd.conf" -h "$LDAPI" >>"$RUN/slapd.log" 2>&1 &
SLAPD_PID=$!
for _ in $(seq 100); do [ -S "$RUN/slapd/ldapi" ] && break; sleep 0.1; done
[ -S "$RUN/slapd/ldapi" ] || { cat "$RUN/slapd.log" >&2; die "slapd did not start"; }
ldap_set() {
	USERSD_DB=$DB_BIG build/usersctl ldap set "$@" >/dev/null ||
	    die "usersctl ldap set $1 failed"
}
ldap_set uris "$LDAPI"
ldap_set bind_dn cn=search,dc=bench,dc=test
echo searchpw12 | ldap_set bind_password
ldap_set base_dn dc=bench,dc=test
ldap_set user_filter '(objectClass=inetOrgPerson)'
ldap_set unknown_names true
ldap_set enabled true

# ------------------------------------------------------------------ usersd
cat >"$RUN/usersd.conf" <<EOF
# written by bench/run.sh
db = $DB_BIG
instance.small = $DB_SMALL
log_level = warn
run_dir = $RUN
# The sign-in scenarios measure hashing, not throttling: neither the
# name's limit nor the address's (every request comes from 127.0.0.1),
# nor the instance's failure budget (its price is measured last, apart).
signin_max_failures = 1000000
signin_max_failures_per_addr = 1000000
signin_max_failures_per_instance = 100000000
metrics = on
token_last_use = 1
EOF
build/usersd -t -c "$RUN/usersd.conf" >/dev/null || die "bad usersd configuration"
# The sign-in pool (usersd --signin-listen, as usersd.service runs it): the
# same master keeps SIGNIN_WORKERS more workers on a second socket that
# nginx sends POST /api/v2/signin to, so hashing never holds the workers
# that serve reads (docs/deploy.md, "A pool for sign-in").  0: one pool.
SIGNIN_SOCK=$SOCK POOL=()
if [ "$SIGNIN_WORKERS" -gt 0 ]; then
	SIGNIN_SOCK=$RUN/usersd-signin.sock
	POOL=(--signin-listen "unix:$SIGNIN_SOCK" --signin-workers "$SIGNIN_WORKERS")
fi
say "starting usersd (master + $WORKERS workers, + $SIGNIN_WORKERS for sign-in) on $SOCK"
build/usersd -c "$RUN/usersd.conf" --listen "unix:$SOCK" --workers "$WORKERS" \
    "${POOL[@]}" --socket-mode 0666 --drain 5 2>>"$RUN/usersd.log" &
USERSD_PID=$!
for _ in $(seq 100); do [ -S "$SOCK" ] && [ -S "$SIGNIN_SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] && [ -S "$SIGNIN_SOCK" ] ||
    { tail "$RUN/usersd.log" >&2; die "usersd did not start"; }

# The ceiling: bench/bare.c, as many workers, the same database and role.
BARE_SOCK=$RUN/bare.sock
say "starting the bare app ($WORKERS workers) on $BARE_SOCK"
"$TMP/bare" -s "$BARE_SOCK" -d "$DB_BIG" -n "$WORKERS" 2>>"$RUN/bare.log" &
BARE_PID=$!
for _ in $(seq 100); do [ -S "$BARE_SOCK" ] && break; sleep 0.1; done
[ -S "$BARE_SOCK" ] || { cat "$RUN/bare.log" >&2; die "the bare app did not start"; }

# ------------------------------------------------------------- web server
# free_port: a TCP port nothing listens on, 20000-59999.
free_port() {
	local p
	for _ in $(seq 200); do
		p=$(( 20000 + RANDOM % 40000 ))
		[ "$p" != "${1:-}" ] || continue
		[ -z "$(ss -Htln "sport = :$p")" ] && { echo "$p"; return 0; }
	done
	die "no free port"
}
PORT=$(free_port)
PORT_SMALL=$(free_port "$PORT")
PORT_BARE=$(free_port "$PORT_SMALL")
render() {
	sed -e "s|@PORT@|$PORT|g" -e "s|@PORT_SMALL@|$PORT_SMALL|g" \
	    -e "s|@PORT_BARE@|$PORT_BARE|g" -e "s|@BARE_SOCKET@|$BARE_SOCK|g" \
	    -e "s|@SOCKET@|$SOCK|g" -e "s|@SIGNIN_SOCKET@|$SIGNIN_SOCK|g" \
	    -e "s|@RUNDIR@|$RUN|g" "$1"
}
say "starting $SERVER on 127.0.0.1:$PORT (:$PORT_SMALL for bench1k, :$PORT_BARE for the bare app)"
if [ "$SERVER" = nginx ]; then
	cp "$BENCH/fastcgi-params.conf" "$RUN/fastcgi-params.conf"
	render "$BENCH/nginx.conf.in" >"$RUN/nginx.conf"
	nginx -t -q -p "$RUN" -c "$RUN/nginx.conf" 2>"$RUN/nginx.stderr" ||
	    { cat "$RUN/nginx.stderr" >&2; die "nginx -t failed"; }
	nginx -p "$RUN" -c "$RUN/nginx.conf" -g 'daemon off;' \
	    2>>"$RUN/nginx.stderr" &
	WEB_PID=$!
	WEB_NOTE="nginx $(nginx -v 2>&1 | sed 's|.*/||'), worker_processes 1, no fastcgi_keep_conn, access_log off"
else
	render "$BENCH/lighttpd.conf.in" >"$RUN/lighttpd.conf"
	lighttpd -tt -f "$RUN/lighttpd.conf" >/dev/null 2>"$RUN/lighttpd.stderr" ||
	    { cat "$RUN/lighttpd.stderr" >&2; die "lighttpd -tt failed"; }
	lighttpd -D -f "$RUN/lighttpd.conf" 2>>"$RUN/lighttpd.stderr" &
	WEB_PID=$!
	WEB_NOTE="$(lighttpd -v 2>&1 | cut -d' ' -f1) (one process), no access log"
fi
URL=http://127.0.0.1:$PORT
URL_SMALL=http://127.0.0.1:$PORT_SMALL
URL_BARE=http://127.0.0.1:$PORT_BARE
for _ in $(seq 100); do
	curl -fs -o /dev/null "$URL/ping" && break
	sleep 0.1
done

# check WHAT EXPECTED-STATUS curl-args...: the stack must answer correctly.
check() {
	local what=$1 want=$2 got
	shift 2
	got=$(curl -s -o "$TMP/check.body" -w '%{http_code}' "$@") || got=000
	[ "$got" = "$want" ] || {
		cat "$TMP/check.body" >&2 2>/dev/null || true
		tail -5 "$RUN/usersd.log" >&2 || true
		die "$what: HTTP $got, expected $want"
	}
}
AUTH="Authorization: Token $TOKEN"
FIRST_ID=$(printf '%016x' $(( 1 * 1000 + 7 )))
check "GET /ping" 204 "$URL/ping"
check "GET /api/v2/users/$FIRST_ID" 200 -H "$AUTH" "$URL/api/v2/users/$FIRST_ID"
cp "$TMP/check.body" "$TMP/check.usersd"
check "GET /api/v2/users/$FIRST_ID (bare app)" 200 "$URL_BARE/api/v2/users/$FIRST_ID"
cmp -s "$TMP/check.body" "$TMP/check.usersd" ||
    die "the bare app's user JSON differs from usersd's"
check "GET /metrics" 200 "$URL/metrics"
check "GET /api/v2/users (bench1k)" 200 -H "Authorization: Token $TOKEN_SMALL" \
    "$URL_SMALL/api/v2/users?limit=1"
# The session for /api/v2/me: one sign-in, keep the cookie.
# (-d '': a Content-Length, which lighttpd requires on a POST.)
COOKIE=$(curl -s -D - -o /dev/null -u benchuser:benchpass1 -d '' \
    "$URL/api/v2/signin" | tr -d '\r' |
    sed -n 's/^[Ss]et-[Cc]ookie: *\(influxdb-oss-session=[^;]*\).*/\1/p' | head -1)
[ -n "$COOKIE" ] || die "sign-in as benchuser returned no session cookie"
check "GET /api/v2/me" 200 -H "Cookie: $COOKIE" "$URL/api/v2/me"
check "GET /api/v2/authorizations (none readable)" 200 -H "Cookie: $COOKIE" \
    "$URL/api/v2/authorizations"
grep -q '"authorizations":\[\]' "$TMP/check.body" ||
    die "benchuser's token list is not empty"
check "POST /api/v2/signin (wrong password)" 401 -u benchuser:wrongpass1 \
    -d '' "$URL/api/v2/signin"
check "POST /api/v2/signin (directory user)" 204 -u diruser:dirpass12 \
    -d '' "$URL/api/v2/signin"
# diruser's row now says it is a directory user; with unknown_names off,
# a name nobody has costs one argon2 verify again (the unknown-user row),
# instead of a directory search (docs/deploy.md, "Directory sign-in").
ldap_set unknown_names false
check "POST /api/v2/signin (directory user, unknown_names off)" 204 \
    -u diruser:dirpass12 -d '' "$URL/api/v2/signin"

# BENCH_HOLD=1: leave the stack up for profiling by hand, until Ctrl-C.
if [ -n "${BENCH_HOLD:-}" ]; then
	cat >"$TMP/hold.env" <<EOF
URL='$URL' URL_SMALL='$URL_SMALL' URL_BARE='$URL_BARE' USERSD_PID=$USERSD_PID BARE_PID=$BARE_PID
AUTH='$AUTH' COOKIE='$COOKIE' BENCH_LUA='$BENCH/lua' BENCH_NUSERS=$N
PGHOST='$PGHOST' PGPORT=$PGPORT PGUSER=postgres
EOF
	say "holding the stack; its variables are in $TMP/hold.env (Ctrl-C ends)"
	while :; do sleep 1; done
fi

# ------------------------------------------------------ measurement tools
# cpu_ticks PID...: CPU ticks of group leaders (their own plus their reaped
# children's) and of their live children.  Builtins only (read, no cat/awk
# per process), so a snapshot costs a few milliseconds.
cpu_ticks() {
	local leader kid line s=0
	local -a f
	for leader in "$@"; do
		read -r line 2>/dev/null <"/proc/$leader/stat" || continue
		f=(${line##*") "})
		s=$(( s + f[11] + f[12] + f[13] + f[14] ))
		for kid in $(pgrep -P "$leader" || true); do
			read -r line 2>/dev/null <"/proc/$kid/stat" || continue
			f=(${line##*") "})
			s=$(( s + f[11] + f[12] ))
		done
	done
	echo "$s"
}
# busy_ticks: the whole machine's non-idle ticks (/proc/stat "cpu" line).
busy_ticks() {
	local cpu u n sy idle iow irq sirq steal rest
	read -r cpu u n sy idle iow irq sirq steal rest </proc/stat
	echo $(( u + n + sy + irq + sirq + steal ))
}
# cpu_snap FILE before|after: "pg web usersd bare machine-ticks wall-us".
# The machine's ticks and the wall clock are read together, as close to the
# measured run as possible (last before it, first after it).
cpu_snap() {
	local m t g
	if [ "$2" = after ]; then
		t=$EPOCHREALTIME m=$(busy_ticks)
	fi
	g="$(cpu_ticks "$PG_PID") $(cpu_ticks "$WEB_PID") $(cpu_ticks "$USERSD_PID") $(cpu_ticks "$BARE_PID")"
	if [ "$2" = before ]; then
		m=$(busy_ticks) t=$EPOCHREALTIME
	fi
	echo "$g $m ${t/./}" >"$1"
}
# pgstat: "transactions rows-read" of both bench databases, from
# pg_stat_database (rows read = tup_returned: rows from sequential scans plus
# index entries from index scans).  A backend flushes its counters at the
# end of a transaction at most once a second, and an idle one only 10 s
# later; so wait a second, then send every worker's backends (both
# databases, and the bare app's) a transaction -- 16 concurrent GETs on
# each port -- which makes them flush, then read.
pgstat() {
	local i p1 p2 u=() s=() b=()
	sleep 1.1
	for i in $(seq 16); do
		u+=(-o /dev/null "$URL/api/v2/users/$FIRST_ID")
		s+=(-o /dev/null "$URL_SMALL/api/v2/users/$FIRST_ID")
		b+=(-o /dev/null "$URL_BARE/api/v2/users/$FIRST_ID")
	done
	# The three at once: this runs between every two slices.
	curl -s --parallel --parallel-max 16 -H "$AUTH" "${u[@]}" 2>/dev/null &
	p1=$!
	curl -s --parallel --parallel-max 16 -H "Authorization: Token $TOKEN_SMALL" \
	    "${s[@]}" 2>/dev/null &
	p2=$!
	curl -s --parallel --parallel-max 16 "${b[@]}" 2>/dev/null || true
	wait "$p1" "$p2" || true
	psql -X -Atq -F' ' -d postgres -c "SELECT sum(xact_commit + xact_rollback),
	    sum(tup_returned) FROM pg_stat_database
	    WHERE datname IN ('bench', 'bench1k')"
}
workers() { pgrep -P "$USERSD_PID" | sort -n | tr '\n' ' '; }
# worker_mem: Private_Clean + Private_Dirty of all workers, KiB.
worker_mem() {
	local p s=0 v
	for p in $(workers); do
		v=$(awk '/^Private_(Clean|Dirty):/ { s += $2 } END { print s + 0 }' \
		    "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
		s=$(( s + v ))
	done
	echo "$s"
}

# What bench/report.pl makes of the raw files (its header says the format).
SPEC=$RAW/spec
: >"$SPEC"
: >"$RAW/facts"
spec() { local IFS=$'\t'; printf '%s\n' "$*" >>"$SPEC"; }
fact() { printf '%s=%s\n' "$1" "$2" >>"$RAW/facts"; }
fact POKE_XACTS 48      # pgstat's GETs, 16 on each of its 3 ports
REQS_TOTAL=0            # requests sent through the stack by wrk
LAST_PG=""              # the database counters read right after the last
                        # measured slice, while nothing has run since
export BENCH_LUA=$BENCH/lua BENCH_NUSERS=$N

# bench_kv NAME KEY: a value of NAME's BENCH line (bench/lua/common.lua).
bench_kv() {
	sed -n "s/^BENCH .*\\b$2=\\([^ ]*\\).*/\\1/p" "$RAW/$1.txt" | tail -1
}

# wrk_cmd NAME T C SECONDS URL [wrk args]: one wrk run into $RAW/NAME.txt,
# its rusage in NAME.time, CPU snapshots right before and after it in
# NAME.cpu0 and NAME.cpu1.
wrk_cmd() {
	local name=$1 t=$2 c=$3 d=$4 url=$5 n
	shift 5
	LAST_PG=""
	cpu_snap "$RAW/$name.cpu0" before
	if [ -n "${BENCH_PERF:-}" ] && [ "${name%-warmup}" = "$name" ]; then
		perf record -a -g -F 499 -o "$RAW/$name.perf" -- sleep "$d" \
		    >/dev/null 2>&1 &
	fi
	( TIMEFORMAT='%U %S'
	  time wrk -t"$t" -c"$c" -d"${d}s" --timeout 10s --latency "$@" "$url" \
	      >"$RAW/$name.txt" 2>&1 ) 2>"$RAW/$name.time" || true
	cpu_snap "$RAW/$name.cpu1" after
	n=$(bench_kv "$name" requests)
	[ -n "$n" ] || { cat "$RAW/$name.txt" >&2; die "wrk $name produced no result"; }
	REQS_TOTAL=$(( REQS_TOTAL + n ))
}

# scenario NAME LABEL T C URL [wrk args]: warm-up, then a measured run,
# with the database's counters before and after it (NAME.pg0, NAME.pg1).
scenario() {
	local name=$1 label=$2 t=$3 c=$4 url=$5
	shift 5
	say "scenario $name: $label (wrk -t$t -c$c -d${DUR}s)"
	if [ "$WARM" -gt 0 ]; then
		wrk_cmd "$name-warmup" "$t" "$c" "$WARM" "$url" "$@"
	fi
	pgstat >"$RAW/$name.pg0"
	wrk_cmd "$name" "$t" "$c" "$DUR" "$url" "$@"
	pgstat >"$RAW/$name.pg1"
	spec slice "$name" "$label"
}

# def NAME LABEL T C URL [wrk args]: a load the blocks below run by name.
declare -A DEF DEF_LABEL
def() {
	local n=$1
	DEF_LABEL[$n]=$2
	shift 2
	DEF[$n]=$(printf '%q ' "$@")
}
# warm DEF: unmeasured load of DEF for BENCH_WARMUP seconds.
warm() {
	local d=$1
	[ "$WARM" -gt 0 ] || return 0
	eval "set -- ${DEF[$d]}"
	wrk_cmd "$d-warmup" "$1" "$2" "$WARM" "${@:3}"
}
# measure DEF NAME SECONDS LABEL-SUFFIX: one measured slice of DEF, no
# warm-up, with the database's counters before and after it; the reading
# after the previous slice is this one's "before" when nothing ran since
# (pgstat takes over a second).
# The counters are read only while PG_COUNT is set (the first round of
# each comparison: they hardly drift, and a reading costs over a second).
PG_COUNT=1
measure() {
	local d=$1 name=$2 secs=$3 sfx=$4
	eval "set -- ${DEF[$d]}"
	say "slice $name: ${DEF_LABEL[$d]}$sfx (wrk -t$1 -c$2 -d${secs}s)"
	if [ -z "$PG_COUNT" ]; then
		wrk_cmd "$name" "$1" "$2" "$secs" "${@:3}"
	else
		if [ -n "$LAST_PG" ]; then
			cp "$LAST_PG" "$RAW/$name.pg0"
		else
			pgstat >"$RAW/$name.pg0"
		fi
		wrk_cmd "$name" "$1" "$2" "$secs" "${@:3}"
		pgstat >"$RAW/$name.pg1"
		LAST_PG=$RAW/$name.pg1
	fi
	spec slice "$name" "${DEF_LABEL[$d]}$sfx"
}
# abba A DEF-A B DEF-B: BENCH_ROUNDS rounds of A, B, B, A in slices of
# BENCH_SLICE seconds (the machine's speed drifts by a fifth or more
# within a minute, so compared loads run side by side), pooled as A
# (slices A_1 .. A_2R) and B (B_1 .. B_2R); report.pl pairs A_i with B_i,
# the slice next to it, for the interval of the ratio.
CPU_POOLS=""
abba() {
	local r i a=() b=()
	warm "$2"
	warm "$4"
	for r in $(seq "$ROUNDS"); do
		i=$(( 2 * r - 1 ))
		PG_COUNT=$([ "$r" = 1 ] && echo 1 || true)
		measure "$2" "${1}_$i" "$SLICE" " (slice $i)"
		measure "$4" "${3}_$i" "$SLICE" " (slice $i)"
		measure "$4" "${3}_$(( i + 1 ))" "$SLICE" " (slice $(( i + 1 )))"
		measure "$2" "${1}_$(( i + 1 ))" "$SLICE" " (slice $(( i + 1 )))"
		a+=("${1}_$i" "${1}_$(( i + 1 ))")
		b+=("${3}_$i" "${3}_$(( i + 1 ))")
	done
	PG_COUNT=1
	spec pool "$1" "${DEF_LABEL[$2]}" "${a[@]}"
	spec pool "$3" "${DEF_LABEL[$4]}" "${b[@]}"
	CPU_POOLS="$CPU_POOLS $1 $3"
}
# beside_bare NAME BARE-DEF DEF RPS-TARGET [P99-TARGET]: DEF against the
# bare app doing the same request (BARE-DEF), A B B A; the summary row
# NAME with its req/s ratio (>= RPS-TARGET) and, when given, p99 ratio
# (<= P99-TARGET) to the bare app's.
beside_bare() {
	abba "${1}_bare" "$2" "$1" "$3"
	spec row "$1"
	spec target "$1" "$1" "$1.okrps" "${1}_bare.okrps" ">=" "$4" \
	    "x the bare app beside it (req/s)"
	[ -z "${5:-}" ] || spec target "$1-p99" "$1" "$1.p99" "${1}_bare.p99" \
	    "<=" "$5" "x the bare app's p99"
}

S_COMMON=(-s "$BENCH/lua/common.lua")
S_GET=(-s "$BENCH/lua/get_user.lua")
S_POSTDEL=(-s "$BENCH/lua/post_delete.lua")
S_TOKME=(-s "$BENCH/lua/token_me.lua")
export BENCH_NTOK=$NTOK
BASIC_OK="Authorization: Basic $(printf 'benchuser:benchpass1' | base64)"
BASIC_WRONG="Authorization: Basic $(printf 'benchuser:wrongpass1' | base64)"
BASIC_UNKNOWN="Authorization: Basic $(printf 'nosuchuser:wrongpass1' | base64)"
BASIC_DIR="Authorization: Basic $(printf 'diruser:dirpass12' | base64)"
AFTER_BIG=$(printf '%016x' $(( (N - 25) * 1000 + 7 )))
AFTER_SMALL=$(printf '%016x' $(( (SMALL_N - 25) * 1000 + 7 )))
JSON="Content-Type: application/json"

# The loads.  The bare app gets the very requests usersd gets, minus
# the credentials (it checks none).
def ping "GET /ping (FastCGI floor)" "$T" "$C" "$URL/ping" "${S_COMMON[@]}"
def bare_get "GET /api/v2/users/{id}, the bare app" "$T" "$C" "$URL_BARE" "${S_GET[@]}"
def bare_me "GET /api/v2/users/{id} of the session's user, the bare app" "$T" "$C" \
    "$URL_BARE/api/v2/users/$BENCHUSER_ID" "${S_COMMON[@]}"
def bare_postdel "POST /api/v2/users + DELETE it, the bare app" "$T" "$C" \
    "$URL_BARE" "${S_POSTDEL[@]}" -H "$JSON"
def get "GET /api/v2/users/{id}, operator token" "$T" "$C" "$URL" \
    "${S_GET[@]}" -H "$AUTH"
def me "GET /api/v2/me, session cookie" "$T" "$C" "$URL/api/v2/me" \
    "${S_COMMON[@]}" -H "Cookie: $COOKIE"
def list "GET /api/v2/users?limit=20" "$T" "$C" "$URL/api/v2/users?limit=20" \
    "${S_COMMON[@]}" -H "$AUTH"
def after_big "GET /api/v2/users?after=<id 25 from the end>&limit=20, $N users" \
    "$T" "$C" "$URL/api/v2/users?after=$AFTER_BIG&limit=20" "${S_COMMON[@]}" -H "$AUTH"
def after_small "the same, $SMALL_N users (database bench1k)" "$T" "$C" \
    "$URL_SMALL/api/v2/users?after=$AFTER_SMALL&limit=20" "${S_COMMON[@]}" \
    -H "Authorization: Token $TOKEN_SMALL"
def tokens_none "GET /api/v2/authorizations, session of a user who may read none of $NTOK tokens" \
    "$T" "$C" "$URL/api/v2/authorizations" "${S_COMMON[@]}" -H "Cookie: $COOKIE"
def postdel "POST /api/v2/users + DELETE it (alternating)" "$T" "$C" "$URL" \
    "${S_POSTDEL[@]}" -H "$AUTH" -H "$JSON"
def tokme "GET /api/v2/me, one of $NTOK tokens at random" "$T" "$C" "$URL" \
    "${S_TOKME[@]}"

# ------------------------------------------------------------------ floors
say "hash floor: libargon2 argon2id verify m=19456 t=2 p=1, $(nproc) processes"
# hash_floor NAME: one run into $RAW/NAME.txt, its CPU ("user sys",
# the forked processes included) into NAME.time.
hash_floor() {
	( TIMEFORMAT='%U %S'
	  time "$TMP/hashfloor" -m 19456 -t 2 -p 1 -P "$(nproc)" -n 40 \
	      >"$RAW/$1.txt" ) 2>"$RAW/$1.time"
}
hash_floor hashfloor

say "database floor: pgbench -M prepared -n -c 4 -j 2 -T $DUR (user by primary key)"
nkids=$(pgrep -c -P "$PG_PID" || true)
fact PGBENCH_TICKS0 "$(cpu_ticks "$PG_PID")"
( TIMEFORMAT='%U %S'
  time "$PGBIN/pgbench" -M prepared -n -c 4 -j 2 -T "$DUR" -D nusers="$N" \
      -f "$BENCH/pgbench-users.sql" bench >"$RAW/pgbench.txt" 2>&1 ) \
    2>"$RAW/pgbench.time" || { cat "$RAW/pgbench.txt" >&2; die "pgbench failed"; }
# pgbench's backends count once the postmaster has reaped them.
for _ in $(seq 50); do
	[ "$(pgrep -c -P "$PG_PID" || true)" -le "$nkids" ] && break
	sleep 0.1
done
fact PGBENCH_TICKS1 "$(cpu_ticks "$PG_PID")"

# ------------------------------------------------------ memory at start
# Warm every worker first (connections to both databases open, statements
# prepared, heap grown to its working size): a second or two of every
# non-sign-in request kind; not a sign-in (argon2's 19 MiB arena is reported
# separately, at the end).  The bare app too.
say "warming the workers"
for d in get me list after_big after_small tokens_none postdel bare_get \
    bare_postdel; do
	eval "set -- ${DEF[$d]}"
	wrk_cmd "warm-$d" "$1" "$2" 1 "${@:3}"
done
MEM0=$(worker_mem)
MEM0_PIDS=$(workers)
REQS_AT_MEM0=$REQS_TOTAL

# ---------------------------------------------------------------- scenarios
# Each block is a comparison: loads defined above, run side by side, and
# the summary rows and targets they make (bench/report.pl evaluates them).
spec row ping
abba ping ping get_bare_ping bare_get
spec target bare-vs-ping get_bare_ping get_bare_ping.okrps ping.okrps - - \
    "x /ping beside it (req/s; the ceiling's own cost)"
spec row get_bare_ping

beside_bare get bare_get get 0.9 1.2
beside_bare me bare_me me 0.9 1.2
beside_bare list bare_get list 0.75 1.2

abba after_big after_big after_small after_small
spec row after_big
spec target after after_big after_big.p99 after_small.p99 "<=" 1.2 "x the 1k p99 (p99)"
spec row after_small

# The token list of a user who may read none, beside GET /me of the same
# session: scoped in the query, it costs about what /me does.
abba tokens_me me tokens tokens_none
spec row tokens
spec target tokens tokens tokens.p99 tokens_me.p99 "<=" 2 "x GET /me's p99 beside it"
spec row tokens_me

beside_bare postdel bare_postdel postdel 0.8
# The writes leave dead rows in users and new ones in audit_log; their
# autovacuum would fall in whichever slices come next (in 2026-12-08-0110
# one sign-in slice read twice the PostgreSQL CPU of the others).  Vacuum
# them here, outside any measurement.
say "vacuuming what the writes left"
psql -X -q -v ON_ERROR_STOP=1 -d bench -c 'VACUUM (ANALYZE) users, audit_log'

# Memory after >= 100k requests since the start snapshot: top up with GETs.
for round in 1 2 3; do
	need=$(( 100000 - (REQS_TOTAL - REQS_AT_MEM0) ))
	[ "$need" -gt 0 ] || break
	secs=$(awk -v n="$need" -v r="$(bench_kv get_2 s2xx)" -v d="$(bench_kv get_2 duration_us)" \
	    'BEGIN { r = r / (d / 1e6); s = int(1.2 * n / (r > 1 ? r : 1)) + 1; print (s > 120 ? 120 : s) }')
	say "topping up to 100k requests: $need more GETs (${secs}s)"
	eval "set -- ${DEF[get]}"
	wrk_cmd "topup$round" "$1" "$2" "$secs" "${@:3}"
done
MEM1=$(worker_mem)
MEM1_PIDS=$(workers)
MEM1_REQS=$(( REQS_TOTAL - REQS_AT_MEM0 ))

# Sign-in: the right password (204), then mean latency of a wrong password
# and of an unknown user at 2 connections (within hash_concurrency), A B B
# A as wrong, unknown, unknown, wrong.  The machine's argon2 speed drifts
# by up to a fifth from minute to minute, so the right-password sign-in
# runs in 2 x BENCH_ROUNDS slices with a hash-floor run before, between
# and after them; report.pl pairs each slice with the runs around it
# (hashpool).
export BENCH_METHOD=POST
def signin "POST /api/v2/signin, right password" "$T" "$C" "$URL/api/v2/signin" \
    "${S_COMMON[@]}" -H "$BASIC_OK"
say "sign-in slices between hash-floor runs"
warm signin
hash_floor hashfloor-around-0
SIGNIN_SLICES=() HASH_RUNS=(hashfloor-around-0)
for i in $(seq $(( 2 * ROUNDS ))); do
	PG_COUNT=$([ "$i" -le 2 ] && echo 1 || true)
	measure signin "signin_$i" "$SLICE" " (slice $i)"
	hash_floor "hashfloor-around-$i"
	SIGNIN_SLICES+=("signin_$i")
	HASH_RUNS+=("hashfloor-around-$i")
done
PG_COUNT=1
spec pool signin "${DEF_LABEL[signin]}" "${SIGNIN_SLICES[@]}"
spec hashpool hash_around "the hash floor around each sign-in slice" "${HASH_RUNS[@]}"
CPU_POOLS="$CPU_POOLS signin"
spec row signin
spec target signin signin signin.okrps hash_around.okrps ">=" 0.95 "x hash floor"
def wrongpw "POST /api/v2/signin, wrong password" 1 2 "$URL/api/v2/signin" \
    "${S_COMMON[@]}" -H "$BASIC_WRONG"
def unknown "POST /api/v2/signin, unknown user" 1 2 "$URL/api/v2/signin" \
    "${S_COMMON[@]}" -H "$BASIC_UNKNOWN"
abba wrongpw wrongpw unknown unknown
unset BENCH_METHOD
spec row wrongpw
spec row unknown
spec target unknown-vs-wrong unknown unknown.mean wrongpw.mean in 0.9..1.1 \
    "x wrong password (mean latency)"

# Directory sign-in beside local sign-in, A B B A at 2 connections: a
# search and two binds on slapd (ldapi://) against one argon2 verify.
export BENCH_METHOD=POST
def localsignin "POST /api/v2/signin, local user (argon2)" 1 2 \
    "$URL/api/v2/signin" "${S_COMMON[@]}" -H "$BASIC_OK"
def dirsignin "POST /api/v2/signin, directory user (slapd, ldapi://)" 1 2 \
    "$URL/api/v2/signin" "${S_COMMON[@]}" -H "$BASIC_DIR"
# One round: no target rides on it, and each slice is seconds of hashing.
ROUNDS=1 abba localsignin localsignin dirsignin dirsignin
unset BENCH_METHOD
spec row dirsignin
spec row localsignin

# GET while 16 connections flood sign-in with wrong passwords.
FLOOD_SECS=$(( DUR + WARM + 5 ))
say "scenario flood: 16 connections of wrong-password sign-ins in the background"
( export BENCH_METHOD=POST
  TIMEFORMAT='%U %S'
  time wrk -t1 -c16 -d"${FLOOD_SECS}s" --timeout 10s --latency "${S_COMMON[@]}" \
      -H "$BASIC_WRONG" "$URL/api/v2/signin" >"$RAW/flood-bg.txt" 2>&1 ) \
    2>"$RAW/flood-bg.time" &
BG_PIDS+=($!)
sleep 1
scenario flood "GET /api/v2/users/{id} during a 16-connection wrong-password sign-in flood" \
    "$T" "$C" "$URL" "${S_GET[@]}" -H "$AUTH"
wait "${BG_PIDS[@]}" 2>/dev/null || true
BG_PIDS=()
spec row flood
spec target flood flood flood.okrps get.okrps ">=" 0.4 "x GET alone"

MEM2=$(worker_mem)
spec row memory "worker private memory after $MEM1_REQS requests / at start ($MEM1 / $MEM0 KiB)"
spec target memory memory fact.MEM1 fact.MEM0 "<=" 1.05 "(private memory ratio)"

spec note "The ceiling: bench/bare.c behind the same $SERVER, $WORKERS workers, one prepared statement per request and usersd's response byte for byte (run.sh compares the JSON); /me is compared with the bare GET of the session's own user; the bare POST is INSERT INTO users (name) ... RETURNING, the DELETE by id, a commit each, synchronous_commit on, the users table's audit triggers firing as for usersd."
spec note "Sign-in runs with \`signin_max_failures = 1000000\` (and the same for the address, and \`signin_max_failures_per_instance = 100000000\`) in the usersd configuration, so the wrong-password, unknown-user and flood scenarios measure argon2id rather than the throttle (default 5 failures) or the failure budget (default 1000; its price is the last row, with a budget of 1).  \`hash_concurrency\` is left at its default (one per CPU = $(nproc)): the excess sign-ins are answered 429 within 50 ms; those are counted in the non-2xx column and not in req/s."
spec note "\"after\": \`after\` is the id of seeded user N-25, so both databases return a full page of 20; the ratio compares p99 at $N users with p99 at $SMALL_N users (req/s: {after_big.okrps} vs {after_small.okrps})."
spec note "\"tokens\": $NTOK tokens of the seeded users, in org o; the session of benchuser (no token, no role) lists /api/v2/authorizations and reads none; its p99 is compared with GET /api/v2/me of the same session, side by side (req/s: {tokens.okrps} vs {tokens_me.okrps})."

# Synchronous replication: POST+DELETE with every commit waiting for a
# streaming standby of the same cluster (pg_basebackup, same machine and
# disk) to have it on disk, beside the same writes on the primary alone
# (the standby stopped): single, sync, sync, single.
say "synchronous standby: pg_basebackup of the bench cluster into $STANDBY"
bash tests/lib/pg.sh standby "$STANDBY" "$PGDIR" >/dev/null
STANDBY_STARTED=1
bash tests/lib/pg.sh stop "$STANDBY"
warm postdel
measure postdel syncrep_single_1 "$SLICE" " (single server, slice 1)"
bash tests/lib/pg.sh start "$STANDBY" >/dev/null
bash tests/lib/pg.sh sync "$PGDIR" standby
warm postdel
measure postdel syncrep_1 "$SLICE" " (synchronous standby, slice 1)"
measure postdel syncrep_2 "$SLICE" " (synchronous standby, slice 2)"
psql -X -q -d postgres -c 'ALTER SYSTEM RESET synchronous_standby_names' \
    -c 'SELECT pg_reload_conf()' >/dev/null
bash tests/lib/pg.sh stop "$STANDBY"
STANDBY_STARTED=""
warm postdel
measure postdel syncrep_single_2 "$SLICE" " (single server, slice 2)"
spec pool syncrep "POST /api/v2/users + DELETE it, synchronous standby" syncrep_1 syncrep_2
spec pool syncrep_single "the same, single server" syncrep_single_1 syncrep_single_2
CPU_POOLS="$CPU_POOLS syncrep syncrep_single"
spec row syncrep_single
spec row syncrep
spec target syncrep syncrep syncrep.okrps syncrep_single.okrps - - \
    "x the single server (the cost, measured)"
spec note "Synchronous replication: a standby made with pg_basebackup from the bench cluster, on the same machine and disk (fsync on), streaming through a slot; for the synchronous slices \`synchronous_standby_names\` names it, so each commit waits until the standby has flushed it.  The single-server slices run with the standby stopped.  Order: single, sync, sync, single.  The standby's own CPU shows as \"other processes\"."

# The metrics cost: GET by id with metrics = on against off, A B B A, on
# the same master.  Before each slice the master re-reads usersd.conf
# (SIGHUP) and replaces every worker, so each slice starts from fresh
# workers and connections alike.
# conf_set KEY VALUE: KEY = VALUE in usersd.conf, every worker replaced.
conf_set() {
	local old p left
	sed -i "s/^$1 = .*/$1 = $2/" "$RUN/usersd.conf"
	old=$(workers)
	kill -HUP "$USERSD_PID"
	for _ in $(seq 300); do
		left=0
		for p in $old; do [ -d "/proc/$p" ] && left=1; done
		[ "$left" = 0 ] && [ "$(workers | wc -w)" -eq "$(echo $old | wc -w)" ] && break
		sleep 0.1
	done
	[ "$left" = 0 ] || die "the workers were not replaced after SIGHUP"
	LAST_PG=""              # the new workers' connections count too
}
metrics_mode() {
	conf_set metrics "$1"
	check "GET /metrics with metrics = $1" "$([ "$1" = on ] && echo 200 || echo 404)" \
	    "$URL/metrics"
}
MON=() MOFF=()
for r in $(seq "$ROUNDS"); do
	i=$(( 2 * r - 1 )) j=$(( 2 * r ))
	PG_COUNT=$([ "$r" = 1 ] && echo 1 || true)
	for k in mon_$i:on moff_$i:off moff_$j:off mon_$j:on; do
		say "metrics = ${k#*:}: reloading the master"
		metrics_mode "${k#*:}"
		measure get "${k%%:*}" "$SLICE" ", metrics = ${k#*:} (${k%%:*})"
	done
	MON+=("mon_$i" "mon_$j") MOFF+=("moff_$i" "moff_$j")
done
PG_COUNT=1
spec pool mon "GET /api/v2/users/{id}, metrics = on" "${MON[@]}"
spec pool moff "GET /api/v2/users/{id}, metrics = off" "${MOFF[@]}"
CPU_POOLS="$CPU_POOLS mon moff"
spec row moff
spec row mon
spec target metrics mon mon.okrps moff.okrps ">=" 0.97 "x metrics = off (cost < 3 %)"
spec note "Metrics: the GET by id with metrics = on (every request adds to the shared counter block) and off (nothing counted), in rounds of on, off, off, on, after the sign-in scenarios; before each slice the master re-reads its configuration with the new value (SIGHUP) and replaces every worker."

# The cost of recording tokens' last use, token_last_use = 1 against 0,
# A B B A on the same master as for metrics (each slice on freshly
# replaced workers): the GET by id with the operator token (its use is
# written once a minute), the row with the target; and GET /me with one
# of the $NTOK seeded tokens at random per request, their last uses
# cleared first, so that nearly every request of the first minute writes
# one: the cost of a cold start, reported.
# last_use NAME DEF: the rounds of DEF as NAME (on) and NAME"off" (off).
last_use() {
	local on=() off=() r i j k
	for r in $(seq "$ROUNDS"); do
		i=$(( 2 * r - 1 )) j=$(( 2 * r ))
		PG_COUNT=$([ "$r" = 1 ] && echo 1 || true)
		for k in ${1}_$i:1 ${1}off_$i:0 ${1}off_$j:0 ${1}_$j:1; do
			say "token_last_use = ${k#*:}: reloading the master"
			conf_set token_last_use "${k#*:}"
			measure "$2" "${k%%:*}" "$SLICE" ", token_last_use = ${k#*:} (${k%%:*})"
		done
		on+=("${1}_$i" "${1}_$j") off+=("${1}off_$i" "${1}off_$j")
	done
	PG_COUNT=1
	spec pool "$1" "${DEF_LABEL[$2]}, token_last_use = 1" "${on[@]}"
	spec pool "${1}off" "${DEF_LABEL[$2]}, token_last_use = 0" "${off[@]}"
	CPU_POOLS="$CPU_POOLS $1 ${1}off"
	spec row "${1}off"
	spec row "$1"
}
last_use tlu get
spec target last-use tlu tlu.okrps tluoff.okrps ">=" 0.95 "x token_last_use = 0 (cost < 5 %)"
psql -X -q -v ON_ERROR_STOP=1 -d bench -c 'DELETE FROM authorization_use'
ROUNDS=1 last_use tlucold tokme	# reported, no target: one round
TLU_ROWS=$(psql -X -At -d bench -c 'SELECT count(*) FROM authorization_use')
spec target last-use-cold tlucold tlucold.okrps tlucoldoff.okrps - - \
    "x token_last_use = 0 (the cost of a cold start, measured)"
spec note "Last use: token_last_use = 1 (a token whose use is a minute old writes it, in a statement after the read, committed without waiting for the disk) against 0, in rounds of on, off, off, on after the metrics rounds, each slice on freshly replaced workers.  tlu: the GET by id with the operator token, written once a minute.  tlucold: GET /api/v2/me with one of the $NTOK seeded tokens at random per request, their last uses cleared first, so that nearly every request of the first minute writes one ($TLU_ROWS tokens had one at the end): the worst case, a write per request."

# The failure budget's price (docs/deploy.md "Fair shares"): past it, an
# unknown name answers without the dummy hash.  One slice with a budget
# of 1 (spent by the wrong-password slices above), beside the wrong
# password's mean latency; reported, the documented trade-off.
say "signin_max_failures_per_instance = 1: reloading the master"
conf_set signin_max_failures_per_instance 1
export BENCH_METHOD=POST
measure unknown unknownspent "$SLICE" ", the instance past its failure budget"
unset BENCH_METHOD
spec pool unknownspent "POST /api/v2/signin, unknown user, the instance past its failure budget" unknownspent
spec row unknownspent
spec target unknown-spent unknownspent unknownspent.mean wrongpw.mean - - \
    "x wrong password (mean latency; the budget's price, measured)"

LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
ELAPSED=$(( $(date +%s) - T_START ))
say "measurements done in ${ELAPSED}s; writing $RESULTS"

# ------------------------------------------------------------------ report
{
	printf 'STAMP=%s\nN=%s\nDUR=%s\nSERVER=%s\nSIGNIN_WORKERS=%s\n' \
	    "$STAMP" "$N" "$DUR" "$SERVER" "$SIGNIN_WORKERS"
	printf 'WORKERS=%s\nALL_WORKERS=%s\nT=%s\nC=%s\nWARM=%s\nROUNDS=%s\nSLICE=%s\n' \
	    "$WORKERS" "$(( WORKERS + SIGNIN_WORKERS ))" "$T" "$C" "$WARM" "$ROUNDS" "$SLICE"
	printf 'COMMIT=%s%s\n' "$(git rev-parse --short HEAD 2>/dev/null || echo '?')" \
	    "$(git diff --quiet HEAD 2>/dev/null || echo ', work tree modified')"
	printf 'ELAPSED=%s\nNPROC=%s\nCLK=%s\n' "$ELAPSED" "$(nproc)" "$CLK"
	printf 'LOAD_START=%s\nLOAD_END=%s\n' "$LOAD_START" "$LOAD_END"
	printf 'MEM0=%s\nMEM1=%s\nMEM2=%s\nMEM1_REQS=%s\n' "$MEM0" "$MEM1" "$MEM2" "$MEM1_REQS"
	printf 'MEM0_PIDS=%s\nMEM1_PIDS=%s\nFLOOD_SECS=%s\n' "$MEM0_PIDS" "$MEM1_PIDS" "$FLOOD_SECS"
	printf 'SEED_S=%s\nDB_SIZE=%s\nWEB_NOTE=%s\n' "$SEED_S" "$DB_SIZE" "$WEB_NOTE"
	printf 'PGVER=%s\n' "$("$PGBIN/postgres" -V | sed 's/^postgres (PostgreSQL) //')"
	printf 'WRK_VER=%s\n' "$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
	printf 'MACHINE=%s vCPUs (%s), %s RAM, kernel %s, %s\n' "$(nproc)" \
	    "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)" \
	    "$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)" \
	    "$(uname -r)" "$(. /etc/os-release && echo "$PRETTY_NAME")"
	[ "$SIGNIN_WORKERS" -eq 0 ] || printf 'POOL_NOTE=Sign-in pool: %s more workers of the same master on a second socket (--signin-listen); %s sends POST /api/v2/signin there (BENCH_SIGNIN_WORKERS=%s; 0 is one pool).\n' \
	    "$SIGNIN_WORKERS" "$SERVER" "$SIGNIN_WORKERS"
	printf 'CPU_POOLS=%s\n' "$CPU_POOLS"
} >>"$RAW/facts"
cat >"$RAW/floors" <<'EOF'
FastCGI: GET /ping through the web server and the usersd workers | {ping.okrps} req/s over its slices (beside the bare GET), p50 {ping.p50_ms} ms, p99 {ping.p99_ms} ms
Ceiling: the bare app (bench/bare.c), GET /api/v2/users/{id} beside /ping | {get_bare_ping.okrps} req/s, p50 {get_bare_ping.p50_ms} ms, p99 {get_bare_ping.p99_ms} ms; beside GET by id {get_bare.okrps}, /me {me_bare.okrps}, list {list_bare.okrps}, POST+DELETE {postdel_bare.okrps}
EOF
mkdir -p "$RESULTS_DIR"
perl "$BENCH/report.pl" "$RAW" "$RESULTS"
echo "Written: ${RESULTS#$ROOT/}"
