"""gunicorn for fieldinspect (production). Run: gunicorn -c deploy/production/gunicorn.conf.py server.wsgi

Threaded workers (gthread): a live tablet holds one request open on `/sync/field/_changes?feed=longpoll`
for up to the longpoll timeout, so the pool must have many threads and the worker timeout must be
longer than a longpoll. Sync workers would be blocked by a single tablet.
"""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", min(4, multiprocessing.cpu_count() * 2)))
# Each live tablet occupies a thread while it longpolls: size threads for the number of tablets
# syncing at once per worker (workers × threads = concurrent longpolls + API requests).
threads = int(os.environ.get("GUNICORN_THREADS", 32))

# The gateway answers a longpoll after at most ~60 s (CouchDB default timeout) with heartbeats
# every 10 s; a worker is only killed if it stops heartbeating to the arbiter for this long.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))
graceful_timeout = 30
keepalive = 75  # nginx keeps upstream connections (keepalive_timeout 60s there)

# Large photo uploads (≤ 20 MB, base64 inside _bulk_docs) — limits are enforced in nginx and Django.
limit_request_line = 8190
limit_request_fields = 100

# Restart workers now and then to bound memory (Pillow decoding, big JSON bodies).
max_requests = 2000
max_requests_jitter = 200

forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proxy_allow_ips = forwarded_allow_ips
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(L)ss "%(a)s"'  # no Authorization, no query secrets
preload_app = False
