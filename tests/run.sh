#!/bin/bash
# tests/run.sh -- the whole test suite; what "make check" runs after building.
#
# 1. one throwaway PostgreSQL cluster under mktemp, with a migrated
#    "usersd_template" database that every test file clones (TestLib->new);
# 2. tiers: unit (compiled TAP programs build/tests/*.test); asan (the same
#    programs built with ASan/UBSan, build/asan/tests/*.test); cgi (the
#    files of tests/cgi, each on a database of its own), hosted (the same
#    files, each on a hosted instance: a schema of the database
#    usersd_hosting; a file marked "# layout: database only" is left out
#    there, one marked "# layout: hosted only" runs only there);
#    integration (tests/integration: usersd behind real web servers);
# 3. each cgi file runs once per layout, one of the two under ASan/UBSan
#    (build/asan/usersd, when built): the hosted layout, and a file's only
#    layout when it has one; the other layout with build/usersd;
# 4. the cgi, hosted and integration files run in one pool of TEST_JOBS
#    files at once (tests/lib/harness.pl: the longest first; each file has
#    its own databases, instances and run directory); a failed file's
#    failed tests and last lines are printed after the pool;
# 5. fuzz: each libFuzzer target of build/fuzz for FUZZ_SECONDS (default
#    15), FUZZ_JOBS at a time (default 1 beside a pool, else one per CPU),
#    beside the pool of step 4
#    (tests/fuzz/run.sh prints what one finds, after the pool);
# 6. deb: the Debian package built, installed on a clean Debian 12 root,
#    upgraded and purged (tests/deb/; root, a minute or two, in the pool
#    of step 4): only when asked (make deb-check) or in CI
#    (REQUIRE_INTEGRATION=1).
#
# Usage: tests/run.sh [TIER...]   TIER: unit asan cgi hosted integration fuzz deb
#   (default: all of them, deb only under REQUIRE_INTEGRATION=1)
# Environment: USERSD_BIN, USERSCTL_BIN (default build/usersd, build/usersctl),
#   REQUIRE_INTEGRATION=1 (CI: a test that cannot run fails),
#   USERSD_TEST_KEEP=1 (keep the cluster and run dirs), PROVE_FLAGS (the
#   unit tiers), TEST_JOBS (default: the number of CPUs), FUZZ_JOBS (step 5),
#   TEST_TIMEOUT (seconds a test file may run, default 1200),
#   ONLY=PATTERN (only the cgi and integration files it matches).
# Each file's whole output stays in build/test-logs/TIER/ until the next run.
# Exit status: non-zero if any tier failed.
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd -P)

# Installing is make check's job (scripts/deps.sh build test); here one line
# names what is missing.  A laptop goes on, and the tests that need it skip;
# CI stops, since it must not pass by skipping.
if ! sh scripts/deps.sh --check test && [ -n "${REQUIRE_INTEGRATION:-}" ]; then
	exit 1
fi

TIERS=${*:-unit asan cgi hosted integration fuzz${REQUIRE_INTEGRATION:+ deb}}
want() { case " $TIERS " in *" $1 "*) return 0 ;; esac; return 1; }
if want deb && ! sh scripts/deps.sh --check deb &&
    [ -n "${REQUIRE_INTEGRATION:-}" ]; then
	exit 1
fi

export USERSD_BIN=${USERSD_BIN:-$ROOT/build/usersd}
export USERSCTL_BIN=${USERSCTL_BIN:-$ROOT/build/usersctl}
for b in "$USERSD_BIN" "$USERSCTL_BIN"; do
	[ -x "$b" ] || { echo "tests/run.sh: $b is missing (run make)" >&2; exit 1; }
done

