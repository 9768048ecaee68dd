#!/bin/sh
# check-includes.sh -- the layering rules of STYLE.md that a grep can prove:
# each external library is included by one file, the includes point down the
# layers (handlers -> services -> database), only the database layer runs
# statements, and every .c file includes banned.h.  Exits non-zero, naming the file, on a violation.
#
# Only direct includes count: a handler reaches struct db through a
# service's header, which is what it should do.
set -u
cd "$(dirname "$0")/.." || exit 1
rc=0

# HEADER-REGEX | the one file that includes it | why
LIBRARIES='
fcgiapp\.h  | fcgi.c     | the FastCGI protocol stays in the worker loop
libpq-fe\.h | db.c       | no PGresult or PGconn leaves the database layer
json-c/     | json.c     | no json_object leaves the codec
argon2\.h   | password.c | hashing parameters and wiping live in one place
openssl/    | crypto.c   | one file to audit for randomness and compares
ldap\.h      | directory.c | one file to audit for timeouts, TLS and escaping
'

# FILES (globs; one that matches nothing is skipped) | HEADERS | why
LAYERS='
src/api_*.c | db.h | handlers talk to services, never to the database layer
src/users.[ch] src/orgs.[ch] src/tokens.[ch] src/session.[ch]
    src/setup.[ch] src/svc.[ch] src/health.[ch] src/migrate.[ch]
    src/dirauth.[ch]
    | http.h json.h | services hold the rules; decoding the request and
    encoding the answer is the handlers'"'"' job
src/directory.[ch] | db.h http.h json.h | the directory client knows
    the settings it is handed, not where they are kept nor who asked
src/db.[ch] src/db_*.[ch] src/pool.[ch] src/password.[ch]
    | http.h json.h | the database layer and hashing serve every caller,
    usersctl too, and know nothing of a request
'

# A table's rows, one a line: continuation lines (they start with blanks)
# joined on, blanks squeezed and trimmed around each "|".
rows() {
	printf '%s\n' "$1" | awk '
	/^[ \t]/ { row = row " " $0; next }
	{ if (row != "") print row; row = $0 }
	END { if (row != "") print row }' |
	    sed -e 's/[[:space:]][[:space:]]*/ /g' -e 's/ *| */|/g' \
	    -e 's/^ //' -e 's/ $//'
}

# The loops run in pipelines (subshells): what they print is the verdict.
rows "$LIBRARIES" | while IFS='|' read -r re owner why; do
	bad=$(grep -lE "#include[[:space:]]*<$re" src/*.c src/*.h |
	    grep -vx "src/$owner" | tr '\n' ' ')
	[ -z "$bad" ] && continue
	lib=$(printf %s "$re" | tr -d '\\')
	echo "check-includes: <$lib> belongs to src/$owner only, not:" \
	    "$bad($why)"
done | grep . && rc=1

rows "$LAYERS" | while IFS='|' read -r files headers why; do
	for f in $files; do
		[ -e "$f" ] || continue
		for h in $headers; do
			grep -q "#include[[:space:]]*\"$h\"" "$f" &&
			    echo "check-includes: $f includes \"$h\" ($why)"
		done
	done
done | grep . && rc=1

# Statements run only in the database layer: db.c, and the typed
# db_<entity>.c functions that fill model.h records, so no service builds
# a parameter array or reads a column by number.
bad=$(grep -lE '\<(db_run|db_run_pair|dbrows_get)\(' src/*.c |
    grep -vxE 'src/db(_[a-z]+)?\.c' | tr '\n' ' ')
if [ -n "$bad" ]; then
	echo "check-includes: only src/db.c and src/db_*.c run statements" \
	    "(db_run, dbrows_get), not: $bad"
	rc=1
fi

for f in src/*.c; do
	grep -q '#include "banned.h"' "$f" || {
		echo "check-includes: $f does not include banned.h"
		rc=1
	}
done
[ $rc -eq 0 ] && echo "check-includes: ok"
exit $rc
