"""gunicorn settings for `make run`: the ASGI app (sync/asgi.py) in uvicorn workers. Waiting
`_changes` feeds are coroutines (no thread each); the API and the rest of the gateway run in
WEB_THREADS threads per worker. Production settings live in deploy/production/."""
import os

worker_class = "sync.asgi.UvicornWorker"
workers = int(os.environ.get("WEB_WORKERS", 2))
timeout = 120
graceful_timeout = 5
keepalive = 75
accesslog = os.environ.get("WEB_ACCESS_LOG", "-") or None
