#!/bin/bash
# bench/hosted.sh -- the many-instances scenario of "make bench" (issue 15):
# GET /api/v2/me with each instance's own operator token, spread uniformly
# over BENCH_INSTANCES hosted instances (a schema each in one hosting
# database), against the same load on one instance with a database of its
# own (the classic layout), in one run, in A B B A slices.  Writes
# bench/results/<YYYY-MM-DD-HHMM>-hosted.md.
#
# Everything runs in a private directory under /tmp (removed on exit): a
# PostgreSQL cluster (fsync on), the usersd master with 4 workers on a unix
# socket, nginx on 127.0.0.1 mapping NAME.hosted.test to instance NAME.
#
# Knobs: BENCH_INSTANCES=1000, BENCH_DURATION=10 (seconds per slice),
# BENCH_WARMUP=5, BENCH_KEEP=1 (keep the directory).
# A missed target prints MISS; it never fails the run.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
N=${BENCH_INSTANCES:-1000}
DUR=${BENCH_DURATION:-10}
DUR=${DUR%s}
WARM=${BENCH_WARMUP:-5}
WORKERS=4
bench_init hosted
bench_need wrk xargs

# ------------------------------------------------------------ PostgreSQL
bench_pg
psql_ -d postgres -c 'CREATE DATABASE one' -c 'CREATE DATABASE hosting' \
    -c 'CREATE ROLE bench_hosting LOGIN'
ONE="host=$PGH dbname=one user=postgres"
HOSTING_ADMIN="host=$PGH dbname=hosting user=postgres"
HOSTING="host=$PGH dbname=hosting user=bench_hosting"
USERSD_DB=$ONE build/usersctl migrate >/dev/null
TOKEN_ONE=$(USERSD_DB=$ONE build/usersctl setup --username admin --org o \
    --bucket b </dev/null | head -1)

# The instances are made at the previous migration, then upgraded with
# migrate --all (timed: an upgrade of a hosting database), then set up.
LATEST=$(ls sql/migrations | sed -n 's/^0*\([0-9][0-9]*\)-.*/\1/p' | sort -n | tail -1)
PREV=$((LATEST - 1))
say "creating $N hosted instances at migration $PREV"
export USERSD_HOSTING=$HOSTING_ADMIN USERSD_HOSTING_ROLE=bench_hosting
t0=$(date +%s%N)
seq -f 'h%04g' 1 "$N" | xargs -P 2 -I{} build/usersctl instance create {} --to "$PREV" \
    >/dev/null || die "creating the instances failed"
t1=$(date +%s%N)
BULK_S=$(calc "($t1 - $t0) / 1e9" 1)
say "migrate --all: $N instances to $LATEST"
t0=$(date +%s%N)
USERSD_DB=$ONE build/usersctl migrate --all >"$TMP/migrate.out" ||
    die "migrate --all failed: $(tail -3 "$TMP/migrate.out")"
t1=$(date +%s%N)
MIGRATE_S=$(calc "($t1 - $t0) / 1e9" 1)
MIGRATED=$(grep -c '^h[0-9]*: 1 migration(s) applied$' "$TMP/migrate.out" || true)
seq -f 'h%04g' 1 "$N" | xargs -P 2 -I{} sh -c \
    'build/usersctl -i {} setup --username admin --org o --bucket b </dev/null | head -1 | sed "s/^/{}.hosted.test /"' \
    >"$TMP/tokens.all" || die "setting the instances up failed"
[ "$(wc -l <"$TMP/tokens.all")" -eq "$N" ] || die "not every instance got its token"
# One more, alone, timed: what creating an instance costs a provider.
t0=$(date +%s%N)
build/usersctl instance create extra >/dev/null
t1=$(date +%s%N)
CREATE_MS=$(calc "($t1 - $t0) / 1e6" 0)
unset USERSD_HOSTING USERSD_HOSTING_ROLE
head -1 "$TMP/tokens.all" >"$TMP/tokens.1"
echo "localhost $TOKEN_ONE" >"$TMP/tokens.one"

# ---------------------------------------------------------------- usersd
cat >"$RUN/usersd.conf" <<EOF
# written by bench/hosted.sh
db = $ONE
hosting = $HOSTING
log_level = warn
run_dir = $RUN
# This measures the layout's cost, not fairness (bench/fair.sh): one
# instance may use every worker, as with the database layout.
instance_share = $WORKERS
EOF
SOCK=$RUN/usersd.sock
say "starting usersd (master + $WORKERS workers)"
bench_usersd "$RUN/usersd.conf" --listen "unix:$SOCK" --workers "$WORKERS" \
    --socket-mode 0666 --drain 5
PORT=$(bench_port)
cp "$BENCH/fastcgi-params.conf" "$RUN/fastcgi-params.conf"
sed -e "s|@PORT@|$PORT|g" -e "s|@SOCKET@|$SOCK|g" -e "s|@RUNDIR@|$RUN|g" \
    "$BENCH/nginx-hosted.conf.in" >"$RUN/nginx.conf"
bench_nginx "$RUN/nginx.conf" "$PORT"
URL=http://127.0.0.1:$PORT
for f in one 1; do
	read -r host tok <"$TMP/tokens.$f"
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $host" \
	    -H "Authorization: Token $tok" "$URL/api/v2/me")
	[ "$code" = 200 ] || die "GET /api/v2/me on $host: HTTP $code"
done

