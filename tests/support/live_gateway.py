"""pytest fixtures for driving the sync gateway on pytest-django's live_server with real tablets.

Two quirks of Django's test server are worked around here, not in the product:
- it drops the second request of a kept-alive connection, which node's HTTP agent reuses, so every
  connection is closed after one response (gunicorn, used by `make run`, keeps them alive properly);
- it shares ONE in-memory SQLite connection between all request threads, so two concurrent
  transactions (a tablet pushes and pulls at once) would interleave on it: gateway views run one at
  a time (streamed bodies, e.g. a waiting longpoll, stay outside the lock).
Registered for the whole suite through `pytest_plugins` in tests/conftest.py.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

_gateway_lock = threading.Lock()


@pytest.fixture
def one_request_per_connection(monkeypatch):
    from django.core.servers import basehttp

    original = basehttp.ServerHandler.cleanup_headers

    def cleanup_headers(self):
        original(self)
        self.headers["Connection"] = "close"
        self.request_handler.close_connection = True

    monkeypatch.setattr(basehttp.ServerHandler, "cleanup_headers", cleanup_headers)


@pytest.fixture
def one_gateway_request_at_a_time(monkeypatch):
    from sync import middleware
    from sync.gateway import views

    def call(self, request):
        path = request.path_info
        if path == middleware.GATEWAY_PREFIX or path.startswith(middleware.GATEWAY_PREFIX + "/"):
            with _gateway_lock:
                return views.handle(request, path[len(middleware.GATEWAY_PREFIX):].lstrip("/"))
        return self.get_response(request)

    monkeypatch.setattr(middleware.SyncGatewayMiddleware, "__call__", call)


@pytest.fixture
def gateway(live_server, sync_store, one_request_per_connection, one_gateway_request_at_a_time) -> Iterator[str]:
    """The URL of /sync/field/ on the live server, backed by the test's sync store."""
    from server.accounts import jurisdictions

    jurisdictions.invalidate_cache()
    yield f"{live_server.url}/sync/field"
    # A tablet closed at the end of a test leaves its longpoll waiting in a live-server thread, which
    # shares the test database connection: end it before the next test's set-up writes.
    from sync.gateway.changes import end_waiting_feeds

    assert end_waiting_feeds(), "a longpoll of this test did not end"
