#!/bin/bash
# bench/fair.sh -- the fair-shares scenario of "make bench" (issue 26):
# three hosted instances A, B and C behind nginx and one usersd master (4
# workers, plus the sign-in pool as usersd.service runs it).  A floods:
# first wrong-password sign-ins under ever new names from random addresses
# (X-Forwarded-For, trusted from loopback only), then GET /api/v2/me with
# a bad token.  Measured meanwhile, in quiet / flooded / flooded / quiet
# slices of one run: B's correct sign-ins (p99) and B's GET /api/v2/me
# (req/s), and every status B gets.  Writes
# bench/results/<YYYY-MM-DD-HHMM>-fair.md.
#
# Targets: B's sign-in p99 flooded <= 2 x quiet; B's GET /me flooded >=
# 0.7 x quiet; no 429 or 503 for B.  A missed target prints MISS; it never
# fails the run.  Everything is loopback, in a private directory under /tmp
# (removed on exit).  Knobs: BENCH_DURATION=8 (seconds per slice),
# BENCH_FLOOD_CONNS=32, BENCH_KEEP=1.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd -P)
BENCH=$ROOT/bench
DUR=${BENCH_DURATION:-8}
DUR=${DUR%s}
FLOOD_C=${BENCH_FLOOD_CONNS:-32}
WORKERS=4
SIGNIN_WORKERS=$(nproc)

