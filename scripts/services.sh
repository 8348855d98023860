#!/usr/bin/env bash
# Start PostgreSQL (with PostGIS) and Redis on loopback for tests, benchmarks and local multi-worker runs.
#   scripts/services.sh start DIR   installs Debian's packages if missing, starts both, writes DIR/env
#   scripts/services.sh stop DIR    stops both
# DIR/env holds GEOTOUR_TEST_DATABASE_URL, GEOTOUR_TEST_CACHE_URL and GEOTOUR_TEST_PG_ADMIN_URL (for the tests);
# DIR/app.env holds GEOTOUR_DATABASE_URL and GEOTOUR_CACHE_URL for trying the app itself on them (a database
# geotour_app owned by a role geotour_app that is not a superuser, with PostGIS and citext made for it).
# The cluster is throw-away (trust authentication on 127.0.0.1 only, fsync off): never use it for real data.
set -euo pipefail
action=${1:?start or stop}
dir=$(mkdir -p "${2:?folder}" && cd "$2" && pwd)
pg_port=${GEOTOUR_PG_PORT:-25432}  # below the ephemeral range (32768+), so no outgoing socket holds it
redis_port=${GEOTOUR_REDIS_PORT:-26379}
sudo=$([ "$(id -u)" = 0 ] || echo sudo)

install() {
  local missing=()
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 || missing+=(postgresql-postgis)
  command -v redis-server >/dev/null || missing+=(redis-server)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing Debian's ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# PostgreSQL refuses to run as root: as root, run it as Debian's postgres user.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

start() {
  install
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  mkdir -p "$dir/pg"
  [ "$(id -u)" = 0 ] && chown -R postgres "$dir/pg" && chmod 755 "$dir"
  if [ ! -f "$dir/pg/PG_VERSION" ]; then
    as_pg "$bin/initdb" -D "$dir/pg" -U geotour -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
  fi
  if ! as_pg "$bin/pg_ctl" -D "$dir/pg" status >/dev/null 2>&1; then
    as_pg "$bin/pg_ctl" -D "$dir/pg" -l "$dir/pg/server.log" -w -t 60 start \
      -o "-h 127.0.0.1 -p $pg_port -k $dir/pg -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" >/dev/null
  fi
  if ! redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
    redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --daemonize yes \
      --dir "$dir" --logfile "$dir/redis.log" --pidfile "$dir/redis.pid"
    for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  # A ready application database, as the README sets one up on a real server: its own role, not a superuser,
  # with the extensions created by the superuser (here the cluster's, "geotour").
  local psql=("$bin/psql" -h 127.0.0.1 -p "$pg_port" -U geotour -v ON_ERROR_STOP=1 -qtA)
  "${psql[@]}" -d postgres -c "SELECT 1 FROM pg_roles WHERE rolname = 'geotour_app'" | grep -q 1 \
    || "${psql[@]}" -d postgres -c "CREATE ROLE geotour_app LOGIN NOSUPERUSER"
  "${psql[@]}" -d postgres -c "SELECT 1 FROM pg_database WHERE datname = 'geotour_app'" | grep -q 1 \
    || "${psql[@]}" -d postgres -c "CREATE DATABASE geotour_app OWNER geotour_app"
  "${psql[@]}" -d geotour_app -c "CREATE EXTENSION IF NOT EXISTS postgis; CREATE EXTENSION IF NOT EXISTS citext"
  cat > "$dir/app.env" <<ENV
export GEOTOUR_DATABASE_URL=postgresql+psycopg://geotour_app@127.0.0.1:$pg_port/geotour_app
export GEOTOUR_CACHE_URL=redis://127.0.0.1:$redis_port/1
ENV
  cat > "$dir/env" <<ENV
export GEOTOUR_TEST_DATABASE_URL=postgresql+psycopg://geotour@127.0.0.1:$pg_port/geotour_test
export GEOTOUR_TEST_PG_ADMIN_URL=postgresql://geotour@127.0.0.1:$pg_port/postgres
export GEOTOUR_TEST_CACHE_URL=redis://127.0.0.1:$redis_port/0
export GEOTOUR_TEST_PG_BIN=$bin
export GEOTOUR_TEST_PG_DATA=$dir/pg
export GEOTOUR_TEST_APP_ENV=$dir/app.env
ENV
  echo "PostgreSQL on 127.0.0.1:$pg_port and Redis on 127.0.0.1:$redis_port (tests: $dir/env; the app: . $dir/app.env)"
}

stop() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -f "$dir/pg/PG_VERSION" ] && as_pg "$bin/pg_ctl" -D "$dir/pg" -m fast stop >/dev/null 2>&1 || true
  [ -f "$dir/redis.pid" ] && kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
}

"$action"
