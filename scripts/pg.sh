#!/bin/bash
# A private PostgreSQL 15 cluster for tests and development (Debian's
# postgresql package). Usage:
#   scripts/pg.sh start DIR          initdb into DIR, start it on a free loopback
#                                    port, print its URL (postgres://kafaat@...)
#   scripts/pg.sh stop DIR           stop it and remove DIR; safe to repeat, and
#                                    after a start that failed halfway
#   scripts/pg.sh url DIR            print the URL of the cluster in DIR
#   scripts/pg.sh resume DIR         start again a cluster made here that died
#                                    (kill -9, power cut): crash recovery runs;
#                                    print its URL
#   scripts/pg.sh createdb URL NAME  create an empty database NAME; print its URL
#   scripts/pg.sh dropdb URL NAME    drop database NAME (closing its connections)
#
# DIR holds the data (DIR/data), the server log (DIR/log), the Unix socket
# and a marker file; it must be new, empty or made by this script. As root
# the server runs as the `postgres` user. Tests only: trust authentication
# on 127.0.0.1 and fsync off, so a crash of the machine may lose data;
# PG_DURABLE=1 at start keeps PostgreSQL's durable defaults instead (fsync,
# synchronous commit, full page writes: the power-loss test needs them).
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
MARK=kafaat-pg-cluster
ROLE=kafaat
DBNAME=kafaat

