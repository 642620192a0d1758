"""Shared test set-up: API clients signed in as a role, and the sync store (a real pouchdb-server
on a free loopback port, one per test session, a fresh database per test that asks for it)."""
from __future__ import annotations

import uuid

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests import factories

pytest_plugins = ["tests.support.live_gateway"]


@pytest.fixture
def api():
    """`api(user)` → an APIClient that sends that user's token; `api()` → anonymous."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def media_dirs(settings, tmp_path):
    """Stored media and DATA_DIR in the test's own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture(autouse=True)
def _no_stray_store(settings):
    """Tests that did not ask for `sync_store` must never reach a store (not even a developer's
    `make run` store on 5984): point them at a closed port and keep publish hooks quiet."""
    import sync.store

    settings.COUCHDB_URL = "http://127.0.0.1:9"
    settings.SYNC_PUBLISH_ON_COMMIT = False
    sync.store.server.cache_clear()
    yield


@pytest.fixture(scope="session")
def sync_store_server(tmp_path_factory):
    from tests.support.syncstore import start_syncstore

    store = start_syncstore(data_dir=tmp_path_factory.mktemp("syncstore"))
    yield store
    store.stop()


@pytest.fixture
def sync_store(sync_store_server, settings):
    """Points the project at the session's store with a fresh, empty field database."""
    import sync.store

    settings.COUCHDB_URL = sync_store_server.url
    settings.COUCHDB_DB = f"test-{uuid.uuid4().hex[:12]}"
    settings.COUCHDB_IS_LOOPBACK = True
    settings.SYNC_PUBLISH_ON_COMMIT = True
    sync.store.server.cache_clear()
    sync.store.ensure_database()
    yield sync_store_server
    sync.store.session().delete(sync.store.db_url(), timeout=10)
    sync.store.server.cache_clear()


@pytest.fixture(autouse=True)
def _contract_jurisdictions(request):
    """The data migrations' jurisdictions and seed campaign, put back after a transactional test flushed them."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        yield
        return
    transactional = marker.kwargs.get("transaction", False) or (marker.args and marker.args[0])
    request.getfixturevalue("transactional_db" if transactional else "db")
    import importlib

    from server.accounts.models import Jurisdiction

    if not Jurisdiction.objects.filter(code="445200").exists():
        rows = importlib.import_module("server.accounts.migrations.0002_contract_jurisdictions").JURISDICTIONS
        for code, name, parent in rows:
            Jurisdiction.objects.update_or_create(code=code, defaults={"name": name, "parent_id": parent})
    from server.campaigns.models import Campaign

    if not Campaign.objects.filter(code="jieyang-2019").exists():  # the seed campaign (contract §8), likewise
        from server.campaigns.seed import JIEYANG_2019
        from server.campaigns.services import campaign_create_or_update

        campaign_create_or_update(data=JIEYANG_2019)
    yield


@pytest.fixture(autouse=True)
def _fresh_jurisdiction_cache():
    from server.accounts import jurisdictions

    jurisdictions.invalidate_cache()
    yield
    jurisdictions.invalidate_cache()


@pytest.fixture(autouse=True)
def _no_login_throttle_leak():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


__all__ = ["factories"]


@pytest.fixture(scope="session", autouse=True)
def _flush_unlocks_the_audit_trail():
    """SQLite refuses DELETE on the audit trail (reviews migration 0002) unless
    `reviews_audit_unlock` holds a row; Django's flush between transactional tests deletes row by
    row, so the flush is wrapped in an unlock (inserted first, removed last, one transaction)."""
    from django.db.backends.sqlite3 import base as sqlite_base

    DatabaseOperations = sqlite_base.DatabaseOperations

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, **kwargs):
        statements = original(self, style, tables, **kwargs)
        if not statements:
            return statements
        return (["INSERT INTO reviews_audit_unlock (reason) VALUES ('test flush');"] + list(statements)
                + ["DELETE FROM reviews_audit_unlock;"])

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = original
