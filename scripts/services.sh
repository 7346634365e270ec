# Start and stop the throw-away PostgreSQL and Redis servers the test suite uses.
# Sourced by scripts/test; exports ITSME_TEST_POSTGRES and ITSME_TEST_REDIS when they run.

_services_dir=""
_pg_bin=""

_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

_require() {
    # In CI a missing service is a failure, locally it only skips the tests that need it.
    if [ "${CI:-}" = "true" ]; then
        echo "error: $1 is required in CI but is not available" >&2
        exit 1
    fi
    echo "note: $1 not available; the tests that need it will be skipped" >&2
}

start_services() {
    _services_dir=$(mktemp -d /tmp/django-itsme-services.XXXXXX)
    chmod 755 "$_services_dir"

    _pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$_pg_bin" ] && [ -x "$_pg_bin/initdb" ] && id postgres >/dev/null 2>&1; then
        local port data run_as
        port=$(_free_port)
        data="$_services_dir/pg"
        mkdir -p "$data" && chown postgres "$data"
        if [ "$(id -u)" = 0 ]; then run_as="runuser -u postgres --"; else run_as=""; fi
        $run_as "$_pg_bin/initdb" -D "$data" -A trust -U postgres --no-sync >"$_services_dir/initdb.log" 2>&1
        $run_as "$_pg_bin/pg_ctl" -D "$data" -l "$data/server.log" -w \
            -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$data -c fsync=off" \
            start >/dev/null
        export ITSME_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres"
        echo "PostgreSQL on 127.0.0.1:$port" >&2
    else
        _require "PostgreSQL (/usr/lib/postgresql/*/bin and a postgres user)"
    fi

    if command -v redis-server >/dev/null 2>&1; then
        local rport
        rport=$(_free_port)
        redis-server --bind 127.0.0.1 --port "$rport" --save "" --appendonly no \
            --daemonize yes --pidfile "$_services_dir/redis.pid" \
            --logfile "$_services_dir/redis.log" >/dev/null
        export ITSME_TEST_REDIS="redis://127.0.0.1:$rport/0"
        echo "Redis on 127.0.0.1:$rport" >&2
    else
        _require "Redis (redis-server)"
    fi
}

stop_services() {
    if [ -n "${ITSME_TEST_POSTGRES:-}" ] && [ -n "$_pg_bin" ]; then
        if [ "$(id -u)" = 0 ]; then
            runuser -u postgres -- "$_pg_bin/pg_ctl" -D "$_services_dir/pg" -m fast stop >/dev/null 2>&1 || true
        else
            "$_pg_bin/pg_ctl" -D "$_services_dir/pg" -m fast stop >/dev/null 2>&1 || true
        fi
    fi
    if [ -f "$_services_dir/redis.pid" ]; then
        kill "$(cat "$_services_dir/redis.pid")" 2>/dev/null || true
    fi
    [ -n "$_services_dir" ] && rm -rf "$_services_dir"
}
