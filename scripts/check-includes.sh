#!/bin/sh
# check-includes.sh -- the layering rules of STYLE.md that a grep can prove:
# each external library is included by exactly one file, and every .c file
# includes banned.h.  Exits non-zero, naming the file, on a violation.
set -u
cd "$(dirname "$0")/.." || exit 1
rc=0

only() {	# only HEADER-REGEX FILE
	bad=$(grep -lE "#include[[:space:]]*<$1" src/*.c src/*.h | grep -vx "src/$2")
	if [ -n "$bad" ]; then
		echo "check-includes: <$1> belongs to src/$2 only, not: $bad"
		rc=1
	fi
}

only 'fcgiapp\.h' fcgi.c
only 'libpq-fe\.h' db.c
only 'json-c/' json.c
only 'argon2\.h' password.c
only 'openssl/' crypto.c

for f in src/*.c; do
	grep -q '#include "banned.h"' "$f" || { echo "check-includes: $f does not include banned.h"; rc=1; }
done
[ $rc -eq 0 ] && echo "check-includes: ok"
exit $rc