# The cluster lives in /tmp so that the postgres user (and Apache's www-data)
# can reach it wherever the checkout is, e.g. under /root (mode 0700).
TMP=$(mktemp -d /tmp/usersd-test-XXXXXX) || exit 1
chmod 0755 "$TMP"
cleanup() {
	# The fuzzers stop by themselves (-max_total_time); their runner here.
	[ -z "${FUZZ_PID:-}" ] || kill "$FUZZ_PID" 2>/dev/null
	tests/lib/pg.sh stop "$TMP/pg"
	if [ -n "${USERSD_TEST_KEEP:-}" ]; then
		echo "tests/run.sh: kept $TMP" >&2
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

tests/lib/pg.sh start "$TMP/pg" >/dev/null || exit 1
export USERSD_TEST_PGHOST=$TMP/pg USERSD_TEST_PGPORT=5432
# This run's directory for the hash slots (lock files), apart from any
# other usersd on the machine; TestLib makes each file its own inside it.
mkdir -p "$TMP/run" && chmod 0777 "$TMP/run"
export USERSD_RUN_DIR=$TMP/run
psql -X -q -h "$TMP/pg" -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -c 'CREATE DATABASE usersd_template' || exit 1
USERSD_DB="host=$TMP/pg port=5432 dbname=usersd_template user=postgres" \
    "$USERSCTL_BIN" migrate >"$TMP/migrate.log" 2>&1 ||
    { cat "$TMP/migrate.log" >&2; echo "tests/run.sh: migrate failed" >&2; exit 1; }
# The hosting database of the hosted tier, and the role usersd connects to
# it as (usersctl instance create makes it a member of each service role).
psql -X -q -h "$TMP/pg" -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -c 'CREATE DATABASE usersd_hosting' \
    -c 'CREATE ROLE usersd_test_hosting LOGIN' || exit 1

SUMMARY=()
failed=0
# tier NAME COMMAND...: run one tier, remember a summary line.
tier() {
	local name=$1 rc
	shift
	echo "=== $name"
	"$@"
	rc=$?
	if [ $rc -eq 0 ]; then
		SUMMARY+=("PASS  $name")
	else
		SUMMARY+=("FAIL  $name (exit $rc)")
		failed=1
	fi
}

shopt -s nullglob
# The Makefile builds the unit programs as build/tests/*.test (and the
# sanitizer copies as build/asan/tests/*.test); tests/unit/*.test also counts.
units=(build/tests/*.test tests/unit/*.test)
asan_units=(build/asan/tests/*.test)
# ONLY=PATTERN (a shell pattern, e.g. '*t0240*'): only the test files it
# matches, in every tier asked for; for working on one file.
only() { case "$1" in ${ONLY:-*}) return 0 ;; esac; return 1; }
# Two layouts: a file runs under ASan on the hosted one, and on the
# database one too when that is its only layout.
cgis=() cgis_asan=() hosted=()
for f in tests/cgi/*.t; do
	only "$f" || continue
	if grep -q '^# layout: database only' "$f"; then
		cgis_asan+=("$f")
	elif grep -q '^# layout: hosted only' "$f"; then
		hosted+=("$f")
	else
		cgis+=("$f") hosted+=("$f")
	fi
done
ints=()
for f in tests/integration/*.t; do only "$f" && ints+=("$f"); done
debs=()
for f in tests/deb/*.t; do only "$f" && debs+=("$f"); done

# The sanitizer build: TestLib fails any cgi call whose stderr holds a
# sanitizer report; the unit programs abort on their own.
ASAN_ENV=(ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1)
if [ -x build/asan/usersd ]; then
	ASAN_USERSD=(USERSD_BIN=$ROOT/build/asan/usersd "${ASAN_ENV[@]}") asan=+asan
else
	ASAN_USERSD=() asan=
fi

run_units() {
	# The unit programs speak TAP themselves: --exec '' runs them directly.
	if [ $# -eq 0 ]; then echo "no unit tests built"; return 0; fi
	prove ${PROVE_FLAGS:-} --exec '' "$@"
}

# The fuzz tier runs beside the pool, one target at a time (FUZZ_JOBS, 1
# when there is a pool, else one per CPU): the pool's files wait on daemons, sockets and sleeps
# for about a fifth of the time, and the fuzzers take that CPU instead of
# running after it.  Its output follows the pool's.
FUZZ_PID=
if want fuzz && [ -x build/fuzz/fuzz_http ]; then
	fj=$(nproc)
	for x in cgi hosted integration deb; do want $x && fj=1; done
	FUZZ_JOBS=${FUZZ_JOBS:-$fj} bash tests/fuzz/run.sh "${FUZZ_SECONDS:-15}" \
	    >"$TMP/fuzz.out" 2>&1 &
	FUZZ_PID=$!
fi

# The official JavaScript client, and puppeteer-core and axe-core for the
# account page (t0600), for the integration tier, pinned by
# tests/js/package-lock.json, from the npm registry.
js_deps() {
	[ -d tests/js/node_modules/@influxdata/influxdb-client-apis ] &&
	    [ -d tests/js/node_modules/puppeteer-core ] &&
	    [ -d tests/js/node_modules/axe-core ] && return 0
	(cd tests/js && npm ci --no-audit --no-fund --loglevel=error)
}
want integration && { js_deps || echo "tests/run.sh: npm ci failed" >&2; }

want unit && tier unit run_units "${units[@]}"
if want asan; then
	if [ ${#asan_units[@]} -gt 0 ]; then
		tier "asan (unit programs under ASan/UBSan)" env "${ASAN_ENV[@]}" \
		    prove ${PROVE_FLAGS:-} --exec '' "${asan_units[@]}"
	else
		SUMMARY+=("SKIP  asan (no build/asan/tests: make asan)")
	fi
fi

# One pool for the files of the cgi, hosted and integration tiers.
# The slower layout (ASan) first: it goes first among files alike.
pool=()
want hosted && pool+=(--tier "hosted$asan" USERSD_TEST_HOSTED=1 \
    "${ASAN_USERSD[@]}" -- "${hosted[@]}")
want cgi && pool+=(--tier "cgi$asan" "${ASAN_USERSD[@]}" -- "${cgis_asan[@]}"
    --tier cgi -- "${cgis[@]}")
if [ -z "$asan" ] && { want cgi || want hosted; }; then
	echo "tests/run.sh: no build/asan/usersd (make asan): the cgi files run without ASan" >&2
fi
want integration && pool+=(--tier integration -- "${ints[@]}")
want deb && pool+=(--tier deb -- "${debs[@]}")
if [ ${#pool[@]} -gt 0 ]; then
	jobs=${TEST_JOBS:-$(nproc)}
	echo "=== $(for x in cgi hosted integration deb; do want $x && printf '%s ' $x; done)($jobs files at a time)"
	rm -rf build/test-logs
	perl tests/lib/harness.pl -j "$jobs" --timeout "${TEST_TIMEOUT:-1200}" \
	    --logs build/test-logs --times build/test-times \
	    --seed-times tests/lib/test-times \
	    --summary "$TMP/summary" "${pool[@]}"
	rc=$?
	[ -f "$TMP/summary" ] && while read -r line; do SUMMARY+=("$line"); done <"$TMP/summary"
	if [ $rc -ne 0 ]; then
		failed=1
		[ -s "$TMP/summary" ] || SUMMARY+=("FAIL  tests/lib/harness.pl (exit $rc)")
	fi
fi

# Bounded fuzzing, so every change is fuzzed a little (make fuzz: longer).
fuzz_result() { wait "$FUZZ_PID"; local rc=$?; cat "$TMP/fuzz.out"; return $rc; }
if want fuzz; then
	if [ -n "$FUZZ_PID" ]; then
		tier fuzz fuzz_result
	elif [ -n "${REQUIRE_INTEGRATION:-}" ]; then
		SUMMARY+=("FAIL  fuzz (no build/fuzz: make fuzz-build)")
		failed=1
	else
		SUMMARY+=("SKIP  fuzz (no build/fuzz: make fuzz-build)")
	fi
fi

echo
echo "=== summary"
printf '%s\n' "${SUMMARY[@]}"
exit $failed
