"""gunicorn for fieldinspect (production), one per gateway node:
    gunicorn -c deploy/production/gunicorn.conf.py sync.asgi:application

ASGI workers (uvicorn, `sync.asgi.UvicornWorker`): a live tablet's waiting `_changes` feed is a
coroutine woken by the process's index watcher (PostgreSQL LISTEN), not a thread, so a worker holds
thousands of them (SYNC_MAX_WAITING_FEEDS each, default 2000; beyond it 503 + Retry-After). The REST
API, the pages and the rest of the gateway run in WEB_THREADS threads per worker (default 16) that no
waiting feed can take. Several nodes sit behind nginx (deploy/production/nginx-fieldinspect.conf)
over one PostgreSQL and one CouchDB.
"""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "sync.asgi.UvicornWorker"
# One worker per core: waiting feeds cost no thread, so more workers only add database connections.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count()))

# Worker liveness only (the uvicorn worker notifies the arbiter from its event loop); feeds end after
# at most 60 s (the gateway's longpoll timeout) with heartbeats every `heartbeat` ms meanwhile.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))
# On stop/restart, waiting feeds answer at once (sync.asgi.UvicornWorker.handle_exit); pushes in flight
# get this long to finish.
graceful_timeout = 30
keepalive = 75  # nginx keeps upstream connections (keepalive_timeout 60s there)

limit_request_line = 8190
limit_request_fields = 100

# Restart workers now and then to bound memory (Pillow decoding, big JSON bodies). Each live tablet
# makes a request a minute or more, so this is far above gthread's old 2000.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 200_000))
max_requests_jitter = max_requests // 10

forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # uvicorn's access lines: no Authorization header
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
preload_app = False