# ---------------------------------------------------------- measurement
# backends: usersd's PostgreSQL connections now, and their memory (Pss).
backends() {
	psql_ -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'usersd'"
}
backend_pss_mb() {
	local pid sum=0 kb
	for pid in $(psql_ -d postgres -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'usersd'"); do
		kb=$(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0)
		sum=$(( sum + ${kb:-0} ))
	done
	calc "$sum / 1024" 0
}
# slice NAME TOKENS SECONDS: one wrk run; R[NAME.rps|p50|p99|bad], and the
# most backends seen half-way.
slice() {
	local name=$1 tokens=$2 d=$3 line kv
	( sleep "$(( d / 2 ))"; backends >"$TMP/$name.backends" ) &
	BENCH_TOKENS=$TMP/tokens.$tokens "${CLI[@]}" wrk -t2 -c32 -d"${d}s" --timeout 10s \
	    --latency -s "$BENCH/lua/hosted_me.lua" "$URL" >"$TMP/$name.txt" 2>&1 || true
	wait "$!"
	bench_slice "$name" "$TMP/$name.txt"
	R[$name.backends]=$(cat "$TMP/$name.backends")
	say "$name: ${R[$name.okrps]} req/s, p99 ${R[$name.p99_us]} us, non-2xx ${R[$name.sother]}, backends ${R[$name.backends]}"
}

say "warming up (every worker meets every instance)"
slice warm-one one "$WARM"
slice warm-all all "$(( WARM * 2 ))"
slice warm-1 1 "$WARM"
slice one-a one "$DUR"
slice all-a all "$DUR"
slice all-b all "$DUR"
slice one-b one "$DUR"
slice h1 1 "$DUR"
PSS=$(backend_pss_mb)

ONE_RPS=$(calc "(${R[one-a.okrps]} + ${R[one-b.okrps]}) / 2" 0)
ALL_RPS=$(calc "(${R[all-a.okrps]} + ${R[all-b.okrps]}) / 2" 0)
RATIO=$(calc "$ALL_RPS / $ONE_RPS" 2)
H1_RATIO=$(calc "${R[h1.okrps]} / $ONE_RPS" 2)
MAXB=0
for s in all-a all-b; do [ "${R[$s.backends]}" -gt "$MAXB" ] && MAXB=${R[$s.backends]}; done
BAD=$(( ${R[one-a.sother]} + ${R[one-b.sother]} + ${R[all-a.sother]} + ${R[all-b.sother]} ))
V_RATIO=$(verdict "$RATIO >= 0.8")
V_BACK=$(verdict "$MAXB <= 2 * $WORKERS")
V_CREATE=$(verdict "$CREATE_MS < 1000")
V_MIGRATE=$(verdict "$MIGRATE_S < 120 * $N / 1000 && $MIGRATED == $N")

mkdir -p bench/results
OUT=bench/results/$(date +%Y-%m-%d-%H%M)-hosted.md
cat >"$OUT" <<EOF
# bench/hosted.sh, $(date -u +%Y-%m-%dT%H:%MZ)

GET /api/v2/me with each instance's own operator token (wrk -t2 -c32,
${DUR} s slices, after warm-ups), usersd master with $WORKERS workers
behind nginx (one worker process), PostgreSQL 15 with fsync, all on this
machine ($(nproc) CPUs, shared with the load generator).

| scenario | req/s | p50 | p99 | non-2xx | usersd backends |
|---|---|---|---|---|---|
| one instance, its own database (A) | ${R[one-a.okrps]} | ${R[one-a.p50_us]} us | ${R[one-a.p99_us]} us | ${R[one-a.sother]} | ${R[one-a.backends]} |
| $N hosted instances, uniform (B) | ${R[all-a.okrps]} | ${R[all-a.p50_us]} us | ${R[all-a.p99_us]} us | ${R[all-a.sother]} | ${R[all-a.backends]} |
| $N hosted instances, uniform (B) | ${R[all-b.okrps]} | ${R[all-b.p50_us]} us | ${R[all-b.p99_us]} us | ${R[all-b.sother]} | ${R[all-b.backends]} |
| one instance, its own database (A) | ${R[one-b.okrps]} | ${R[one-b.p50_us]} us | ${R[one-b.p99_us]} us | ${R[one-b.sother]} | ${R[one-b.backends]} |
| one hosted instance | ${R[h1.okrps]} | ${R[h1.p50_us]} us | ${R[h1.p99_us]} us | ${R[h1.sother]} | ${R[h1.backends]} |

| target | measured | |
|---|---|---|
| $N instances >= 0.8 x one instance | $RATIO ($ALL_RPS / $ONE_RPS req/s) | $V_RATIO |
| usersd backends <= 2 x workers ($(( 2 * WORKERS ))) | $MAXB | $V_BACK |
| creating an instance < 1 s | $CREATE_MS ms (the $N in bulk at migration $PREV: $BULK_S s, 2 at a time) | $V_CREATE |
| \`migrate --all\` of $N instances, $PREV to $LATEST, < $(( 120 * N / 1000 )) s (2 min per 1,000) | $MIGRATE_S s, one transaction each; $MIGRATED of $N migrated | $V_MIGRATE |

- One hosted instance alone: $H1_RATIO x the database layout.
- Memory of usersd's PostgreSQL backends after the run (Pss, prepared
  statements of $N schemas each): $PSS MiB in all.
- Non-2xx answers in the measured slices: $BAD.
EOF
say "wrote $OUT"
cat "$OUT"
