#!/bin/bash
# bench/fair.sh -- the fair-shares scenario of "make bench" (issue 26):
# three hosted instances A, B and C behind nginx and one usersd master (4
# workers, plus the sign-in pool as usersd.service runs it).  nginx runs
# deploy/nginx.conf itself, as shipped, with only the client address
# taken from X-Forwarded-For (from loopback), so one load generator can
# play many addresses.  A floods: wrong-password sign-ins under ever new
# names from random addresses, then GET /api/v2/me with a bad token.
# Measured meanwhile, in quiet / flooded ... / quiet slices of one run:
# B's correct sign-ins (p99) and B's GET /api/v2/me (req/s), every status
# B gets, and the CPU each part of the stack used.  Each flood is run
# twice: through the shipped file (the verdicts) and through a second
# nginx, the same file without its per-instance limit_req and limit_conn
# lines ("nolimit": what the shipped file did before them).  Writes
# bench/results/<YYYY-MM-DD-HHMM>-fair.md.
#
# Targets: B's sign-in p99 flooded <= 2 x quiet; B's GET /me flooded >=
# 0.7 x quiet; no 429 or 503 for B.  A missed target prints MISS; it never
# fails the run.  Everything is loopback, in a private directory under /tmp
# (removed on exit).
#
# The load generators (wrk) run on this machine, which an attacker's
# would not: by default (BENCH_PIN=1, bench/lib.sh) they are held to the
# last CPU, the same for every slice, and the report gives each part's
# CPU so the reader sees what the generators took from the server.
# Knobs: BENCH_DURATION=6 (seconds per slice), BENCH_FLOOD_CONNS=32,
# BENCH_PIN=1 (split: the server on the other CPUs only; 0: no pinning),
# BENCH_KEEP=1, BENCH_NOTE (a line for the report).
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
DUR=${BENCH_DURATION:-6}
DUR=${DUR%s}
FLOOD_C=${BENCH_FLOOD_CONNS:-32}
WORKERS=4
SIGNIN_WORKERS=$(nproc)
# B's pace: each of its connections waits this long after an answer, so B
# stays under its own rate in deploy/nginx.conf (100 requests and 10
# sign-ins a second per instance): 2 x 1000/25 = 80 reads and at most
# 1000/200 = 5 sign-ins a second.  Unpaced, B would be a flood itself, and
# nginx would hold it to its rate in every slice alike (a ratio of 1 that
# says nothing).
PACE_ME=25 PACE_SIGNIN=200
[ "$(nproc)" -ge 2 ] && : "${BENCH_PIN:=1}"
bench_init fair
bench_need wrk perl

# ------------------------------------------------- PostgreSQL, 3 tenants
bench_pg
psql_ -d postgres -c 'CREATE DATABASE hosting' -c 'CREATE ROLE bench_hosting LOGIN'
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
say "starting usersd (master + $WORKERS workers, + $SIGNIN_WORKERS for sign-in; server CPUs $SRV_CPUS, generators $CLI_CPUS)"
bench_usersd "$RUN/usersd.conf" --listen "unix:$SOCK" --workers "$WORKERS" \
    --signin-listen "unix:$SIGNIN_SOCK" --signin-workers "$SIGNIN_WORKERS" \
    --socket-mode 0666 --drain 5
cp -R deploy/errors "$RUN/errors" && cp -R www "$RUN/www"
chmod -R a+rX "$RUN/errors" "$RUN/www"
# nginx_conf DIR PORT [SED]: deploy/nginx.conf rendered into DIR, the real
# client address from X-Forwarded-For, and SED applied last.
nginx_conf() {
	mkdir -p "$1" && chmod 0777 "$1"
	sed -e '/^[[:space:]]*#/!{' \
	    -e "s|@LISTEN@|127.0.0.1|g; s|@PORT@|$2|g; s|@SOCKET@|$SOCK|g" \
	    -e "s|@SIGNIN_SOCKET@|$SIGNIN_SOCK|g; s|@USER@|www-data|g" \
	    -e "s|@RUNDIR@|$1|g; s|@ERRORS@|$RUN/errors|g; s|@WWW@|$RUN/www|g" \
	    -e "s|@BODY_CAP@|131072|g; s|@INSTANCE_DOMAIN_RE@|hosted\\\\.test|g; s|@REAL_IP_FROM@|127.0.0.1|g" -e '}' \
	    -e "${3:-}" deploy/nginx.conf >"$1/nginx.conf"
	! grep -v '^[[:space:]]*#' "$1/nginx.conf" | grep -q '@[A-Z_]*@' ||
	    die "a placeholder of deploy/nginx.conf is left in $1/nginx.conf"
}
PORT=$(bench_port)
nginx_conf "$RUN/nginx" "$PORT"
bench_nginx "$RUN/nginx/nginx.conf" "$PORT"
NGINX=$NGINX_PID
PORT_NL=$(bench_port)
nginx_conf "$RUN/nginx-nolimit" "$PORT_NL" \
    '/^[[:space:]]*limit_\(conn\|req\) \(zone=\)\{0,1\}usersd_/d'
