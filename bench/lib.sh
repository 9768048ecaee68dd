# bench/lib.sh -- the stack setup that bench/hosted.sh and bench/fair.sh
# share, sourced (bash) from the top of the source tree after `set -eu`:
#
#   bench_init NAME          private directory $TMP (run dir $RUN), $PIDS,
#                            cleanup on exit; say/die print as bench/NAME
#   bench_need TOOL...       die unless each tool and the build are there
#   bench_pg                 PostgreSQL (fsync on) in $TMP/pg; $PGH, psql_
#   bench_usersd CONF ARGS   the usersd master (--listen unix:$SOCK ...),
#                            waited for until each unix:PATH of ARGS exists
#   bench_port               a free TCP port on 127.0.0.1
#   bench_nginx CONF         nginx with that rendered config, waited for
#                            until http://127.0.0.1:PORT/ping answers
#   bench_slice NAME FILE    R[NAME.key] from wrk's "BENCH k=v ..." line
#                            (bench/lua/common.lua), R[NAME.okrps] too
#   "${SRV[@]}" CMD, "${CLI[@]}" CMD
#                            run CMD on the server's or the load
#                            generators' CPUs (BENCH_PIN, below); not a
#                            function, so that CMD & gives CMD's own pid
#
# BENCH_PIN=1 holds the load generators to the last CPU, so they can
# never take more than one, and leaves the server (PostgreSQL, usersd,
# nginx) every CPU it is sized for (hash_concurrency = CPUs);
# BENCH_PIN=split gives the server the other CPUs only, as when an
# attacker's load comes over the network (on 2 CPUs: a 1-CPU server with
# 2 hash slots); the default 0 leaves both on every CPU.
# BENCH_KEEP=1 keeps $TMP.

say() { printf '%s bench/%s: %s\n' "$(date +%H:%M:%S)" "$BENCH_NAME" "$*" >&2; }
die() { echo "bench/$BENCH_NAME: $*" >&2; exit 1; }
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }
verdict() { awk "BEGIN { exit !($1) }" && echo met || echo MISS; }

bench_init() {
	BENCH_NAME=$1
	ROOT=$(pwd -P)
	BENCH=$ROOT/bench
	export BENCH_LUA=$BENCH/lua
	TMP=$(mktemp -d "/tmp/usersd-bench-$1-XXXXXX")
	chmod 0755 "$TMP"
	RUN=$TMP/run
	mkdir -p "$RUN" && chmod 0777 "$RUN"
	PIDS=()
	declare -gA R
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
	local n
	n=$(nproc)
	SRV_CPUS=0-$(( n - 1 )) CLI_CPUS=0-$(( n - 1 ))
	case ${BENCH_PIN:-0} in
	0)	;;
	1)	CLI_CPUS=$(( n - 1 )) ;;
	split)	[ "$n" -ge 2 ] || die "BENCH_PIN=split needs 2 CPUs or more"
		SRV_CPUS=0-$(( n - 2 )) CLI_CPUS=$(( n - 1 )) ;;
	*)	die "BENCH_PIN is 0, 1 or split" ;;
	esac
	SRV=(taskset -c "$SRV_CPUS") CLI=(taskset -c "$CLI_CPUS")
}

bench_cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	tests/lib/pg.sh stop "$TMP/pg" >/dev/null 2>&1 || true
	if [ -n "${BENCH_KEEP:-}" ]; then
		echo "bench/$BENCH_NAME: kept $TMP" >&2
	else
		rm -rf "$TMP"
	fi
}

bench_need() {
	local t
	for t in "$@" curl psql nginx taskset; do
		command -v "$t" >/dev/null || die "$t is missing (scripts/deps.sh)"
	done
	[ -x build/usersd ] && [ -x build/usersctl ] || die "build first (make)"
}

psql_() { psql -X -q -At -h "$PGH" -U postgres -v ON_ERROR_STOP=1 "$@"; }

bench_pg() {
	say "starting PostgreSQL in $TMP/pg"
	"${SRV[@]}" tests/lib/pg.sh start "$TMP/pg" --fsync >/dev/null ||
	    die "PostgreSQL did not start"
	PGH=$TMP/pg
}

bench_usersd() {
	local conf=$1 a p
	shift
	"${SRV[@]}" build/usersd -c "$conf" "$@" 2>>"$RUN/usersd.log" &
	PIDS+=($!)
	USERSD_PID=$!
	for a in "$@"; do
		case $a in unix:*) ;; *) continue ;; esac
		p=${a#unix:}
		for _ in $(seq 100); do [ -S "$p" ] && break; sleep 0.1; done
		[ -S "$p" ] || { tail "$RUN/usersd.log" >&2; die "usersd did not start"; }
	done
}

bench_port() {
	local port
	for _ in $(seq 200); do
		port=$(( 20000 + RANDOM % 40000 ))
		[ -z "$(ss -Htln "sport = :$port")" ] && break
	done
	echo "$port"
}

# bench_nginx CONF PORT: nginx (its master's pid in NGINX_PID).
bench_nginx() {
	local conf=$1 port=$2
	nginx -t -q -p "$RUN" -c "$conf" 2>"$conf.stderr" ||
	    { cat "$conf.stderr" >&2; die "nginx -t failed for $conf"; }
	"${SRV[@]}" nginx -p "$RUN" -c "$conf" -g 'daemon off;' 2>>"$conf.stderr" &
	PIDS+=($!)
	NGINX_PID=$!
	for _ in $(seq 100); do
		curl -fs -o /dev/null "http://127.0.0.1:$port/ping" && return 0
		sleep 0.1
	done
	cat "$conf.stderr" >&2
	die "nginx on port $port does not answer /ping"
}

bench_slice() {
	local name=$1 file=$2 line kv
	line=$(grep '^BENCH ' "$file" | tail -1) ||
	    { cat "$file" >&2; die "wrk $name produced no result"; }
	for kv in ${line#BENCH }; do R[$name.${kv%%=*}]=${kv#*=}; done
	R[$name.okrps]=$(calc "${R[$name.s2xx]} / (${R[$name.duration_us]} / 1e6)" 0)
}

# cpu_ticks PID...: the CPU time (clock ticks, user + system) of each pid
# and every process under it, one number per pid, in order.
cpu_ticks() {
	perl -e '
		my (%kids, %t);
		for my $f (glob "/proc/[0-9]*/stat") {
			open(my $fh, "<", $f) or next;
			my $s = <$fh> // next;
			my ($pid) = $f =~ m{(\d+)};
			my @x = split " ", substr($s, rindex($s, ")") + 2);
			push @{ $kids{ $x[1] } }, $pid;
			$t{$pid} = $x[11] + $x[12];
		}
		for my $root (@ARGV) {
			my ($sum, @q) = (0, $root);
			while (defined(my $p = shift @q)) {
				$sum += $t{$p} // 0;
				push @q, @{ $kids{$p} // [] };
			}
			print "$sum\n";
		}' "$@"
}
