"""GET /healthz (contract §0): the database, the sync store and the reconciler's lag."""
from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils.module_loading import import_string

from . import store


def _reconciler_lag() -> float | None:
    try:
        lag = import_string("sync.reconciler.selectors.reconciler_lag_seconds")
    except ImportError:
        return None
    return lag()


def healthz(request):
    body: dict = {}
    failing: list[str] = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        body["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure of the database is reported, not raised
        body["database"] = f"error: {exc.__class__.__name__}"
        failing.append("database")
    problem = store.ping()
    body["sync_store"] = "ok" if problem is None else f"error: {problem}"
    if problem is not None:
        failing.append("sync_store")
    body["database_engine"] = connection.vendor
    body["sync_store_url"] = store.base_url()
    if body["database"] == "ok":
        lag = _reconciler_lag()
        body["reconciler_lag_s"] = None if lag is None else round(lag, 3)
        if lag is not None and lag > settings.RECONCILER_LAG_ALERT_S:
            failing.append("reconciler")  # stopped, or far behind the store
    else:
        body["reconciler_lag_s"] = None
    from .gateway.changes import max_waiting_feeds, waiting_feeds

    body["waiting_feeds"] = waiting_feeds()  # in the process that answered (see sync/gateway/README.md)
    body["max_waiting_feeds"] = max_waiting_feeds()
    if failing:
        body["failing"] = failing
    return JsonResponse(body, status=503 if failing else 200, json_dumps_params={"ensure_ascii": False})
