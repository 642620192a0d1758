"""Two executions of one draw at once (PostgreSQL): one wins, the other is 409, inspections are
created once. The winner is held inside its transaction after claiming the draw, so the loser's
UPDATE really waits on the row lock."""
import threading
import time

import pytest
from django.db import connection, connections

from server.accounts.models import Role
from server.draws import services
from server.draws.models import Draw, Selection
from server.inspections.models import Inspection
from tests import factories

from .helpers import announce_body, inspectors, producers

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are a PostgreSQL test"),
]


def test_two_executions_at_once_one_wins(api, monkeypatch):
    producers("445202", 6)
    inspectors("445202", 3)
    supervisor = factories.user(Role.SUPERVISOR, jurisdiction="445202")
    draw = api(supervisor).post("/api/v1/draws/", announce_body(jurisdiction="445202", percent=50),
                                format="json").json()
    real = services.inspections_create_bulk
    claimed = threading.Event()

    def slow_create(**kwargs):
        claimed.set()
        time.sleep(1.0)  # hold the row lock while the other execution arrives
        return real(**kwargs)

    monkeypatch.setattr(services, "inspections_create_bulk", slow_create)
    statuses: list[int] = []
    barrier = threading.Barrier(2)

    def execute(beacon):
        try:
            barrier.wait()
            if beacon == "second":
                claimed.wait(5)
            response = api(supervisor).post(f"/api/v1/draws/{draw['id']}/execute/", {"beacon": beacon}, format="json")
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=execute, args=(b,)) for b in ("first", "second")]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(statuses) == [200, 409]
    assert time.monotonic() - started >= 1.0
    stored = Draw.objects.get(pk=draw["id"])
    assert stored.status == "drawn" and stored.beacon == "first"
    assert Inspection.objects.count() == Selection.objects.count() == 5  # max(5, ceil(50% of 6) = 3)

