"""gunicorn settings shared by scripts/run and the container."""

import os

bind = os.environ.get("ANJU_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("ANJU_WEB_WORKERS", "2"))
threads = int(os.environ.get("ANJU_WEB_THREADS", "4"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 10
keepalive = 5
# Anju writes its own access line (route, not raw path, with the request id).
accesslog = None
errorlog = "-"
# The app is created once and forked: collections and indexes exist before any
# worker writes, and each worker opens its own database connections after fork.
preload_app = False
forwarded_allow_ips = os.environ.get("ANJU_FORWARDED_ALLOW_IPS", "127.0.0.1")