bench_nginx "$RUN/nginx-nolimit/nginx.conf" "$PORT_NL"
NGINX_NL=$NGINX_PID
[ "$(grep -c '^[[:space:]]*limit_\(conn\|req\) ' "$RUN/nginx/nginx.conf")" = 4 ] &&
    ! grep -q '^[[:space:]]*limit_\(conn\|req\) ' "$RUN/nginx-nolimit/nginx.conf" ||
    die "deploy/nginx.conf: not the 4 per-instance limit lines this compares"

PG_PID=$(head -1 "$PGH/data/postmaster.pid")
declare -A URL=([shipped]=http://127.0.0.1:$PORT [nolimit]=http://127.0.0.1:$PORT_NL)
BASIC_B="Basic $(printf 'admin:adminpass1' | base64)"
for u in "${URL[@]}"; do
	code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Host: b.hosted.test' \
	    -H "Authorization: $BASIC_B" "$u/api/v2/signin")
	[ "$code" = 204 ] || die "B's sign-in on $u: HTTP $code"
	code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: b.hosted.test' \
	    -H "Authorization: Token ${TOK[b]}" "$u/api/v2/me")
	[ "$code" = 200 ] || die "B's GET /api/v2/me on $u: HTTP $code"
done

# ------------------------------------------------------------ measurement
# gen FILE CMD...: a load generator on the generators' CPUs, its output in
# FILE and its CPU seconds (user + system) in FILE.cpu.
gen() {
	local out=$1
	shift
	GEN_CPU=$out.cpu "${CLI[@]}" perl -e 'system(@ARGV); my @t = times;
	    open(my $f, ">", $ENV{GEN_CPU}) or die; printf $f "%.2f\n", $t[2] + $t[3]' \
	    "$@" >"$out" 2>&1
}
# flood KIND SECONDS URL: A's flood in the background (its pid in FLOOD_PID).
flood() {
	local out=$TMP/flood.$1.$SECONDS.txt
	case $1 in
	signin)
		BENCH_CREDS=$TMP/creds BENCH_HOST=a.hosted.test gen "$out" wrk -t2 \
		    -c"$FLOOD_C" -d"$2s" --timeout 10s -s "$BENCH/lua/fair_flood.lua" "$3" & ;;
	token)
		gen "$out" wrk -t2 -c"$FLOOD_C" -d"$2s" --timeout 10s -s "$BENCH/lua/common.lua" \
		    -H 'Host: a.hosted.test' -H 'Authorization: Token not-a-token' \
		    "$3/api/v2/me" & ;;
	esac
	FLOOD_PID=$! FLOOD_OUT=$out
	sleep 1
}
# measure NAME WHAT [FLOOD [nolimit]]: one slice of B's load (signin: -c1,
# me: -c2), with A's flood around it; R[NAME.*] (bench_slice), and the
# CPU (in cores) each part used meanwhile: R[NAME.cpu_nginx|_usersd|_pg]
# over B's slice, R[NAME.cpu_b|_a] for the generators over their own run.
measure() {
	local name=$1 what=$2 kind=${3:-} via=${4:-shipped} t0 t1 a b
	local url=${URL[$via]} ng=$NGINX
	[ "$via" = nolimit ] && ng=$NGINX_NL
	[ -n "$kind" ] && flood "$kind" $(( DUR + 2 )) "$url"
	t0=$(date +%s%N)
	a=$(cpu_ticks "$ng" "$USERSD_PID" "$PG_PID" | paste -sd' ')
	if [ "$what" = signin ]; then
		BENCH_METHOD=POST BENCH_PACE_MS=$PACE_SIGNIN gen "$TMP/$name.txt" \
		    wrk -t1 -c1 -d"${DUR}s" --timeout 10s --latency \
		    -s "$BENCH/lua/paced.lua" -H 'Host: b.hosted.test' \
		    -H "Authorization: $BASIC_B" "$url/api/v2/signin" || true
	else
		BENCH_PACE_MS=$PACE_ME gen "$TMP/$name.txt" wrk -t1 -c2 -d"${DUR}s" \
		    --timeout 10s --latency -s "$BENCH/lua/paced.lua" \
		    -H 'Host: b.hosted.test' -H "Authorization: Token ${TOK[b]}" \
		    "$url/api/v2/me" || true
	fi
	b=$(cpu_ticks "$ng" "$USERSD_PID" "$PG_PID" | paste -sd' ')
	t1=$(date +%s%N)
	if [ -n "$kind" ]; then
		wait "$FLOOD_PID" 2>/dev/null || true
		R[$name.cpu_a]=$(calc "$(cat "$FLOOD_OUT.cpu") / ($DUR + 2)" 2)
	else
		R[$name.cpu_a]=0.00
	fi
	bench_slice "$name" "$TMP/$name.txt"
	set -- $a $b
	local hz secs
	hz=$(getconf CLK_TCK) secs=$(calc "($t1 - $t0) / 1e9" 3)
	R[$name.cpu_nginx]=$(calc "($4 - $1) / $hz / $secs" 2)
	R[$name.cpu_usersd]=$(calc "($5 - $2) / $hz / $secs" 2)
	R[$name.cpu_pg]=$(calc "($6 - $3) / $hz / $secs" 2)
	R[$name.cpu_b]=$(calc "$(cat "$TMP/$name.txt.cpu") / $DUR" 2)
	R[$name.load]=$(cut -d' ' -f1 /proc/loadavg)
	say "$name: ${R[$name.okrps]} ok/s, p50 ${R[$name.p50_us]} us, p99 ${R[$name.p99_us]} us, 429 ${R[$name.s429]}, other ${R[$name.sother]}; cores: nginx ${R[$name.cpu_nginx]}, usersd ${R[$name.cpu_usersd]}, pg ${R[$name.cpu_pg]}, A's wrk ${R[$name.cpu_a]}"
}

