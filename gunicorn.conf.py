"""gunicorn settings for `make serve` (production-style serving of Geotour)."""

import multiprocessing
import os

# make serve (scripts/serve.sh) sets GUNICORN_BIND to a unix socket behind nginx; run directly, HOST:PORT.
bind = (
    os.environ.get("GUNICORN_BIND")
    or f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
)
workers = int(os.environ.get("GEOTOUR_WORKERS", multiprocessing.cpu_count()))
worker_class = "sync"
timeout = 30  # a request that takes longer is stuck, not slow
graceful_timeout = 20
keepalive = 5
max_requests = 200_000  # recycle workers now and then (a restart takes ~1 s); jitter keeps them apart
max_requests_jitter = 20_000
accesslog = "-"  # logs go to stdout/stderr, for the service manager to collect
# No address, user agent or referrer in the log: Geotour keeps no visitor's address (/privasi). Behind nginx
# (ProxyFix) gunicorn's %(h)s would be the phone's address. Time, request, status, bytes, microseconds.
access_log_format = '%(t)s "%(r)s" %(s)s %(b)s %(D)sus'
errorlog = "-"
loglevel = os.environ.get("GEOTOUR_LOG_LEVEL", "info")
preload_app = False  # each worker opens its own database connections
