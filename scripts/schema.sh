#!/bin/sh
# schema.sh -- sql/schema.sql: the schema the migrations make, in one file,
# as pg_dump --schema-only writes it for a freshly migrated database,
# normalised: no comments, no session settings, no \restrict keys, and the
# instance's roles (named after its database) as usersd_<kind>.  The
# migrations stay the source; tests/cgi/t0004-schema-snapshot.t fails when
# this file is not what they make (`make schema` writes it again).
#
#   scripts/schema.sh [OUT]          a throwaway cluster, a database migrated
#                                    by build/usersctl, normalised into OUT
#                                    (default sql/schema.sql)
#   scripts/schema.sh dump CONNINFO  the normalised dump of that database
set -eu
cd "$(dirname "$0")/.." || exit 1

# The dump of database $1 (a conninfo), normalised, on stdout.
dump() {
	pg_dump --schema-only --no-password -d "$1" >"$tmp/raw.sql"
	# The instance's roles are <its database>_<kind>; its owner owns public.
	prefix=$(sed -n 's/^ALTER SCHEMA public OWNER TO \(.*\)_owner;$/\1/p' \
	    "$tmp/raw.sql")
	[ -n "$prefix" ] || { echo "schema.sh: no owner of public" >&2; exit 1; }
	echo "-- sql/schema.sql: the schema sql/migrations make, as pg_dump"
	echo "-- writes it (normalised). Do not edit: run make schema."
	grep -v -e '^--' -e '^\\' -e '^SET ' \
	    -e "^SELECT pg_catalog.set_config('search_path'" "$tmp/raw.sql" |
	    sed "s/\\<$prefix\\(_[a-z]*\\)\\>/usersd\\1/g" | cat -s
}

tmp=$(mktemp -d /tmp/usersd-schema-XXXXXX)
chmod 0755 "$tmp"
if [ "${1:-}" = dump ]; then
	trap 'rm -rf "$tmp"' EXIT
	dump "$2"
	exit 0
fi
out=${1:-sql/schema.sql}
ctl=${USERSCTL_BIN:-build/usersctl}
[ -x "$ctl" ] || { echo "schema.sh: no $ctl (run make)" >&2; exit 1; }
trap 'tests/lib/pg.sh stop "$tmp/pg"; rm -rf "$tmp"' EXIT
tests/lib/pg.sh start "$tmp/pg" >/dev/null
psql -X -q -h "$tmp/pg" -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -c 'CREATE DATABASE usersd'
USERSD_DB="host=$tmp/pg port=5432 dbname=usersd user=postgres" "$ctl" \
    migrate >"$tmp/migrate.log" 2>&1 || { cat "$tmp/migrate.log" >&2; exit 1; }
dump "host=$tmp/pg port=5432 dbname=usersd user=postgres" >"$tmp/schema.sql"
mv "$tmp/schema.sql" "$out"
echo "schema.sh: wrote $out"
