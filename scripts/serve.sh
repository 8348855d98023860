#!/usr/bin/env bash
# `make serve`: production serving on one machine. nginx (deploy/nginx.conf.in, rendered for HOST:PORT)
# listens on HOST:PORT and buffers every request and response; gunicorn (gunicorn.conf.py) listens on a
# unix socket only nginx uses. Either stopping stops both. Runtime files (pid, socket, nginx's buffers)
# go in GEOTOUR_RUN_DIR, a throw-away folder.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
VENV=${VENV:-.venv}
RUN=${GEOTOUR_RUN_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/geotour-serve.XXXXXX")}
mkdir -p "$RUN"
export GEOTOUR_PROXY_HOPS=${GEOTOUR_PROXY_HOPS:-1}  # nginx is one hop; add one for a TLS proxy in front
export GEOTOUR_COMPRESS=0  # nginx compresses every answer (deploy/nginx.conf.in); the app sends them plain
export GEOTOUR_NGINX_PHOTOS=/_photos/  # the app checks who may see a photo, nginx sends the file
export GEOTOUR_NGINX_SNAPSHOTS=1  # nginx asks the app whether a snapshot is current, then sends the file
SOCKET="$RUN/gunicorn.sock"
rm -f "$SOCKET"

"$VENV/bin/python" -m flask --app geotour nginx-conf --listen "$HOST:$PORT" --run-dir "$RUN" \
  --upstream "unix:$SOCKET" > "$RUN/nginx.conf"
nginx -t -q -c "$RUN/nginx.conf" -g "daemon off;"

# Workers share one count for every rate limit ("10 per hour" means 10, however many workers) and one
# response cache: in the Redis named by GEOTOUR_CACHE_URL, or else in Debian's redis-server started here on
# a socket in the run folder, in memory only (it is a cache; counters start again with make serve).
redis_pid=""
case "${GEOTOUR_CACHE_URL:-}" in
  redis://*|rediss://*|unix://*) ;;
  *)
    command -v redis-server >/dev/null || {
      echo "make serve needs Debian's redis-server (make redis), or GEOTOUR_CACHE_URL naming a Redis" >&2
      exit 1
    }
    REDIS_SOCKET="$RUN/redis.sock"
    rm -f "$REDIS_SOCKET"
    redis-server --port 0 --unixsocket "$REDIS_SOCKET" --unixsocketperm 700 --save "" --appendonly no \
      --loglevel warning --dir "$RUN" &
    redis_pid=$!
    for _ in $(seq 1 100); do [ -S "$REDIS_SOCKET" ] && break; sleep 0.05; done
    [ -S "$REDIS_SOCKET" ] || { echo "redis-server did not start (see above)" >&2; exit 1; }
    export GEOTOUR_CACHE_URL="unix://$REDIS_SOCKET"
    ;;
esac

GUNICORN_BIND="unix:$SOCKET" "$VENV/bin/gunicorn" -c gunicorn.conf.py "geotour:create_app()" &
gunicorn_pid=$!
for _ in $(seq 1 300); do [ -S "$SOCKET" ] && break; sleep 0.1; done
nginx -c "$RUN/nginx.conf" -g "daemon off;" &
nginx_pid=$!
SCHEME=http; [ -n "${GEOTOUR_TLS_CERT:-}" ] && SCHEME=https
echo "Geotour: nginx on $SCHEME://$HOST:$PORT -> gunicorn on $SOCKET (run folder $RUN)"

stop() {
  kill -TERM "$nginx_pid" "$gunicorn_pid" 2>/dev/null || true
  wait "$nginx_pid" "$gunicorn_pid" 2>/dev/null || true
  if [ -n "$redis_pid" ]; then kill -TERM "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; fi
}
trap 'stop; exit 0' INT TERM
set +e
wait -n "$nginx_pid" "$gunicorn_pid"
status=$?
stop
exit $status