SLICES="quiet-a signinflood signinflood-nolimit tokenflood tokenflood-nolimit quiet-b"
say "warming up"
DUR=2 measure warm-signin signin	# warm-ups: 2 s
DUR=2 measure warm-me me
for what in signin me; do
	for k in $SLICES; do
		case $k in
		quiet-*)	measure "$what-$k" "$what" ;;
		*-nolimit)	measure "$what-$k" "$what" "${k%flood-nolimit}" nolimit ;;
		*)		measure "$what-$k" "$what" "${k%flood}" ;;
		esac
	done
done
METRICS=$(curl -s "${URL[shipped]}/metrics")
metric() { echo "$METRICS" | awk -v s="$1" '$1 == s { print $2 }'; }

Q_P99=$(calc "(${R[signin-quiet-a.p99_us]} + ${R[signin-quiet-b.p99_us]}) / 2" 0)
Q_RPS=$(calc "(${R[me-quiet-a.okrps]} + ${R[me-quiet-b.okrps]}) / 2" 0)
Q_ME99=$(calc "(${R[me-quiet-a.p99_us]} + ${R[me-quiet-b.p99_us]}) / 2" 0)
BAD=0
for s in signin me; do
	for k in $SLICES; do
		BAD=$(( BAD + ${R[$s-$k.s429]} + ${R[$s-$k.sother]} ))
	done
done
rows=""
for k in signinflood tokenflood signinflood-nolimit tokenflood-nolimit; do
	p=$(calc "${R[signin-$k.p99_us]} / $Q_P99" 2)
	m=$(calc "${R[me-$k.okrps]} / $Q_RPS" 2)
	m99=$(calc "${R[me-$k.p99_us]} / $Q_ME99" 2)
	case $k in
	*-nolimit)	vp="(before)" vm="(before)" ;;
	*)		vp=$(verdict "$p <= 2") vm=$(verdict "$m >= 0.7") ;;
	esac
	rows="$rows| A's $k | $p x ($(calc "${R[signin-$k.p99_us]} / 1000" 1) ms) | $vp | $m x (${R[me-$k.okrps]} req/s) | $vm | $m99 x ($(calc "${R[me-$k.p99_us]} / 1000" 1) ms) |
