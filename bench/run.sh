#!/bin/bash
# bench/run.sh -- "make bench": load-test usersd on this machine against its
# own floors, in one run, and write bench/results/<YYYY-MM-DD-HHMM>.md.
#
# Everything runs in a private directory under /tmp (removed on exit, also
# on Ctrl-C): a PostgreSQL cluster (tests/lib/pg.sh, fsync on) with two
# databases, "bench" (BENCH_USERS seeded users) and "bench1k" (1000), the
# usersd master with 4 workers on a unix socket (plus its sign-in pool on a
# second one), and nginx (or lighttpd) on 127.0.0.1.  wrk drives the
# scenarios; the floors are /ping through the same stack, pgbench on the
# same cluster and raw libargon2 (bench/hashfloor.c).  Last, a streaming
# standby of the cluster measures what synchronous replication costs the
# writes (single server vs synchronous standby, side by side).
#
# Knobs (environment):
#   BENCH_USERS=100000     users seeded into "bench" (1000000 for the large run)
#   BENCH_DURATION=10      seconds per wrk/pgbench run ("10s" works too)
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
# A missed target prints MISS; it never fails the run.  The run fails only
# when the stack cannot be set up or does not answer correctly.
set -eu -o pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd -P)
BENCH=$ROOT/bench

N=${BENCH_USERS:-100000}
DUR=${BENCH_DURATION:-10}
DUR=${DUR%s}
SERVER=${BENCH_SERVER:-nginx}
WARM=${BENCH_WARMUP:-1}
WARM=${WARM%s}
SMALL_N=1000
T=2 C=32                 # the default wrk load: -t2 -c32
WORKERS=4
SIGNIN_WORKERS=${BENCH_SIGNIN_WORKERS:-$(nproc)}
PGBIN=${PG_BINDIR:-$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)}

die() { echo "bench: $*" >&2; exit 1; }
case $N in ''|*[!0-9]*) die "BENCH_USERS must be a number" ;; esac
case $DUR in ''|*[!0-9]*) die "BENCH_DURATION must be whole seconds" ;; esac
case $WARM in ''|*[!0-9]*) die "BENCH_WARMUP must be whole seconds" ;; esac
[ "$N" -ge 100 ] && [ "$N" -le 2000000 ] || die "BENCH_USERS must be 100..2000000"
[ "$DUR" -ge 1 ] || die "BENCH_DURATION must be at least 1"
case $SERVER in nginx|lighttpd) ;; *) die "BENCH_SERVER must be nginx or lighttpd" ;; esac
case $SIGNIN_WORKERS in ''|*[!0-9]*) die "BENCH_SIGNIN_WORKERS must be a number" ;; esac
for b in build/usersd build/usersctl; do
	[ -x "$b" ] || die "$b is missing (run make)"
done
for t in wrk curl psql cc awk pgrep ss "$SERVER" "$PGBIN/pgbench"; do
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
USERSD_PID="" WEB_PID="" PG_STARTED="" STANDBY_STARTED="" BG_PIDS=()

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
echo benchpass1 | USERSD_DB=$DB_BIG build/usersctl user add benchuser \
    >/dev/null 2>&1 || die "usersctl user add benchuser failed"
DB_SIZE=$(psql -X -Atq -d bench -c \
    "SELECT pg_size_pretty(pg_total_relation_size('users'))")

# ------------------------------------------------------------------ usersd
cat >"$RUN/usersd.conf" <<EOF
# written by bench/run.sh
db = $DB_BIG
instance.small = $DB_SMALL
log_level = warn
run_dir = $RUN
# The sign-in scenarios measure hashing, not throttling.
signin_max_failures = 1000000
metrics = on
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
render() {
	sed -e "s|@PORT@|$PORT|g" -e "s|@PORT_SMALL@|$PORT_SMALL|g" \
	    -e "s|@SOCKET@|$SOCK|g" -e "s|@SIGNIN_SOCKET@|$SIGNIN_SOCK|g" \
	    -e "s|@RUNDIR@|$RUN|g" "$1"
}
say "starting $SERVER on 127.0.0.1:$PORT (and :$PORT_SMALL for bench1k)"
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
check "POST /api/v2/signin (wrong password)" 401 -u benchuser:wrongpass1 \
    -d '' "$URL/api/v2/signin"

# BENCH_HOLD=1: leave the stack up for profiling by hand, until Ctrl-C.
if [ -n "${BENCH_HOLD:-}" ]; then
	cat >"$TMP/hold.env" <<EOF
