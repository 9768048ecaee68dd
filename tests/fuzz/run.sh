#!/bin/bash
# tests/fuzz/run.sh -- runs the libFuzzer targets of build/fuzz, FUZZ_JOBS
# at a time (default: the number of CPUs), each for SECONDS (bounded:
# -max_total_time), and prints executions and coverage per target.
#
# Usage: tests/fuzz/run.sh SECONDS [TARGET...]   (default: every fuzz_* built)
# Seeds: tests/fuzz/corpus/<target>/ (read only).  New inputs go to
# build/fuzz/corpus/<target>/, so longer runs build on shorter ones.
# When a target finds something (a crash, leak, timeout or sanitizer
# report), the output alone says what: the report from the target's log,
# the input in base64, and the input is copied to tests/fuzz/regress/<target>/
# (where the unit tier replays it: commit it with the fix).
# Exit status: non-zero if any target found something.
set -u
cd "$(dirname "$0")/../.." || exit 1

secs=${1:?usage: tests/fuzz/run.sh SECONDS [TARGET...]}
shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for b in build/fuzz/fuzz_*; do targets+=("${b#build/fuzz/fuzz_}"); done
fi
jobs=${FUZZ_JOBS:-$(nproc)}

# fuzz TARGET: one bounded run, its output in build/fuzz/TARGET.log and its
# exit status in build/fuzz/TARGET.rc.
fuzz() {
	local t=$1 bin=build/fuzz/fuzz_$1 dirs
	rm -rf "build/fuzz/artifacts/$t"
	mkdir -p "build/fuzz/corpus/$t" "build/fuzz/artifacts/$t"
	# The regression inputs seed the run too: a fixed bug stays fixed.
	dirs=("build/fuzz/corpus/$t" "tests/fuzz/corpus/$t")
	[ -d "tests/fuzz/regress/$t" ] && dirs+=("tests/fuzz/regress/$t")
	# -timeout: one input running 10 s is a hang; the outer timeout is
	# for a target that does not stop by itself (exit status 124).
	ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    timeout -k 10 $((secs + 60)) \
	    "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 \
	    -max_len=8192 -print_final_stats=1 \
	    -artifact_prefix="build/fuzz/artifacts/$t/" "${dirs[@]}" \
	    >"build/fuzz/$t.log" 2>&1
	echo $? >"build/fuzz/$t.rc"
}

# found TARGET: what the target found, from its log and its artifacts.
found() {
	local t=$1 a report
	[ "$(cat "build/fuzz/$t.rc")" = 124 ] &&
	    echo "--- fuzz_$t: killed, still running $((secs + 60)) s after it started (-max_total_time=$secs)"
	echo "--- fuzz_$t: the report (build/fuzz/$t.log, from its first ERROR)"
	# From the first report line on, less ASan's shadow map and
	# libFuzzer's stats; else the log's end.
	report=$(sed -n '/ERROR: \|fuzz check failed\|runtime error\|ALARM/,$p' \
	    "build/fuzz/$t.log" | sed '/^Shadow bytes around/,/Right alloca redzone/d' |
	    grep -v '^stat::' | head -80)
	printf '%s\n' "${report:-$(tail -30 "build/fuzz/$t.log")}"
	for a in build/fuzz/artifacts/"$t"/*; do
		[ -f "$a" ] || continue
		mkdir -p "tests/fuzz/regress/$t"
		cp "$a" "tests/fuzz/regress/$t/" &&
		    echo "--- kept as tests/fuzz/regress/$t/${a##*/} (the unit tier replays it; commit it with the fix)"
		echo "--- the input, $(wc -c <"$a") bytes, base64:"
		base64 "$a"
	done
}

failed=0
running=0
for t in "${targets[@]}"; do
	rm -f "build/fuzz/$t.rc"
	if [ ! -x "build/fuzz/fuzz_$t" ]; then
		echo "tests/fuzz/run.sh: build/fuzz/fuzz_$t is missing (make fuzz-build)" >&2
		failed=1
		continue
	fi
	if [ $running -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
	fuzz "$t" &
	running=$((running + 1))
done
wait

summary=()
for t in "${targets[@]}"; do
	[ -f "build/fuzz/$t.rc" ] || continue
	log=build/fuzz/$t.log rc=$(cat "build/fuzz/$t.rc")
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
	line=$(printf '%-8s %4ss  execs %-10s %s' "$t" "$secs" "${execs:-?}" \
	    "${cov:-cov: ? ft: ?}")
	if [ "$rc" -ne 0 ]; then
		failed=1
		line="$line  FAILED (exit $rc)"
		found "$t"
	fi
	summary+=("$line")
done
echo "=== fuzz summary ($jobs at a time)"
printf '%s\n' "${summary[@]}"
exit $failed