"
done

mkdir -p bench/results
OUT=bench/results/$(date +%Y-%m-%d-%H%M)-fair.md
cat >"$OUT" <<EOF
# bench/fair.sh, $(date -u +%Y-%m-%dT%H:%MZ)

Three hosted instances A, B, C; usersd master with $WORKERS workers and a
sign-in pool of $SIGNIN_WORKERS behind nginx running deploy/nginx.conf
(one worker process), PostgreSQL with fsync, all on this machine ($(nproc)
CPUs: the server on CPUs $SRV_CPUS, the load generators on $CLI_CPUS (BENCH_PIN=${BENCH_PIN:-0})$( [ -n "${BENCH_NOTE:-}" ] && echo "; $BENCH_NOTE")).
Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg). A floods with
wrk -t2 -c$FLOOD_C: \`signinflood\` = wrong-password sign-ins under
20,000 names from random addresses; \`tokenflood\` = GET /api/v2/me with a
bad token; \`-nolimit\`: the same flood and B's load through a second
nginx running deploy/nginx.conf without its per-instance \`limit_req\`
and \`limit_conn\` lines (before). B's load: correct sign-ins, one at a time (wrk -c1) with ${PACE_SIGNIN} ms
between them, and GET /api/v2/me with its token (wrk -c2: B's own share of
the main pool; more at once would make B an instance past its share,
answered 429 by design) with ${PACE_ME} ms between a connection's requests,
so B stays under its own rate in nginx (at most $(( 2 * 1000 / PACE_ME ))
reads and $(( 1000 / PACE_SIGNIN )) sign-ins a second): the reads' ratio
is B keeping its pace, and their p99 how long B waited for each; ${DUR} s
slices.  Settings: the defaults (hash_concurrency =
CPUs, hash_share = half of it; instance_share = half of the main pool:
$(( (WORKERS + 1) / 2 )); nginx: per instance 100 requests/s and 10
sign-ins/s, excess held, and 2 in flight in each pool).

| B's load | slice | ok/s | p50 | p99 | 429 | other non-2xx | cores: nginx | usersd | PostgreSQL | A's wrk | B's wrk | load avg |
|---|---|---|---|---|---|---|---|---|---|---|---|---|
$(for s in signin me; do for k in $SLICES; do
	echo "| $s | $k | ${R[$s-$k.okrps]} | ${R[$s-$k.p50_us]} us | ${R[$s-$k.p99_us]} us | ${R[$s-$k.s429]} | ${R[$s-$k.sother]} | ${R[$s-$k.cpu_nginx]} | ${R[$s-$k.cpu_usersd]} | ${R[$s-$k.cpu_pg]} | ${R[$s-$k.cpu_a]} | ${R[$s-$k.cpu_b]} | ${R[$s-$k.load]} |"
done; done)

| A floods | B's sign-in p99 / quiet (<= 2) | | B's GET /me / quiet (>= 0.7) | | B's GET /me p99 / quiet |
|---|---|---|---|---|---|
$rows
- 429 or 503 for B in every slice: $BAD ($(verdict "$BAD == 0")).
- Cores: CPU seconds per second of B's slice for nginx (the one B's and
  A's load went through), usersd (master and both pools) and PostgreSQL;
  for the generators over their own run.
- /metrics at the end (usersd's own refusals; nginx's are not counted
  there): A refused 429: $(metric 'usersd_instance_refused_total{usersd_instance="a",status="429"}'),
  A's sign-ins past its hash share: $(metric 'usersd_signins_total{usersd_instance="a",result="hash_slots_busy"}'),
  B refused 429: $(metric 'usersd_instance_refused_total{usersd_instance="b",status="429"}'),
  B refused 503: $(metric 'usersd_instance_refused_total{usersd_instance="b",status="503"}').
EOF
say "wrote $OUT"
cat "$OUT"
