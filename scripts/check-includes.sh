#!/bin/sh
# check-includes.sh -- the layering rules of STYLE.md that a grep can prove:
# each external library is included by one file, the includes point down the
# layers (handlers -> services -> database), only the database layer runs
# statements, nothing usersctl links reaches the request side, and every
# .c file includes banned.h.  Exits non-zero, naming the file, on a
# violation; then breaks each kind of rule in a copy of the tree and fails
# unless the copy is refused (the rules' own test).
#
# The layer rows count direct includes: a handler reaches struct db through a
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
    src/policy.[ch] src/budget.[ch] src/dirauth.[ch]
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

# The local headers f reaches, directly or through other headers.
reaches() {
	todo=$1 seen=' '
	while [ -n "$todo" ]; do
		set -- $todo
		cur=$1
		shift
		todo=$*
		for h in $(sed -n 's/^#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' \
		    "$cur"); do
			case "$seen" in *" $h "*) continue ;; esac
			seen="$seen$h "
			[ -e "src/$h" ] && todo="$todo src/$h"
		done
	done
	printf '%s\n' $seen
}

# What usersctl links (the Makefile's CORE_OBJS, shared with usersd, and
# CTL_OBJS, its own) must not reach the request side, even through a
# header: services take the principal and the rules from policy.h, and
# usersctl acts as the shell principal with no request, cookie or JSON
# code linked in.
REQUEST_SIDE='http.h auth.h csrf.h json.h fcgi.h router.h api.h'
core=$(awk '/^(CORE|CTL)_OBJS *=/ { on = 1; next } on && !/\\$/ { print; on = 0 }
    on' Makefile | sed -n 's|.*$(O)/\([a-z_]*\)\.o.*|\1|p')
case " $(echo $core) " in *" usersctl "*) ;; *)
	echo "check-includes: no CORE_OBJS and CTL_OBJS in Makefile"; rc=1 ;;
esac
for m in $core; do
	[ -e "src/$m.c" ] || continue
	for h in $(reaches "src/$m.c"); do
		case " $REQUEST_SIDE " in *" $h "*)
			echo "check-includes: src/$m.c (linked into usersctl)" \
			    "reaches \"$h\", directly or through a header" \
			    "(the request side is usersd's alone)"
			rc=1 ;;
		esac
	done
done

for f in src/*.c; do
	grep -q '#include "banned.h"' "$f" || {
		echo "check-includes: $f does not include banned.h"
		rc=1
	}
done
# The rules above must fail when broken: each breach below, made in a
# copy of the tree, has to be caught (a rule that cannot fail is none).
self_test() {
	tmp=$(mktemp -d) || exit 1
	trap 'rm -rf "$tmp"' EXIT
	bad=0
	while IFS='|' read -r what file line; do
		[ -n "$what" ] || continue
		rm -rf "$tmp/t" && mkdir -p "$tmp/t/scripts" &&
		    cp -R src Makefile "$tmp/t/" &&
		    cp scripts/check-includes.sh "$tmp/t/scripts/" || exit 1
		if [ "$file" = Makefile ]; then
			sed -i "s|^CORE_OBJS = \\\\|&\\n$line \\\\|" \
			    "$tmp/t/Makefile"
		else
			printf '%s\n' "$line" >>"$tmp/t/$file"
		fi
		if CHECK_INCLUDES_INNER=1 sh "$tmp/t/scripts/check-includes.sh" \
		    >/dev/null 2>&1; then
			echo "check-includes: self-test: $what is not caught"
			bad=1
		fi
	done <<-'EOF'
	a service header reaches auth.h|src/svc.h|#include "auth.h"
	a service reaches http.h through a header|src/db.h|#include "http.h"
	policy reaches http.h|src/policy.c|#include "csrf.h"
	usersctl links the request side|Makefile|	$(O)/http.o
	a usersctl command reaches http.h|src/ctl.h|#include "http.h"
	a handler includes db.h|src/api_users.c|#include "db.h"
	a second file includes libpq|src/users.c|#include <libpq-fe.h>
	EOF
	return $bad
}
if [ -z "${CHECK_INCLUDES_INNER:-}" ]; then
	self_test || rc=1
fi
[ $rc -eq 0 ] && echo "check-includes: ok"
exit $rc
