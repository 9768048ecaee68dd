#!/bin/bash
# pg.sh -- a private PostgreSQL cluster in one directory, for tests and "make run".
#
#   tests/lib/pg.sh start DIR [--fsync]   initdb if needed, start; prints PGHOST=/PGPORT= lines
#   tests/lib/pg.sh stop DIR              fast shutdown (no-op if not running)
#   tests/lib/pg.sh status DIR            exit 0 if running
#   tests/lib/pg.sh env DIR               print PGHOST=/PGPORT=/PGUSER= lines
#
# Or source it and call pg_start/pg_stop/pg_status/pg_env (pg_start exports
# PGHOST, PGPORT and PGUSER).
#
# Layout: DIR/data is PGDATA, DIR/postgres.log the server log, and the unix
# socket lives in DIR itself.  No TCP (listen_addresses=''), trust auth: the
# socket directory is the access control.  DIR is made mode 0755 so that other
# local users (Apache's www-data children) can reach the socket; connect with
# user=postgres.
#
# PostgreSQL refuses to run as root, so as root every server command runs as
# the "postgres" system user; DIR and all its parents must be traversable by
# that user (an error says so otherwise).  As a normal user the cluster runs
# as that user.
#
# fsync is off unless --fsync is given: the throwaway test clusters do not
# need durability, "make run"'s var/pg cluster does.

PG_BINDIR=${PG_BINDIR:-$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)}
PG_PORT=${PG_PORT:-5432}

# Run a command as the cluster owner.
pg__as() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg__die() {
	echo "pg.sh: $*" >&2
	return 1
}

# pg_init DIR [--fsync]: create the cluster unless DIR/data already is one.
pg_init() {
	local dir=$1 fsync=off
	[ "${2:-}" = --fsync ] && fsync=on
	[ -n "$dir" ] || { pg__die "usage: pg_init DIR [--fsync]"; return 1; }
	mkdir -p "$dir" || return 1
	dir=$(cd "$dir" && pwd -P)
	chmod 0755 "$dir"
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres: "$dir"
		if ! runuser -u postgres -- test -w "$dir"; then
			pg__die "the postgres user cannot reach $dir (a parent directory is not traversable, e.g. /root is 0700); use a directory under /tmp or /var/lib"
			return 1
		fi
	fi
	[ -f "$dir/data/PG_VERSION" ] && return 0
	pg__as "$PG_BINDIR/initdb" -D "$dir/data" -U postgres -A trust \
	    -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
	    { cat "$dir/initdb.log" >&2; pg__die "initdb failed in $dir"; return 1; }
	# Settings go into the cluster's own file, so that a plain
	# "pg_ctl -D DIR/data start" later behaves the same.
	pg__as tee -a "$dir/data/postgresql.conf" >/dev/null <<EOC

# --- written by tests/lib/pg.sh ---
listen_addresses = ''
unix_socket_directories = '$dir'
unix_socket_permissions = 0777
port = $PG_PORT
max_connections = 200
fsync = $fsync
synchronous_commit = $fsync
full_page_writes = $fsync
logging_collector = off
log_min_messages = warning
EOC
}

# pg_start DIR [--fsync]: init if needed, start, wait until it accepts connections.
pg_start() {
	local dir=$1
	pg_init "$@" || return 1
	dir=$(cd "$dir" && pwd -P)
	if ! pg_status "$dir"; then
		pg__as "$PG_BINDIR/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" \
		    -w -t 60 start >/dev/null ||
		    { tail -20 "$dir/postgres.log" >&2; pg__die "cannot start PostgreSQL in $dir"; return 1; }
	fi
	export PGHOST=$dir PGPORT=$PG_PORT PGUSER=postgres
}

# pg_stop DIR: fast shutdown; quiet and successful when nothing runs there.
pg_stop() {
	local dir=$1
	[ -f "$dir/data/postmaster.pid" ] || return 0
	pg__as "$PG_BINDIR/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
}

pg_status() {
	[ -f "$1/data/PG_VERSION" ] &&
	    pg__as "$PG_BINDIR/pg_ctl" -D "$1/data" status >/dev/null 2>&1
}

pg_env() {
	local dir
	dir=$(cd "$1" && pwd -P) || return 1
	printf 'PGHOST=%s\nPGPORT=%s\nPGUSER=postgres\n' "$dir" "$PG_PORT"
}

# Executed (not sourced): dispatch a subcommand.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	cmd=${1:-}
	[ $# -ge 2 ] || { echo "usage: $0 start|stop|status|env DIR [--fsync]" >&2; exit 2; }
	shift
	case $cmd in
	start)	pg_start "$@" && pg_env "$1" ;;
	stop)	pg_stop "$1" ;;
	status)	pg_status "$1" ;;
	env)	pg_env "$1" ;;
	init)	pg_init "$@" ;;
	*)	echo "usage: $0 start|stop|status|env DIR [--fsync]" >&2; exit 2 ;;
	esac
fi
