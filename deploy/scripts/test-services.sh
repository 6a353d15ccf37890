#!/usr/bin/env bash
# test-services.sh: make sure Postgres and Redis are reachable for Causeway's
# tests, starting them if needed, and that Chromium is installed for the
# tracker page's browser test; report where they are.
#
# Usage:
#   deploy/scripts/test-services.sh [ENV_FILE]   ensure both services and Chromium
#   deploy/scripts/test-services.sh --stop       stop services this script started
#
# Output: CAUSEWAY_TEST_POSTGRES_URL, CAUSEWAY_TEST_REDIS_URL and
# CAUSEWAY_TEST_CHROMIUM (the browser binary), as KEY=VALUE
# lines written to ENV_FILE when given (the Makefile sources it), otherwise as
# `export KEY=VALUE` lines on stdout (eval "$(deploy/scripts/test-services.sh)").
# Progress goes to stderr.
#
# For each service, in order: already reachable → use it. Else start it from
# installed binaries (Postgres: the distribution cluster via pg_ctlcluster when
# its port matches, else a throwaway initdb cluster in a temp dir; Redis: a
# throwaway redis-server). Else, as root with apt-get, install the Debian
# packages and start them. Chromium: on PATH → use it; else, as root with
# apt-get, install the Debian package. Anything that cannot be provided fails
# the run when CI=true and prints a loud warning otherwise.
#
# Environment:
#   CAUSEWAY_PG_PORT      Postgres port (default 5432)
#   CAUSEWAY_REDIS_PORT   Redis port (default 6379)
#   CAUSEWAY_SERVICES_DIR where throwaway services keep data (default $TMPDIR/causeway-test-services-$UID)
#   CI                    "true" turns warnings into failures
set -euo pipefail

readonly HOST=127.0.0.1
readonly PG_DB=test
readonly PG_USER=postgres
readonly PG_PORT=${CAUSEWAY_PG_PORT:-5432}
readonly REDIS_PORT=${CAUSEWAY_REDIS_PORT:-6379}
readonly STATE_DIR=${CAUSEWAY_SERVICES_DIR:-${TMPDIR:-/tmp}/causeway-test-services-$(id -u)}
readonly READY_TIMEOUT_S=30   # how long a started service may take to accept connections
readonly PROBE_TIMEOUT_S=1    # one reachability probe
readonly PORT_SCAN_LIMIT=200  # ports tried when the wanted one is taken

