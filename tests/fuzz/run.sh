#!/bin/bash
# tests/fuzz/run.sh -- runs each libFuzzer target of build/fuzz for SECONDS
# (bounded: -max_total_time), and prints executions and coverage per target.
#
# Usage: tests/fuzz/run.sh SECONDS [TARGET...]   (default: every fuzz_* built)
# Seeds: tests/fuzz/corpus/<target>/ (read only).  New inputs go to
# build/fuzz/corpus/<target>/, so longer runs build on shorter ones; a
# crash, leak or sanitizer report leaves build/fuzz/artifacts/<target>/*,
# which belongs in tests/fuzz/regress/<target>/ once the bug is fixed.
# Exit status: non-zero if any target found something.
set -u
cd "$(dirname "$0")/../.." || exit 1

secs=${1:?usage: tests/fuzz/run.sh SECONDS [TARGET...]}
shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for b in build/fuzz/fuzz_*; do targets+=("${b#build/fuzz/fuzz_}"); done
fi

failed=0
summary=()
for t in "${targets[@]}"; do
	bin=build/fuzz/fuzz_$t
	if [ ! -x "$bin" ]; then
		echo "tests/fuzz/run.sh: $bin is missing (make fuzz-build)" >&2
		failed=1
		continue
	fi
	mkdir -p "build/fuzz/corpus/$t" "build/fuzz/artifacts/$t"
	log=build/fuzz/$t.log
	# The regression inputs seed the run too: a fixed bug stays fixed.
	dirs=("build/fuzz/corpus/$t" "tests/fuzz/corpus/$t")
	[ -d "tests/fuzz/regress/$t" ] && dirs+=("tests/fuzz/regress/$t")
	ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 \
	    -max_len=8192 -print_final_stats=1 \
	    -artifact_prefix="build/fuzz/artifacts/$t/" "${dirs[@]}" \
	    >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
	line=$(printf '%-8s %4ss  execs %-10s %s' "$t" "$secs" "${execs:-?}" \
	    "${cov:-cov: ? ft: ?}")
	if [ $rc -ne 0 ]; then
		failed=1
		line="$line  FAILED (exit $rc, see $log)"
		grep -E 'ERROR: |SUMMARY: |fuzz check failed|runtime error' \
		    "$log" | head -5 >&2
		ls build/fuzz/artifacts/"$t"/ >&2
	fi
	echo "$line"
	summary+=("$line")
done
echo "=== fuzz summary"
printf '%s\n' "${summary[@]}"
exit $failed