die() {
	echo "pg.sh: $*" >&2
	exit 1
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# Runs a command as the cluster's owner (postgres when we are root), from /
# so that the owner never needs access to the caller's working folder.
as_owner() {
	if is_root; then
		(cd / && runuser -u postgres -- "$@")
	else
		(cd / && "$@")
	fi
}

# psql as the superuser, through the loopback port.
psql_admin() { # port psql-args...
	local port=$1
	shift
	"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 "postgres://postgres@127.0.0.1:$port/postgres" "$@"
}

abs_dir() {
	[ -n "${1:-}" ] || die "missing DIR"
	realpath -m -- "$1"
}

is_ours() { [ -f "$1/$MARK" ]; }

is_empty_dir() { [ -d "$1" ] && [ -z "$(ls -A -- "$1")" ]; }

port_of() { cat -- "$1/port" 2>/dev/null || true; }

running() { # dir
	local port
	port=$(port_of "$1")
	[ -n "$port" ] && [ -f "$1/data/postmaster.pid" ] &&
		"$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$port" -t 2
}

url_of() { echo "postgres://$ROLE@127.0.0.1:$(port_of "$1")/$DBNAME"; }

# A port nothing listens on now (the server start retries if one is taken
# in between).
free_port() {
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	die "no free loopback port found"
}

make_dir() { # dir
	mkdir -p -- "$1"
	touch -- "$1/$MARK"
	chmod 700 -- "$1"
	if is_root; then
		id postgres >/dev/null 2>&1 || die "no postgres user: install Debian's postgresql package"
		chown postgres: -- "$1" "$1/$MARK"
		runuser -u postgres -- test -w "$1" ||
			die "user postgres cannot write $1: its parent folders must be searchable by others"
	fi
}

init_cluster() { # dir
	local dir=$1
	as_owner "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
		--locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
		{ tail -20 "$dir/initdb.log" >&2; die "initdb failed (log above)"; }
	as_owner tee "$dir/data/pg_hba.conf" >/dev/null <<-EOF
		# Tests only: the cluster listens on loopback and its socket folder is private.
		local all all trust
		host all all 127.0.0.1/32 trust
	EOF
	as_owner tee -a "$dir/data/postgresql.conf" >/dev/null <<-EOF
		# kafaat test settings (scripts/pg.sh)
		listen_addresses = '127.0.0.1'
		unix_socket_directories = '$dir'
		max_connections = 200
		include_if_exists = 'port.conf'
	EOF
	if [ "${PG_DURABLE:-0}" != 1 ]; then
		as_owner tee -a "$dir/data/postgresql.conf" >/dev/null <<-EOF
			fsync = off
			synchronous_commit = off
			full_page_writes = off
		EOF
	fi
	# On disk before the server relies on them: a power cut must not take
	# back the settings (the power-loss test cuts right after).
	sync -- "$dir/data/pg_hba.conf" "$dir/data/postgresql.conf"
}

# Starts the server on a free port; retries when the port was taken.
start_server() { # dir
	local dir=$1 port
	for _ in 1 2 3 4 5; do
		port=$(free_port)
		echo "port = $port" | as_owner tee "$dir/data/port.conf" >/dev/null
		sync -- "$dir/data/port.conf"
		if as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 start >/dev/null; then
			echo "$port" >"$dir/port"
			sync -- "$dir/port"
			return 0
		fi
		grep -q 'could not bind\|Address already in use' "$dir/log" 2>/dev/null ||
			break
	done
	tail -20 "$dir/log" >&2 2>/dev/null || true
	die "the server did not start (log above)"
}

create_role() { # dir
	local port
	port=$(port_of "$1")
	"$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$port" -t 30 || die "the server does not answer"
	psql_admin "$port" -c "CREATE ROLE $ROLE LOGIN CREATEDB" \
		-c "CREATE DATABASE $DBNAME OWNER $ROLE" >/dev/null
}

cmd_start() {
	local dir
	dir=$(abs_dir "${1:-}")
	if is_ours "$dir" && running "$dir"; then
		url_of "$dir"
		return 0
	fi
	if [ -e "$dir" ] && ! is_empty_dir "$dir"; then
		is_ours "$dir" || die "$dir exists and is neither empty nor a cluster made by pg.sh"
		cmd_stop "$dir" # the remains of a failed or stopped start
	fi
	[ -x "$PGBIN/initdb" ] || die "$PGBIN/initdb missing: install Debian's postgresql package"
	make_dir "$dir"
	init_cluster "$dir"
	start_server "$dir"
	create_role "$dir"
	url_of "$dir"
}

# The pid in postmaster.pid, if that process is still a postgres server.
server_pid() { # dir
	local pid
	pid=$(head -1 "$1/data/postmaster.pid" 2>/dev/null || true)
	[[ "$pid" =~ ^[0-9]+$ ]] || return 1
	[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = postgres ] || return 1
	echo "$pid"
}

stop_server() { # dir
	local dir=$1 pid
	[ -f "$dir/data/postmaster.pid" ] || return 0
	as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 && return 0
	as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w -t 10 stop >/dev/null 2>&1 && return 0
	if pid=$(server_pid "$dir"); then
		kill -KILL "$pid" 2>/dev/null || true
	fi
}

cmd_stop() {
	local dir
	dir=$(abs_dir "${1:-}")
	[ -e "$dir" ] || return 0
	if is_empty_dir "$dir"; then
		rmdir -- "$dir"
		return 0
	fi
	is_ours "$dir" || die "refusing to remove $dir: not a cluster made by pg.sh"
	stop_server "$dir"
	rm -rf -- "$dir"
}

cmd_resume() {
	local dir
	dir=$(abs_dir "${1:-}")
	is_ours "$dir" || die "$dir is not a cluster made by pg.sh"
	if ! running "$dir"; then
		start_server "$dir"
		"$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$(port_of "$dir")" -t 60 ||
			die "the server does not answer after its restart"
	fi
	url_of "$dir"
}

cmd_url() {
	local dir
	dir=$(abs_dir "${1:-}")
	running "$dir" || die "no cluster running in $dir"
	url_of "$dir"
}

check_name() {
	[[ "${1:-}" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] ||
		die "database name '${1:-}': lowercase letters, digits and _ only"
}

# URL with its database (the path) replaced by name; keeps the query.
url_with_db() { # url name
	local re='^(postgres(ql)?://[^/?]*)(/[^?]*)?(\?.*)?$'
	[[ "$1" =~ $re ]] || die "not a postgres:// URL"
	echo "${BASH_REMATCH[1]}/$2${BASH_REMATCH[4]}"
}

cmd_createdb() { # url name
	[ -n "${1:-}" ] || die "missing URL"
	check_name "${2:-}"
	url_with_db "$1" "$2" >/dev/null
	"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 "$1" -c "CREATE DATABASE \"$2\"" >/dev/null
	url_with_db "$1" "$2"
}

# A plain DROP waits for autovacuum to leave the database (FORCE would fail
# on its worker, which runs as another role); FORCE closes the connections
# a client left behind.
cmd_dropdb() { # url name
	[ -n "${1:-}" ] || die "missing URL"
	check_name "${2:-}"
	"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 "$1" -c "DROP DATABASE IF EXISTS \"$2\"" >/dev/null 2>&1 ||
		"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 "$1" -c "DROP DATABASE IF EXISTS \"$2\" WITH (FORCE)" >/dev/null
}

case "${1:-}" in
start) cmd_start "${2:-}" ;;
stop) cmd_stop "${2:-}" ;;
url) cmd_url "${2:-}" ;;
resume) cmd_resume "${2:-}" ;;
createdb) cmd_createdb "${2:-}" "${3:-}" ;;
dropdb) cmd_dropdb "${2:-}" "${3:-}" ;;
*) die "usage: pg.sh start DIR | stop DIR | url DIR | resume DIR | createdb URL NAME | dropdb URL NAME" ;;
esac
