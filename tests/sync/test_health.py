import pytest

pytestmark = pytest.mark.django_db


def test_healthz_names_the_database_and_the_store(client, sync_store):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok" and body["sync_store"] == "ok"
    assert "reconciler_lag_s" in body and body["database_engine"] in ("sqlite", "postgresql")
    assert body["sync_store_url"] == sync_store.url.rstrip("/")


def test_healthz_is_503_naming_the_store_when_it_is_down(client, settings):
    settings.COUCHDB_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["sync_store"] and body["sync_store"].startswith("error")
    assert body["database"] == "ok"


def test_healthz_needs_no_authentication_and_hides_store_credentials(client, settings):
    settings.COUCHDB_URL = "http://admin:s3cret@127.0.0.1:9"
    body = client.get("/healthz").json()
    assert "s3cret" not in str(body) and body["sync_store_url"] == "http://127.0.0.1:9"


def test_a_silent_reconciler_shows_growing_lag_and_then_fails_healthz(client, sync_store, settings):
    from datetime import timedelta

    from django.utils import timezone

    from sync.reconciler import checkpoint
    from sync.reconciler.models import Checkpoint
    from sync.reconciler.processor import Reconciler

    Reconciler().run_until_caught_up()
    checkpoint.beat()
    assert client.get("/healthz").json()["reconciler_lag_s"] == 0
    # the process died 10 minutes ago while caught up: its "caught up" is no longer believed
    Checkpoint.objects.update(heartbeat_at=timezone.now() - timedelta(minutes=10))
    response = client.get("/healthz")
    body = response.json()
    assert 590 < body["reconciler_lag_s"] < 700
    assert response.status_code == 503 and body["failing"] == ["reconciler"]
    settings.RECONCILER_LAG_ALERT_S = 3600
    assert client.get("/healthz").status_code == 200
