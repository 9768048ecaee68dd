#!/bin/bash
# tests/run.sh -- the whole test suite; what "make check" runs after building.
#
# 1. one throwaway PostgreSQL cluster under mktemp, with a migrated
#    "usersd_template" database that every test file clones (TestLib->new);
# 2. tiers: unit (compiled TAP programs build/tests/*.test), cgi, hosted
#    (the cgi files again, each on a hosted instance: a schema of the
#    database usersd_hosting; a file marked "# layout: database only" is
#    left out there, one marked "# layout: hosted only" runs only there),
#    integration;
# 3. if build/asan/usersd exists, unit + cgi again under ASan/UBSan;
# 4. fuzz: each libFuzzer target of build/fuzz for FUZZ_SECONDS (default 15).
#
# Usage: tests/run.sh [TIER...]   TIER: unit cgi integration asan fuzz
#   (default: unit cgi hosted integration asan fuzz)
# Environment: USERSD_BIN, USERSCTL_BIN (default build/usersd, build/usersctl),
#   REQUIRE_INTEGRATION=1 (CI: a test that cannot run fails),
#   USERSD_TEST_KEEP=1 (keep the cluster and run dirs), PROVE_FLAGS,
#   ONLY=PATTERN (only the cgi and integration files it matches).
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

TIERS=${*:-unit cgi hosted integration asan fuzz}
want() { case " $TIERS " in *" $1 "*) return 0 ;; esac; return 1; }

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
# The password-hash slots (lock files) of this run, apart from any other
# usersd on the machine, so parallel runs do not throttle each other.
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

declare -a SUMMARY
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
cgis=() hosted=()
# ONLY=PATTERN (a shell pattern, e.g. '*t0240*'): only the test files it
# matches, in every tier asked for; for working on one file.
only() { case "$1" in ${ONLY:-*}) return 0 ;; esac; return 1; }
for f in tests/cgi/*.t; do
	only "$f" || continue
	grep -q '^# layout: hosted only' "$f" || cgis+=("$f")
	grep -q '^# layout: database only' "$f" || hosted+=("$f")
done
ints=()
for f in tests/integration/*.t; do only "$f" && ints+=("$f"); done

run_units() {
	# The unit programs speak TAP themselves: --exec '' runs them directly.
	if [ ${#units[@]} -eq 0 ]; then echo "no unit tests built"; return 0; fi
	prove ${PROVE_FLAGS:-} --exec '' "${units[@]}"
}
run_prove() {
	[ $# -gt 0 ] || { echo "no tests"; return 0; }
	prove ${PROVE_FLAGS:-} -I tests/lib "$@"
}

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

want unit && tier unit run_units
want cgi && tier cgi run_prove "${cgis[@]}"
want hosted && tier "hosted (cgi files on hosted instances)" \
    env USERSD_TEST_HOSTED=1 bash -c 'prove ${PROVE_FLAGS:-} -I tests/lib "$@"' \
    hosted "${hosted[@]}"
want integration && tier integration run_prove "${ints[@]}"

# The sanitizer build: TestLib fails any cgi call whose stderr holds a
# sanitizer report; the unit programs abort on their own.
if want asan; then
	if [ -x build/asan/usersd ]; then
		asan_units=(build/asan/tests/*.test)
		run_asan() {
			ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
			UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
			USERSD_BIN=$ROOT/build/asan/usersd \
			    bash -c '
				rc=0 u=()
				while [ "$1" != -- ]; do u+=("$1"); shift; done
				shift
				if [ ${#u[@]} -gt 0 ]; then prove ${PROVE_FLAGS:-} --exec "" "${u[@]}" || rc=1; fi
				if [ $# -gt 0 ]; then prove ${PROVE_FLAGS:-} -I tests/lib "$@" || rc=1; fi
				exit $rc' asan "${asan_units[@]}" -- "${cgis[@]}"
		}
		tier "asan (unit+cgi, build/asan/usersd)" run_asan
	else
		SUMMARY+=("SKIP  asan (no build/asan/usersd)")
	fi
fi

# Bounded fuzzing, so every change is fuzzed a little (make fuzz: longer).
if want fuzz; then
	if [ -x build/fuzz/fuzz_http ]; then
		tier fuzz bash tests/fuzz/run.sh "${FUZZ_SECONDS:-15}"
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