URL='$URL' URL_SMALL='$URL_SMALL' USERSD_PID=$USERSD_PID
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
# cpu_snap FILE before|after: "pg web usersd machine-ticks wall-us".  The
# machine's ticks and the wall clock are read together, as close to the
# measured run as possible (last before it, first after it).
cpu_snap() {
	local m t g
	if [ "$2" = after ]; then
		t=$EPOCHREALTIME m=$(busy_ticks)
	fi
	g="$(cpu_ticks "$PG_PID") $(cpu_ticks "$WEB_PID") $(cpu_ticks "$USERSD_PID")"
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
# databases) a transaction -- 16 concurrent GETs on each port -- which makes
# them flush, then read.
pgstat() {
	local i u=() s=()
	sleep 1.1
	for i in $(seq 16); do
		u+=(-o /dev/null "$URL/api/v2/users/$FIRST_ID")
		s+=(-o /dev/null "$URL_SMALL/api/v2/users/$FIRST_ID")
	done
	curl -s --parallel --parallel-max 16 -H "$AUTH" "${u[@]}" 2>/dev/null || true
	curl -s --parallel --parallel-max 16 -H "Authorization: Token $TOKEN_SMALL" \
	    "${s[@]}" 2>/dev/null || true
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

declare -A R            # R[scenario.key] = value
SCEN=()                 # measured scenarios, in order
REQS_TOTAL=0            # requests sent through the stack by wrk
export BENCH_LUA=$BENCH/lua BENCH_NUSERS=$N

# wrk_cmd NAME T C SECONDS URL [wrk args]: one wrk run, its rusage in
# $RAW/NAME.time, CPU snapshots right before and after it in
# $RAW/NAME.cpu[01] (R[NAME.wall]: seconds between them); parses the BENCH
# line into R[NAME.*].
wrk_cmd() {
	local name=$1 t=$2 c=$3 d=$4 url=$5 kv line a b
	shift 5
	cpu_snap "$RAW/$name.cpu0" before
	if [ -n "${BENCH_PERF:-}" ] && [ "${name%-warmup}" = "$name" ]; then
		perf record -a -g -F 499 -o "$RAW/$name.perf" -- sleep "$d" \
		    >/dev/null 2>&1 &
	fi
	( TIMEFORMAT='%U %S'
	  time wrk -t"$t" -c"$c" -d"${d}s" --timeout 10s --latency "$@" "$url" \
	      >"$RAW/$name.txt" 2>&1 ) 2>"$RAW/$name.time" || true
	cpu_snap "$RAW/$name.cpu1" after
	read -r -a a <"$RAW/$name.cpu0"
	read -r -a b <"$RAW/$name.cpu1"
	R[$name.cpu_pg]=$(( b[0] - a[0] ))
	R[$name.cpu_web]=$(( b[1] - a[1] ))
	R[$name.cpu_usersd]=$(( b[2] - a[2] ))
	R[$name.cpu_machine]=$(( b[3] - a[3] ))
	R[$name.wall]=$(calc "(${b[4]} - ${a[4]}) / 1e6" 3)
	line=$(grep '^BENCH ' "$RAW/$name.txt" | tail -1 || true)
	[ -n "$line" ] || { cat "$RAW/$name.txt" >&2; die "wrk $name produced no result"; }
	for kv in ${line#BENCH }; do
		R[$name.${kv%%=*}]=${kv#*=}
	done
	R[$name.wrk_s]=$(awk '{ print $1 + $2 }' "$RAW/$name.time")
	R[$name.conns]="-t$t -c$c"
	REQS_TOTAL=$(( REQS_TOTAL + ${R[$name.requests]} ))
	R[$name.okrps]=$(calc "${R[$name.s2xx]} / (${R[$name.duration_us]} / 1e6)" 1)
}

# scenario NAME LABEL T C URL [wrk args]: warm-up, then a measured run;
# CPU per process group over the measured run into R[NAME.cpu_*].
scenario() {
	local name=$1 label=$2 t=$3 c=$4 url=$5
	shift 5
	say "scenario $name: $label (wrk -t$t -c$c -d${DUR}s)"
	local p0 p1
	if [ "$WARM" -gt 0 ]; then
		wrk_cmd "$name-warmup" "$t" "$c" "$WARM" "$url" "$@"
	fi
	p0=($(pgstat))
	wrk_cmd "$name" "$t" "$c" "$DUR" "$url" "$@"
	p1=($(pgstat))
	R[$name.pg_xacts]=$(( p1[0] - p0[0] ))
	R[$name.pg_rows]=$(( p1[1] - p0[1] ))
	R[$name.label]=$label
	SCEN+=("$name")
}

S_COMMON=(-s "$BENCH/lua/common.lua")
S_GET=(-s "$BENCH/lua/get_user.lua")
S_POSTDEL=(-s "$BENCH/lua/post_delete.lua")
BASIC_OK="Authorization: Basic $(printf 'benchuser:benchpass1' | base64)"
BASIC_WRONG="Authorization: Basic $(printf 'benchuser:wrongpass1' | base64)"
BASIC_UNKNOWN="Authorization: Basic $(printf 'nosuchuser:wrongpass1' | base64)"
AFTER_BIG=$(printf '%016x' $(( (N - 25) * 1000 + 7 )))
AFTER_SMALL=$(printf '%016x' $(( (SMALL_N - 25) * 1000 + 7 )))

# ------------------------------------------------------------------ floors
say "hash floor: libargon2 argon2id verify m=19456 t=2 p=1, $(nproc) processes"
# hash_floor FILE: raw libargon2 verifies/s on every core, into FILE.
hash_floor() {
	"$TMP/hashfloor" -m 19456 -t 2 -p 1 -P "$(nproc)" -n 40 >"$1"
	sed -n 's/.*hashes_per_s=\([0-9.]*\).*/\1/p' "$1"
}
HASH_FLOOR=$(hash_floor "$RAW/hashfloor.txt")
HASH_MS=$(sed -n 's/.*ms_per_hash_per_proc=\([0-9.]*\).*/\1/p' "$RAW/hashfloor.txt")

say "database floor: pgbench -M prepared -n -c 4 -j 2 -T $DUR (user by primary key)"
nkids=$(pgrep -c -P "$PG_PID" || true)
a=$(cpu_ticks "$PG_PID")
( TIMEFORMAT='%U %S'
  time "$PGBIN/pgbench" -M prepared -n -c 4 -j 2 -T "$DUR" -D nusers="$N" \
      -f "$BENCH/pgbench-users.sql" bench >"$RAW/pgbench.txt" 2>&1 ) \
    2>"$RAW/pgbench.time" || { cat "$RAW/pgbench.txt" >&2; die "pgbench failed"; }
# pgbench's backends count once the postmaster has reaped them.
for _ in $(seq 50); do
	[ "$(pgrep -c -P "$PG_PID" || true)" -le "$nkids" ] && break
	sleep 0.1
done
b=$(cpu_ticks "$PG_PID")
PG_TPS=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$RAW/pgbench.txt" | head -1)
PG_TPS=$(calc "$PG_TPS" 0)
PG_LAT=$(sed -n 's/^latency average = \([0-9.]*\).*/\1/p' "$RAW/pgbench.txt" | head -1)
PG_XACTS=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$RAW/pgbench.txt")
PG_CPU_PG=$(calc "($b - $a) * 1e6 / $CLK / $PG_XACTS" 1)
PG_CPU_CLIENT=$(calc "$(awk '{ print $1 + $2 }' "$RAW/pgbench.time") * 1e6 / $PG_XACTS" 1)

# ------------------------------------------------------ memory at start
# Warm every worker first (connections to both databases open, statements
# prepared, heap grown to its working size): a second or two of every
# non-sign-in request kind; not a sign-in (argon2's 19 MiB arena is reported
# separately, at the end).
say "warming the workers"
wrk_cmd warm-get "$T" "$C" 2 "$URL" "${S_GET[@]}" -H "$AUTH"
wrk_cmd warm-me "$T" "$C" 1 "$URL/api/v2/me" "${S_COMMON[@]}" -H "Cookie: $COOKIE"
wrk_cmd warm-list "$T" "$C" 1 "$URL/api/v2/users?limit=20" "${S_COMMON[@]}" -H "$AUTH"
wrk_cmd warm-after "$T" "$C" 1 "$URL/api/v2/users?after=$AFTER_BIG&limit=20" \
    "${S_COMMON[@]}" -H "$AUTH"
wrk_cmd warm-after-small "$T" "$C" 1 "$URL_SMALL/api/v2/users?after=$AFTER_SMALL&limit=20" \
    "${S_COMMON[@]}" -H "Authorization: Token $TOKEN_SMALL"
wrk_cmd warm-postdel "$T" "$C" 1 "$URL" "${S_POSTDEL[@]}" -H "$AUTH" \
    -H "Content-Type: application/json"
MEM0=$(worker_mem)
MEM0_PIDS=$(workers)
REQS_AT_MEM0=$REQS_TOTAL

# ---------------------------------------------------------------- scenarios
# combine_slices NAME LABEL SLICE...: R[NAME.*] pooled from the slices --
# counts summed; mean, p50 and p99 the slices' own, weighted by requests.
combine_slices() {
	local n=$1 k x sum
	R[$n.label]=$2
	shift 2
	for k in requests s2xx s429 sother sockerr timeouts duration_us; do
		sum=0
		for x in "$@"; do sum=$(( sum + ${R[$x.$k]} )); done
		R[$n.$k]=$sum
	done
	for k in mean_us p50_us p99_us; do
		sum=0
		for x in "$@"; do
			sum=$(calc "$sum + ${R[$x.$k]} * ${R[$x.requests]}" 1)
		done
		R[$n.$k]=$(calc "$sum / ${R[$n.requests]}" 1)
	done
	R[$n.last_other]=0
	for x in "$@"; do
		[ "${R[$x.last_other]}" = 0 ] || R[$n.last_other]=${R[$x.last_other]}
	done
	R[$n.okrps]=$(calc "${R[$n.s2xx]} / (${R[$n.duration_us]} / 1e6)" 1)
}

# The machine's speed drifts by a fifth or more within a minute (the /ping
# rate too), so each ratio compares measurements taken side by side, in
# half-length slices: A B B A, pooled by combine_slices.
half=$(( (DUR + 1) / 2 ))
PING_SLICES=()
# beside_ping NAME LABEL URL [wrk args]: /ping, NAME, NAME, /ping;
# R[NAME.*] and R[NAME_ping.*], the floor beside it.
beside_ping() {
	local name=$1 label=$2
	shift 2
	DUR=$half scenario "${name}_ping1" "GET /ping beside $name (1)" "$T" "$C" \
	    "$URL/ping" "${S_COMMON[@]}"
	DUR=$half scenario "${name}_1" "$label (slice 1)" "$T" "$C" "$@"
	DUR=$half scenario "${name}_2" "$label (slice 2)" "$T" "$C" "$@"
	DUR=$half scenario "${name}_ping2" "GET /ping beside $name (2)" "$T" "$C" \
	    "$URL/ping" "${S_COMMON[@]}"
	combine_slices "$name" "$label" "${name}_1" "${name}_2"
	combine_slices "${name}_ping" "GET /ping beside $name" \
	    "${name}_ping1" "${name}_ping2"
	PING_SLICES+=("${name}_ping1" "${name}_ping2")
}
beside_ping get "GET /api/v2/users/{id}, operator token" "$URL" \
    "${S_GET[@]}" -H "$AUTH"
beside_ping me "GET /api/v2/me, session cookie" "$URL/api/v2/me" \
    "${S_COMMON[@]}" -H "Cookie: $COOKIE"
beside_ping list "GET /api/v2/users?limit=20" "$URL/api/v2/users?limit=20" \
    "${S_COMMON[@]}" -H "$AUTH"
# after= at N users against 1k: big, small, small, big.
for k in after_big_1 after_small_1 after_small_2 after_big_2; do
	case $k in
	after_big*) DUR=$half scenario "$k" "GET /api/v2/users?after=<id 25 from the end>&limit=20, $N users (slice ${k##*_})" \
	    "$T" "$C" "$URL/api/v2/users?after=$AFTER_BIG&limit=20" "${S_COMMON[@]}" -H "$AUTH" ;;
	*) DUR=$half scenario "$k" "the same, $SMALL_N users (database bench1k, slice ${k##*_})" "$T" "$C" \
	    "$URL_SMALL/api/v2/users?after=$AFTER_SMALL&limit=20" "${S_COMMON[@]}" \
	    -H "Authorization: Token $TOKEN_SMALL" ;;
	esac
done
combine_slices after_big "GET /api/v2/users?after=<id 25 from the end>&limit=20, $N users (slices 1 + 2)" \
    after_big_1 after_big_2
combine_slices after_small "the same, $SMALL_N users (database bench1k, slices 1 + 2)" \
    after_small_1 after_small_2
beside_ping postdel "POST /api/v2/users + DELETE it (alternating)" "$URL" \
    "${S_POSTDEL[@]}" -H "$AUTH" -H "Content-Type: application/json"
combine_slices ping "GET /ping (FastCGI floor; all its slices)" "${PING_SLICES[@]}"


# Memory after >= 100k requests since the start snapshot: top up with GETs.
for round in 1 2 3; do
	need=$(( 100000 - (REQS_TOTAL - REQS_AT_MEM0) ))
	[ "$need" -gt 0 ] || break
	secs=$(awk -v n="$need" -v r="${R[get.okrps]}" \
	    'BEGIN { s = int(1.2 * n / (r > 1 ? r : 1)) + 1; print (s > 120 ? 120 : s) }')
	say "topping up to 100k requests: $need more GETs (${secs}s)"
	wrk_cmd "topup$round" "$T" "$C" "$secs" "$URL" "${S_GET[@]}" -H "$AUTH"
done
MEM1=$(worker_mem)
MEM1_PIDS=$(workers)
MEM1_REQS=$(( REQS_TOTAL - REQS_AT_MEM0 ))

# Sign-in: the right password (204), then mean latency of a wrong password
# and of an unknown user at 2 connections (within hash_concurrency).  The
# machine's speed drifts by more than the 10 % the comparison allows, so
# the two run in half-length slices, interleaved wrong, unknown, unknown,
# wrong, and each kind's slices are pooled (combine_slices).
# The machine's argon2 speed drifts by up to a fifth from minute to
# minute, so the sign-in rate is compared with the hash floor measured
# right before and right after it (their mean), not the one at the start.
say "hash floor again, around the sign-in scenario"
HASH_BEFORE=$(hash_floor "$RAW/hashfloor-before.txt")
BENCH_METHOD=POST scenario signin "POST /api/v2/signin, right password" \
    "$T" "$C" "$URL/api/v2/signin" "${S_COMMON[@]}" -H "$BASIC_OK"
HASH_AFTER=$(hash_floor "$RAW/hashfloor-after.txt")
HASH_AROUND=$(calc "($HASH_BEFORE + $HASH_AFTER) / 2" 1)
for k in wrongpw_1:WRONG unknown_1:UNKNOWN unknown_2:UNKNOWN wrongpw_2:WRONG; do
	name=${k%%:*}
	case ${k#*:} in
	WRONG) hdr=$BASIC_WRONG label="POST /api/v2/signin, wrong password (slice ${name#*_})" ;;
	*) hdr=$BASIC_UNKNOWN label="POST /api/v2/signin, unknown user (slice ${name#*_})" ;;
	esac
	DUR=$half BENCH_METHOD=POST scenario "$name" "$label" 1 2 \
	    "$URL/api/v2/signin" "${S_COMMON[@]}" -H "$hdr"
done
combine_slices wrongpw "POST /api/v2/signin, wrong password (slices 1 + 2)" wrongpw_1 wrongpw_2
combine_slices unknown "POST /api/v2/signin, unknown user (slices 1 + 2)" unknown_1 unknown_2

# GET while 16 connections flood sign-in with wrong passwords.
say "scenario flood: 16 connections of wrong-password sign-ins in the background"
( export BENCH_METHOD=POST
  TIMEFORMAT='%U %S'
  time wrk -t1 -c16 -d"$(( DUR + WARM + 5 ))s" --timeout 10s --latency "${S_COMMON[@]}" \
      -H "$BASIC_WRONG" "$URL/api/v2/signin" >"$RAW/flood-bg.txt" 2>&1 ) \
    2>"$RAW/flood-bg.time" &
BG_PIDS+=($!)
sleep 1
scenario flood "GET /api/v2/users/{id} during a 16-connection wrong-password sign-in flood" \
    "$T" "$C" "$URL" "${S_GET[@]}" -H "$AUTH"
wait "${BG_PIDS[@]}" 2>/dev/null || true
BG_PIDS=()
FLOOD_LINE=$(grep '^BENCH ' "$RAW/flood-bg.txt" | tail -1 || true)
for kv in ${FLOOD_LINE#BENCH }; do R[floodbg.${kv%%=*}]=${kv#*=}; done

# Synchronous replication: POST+DELETE with every commit waiting for a
# streaming standby of the same cluster (pg_basebackup, same machine and
# disk) to have it on disk, side by side with the same writes on the
# primary alone (the standby stopped): single, sync, sync, single.
say "synchronous standby: pg_basebackup of the bench cluster into $STANDBY"
bash tests/lib/pg.sh standby "$STANDBY" "$PGDIR" >/dev/null
STANDBY_STARTED=1
bash tests/lib/pg.sh stop "$STANDBY"
DUR=$half scenario syncrep_single1 "POST + DELETE, single server (slice 1)" \
    "$T" "$C" "$URL" "${S_POSTDEL[@]}" -H "$AUTH" -H "Content-Type: application/json"
bash tests/lib/pg.sh start "$STANDBY" >/dev/null
bash tests/lib/pg.sh sync "$PGDIR" standby
DUR=$half scenario syncrep_1 "POST + DELETE, synchronous standby (slice 1)" \
    "$T" "$C" "$URL" "${S_POSTDEL[@]}" -H "$AUTH" -H "Content-Type: application/json"
DUR=$half scenario syncrep_2 "POST + DELETE, synchronous standby (slice 2)" \
    "$T" "$C" "$URL" "${S_POSTDEL[@]}" -H "$AUTH" -H "Content-Type: application/json"
psql -X -q -d postgres -c 'ALTER SYSTEM RESET synchronous_standby_names' \
    -c 'SELECT pg_reload_conf()' >/dev/null
bash tests/lib/pg.sh stop "$STANDBY"
STANDBY_STARTED=""
DUR=$half scenario syncrep_single2 "POST + DELETE, single server (slice 2)" \
    "$T" "$C" "$URL" "${S_POSTDEL[@]}" -H "$AUTH" -H "Content-Type: application/json"
combine_slices syncrep "POST /api/v2/users + DELETE it, synchronous standby (slices 1 + 2)" \
    syncrep_1 syncrep_2
combine_slices syncrep_single "the same, single server (slices 1 + 2)" \
    syncrep_single1 syncrep_single2

MEM2=$(worker_mem)
MEM2_PIDS=$(workers)

# The metrics cost: GET by id with metrics = on against off, A B B A, on
# the same master.  Before each slice the master re-reads usersd.conf
# (SIGHUP) and replaces every worker, so each slice starts from fresh
# workers and connections alike.  Last: it replaces the workers.
metrics_mode() {
	local old p left
	sed -i "s/^metrics = .*/metrics = $1/" "$RUN/usersd.conf"
	old=$(workers)
	kill -HUP "$USERSD_PID"
	for _ in $(seq 300); do
		left=0
		for p in $old; do [ -d "/proc/$p" ] && left=1; done
		[ "$left" = 0 ] && [ "$(workers | wc -w)" -eq "$(echo $old | wc -w)" ] && break
		sleep 0.1
	done
	[ "$left" = 0 ] || die "the workers were not replaced after SIGHUP"
	check "GET /metrics with metrics = $1" "$([ "$1" = on ] && echo 200 || echo 404)" \
	    "$URL/metrics"
}
for k in mon_1:on moff_1:off moff_2:off mon_2:on; do
	say "metrics = ${k#*:}: reloading the master"
	metrics_mode "${k#*:}"
	DUR=$half scenario "${k%%:*}" "GET /api/v2/users/{id}, metrics = ${k#*:} (${k%%:*})" \
	    "$T" "$C" "$URL" "${S_GET[@]}" -H "$AUTH"
done
combine_slices mon "GET /api/v2/users/{id}, metrics = on (slices 1 + 2)" mon_1 mon_2
combine_slices moff "GET /api/v2/users/{id}, metrics = off (slices 1 + 2)" moff_1 moff_2
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
ELAPSED=$(( $(date +%s) - T_START ))
say "measurements done in ${ELAPSED}s; writing $RESULTS"

# ------------------------------------------------------------------ report
ms() { calc "$1 / 1000" 2; }
# verdict VALUE OP LIMIT [OP2 LIMIT2]: "met" or "MISS".
verdict() {
	awk -v v="$1" -v op="$2" -v l="$3" -v op2="${4:-}" -v l2="${5:-}" 'BEGIN {
		ok = (op == ">=") ? v >= l : v <= l
		if (op2 != "") ok = ok && ((op2 == ">=") ? v >= l2 : v <= l2)
		print ok ? "met" : "MISS"
	}'
}
nonok() {
	local n=$1 o=${R[$1.sother]} q=${R[$1.s429]} e=${R[$1.sockerr]} t=${R[$1.timeouts]} s
	s=$(( o + q ))
	[ "$q" -gt 0 ] && s="$s (429: $q)"
	[ "$o" -gt 0 ] && s="$s (other: $o, e.g. ${R[$1.last_other]})"
	[ $(( e + t )) -gt 0 ] && s="$s, socket errors $e, timeouts $t"
	echo "$s"
}
row() {       # row NAME RATIO TARGET-TEXT VERDICT [RPS-OVERRIDE]
	printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "${R[$1.label]}" \
	    "${5:-${R[$1.okrps]}}" "$(ms "${R[$1.p50_us]}")" \
	    "$(ms "${R[$1.p99_us]}")" "$(nonok "$1")" "$2" "$3" "$4"
}
r_get=$(calc "${R[get.okrps]} / ${R[get_ping.okrps]}")
r_me=$(calc "${R[me.okrps]} / ${R[me_ping.okrps]}")
r_list=$(calc "${R[list.okrps]} / ${R[list_ping.okrps]}")
r_after=$(calc "${R[after_big.p99_us]} / ${R[after_small.p99_us]}")
r_postdel=$(calc "${R[postdel.okrps]} / ${R[postdel_ping.okrps]}")
r_signin=$(calc "${R[signin.okrps]} / $HASH_AROUND")
r_unknown=$(calc "${R[unknown.mean_us]} / ${R[wrongpw.mean_us]}")
r_flood=$(calc "${R[flood.okrps]} / ${R[get.okrps]}")
r_sync=$(calc "${R[syncrep.okrps]} / ${R[syncrep_single.okrps]}")
r_sync_p50=$(calc "${R[syncrep.p50_us]} / ${R[syncrep_single.p50_us]}")
r_metrics=$(calc "${R[mon.okrps]} / ${R[moff.okrps]}" 3)
r_mem=$(calc "$MEM1 / $MEM0" 3)
r_mem2=$(calc "$MEM2 / $MEM0" 3)
mem_note=""
[ "$MEM0_PIDS" = "$MEM1_PIDS" ] || mem_note=" (workers were replaced between the snapshots: $MEM0_PIDS -> $MEM1_PIDS)"
v() { verdict "$@"; }

summary_table() {
	echo "| scenario | req/s (2xx) | p50 ms | p99 ms | non-2xx | ratio | target | met? |"
	echo "|---|---|---|---|---|---|---|---|"
	row ping "1.00 (floor)" "-" "-"
	row get "$r_get" ">= 0.55 x /ping beside it" "$(v "$r_get" ">=" 0.55)"
	row me "$r_me" ">= 0.55 x /ping beside it" "$(v "$r_me" ">=" 0.55)"
	row list "$r_list" ">= 0.45 x /ping beside it" "$(v "$r_list" ">=" 0.45)"
	row after_big "p99 ${r_after} x the 1k p99" "<= 1.2" "$(v "$r_after" "<=" 1.2)"
	row after_small "(reference for the row above)" "-" "-"
	row postdel "$r_postdel" ">= 0.25 x /ping beside it" "$(v "$r_postdel" ">=" 0.25)"
	row signin "$r_signin x hash floor" ">= 0.9 x hash floor" "$(v "$r_signin" ">=" 0.9)"
	row wrongpw "mean $(ms "${R[wrongpw.mean_us]}") ms" "-" "-"
	row unknown "mean $(ms "${R[unknown.mean_us]}") ms = $r_unknown x wrong password" \
	    "0.9 .. 1.1" "$(v "$r_unknown" ">=" 0.9 "<=" 1.1)"
	row flood "$r_flood x GET alone" ">= 0.4 x GET alone" "$(v "$r_flood" ">=" 0.4)"
	row syncrep "$r_sync x single server (p50 $r_sync_p50 x)" "- (the cost, measured)" "-"
	row syncrep_single "(reference for the row above)" "-" "-"
	row moff "(reference for the row below)" "-" "-"
	row mon "$r_metrics x metrics = off" ">= 0.97 (cost < 3 %)" "$(v "$r_metrics" ">=" 0.97)"
	printf '| worker private memory after %s requests / at start | %s | | | | %s (%s / %s KiB) | <= 1.05 | %s |\n' \
	    "$MEM1_REQS" "-" "$r_mem" "$MEM1" "$MEM0" "$(v "$r_mem" "<=" 1.05)"
}
# µs of CPU per request for a group.
per_req() { calc "$1 * 1e6 / $CLK / $2" 0; }
cpu_table() {
	echo "| scenario | requests | wrk | $SERVER | usersd (master+workers) | PostgreSQL | total µs/req | cores busy: these | cores busy: other processes | PG transactions / req | PG rows read / req |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
	local s req secs ours
	for s in "${SCEN[@]}"; do
		req=${R[$s.requests]}
		secs=${R[$s.wall]}
		ours=$(calc "${R[$s.wrk_s]} * $CLK + ${R[$s.cpu_web]} + ${R[$s.cpu_usersd]} + ${R[$s.cpu_pg]}" 1)
		printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$s" "$req" \
		    "$(calc "${R[$s.wrk_s]} * 1e6 / $req" 0)" \
		    "$(per_req "${R[$s.cpu_web]}" "$req")" \
		    "$(per_req "${R[$s.cpu_usersd]}" "$req")" \
		    "$(per_req "${R[$s.cpu_pg]}" "$req")" \
		    "$(per_req "$ours" "$req")" \
		    "$(calc "$ours / $CLK / $secs" 2)" \
		    "$(calc "(${R[$s.cpu_machine]} - $ours) / $CLK / $secs" 2)" \
		    "$(calc "${R[$s.pg_xacts]} / $req" 1)" \
		    "$(calc "${R[$s.pg_rows]} / $req" 0)"
	done
}

mkdir -p "$RESULTS_DIR"
SUMMARY=$(summary_table)
MISSES=()
for pair in "get $r_get >= 0.55" "me $r_me >= 0.55" "list $r_list >= 0.45" \
    "after $r_after <= 1.2" "postdel $r_postdel >= 0.25" \
    "signin $r_signin >= 0.9" "flood $r_flood >= 0.4" "memory $r_mem <= 1.05" \
    "metrics $r_metrics >= 0.97"; do
	set -- $pair
	[ "$(verdict "$2" "$3" "$4")" = met ] || MISSES+=("$1")
done
[ "$(verdict "$r_unknown" ">=" 0.9 "<=" 1.1)" = met ] || MISSES+=(unknown-vs-wrong)

PGVER=$("$PGBIN/postgres" -V | sed 's/^postgres (PostgreSQL) //')
{
cat <<EOF
# usersd benchmark, $STAMP

\`BENCH_USERS=$N BENCH_DURATION=$DUR BENCH_SERVER=$SERVER BENCH_SIGNIN_WORKERS=$SIGNIN_WORKERS make bench\`
(commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo ', work tree modified'); run took ${ELAPSED}s)

**Caveat:** the load generator (wrk), $SERVER, the usersd workers and
PostgreSQL all share the same $(nproc) vCPUs, so absolute numbers are this
box's, and only the ratios within this one run are meaningful.  Load
average at the start: $LOAD_START; at the end: $LOAD_END (other work on the
machine skews every number).

## Results

Load: wrk $T threads, $C connections, each run after a ${WARM}s warm-up.
The machine's speed drifts within a minute, so compared runs are taken
side by side in slices of $(( (DUR + 1) / 2 ))s, pooled: each read and
write scenario as /ping, it, it, /ping (its ratio is against those /ping
slices); after= as big, small, small, big; and the wrong-password /
unknown-user sign-ins (1 thread, 2 connections: within hash_concurrency,
so they measure hashing) as wrong, unknown, unknown, wrong.  The right
password sign-in runs ${DUR}s, between two hash-floor runs whose mean is
its floor; the flood is 1 thread, 16 connections in the background.
req/s counts 2xx responses only; p50/p99 are wrk's, over all responses
(pooled slices: the slices' own, weighted by requests).

$SUMMARY

Misses: ${MISSES[*]:-none}.

Notes:
- Sign-in runs with \`signin_max_failures = 1000000\` in the usersd
  configuration, so the wrong-password and flood scenarios measure argon2id
  rather than the throttle (default 5 failures).  \`hash_concurrency\` is
  left at its default (one per CPU = $(nproc)): the excess sign-ins are
  answered 429 within 50 ms; those are counted in the non-2xx column and
  not in req/s.
- "after": \`after\` is the id of seeded user N-25, so both databases
  return a full page of 20; the ratio compares p99 at $N users with p99 at
  $SMALL_N users (rps: ${R[after_big.okrps]} vs ${R[after_small.okrps]}).
- Flood: the background flood made ${R[floodbg.requests]:-?} sign-in
  requests (${R[floodbg.s429]:-?} answered 429, ${R[floodbg.sother]:-?} other
  non-2xx, mostly the expected 401) over $(( DUR + WARM + 5 ))s; the GET
  ratio is against the GET row without the flood.
- Synchronous replication: a standby made with pg_basebackup from the
  bench cluster, on the same machine and disk (fsync on), streaming
  through a slot; for the synchronous slices \`synchronous_standby_names\`
  names it, so each commit waits until the standby has flushed it.  The
  single-server slices run with the standby stopped.  Order: single,
  sync, sync, single.  The standby's own CPU shows as "other processes"
  in the CPU table.
- Metrics: the GET by id with metrics = on (every request adds to the
  shared counter block) and off (nothing counted), in half-length slices
  on, off, off, on, after the sign-in scenarios; before each slice the
  master re-reads its configuration with the new value (SIGHUP) and
  replaces every worker.  The ratio is on / off req/s ($r_metrics).
- Memory: Private_Clean + Private_Dirty from /proc/PID/smaps_rollup summed
  over the master's $(( WORKERS + SIGNIN_WORKERS )) workers (sign-in pool included): at start (after a short warm-up of every
  non-sign-in scenario) $MEM0 KiB; after $MEM1_REQS requests (every non-sign-in scenario,
  topped up with GETs to >= 100k) $MEM1 KiB$mem_note; at the end, after the
  sign-in scenarios, $MEM2 KiB ($r_mem2 x start): glibc keeps each
  worker's freed 19 MiB argon2id block in its heap (the mmap threshold
  adapts after the first free), so every worker that has hashed once stays
  ~19 MiB larger -- not a leak, but the steady-state size.

## Floors (same run)

| floor | result |
|---|---|
| FastCGI: GET /ping through $SERVER and the workers | ${R[ping.okrps]} req/s over all its slices (beside GET by id ${R[get_ping.okrps]}, /me ${R[me_ping.okrps]}, list ${R[list_ping.okrps]}, POST+DELETE ${R[postdel_ping.okrps]}), p50 $(ms "${R[ping.p50_us]}") ms, p99 $(ms "${R[ping.p99_us]}") ms |
| Database: pgbench -M prepared -n -c 4 -j 2 -T $DUR, user by primary key of $N | $PG_TPS TPS, latency average $PG_LAT ms; CPU per transaction: PostgreSQL $PG_CPU_PG µs, pgbench $PG_CPU_CLIENT µs |
| Hash: libargon2 argon2id verify m=19456 t=2 p=1, $(nproc) processes x 40 | $HASH_FLOOR verifies/s machine-wide ($HASH_MS ms each per process) at the start; $HASH_BEFORE right before the sign-in scenario and $HASH_AFTER right after it: the sign-in ratio uses their mean, $HASH_AROUND |

## CPU per request, by process group

CPU time (utime+stime from /proc/PID/stat, reaped children included)
over each measured run, divided by the requests wrk completed; wrk's own
from its rusage.  "cores busy: other processes" is the machine's busy time
(/proc/stat) minus these groups: anything else running on the box during
the run (it should be ~0; when it is not, every number above is skewed).
The flood row's requests are the GETs only, while its CPU includes the
flood's sign-ins; its wrk column is the GET wrk alone.  The last two columns
come from pg_stat_database (both bench databases, read after making
every backend flush its counters; they include 32 GETs of that poke): transactions (one per statement
outside an explicit transaction) and rows read (tuples from sequential
scans plus index entries from index scans) per request -- a GET by id
should be ~1 and a few; a number near the table size means a scan.

$(cpu_table)

## Setup

- Machine: $(nproc) vCPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM, kernel $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME").
- PostgreSQL $PGVER, private cluster under /tmp, fsync and synchronous_commit on,
  stock shared_buffers, unix socket.  users table with $N seeded rows: $DB_SIZE
  (COPY + VACUUM ANALYZE in ${SEED_S}s).
- usersd: master + $WORKERS workers, unix socket, log_level = warn, one
  PostgreSQL connection per worker per database.$( [ "$SIGNIN_WORKERS" -gt 0 ] && printf '\n- Sign-in pool: %s more workers of the same master on a second socket\n  (--signin-listen); nginx sends POST /api/v2/signin there\n  (BENCH_SIGNIN_WORKERS=%s; 0 is one pool).' "$SIGNIN_WORKERS" "$SIGNIN_WORKERS" || true)
- Web server: $WEB_NOTE.
- Load generator: $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), on the same machine.

## Raw wrk summaries

\`\`\`
$(for s in "${SCEN[@]}"; do printf '%-12s %s\n' "$s" "$(grep '^BENCH ' "$RAW/$s.txt" | sed 's/^BENCH //')"; done)
floodbg      ${FLOOD_LINE#BENCH }
hashfloor    $(cat "$RAW/hashfloor.txt")
hashfloor-before-signin $(cat "$RAW/hashfloor-before.txt")
hashfloor-after-signin  $(cat "$RAW/hashfloor-after.txt")
pgbench      $(grep -E '^(tps|latency average|number of transactions actually)' "$RAW/pgbench.txt" | tr '\n' ';')
\`\`\`
EOF
} >"$RESULTS"

echo
echo "usersd benchmark ($STAMP): BENCH_USERS=$N BENCH_DURATION=${DUR}s BENCH_SERVER=$SERVER BENCH_SIGNIN_WORKERS=$SIGNIN_WORKERS"
echo "$SUMMARY"
echo
echo "Floors: /ping ${R[ping.okrps]} req/s; pgbench $PG_TPS TPS; argon2id $HASH_FLOOR verifies/s ($HASH_AROUND around the sign-in scenario)"
echo "Misses: ${MISSES[*]:-none}"
echo "Written: ${RESULTS#$ROOT/}"
