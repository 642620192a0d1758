"""Django settings for fieldinspect, read from the environment (contract §0).

PORT, DATA_DIR, DATABASE_URL, COUCHDB_URL, COUCHDB_PORT, SECRET_KEY, DEBUG, plus the optional
settings documented in the README's configuration table.
"""
from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlsplit

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
ENVIRONMENT = env.str("FIELDINSPECT_ENV", default="development")  # development | production
DATA_DIR = Path(env.str("DATA_DIR", default=str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    key = env.str("SECRET_KEY", default="")
    if key:
        return key
    if ENVIRONMENT == "production":
        raise environ.ImproperlyConfigured(
            "SECRET_KEY must be set in production (FIELDINSPECT_ENV=production)."
        )
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "server.accounts",
    "server.registry",
    "server.inspections",
    "server.dossiers",
    "server.reviews",
    "server.campaigns",
    "server.selfinspections",
    "server.draws",
    "server.enforcement",
    "server.credit",
    "server.statistics",
    "server.public",
    "server.field",
    "server.web",
    "sync",
    "sync.gateway",
    "sync.reconciler",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "server.api.nul_guard.RejectNulMiddleware",
    "sync.middleware.SyncGatewayMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "server.urls"
WSGI_APPLICATION = "server.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "server" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'fieldinspect.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the reconciler writes; a busy timeout instead of
    # "database is locked" errors under concurrent writers.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # Connections kept per thread, as on PostgreSQL: opening one per request (the PRAGMAs, then the
    # schema of every table parsed on its first query) cost about 1 ms of every sync request.
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    # argon2id at OWASP's minimum parameters (server/accounts/hashers.py says why)
    "server.accounts.hashers.FieldArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": env.str("MEDIA_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage")},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Request limits: generous enough for a _bulk_docs batch of photos (documented in the README).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("MAX_REQUEST_BYTES", default=256 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10000
MAX_PHOTO_BYTES = env.int("MAX_PHOTO_BYTES", default=20 * 1024 * 1024)
MAX_PHOTO_PIXELS = env.int("MAX_PHOTO_PIXELS", default=50_000_000)
# REST API JSON bodies (server/api/parsers.py): larger or deeper is a 400 naming the limit.
API_JSON_MAX_BYTES = env.int("API_JSON_MAX_BYTES", default=1024 * 1024)
API_JSON_MAX_DEPTH = env.int("API_JSON_MAX_DEPTH", default=32)

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Signed in; role `enterprise` only where a view opts in (server/api/permissions.py SignedIn).
    "DEFAULT_PERMISSION_CLASSES": ["server.api.permissions.SignedIn"],
    # JSON with size, depth, Unicode and number checks (server/api/parsers.py); forms as DRF's.
    "DEFAULT_PARSER_CLASSES": [
        "server.api.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "server.api.errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": None,
    "DEFAULT_THROTTLE_RATES": {"login": env.str("LOGIN_THROTTLE_RATE", default="10/min")},
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "fieldinspect API",
    "DESCRIPTION": "重点工业产品质量安全专项整治 现场检查后端 (contract v1)",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from our own static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Sync store (CouchDB or pouchdb-server) ---------------------------------------------------
COUCHDB_PORT = env.int("COUCHDB_PORT", default=5984)
COUCHDB_URL = env.str("COUCHDB_URL", default="") or f"http://127.0.0.1:{COUCHDB_PORT}"
COUCHDB_DB = env.str("COUCHDB_DB", default="fieldinspect")
COUCHDB_TIMEOUT_S = env.float("COUCHDB_TIMEOUT_S", default=30.0)
_couch_host = urlsplit(COUCHDB_URL).hostname or ""
COUCHDB_IS_LOOPBACK = _couch_host in {"localhost", "::1"} or _couch_host.startswith("127.")
# TLS certificate checks are always on for a store that is not on loopback.
COUCHDB_VERIFY_TLS = True if not COUCHDB_IS_LOOPBACK else env.bool("COUCHDB_VERIFY_TLS", default=True)
COUCHDB_CA_BUNDLE = env.str("COUCHDB_CA_BUNDLE", default="")

SYNC_CORS_ORIGINS = env.list("SYNC_CORS_ORIGINS", default=[])
SYNC_CREDENTIAL_CACHE_S = env.int("SYNC_CREDENTIAL_CACHE_S", default=300)

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if ENVIRONMENT == "production":
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGIN_URL = "/ui/login/"
LOGIN_REDIRECT_URL = "/ui/"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Settings added by the gateway, reconciler and review work go below, one block each --------

# Reconciler / dossiers: server code writes field docs into the store only through this function
# (server never imports sync); used by POST /api/v1/photos/.
FIELD_DOC_WRITER = env.str("FIELD_DOC_WRITER", default="sync.reconciler.writer.write_field_doc")

# Reviews: the PDF/ZIP exports read field attachments (the closeout signature) from the store only
# through this function (server never imports sync).
FIELD_ATTACHMENT_READER = env.str("FIELD_ATTACHMENT_READER", default="sync.resolutions.read_attachment")

# --- Sync gateway (sync/gateway/README.md) ---
SYNC_LONGPOLL_INTERVAL_S = env.float("SYNC_LONGPOLL_INTERVAL_S", default=0.25)  # longpoll/continuous index poll
# A replicated batch's index rows are written while the store stores it, and committed when it has
# answered; a store slower than this makes the gateway index afterwards instead; 0 switches the overlap
# off (sync/gateway/bulk_docs.py).
SYNC_INDEX_OVERLAP_S = env.float("SYNC_INDEX_OVERLAP_S", default=2.0)
SYNC_STORE_THREADS = env.int("SYNC_STORE_THREADS", default=16)  # per process, for those store calls
SYNC_BULK_GET_TIMEOUT_S = env.float("SYNC_BULK_GET_TIMEOUT_S", default=10.0)  # then PouchDB falls back to GETs
SYNC_PUBLISH_ON_COMMIT = env.bool("SYNC_PUBLISH_ON_COMMIT", default=True)  # publisher hooks on SQL commits

# --- Health (sync/health.py) ---
RECONCILER_LAG_ALERT_S = env.float("RECONCILER_LAG_ALERT_S", default=300.0)  # /healthz 503 beyond it
# The reconciler checks the store's changes against the gateway's access index this often (sync/gateway/repair.py).
GATEWAY_INDEX_CHECK_S = env.float("GATEWAY_INDEX_CHECK_S", default=30.0)

# --- Live sync at city scale (issue 13: sync/asgi.py, sync/gateway/watcher.py, sync/gateway/README.md) ---
# The web process is ASGI (gunicorn + uvicorn workers, `sync.asgi:application`): waiting _changes
# feeds are coroutines woken by one index watcher per process; the rest runs in thread pools.
WEB_THREADS = env.int("WEB_THREADS", default=16)  # per process: the REST API and pages
SYNC_GATEWAY_THREADS = env.int("SYNC_GATEWAY_THREADS", default=16)  # per process: /sync/ requests other than waiting feeds
SYNC_FEED_THREADS = env.int("SYNC_FEED_THREADS", default=4)  # per process: a feed's database work (start, checks)
SYNC_MAX_WAITING_FEEDS = env.int("SYNC_MAX_WAITING_FEEDS", default=2000)  # per process; beyond: 503 + Retry-After
SYNC_FEED_RETRY_AFTER_S = env.int("SYNC_FEED_RETRY_AFTER_S", default=10)  # Retry-After of that 503
SYNC_FEED_MAX_WAIT_S = env.float("SYNC_FEED_MAX_WAIT_S", default=300.0)  # a heartbeat feed's longest wait (and default timeout)
SYNC_FEED_WATCH = env.str("SYNC_FEED_WATCH", default="auto")  # auto (LISTEN on PostgreSQL, else poll) | poll | listen
SYNC_WATCH_INTERVAL_S = env.float("SYNC_WATCH_INTERVAL_S", default=0.1)  # poll mode: one counter read per process
# Basic credentials new to a process are checked before the request takes a gateway thread
# (sync/gateway/auth.py): in these threads, argon2 at most this many at once, waiting this long for
# another process that is checking the same credential.
SYNC_AUTH_THREADS = env.int("SYNC_AUTH_THREADS", default=4)
SYNC_AUTH_CONCURRENT_CHECKS = env.int("SYNC_AUTH_CONCURRENT_CHECKS", default=1)
SYNC_AUTH_PEER_WAIT_S = env.float("SYNC_AUTH_PEER_WAIT_S", default=10.0)
# Failed Basic sign-ins at the gateway: beyond these within the window, 429 + Retry-After.
SYNC_AUTH_FAILURES_PER_USER = env.int("SYNC_AUTH_FAILURES_PER_USER", default=10)
SYNC_AUTH_FAILURES_PER_IP = env.int("SYNC_AUTH_FAILURES_PER_IP", default=100)  # tablets may share a carrier's address
SYNC_AUTH_FAILURE_WINDOW_S = env.int("SYNC_AUTH_FAILURE_WINDOW_S", default=300)
# Syncs before folds: `manage.py reconcile` (the service, not --once) lowers its own CPU priority by
# this much (os.nice), so pushes and pulls get the CPU first when both are busy; 0 leaves it alone.
RECONCILER_NICE = env.int("RECONCILER_NICE", default=10)
# ... and it lets tablets' syncs go first: while the gateway's index counter or its newest replication
# checkpoint moved within the last RECONCILER_QUIET_S (sync/gateway/activity.py), a fold waits, but
# no change waits more than RECONCILER_YIELD_MAX_S from when the reconciler saw it
# (sync/reconciler/processor.py `yield_to_syncs`); RECONCILER_QUIET_S=0 switches it off.
RECONCILER_QUIET_S = env.float("RECONCILER_QUIET_S", default=0.15)
RECONCILER_YIELD_MAX_S = env.float("RECONCILER_YIELD_MAX_S", default=1.5)
# ... and while tablets are still syncing, it folds in batches of this many (a short hold of the write lock).
RECONCILER_BUSY_BATCH = env.int("RECONCILER_BUSY_BATCH", default=150)