die() { echo "bench/fair: $*" >&2; exit 1; }
say() { printf '%s bench/fair: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }
for t in wrk curl psql nginx perl; do
	command -v "$t" >/dev/null || die "$t is missing (scripts/deps.sh)"
done
[ -x build/usersd ] && [ -x build/usersctl ] || die "build first (make)"

TMP=$(mktemp -d /tmp/usersd-bench-fair-XXXXXX)
chmod 0755 "$TMP"
RUN=$TMP/run
mkdir -p "$RUN" && chmod 0777 "$RUN"
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	tests/lib/pg.sh stop "$TMP/pg" >/dev/null 2>&1 || true
	if [ -n "${BENCH_KEEP:-}" ]; then echo "bench/fair: kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------- PostgreSQL, 3 tenants
say "starting PostgreSQL in $TMP/pg"
tests/lib/pg.sh start "$TMP/pg" --fsync >/dev/null || die "PostgreSQL did not start"
PGH=$TMP/pg
psql -X -q -h "$PGH" -U postgres -v ON_ERROR_STOP=1 -d postgres \
    -c 'CREATE DATABASE hosting' -c 'CREATE ROLE bench_hosting LOGIN'
export USERSD_HOSTING="host=$PGH dbname=hosting user=postgres"
export USERSD_HOSTING_ROLE=bench_hosting
declare -A TOK
for i in a b c; do
	build/usersctl instance create "$i" >/dev/null || die "instance create $i"
	TOK[$i]=$(echo adminpass1 | build/usersctl -i "$i" setup --username admin \
	    --org o --bucket b 2>/dev/null | tail -1)
	[ -n "${TOK[$i]}" ] || die "setup of $i printed no token"
done
unset USERSD_HOSTING USERSD_HOSTING_ROLE
# The attacker's names: never one often enough for the name's limit.
perl -MMIME::Base64 -e 'printf "%s\n", encode_base64(sprintf("flood%05d:wrongpass1", $_), "") for 1 .. 20000' \
    >"$TMP/creds"

# ---------------------------------------------------------- usersd, nginx
cat >"$RUN/usersd.conf" <<EOF
# written by bench/fair.sh
hosting = host=$PGH dbname=hosting user=bench_hosting
log_level = warn
run_dir = $RUN
metrics = on
EOF
SOCK=$RUN/usersd.sock SIGNIN_SOCK=$RUN/usersd-signin.sock
say "starting usersd (master + $WORKERS workers, + $SIGNIN_WORKERS for sign-in)"
build/usersd -c "$RUN/usersd.conf" --listen "unix:$SOCK" --workers "$WORKERS" \
    --signin-listen "unix:$SIGNIN_SOCK" --signin-workers "$SIGNIN_WORKERS" \
    --socket-mode 0666 --drain 5 2>>"$RUN/usersd.log" &
PIDS+=($!)
for _ in $(seq 100); do [ -S "$SOCK" ] && [ -S "$SIGNIN_SOCK" ] && break; sleep 0.1; done
[ -S "$SIGNIN_SOCK" ] || { tail "$RUN/usersd.log" >&2; die "usersd did not start"; }
for _ in $(seq 200); do
	PORT=$(( 20000 + RANDOM % 40000 ))
	[ -z "$(ss -Htln "sport = :$PORT")" ] && break
done
cp "$BENCH/fastcgi-params.conf" "$RUN/fastcgi-params.conf"
sed -e "s|@PORT@|$PORT|g" -e "s|@SOCKET@|$SOCK|g" -e "s|@SIGNIN_SOCKET@|$SIGNIN_SOCK|g" \
    -e "s|@RUNDIR@|$RUN|g" "$BENCH/nginx-fair.conf.in" >"$RUN/nginx.conf"
nginx -t -q -p "$RUN" -c "$RUN/nginx.conf" 2>"$RUN/nginx.stderr" ||
    { cat "$RUN/nginx.stderr" >&2; die "nginx -t failed"; }
nginx -p "$RUN" -c "$RUN/nginx.conf" -g 'daemon off;' 2>>"$RUN/nginx.stderr" &
PIDS+=($!)
URL=http://127.0.0.1:$PORT
for _ in $(seq 100); do curl -fs -o /dev/null "$URL/ping" && break; sleep 0.1; done
BASIC_B="Basic $(printf 'admin:adminpass1' | base64)"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Host: b.hosted.test' \
    -H "Authorization: $BASIC_B" "$URL/api/v2/signin")
[ "$code" = 204 ] || die "B's sign-in: HTTP $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: b.hosted.test' \
    -H "Authorization: Token ${TOK[b]}" "$URL/api/v2/me")
[ "$code" = 200 ] || die "B's GET /api/v2/me: HTTP $code"

# ------------------------------------------------------------ measurement
export BENCH_LUA=$BENCH/lua
declare -A R
# flood KIND SECONDS: A's flood in the background (its pid in FLOOD_PID).
flood() {
	case $1 in
	signin)
		BENCH_CREDS=$TMP/creds BENCH_HOST=a.hosted.test wrk -t2 -c"$FLOOD_C" \
		    -d"$2s" --timeout 10s -s "$BENCH/lua/fair_flood.lua" "$URL" \
		    >"$TMP/flood.$1.$SECONDS.txt" 2>&1 & ;;
	token)
		wrk -t2 -c"$FLOOD_C" -d"$2s" --timeout 10s -s "$BENCH/lua/common.lua" \
		    -H 'Host: a.hosted.test' -H 'Authorization: Token not-a-token' \
		    "$URL/api/v2/me" >"$TMP/flood.$1.$SECONDS.txt" 2>&1 & ;;
	esac
	FLOOD_PID=$!
	sleep 1
}
# measure NAME WHAT [FLOOD]: one slice of B's load (signin: -c1, me: -c2),
# with A's flood around it; R[NAME.rps|p99_us|s2xx|s429|sother].
measure() {
	local name=$1 what=$2 kind=${3:-} line kv
	[ -n "$kind" ] && flood "$kind" $(( DUR + 2 ))
	if [ "$what" = signin ]; then
		BENCH_METHOD=POST wrk -t1 -c1 -d"${DUR}s" --timeout 10s --latency \
		    -s "$BENCH/lua/common.lua" -H 'Host: b.hosted.test' \
		    -H "Authorization: $BASIC_B" "$URL/api/v2/signin" >"$TMP/$name.txt" 2>&1 || true
	else
		wrk -t1 -c2 -d"${DUR}s" --timeout 10s --latency -s "$BENCH/lua/common.lua" \
		    -H 'Host: b.hosted.test' -H "Authorization: Token ${TOK[b]}" \
		    "$URL/api/v2/me" >"$TMP/$name.txt" 2>&1 || true
	fi
	[ -n "$kind" ] && wait "$FLOOD_PID" 2>/dev/null || true
	line=$(grep '^BENCH ' "$TMP/$name.txt" | tail -1) ||
	    { cat "$TMP/$name.txt" >&2; die "wrk $name produced no result"; }
	for kv in ${line#BENCH }; do R[$name.${kv%%=*}]=${kv#*=}; done
	R[$name.okrps]=$(calc "${R[$name.s2xx]} / (${R[$name.duration_us]} / 1e6)" 0)
	say "$name: ${R[$name.okrps]} ok/s, p50 ${R[$name.p50_us]} us, p99 ${R[$name.p99_us]} us, 429 ${R[$name.s429]}, other ${R[$name.sother]}"
}

say "warming up"
measure warm-signin signin
measure warm-me me
for what in signin me; do
	measure "$what-quiet-a" "$what"
	measure "$what-signinflood" "$what" signin
	measure "$what-tokenflood" "$what" token
	measure "$what-quiet-b" "$what"
done
METRICS=$(curl -s "$URL/metrics")
metric() { echo "$METRICS" | awk -v s="$1" '$1 == s { print $2 }'; }

Q_P99=$(calc "(${R[signin-quiet-a.p99_us]} + ${R[signin-quiet-b.p99_us]}) / 2" 0)
Q_RPS=$(calc "(${R[me-quiet-a.okrps]} + ${R[me-quiet-b.okrps]}) / 2" 0)
verdict() { awk "BEGIN { exit !($1) }" && echo met || echo MISS; }
BAD=0
for s in signin me; do
	for k in quiet-a signinflood tokenflood quiet-b; do
		BAD=$(( BAD + ${R[$s-$k.s429]} + ${R[$s-$k.sother]} ))
	done
done
rows=""
for k in signinflood tokenflood; do
	p=$(calc "${R[signin-$k.p99_us]} / $Q_P99" 2)
	m=$(calc "${R[me-$k.okrps]} / $Q_RPS" 2)
	rows="$rows| A's $k | $p x ($(calc "${R[signin-$k.p99_us]} / 1000" 1) ms) | $(verdict "$p <= 2") | $m x (${R[me-$k.okrps]} req/s) | $(verdict "$m >= 0.7") |
"
done

mkdir -p bench/results
OUT=bench/results/$(date +%Y-%m-%d-%H%M)-fair.md
cat >"$OUT" <<EOF
# bench/fair.sh, $(date -u +%Y-%m-%dT%H:%MZ)

Three hosted instances A, B, C; usersd master with $WORKERS workers and a
sign-in pool of $SIGNIN_WORKERS behind nginx (one worker process), PostgreSQL
with fsync, all on this machine ($(nproc) CPUs, shared with the load
generators$( [ -n "${BENCH_NOTE:-}" ] && echo "; $BENCH_NOTE")). Load average
at the end: $(cut -d' ' -f1-3 /proc/loadavg). A floods with wrk -t2
-c$FLOOD_C: \`signinflood\` = wrong-password sign-ins under 20,000 names
from random addresses; \`tokenflood\` = GET /api/v2/me with a bad token.
B's load: correct sign-ins, one at a time (wrk -c1), and GET /api/v2/me
with its token (wrk -c2: B's own share of the main pool; more at once
would make B an instance past its share, answered 429 by design), ${DUR} s
slices, quiet / flooded / flooded / quiet.  Settings: the defaults
(hash_concurrency = CPUs, hash_share = half of it; instance_share = half
of the main pool: $(( (WORKERS + 1) / 2 ))).

| B's load | slice | ok/s | p50 | p99 | 429 | other non-2xx |
|---|---|---|---|---|---|---|
$(for s in signin me; do for k in quiet-a signinflood tokenflood quiet-b; do
	echo "| $s | $k | ${R[$s-$k.okrps]} | ${R[$s-$k.p50_us]} us | ${R[$s-$k.p99_us]} us | ${R[$s-$k.s429]} | ${R[$s-$k.sother]} |"
done; done)

| A floods | B's sign-in p99 / quiet (<= 2) | | B's GET /me / quiet (>= 0.7) | |
|---|---|---|---|---|
$rows
- 429 or 503 for B in every slice: $BAD ($(verdict "$BAD == 0")).
- /metrics at the end: A refused 429: $(metric 'usersd_instance_refused_total{usersd_instance="a",status="429"}'),
  A's sign-ins past its hash share: $(metric 'usersd_signins_total{usersd_instance="a",result="hash_slots_busy"}'),
  B refused 429: $(metric 'usersd_instance_refused_total{usersd_instance="b",status="429"}'),
  B refused 503: $(metric 'usersd_instance_refused_total{usersd_instance="b",status="503"}').
EOF
say "wrote $OUT"
cat "$OUT"