log() { echo "test-services: $*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }
is_root() { [[ $(id -u) -eq 0 ]]; }
in_ci() { [[ ${CI:-} == true ]]; }

# ---- probes -----------------------------------------------------------------

tcp_open() { # host port
	timeout "$PROBE_TIMEOUT_S" bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

pg_up() { # port
	if have pg_isready; then
		pg_isready -q -h "$HOST" -p "$1" -t "$PROBE_TIMEOUT_S"
	else
		tcp_open "$HOST" "$1"
	fi
}

# pg_db_ready: database test accepts the trust-authenticated user. Without a
# psql client, reachability is all that can be checked.
pg_db_ready() { # port
	if ! have psql; then
		tcp_open "$HOST" "$1"
		return
	fi
	PGCONNECT_TIMEOUT=$PROBE_TIMEOUT_S psql -h "$HOST" -p "$1" -U "$PG_USER" -X -A -t -q -d "$PG_DB" \
		-c 'select 1' >/dev/null 2>&1
}

pg_create_db() { # port
	log "creating database $PG_DB on port $1"
	psql -h "$HOST" -p "$1" -U "$PG_USER" -X -q -d postgres -c "create database $PG_DB" >/dev/null
}

# pg_serving: the server on port has (or now has) database test.
pg_serving() { # port
	pg_db_ready "$1" || { pg_up "$1" && pg_create_db "$1"; }
}

redis_up() { # port
	if have redis-cli; then
		[[ $(timeout "$PROBE_TIMEOUT_S" redis-cli -h "$HOST" -p "$1" ping 2>/dev/null) == PONG ]]
	else
		timeout "$PROBE_TIMEOUT_S" bash -c "exec 3<>/dev/tcp/$HOST/$1 && printf 'PING\r\n' >&3 && read -r reply <&3 && [[ \$reply == +PONG* ]]" 2>/dev/null
	fi
}

wait_for() { # description probe args...
	local what=$1 deadline=$((SECONDS + READY_TIMEOUT_S))
	shift
	until "$@"; do
		if ((SECONDS >= deadline)); then
			log "$what did not become ready within ${READY_TIMEOUT_S}s"
			return 1
		fi
		sleep 0.2
	done
}

free_port() { # wanted: the wanted port if nothing listens there, else the next free one
	local p
	for ((p = $1; p < $1 + PORT_SCAN_LIMIT; p++)); do
		if ! tcp_open "$HOST" "$p"; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# ---- helpers for starting things --------------------------------------------

run_as_postgres() {
	if ! is_root; then
		"$@"
	elif have runuser; then
		runuser -u postgres -- "$@"
	else
		su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
	fi
}

pg_bin() { # name: a server binary from PATH or the newest /usr/lib/postgresql/*/bin
	if have "$1"; then
		command -v "$1"
		return 0
	fi
	local found
	found=$(ls -d /usr/lib/postgresql/*/bin/"$1" 2>/dev/null | sort -V | tail -n 1)
	[[ -n $found ]] && echo "$found"
}

apt_install() { # packages...
	if ! is_root || ! have apt-get; then
		return 1
	fi
	log "installing $* with apt-get"
	DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

state_dir() {
	mkdir -p "$STATE_DIR"
	chmod 755 "$STATE_DIR" # the postgres user must reach its data directory
	echo "$STATE_DIR"
}

# ---- Postgres -----------------------------------------------------------------

# start_pg_cluster starts the distribution's cluster when it serves PG_PORT.
start_pg_cluster() {
	have pg_ctlcluster && have pg_lsclusters || return 1
	local ver name port
	while read -r ver name port _; do
		[[ $port == "$PG_PORT" ]] || continue
		log "starting Postgres cluster $ver/$name on port $port"
		pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start >&2 || return 1
		wait_for "Postgres $ver/$name" pg_up "$port" && echo "$port"
		return
	done < <(pg_lsclusters -h 2>/dev/null)
	return 1
}

# start_pg_throwaway runs initdb into a temp dir and starts it with trust auth
# and durability off (test data only).
start_pg_throwaway() {
	local initdb pg_ctl port dir
	initdb=$(pg_bin initdb) && pg_ctl=$(pg_bin pg_ctl) || return 1
	if is_root && ! id postgres >/dev/null 2>&1; then
		log "running as root without a postgres user: cannot run initdb"
		return 1
	fi
	port=$(free_port "$PG_PORT") || return 1
	dir=$(state_dir)/pg-$port
	rm -rf "$dir"
	mkdir -p "$dir"
	is_root && chown postgres "$dir"
	log "starting a throwaway Postgres in $dir on port $port"
	run_as_postgres "$initdb" -D "$dir/data" -U "$PG_USER" -A trust -E UTF8 --no-sync >/dev/null || return 1
	run_as_postgres "$pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t "$READY_TIMEOUT_S" \
		-o "-p $port -k $dir -c listen_addresses=$HOST -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
		start >/dev/null || return 1
	echo "$port" >"$(state_dir)/pg.port"
	echo "$dir" >"$(state_dir)/pg.dir"
	echo "$port"
}

ensure_pg() { # prints the port
	local port
	for port in "$PG_PORT" $(cat "$STATE_DIR/pg.port" 2>/dev/null); do
		if pg_serving "$port"; then
			echo "$port"
			return 0
		fi
	done
	if ! pg_bin initdb >/dev/null && ! have pg_ctlcluster; then
		apt_install postgresql || return 1
	fi
	port=$(start_pg_cluster) || port=$(start_pg_throwaway) || return 1
	pg_serving "$port" && echo "$port"
}

# ---- Redis ----------------------------------------------------------------------

start_redis() {
	local port dir
	have redis-server || return 1
	port=$(free_port "$REDIS_PORT") || return 1
	dir=$(state_dir)/redis-$port
	mkdir -p "$dir"
	log "starting a throwaway Redis in $dir on port $port"
	if ! redis-server --daemonize yes --bind "$HOST" --port "$port" --save "" --appendonly no \
		--dir "$dir" --logfile "$dir/redis.log" --pidfile "$dir/redis.pid" >&2; then
		rm -rf "$dir"
		return 1
	fi
	wait_for "Redis on port $port" redis_up "$port" || return 1
	echo "$port" >"$(state_dir)/redis.port"
	echo "$port"
}

ensure_redis() { # prints the port
	local port
	for port in "$REDIS_PORT" $(cat "$STATE_DIR/redis.port" 2>/dev/null); do
		if redis_up "$port"; then
			echo "$port"
			return 0
		fi
	done
	if ! have redis-server; then
		apt_install redis-server || return 1
	fi
	start_redis
}

# ---- Chromium -------------------------------------------------------------------

# chromium_bin prints the browser the tracker's browser test drives.
chromium_bin() {
	local name
	for name in chromium chromium-browser; do
		if have "$name"; then
			command -v "$name"
			return 0
		fi
	done
	return 1
}

ensure_chromium() { # prints the path
	chromium_bin && return 0
	apt_install chromium || return 1
	chromium_bin
}

# ---- stop -----------------------------------------------------------------------

stop_services() {
	local dir port
	if [[ -f $STATE_DIR/pg.dir ]]; then
		dir=$(cat "$STATE_DIR/pg.dir")
		log "stopping throwaway Postgres in $dir"
		run_as_postgres "$(pg_bin pg_ctl)" -D "$dir/data" -m fast -w stop >/dev/null || true
		rm -rf "$dir" "$STATE_DIR/pg.dir" "$STATE_DIR/pg.port"
	fi
	if [[ -f $STATE_DIR/redis.port ]]; then
		port=$(cat "$STATE_DIR/redis.port")
		log "stopping throwaway Redis on port $port"
		redis-cli -h "$HOST" -p "$port" shutdown nosave >/dev/null 2>&1 || true
		rm -rf "$STATE_DIR/redis-$port" "$STATE_DIR/redis.port"
	fi
	rmdir "$STATE_DIR" 2>/dev/null || true
}

# ---- main -----------------------------------------------------------------------

missing() { # service
	if in_ci; then
		log "ERROR: $1 is not reachable and could not be started (CI=true: failing)"
	else
		log "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
		log "!! WARNING: $1 is not available; tests that need it will fail or skip."
		log "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
	fi
}

main() {
	if [[ ${1:-} == --stop ]]; then
		stop_services
		return 0
	fi
	local env_file=${1:-} lines=() failed=0 port
	if port=$(ensure_pg); then
		lines+=("CAUSEWAY_TEST_POSTGRES_URL=postgres://$PG_USER@$HOST:$port/$PG_DB?sslmode=disable")
	else
		missing "Postgres ($HOST:$PG_PORT)"
		failed=1
	fi
	if port=$(ensure_redis); then
		lines+=("CAUSEWAY_TEST_REDIS_URL=redis://$HOST:$port/0")
	else
		missing "Redis ($HOST:$REDIS_PORT)"
		failed=1
	fi

	local bin
	if bin=$(ensure_chromium); then
		lines+=("CAUSEWAY_TEST_CHROMIUM=$bin")
	else
		missing "Chromium (the tracker page's browser test; apt-get install chromium)"
		failed=1
	fi

	local line
	if [[ -n $env_file ]]; then
		: >"$env_file"
		for line in "${lines[@]}"; do
			printf '%s\n' "$line" >>"$env_file"
			log "$line"
		done
	else
		for line in "${lines[@]}"; do
			printf 'export %s\n' "$line"
		done
	fi
	if ((failed)) && in_ci; then
		return 1
	fi
	return 0
}

main "$@"
