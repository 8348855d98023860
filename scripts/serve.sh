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
SOCKET="$RUN/gunicorn.sock"
rm -f "$SOCKET"

"$VENV/bin/python" -m flask --app geotour nginx-conf --listen "$HOST:$PORT" --run-dir "$RUN" \
  --upstream "unix:$SOCKET" > "$RUN/nginx.conf"
nginx -t -q -c "$RUN/nginx.conf" -g "daemon off;"

GUNICORN_BIND="unix:$SOCKET" "$VENV/bin/gunicorn" -c gunicorn.conf.py "geotour:create_app()" &
gunicorn_pid=$!
for _ in $(seq 1 300); do [ -S "$SOCKET" ] && break; sleep 0.1; done
nginx -c "$RUN/nginx.conf" -g "daemon off;" &
nginx_pid=$!
echo "Geotour: nginx on http://$HOST:$PORT -> gunicorn on $SOCKET (run folder $RUN)"

stop() {
  kill -TERM "$nginx_pid" "$gunicorn_pid" 2>/dev/null || true
  wait "$nginx_pid" "$gunicorn_pid" 2>/dev/null || true
}
trap 'stop; exit 0' INT TERM
set +e
wait -n "$nginx_pid" "$gunicorn_pid"
status=$?
stop
exit $status
