#!/bin/bash
# pg.sh -- a private PostgreSQL cluster in one directory, for tests and "make run".
#
#   tests/lib/pg.sh start DIR [--fsync]   initdb if needed, start; prints PGHOST=/PGPORT= lines
#   tests/lib/pg.sh stop DIR              fast shutdown (no-op if not running)
#   tests/lib/pg.sh status DIR            exit 0 if running
#   tests/lib/pg.sh env DIR               print PGHOST=/PGPORT=/PGUSER= lines
#   tests/lib/pg.sh standby DIR PRIMARY   a streaming standby of the cluster in
#                                         PRIMARY (pg_basebackup -R, slot named
#                                         after DIR), started; socket in DIR
#   tests/lib/pg.sh sync PRIMARY NAME     commits on PRIMARY wait for standby
#                                         NAME (synchronous_standby_names)
#   tests/lib/pg.sh promote DIR           the standby in DIR becomes a primary
#   tests/lib/pg.sh crash DIR             immediate shutdown (-m immediate)
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

# pg_standby DIR PRIMARY: a hot standby of PRIMARY's cluster in DIR,
# streaming through a replication slot named after DIR (which must be a
# valid slot name: lower case, digits, _), started.  Its application_name
# (cluster_name) is that name too, for synchronous_standby_names.
pg_standby() {
	local dir=$1 primary=$2 name
	[ -n "$dir" ] && [ -n "$primary" ] || { pg__die "usage: pg_standby DIR PRIMARY"; return 1; }
	mkdir -p "$dir" || return 1
	dir=$(cd "$dir" && pwd -P)
	primary=$(cd "$primary" && pwd -P) || return 1
	name=$(basename "$dir")
	chmod 0755 "$dir"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		pg__as "$PG_BINDIR/pg_basebackup" -h "$primary" -p "$PG_PORT" \
		    -U postgres -D "$dir/data" -R -X stream -C -S "$name" \
		    -c fast >"$dir/basebackup.log" 2>&1 ||
		    { cat "$dir/basebackup.log" >&2; pg__die "pg_basebackup of $primary failed"; return 1; }
		# The copy has the primary's settings: its own socket, and no
		# synchronous standby of its own once promoted (it would wait
		# for one forever).
		pg__as sed -i '/^synchronous_standby_names/d' \
		    "$dir/data/postgresql.auto.conf"
		pg__as tee -a "$dir/data/postgresql.conf" >/dev/null <<EOC

# --- standby, written by tests/lib/pg.sh ---
unix_socket_directories = '$dir'
cluster_name = '$name'
EOC
	fi
	pg_start "$dir"
}

# pg_sync PRIMARY NAME: a commit on PRIMARY waits until standby NAME has
# it on disk (synchronous_commit = on, whatever --fsync said); returns once
# NAME streams as the synchronous standby.
pg_sync() {
	local primary=$1 name=$2 i
	psql -X -q -h "$primary" -p "$PG_PORT" -U postgres -d postgres \
	    -v ON_ERROR_STOP=1 -c "ALTER SYSTEM SET synchronous_commit = on" \
	    -c "ALTER SYSTEM SET synchronous_standby_names = '\"$name\"'" \
	    -c "SELECT pg_reload_conf()" >/dev/null || return 1
	for i in $(seq 200); do
		[ "$(psql -X -Atq -h "$primary" -p "$PG_PORT" -U postgres \
		    -d postgres -c "SELECT sync_state FROM pg_stat_replication
		    WHERE application_name = '$name'")" = sync ] && return 0
		sleep 0.05
	done
	pg__die "standby $name is not synchronous after 10 s"
}

pg_promote() {
	pg__as "$PG_BINDIR/pg_ctl" -D "$1/data" -w -t 60 promote >/dev/null
}

# pg_crash DIR: the server dies at once (no checkpoint, clients cut off).
pg_crash() {
	[ -f "$1/data/postmaster.pid" ] || return 0
	pg__as "$PG_BINDIR/pg_ctl" -D "$1/data" -m immediate -w -t 60 stop >/dev/null
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
	standby) pg_standby "$@" ;;
	sync)	pg_sync "$@" ;;
	promote) pg_promote "$1" ;;
	crash)	pg_crash "$1" ;;
	*)	echo "usage: $0 start|stop|status|env|standby|sync|promote|crash DIR [ARG]" >&2; exit 2 ;;
	esac
fi
