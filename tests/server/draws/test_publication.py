"""Inspections created by a draw reach the tablets: the reconciler's periodic publish pass (an
incremental one, as it runs every ~5 s) writes their docs to the sync store with the drawn
inspectors, and indexes them for those inspectors' pulls."""
import pytest

from server.accounts.models import Role
from sync import publisher, store
from sync.gateway.models import IndexedDoc
from tests import factories

from .helpers import announce_body, inspectors, producers

pytestmark = pytest.mark.django_db


def test_drawn_inspections_are_published(api, sync_store):
    publisher.publish_all_pending(full=True)  # the pass before the draw
    producers("445202", 3)
    inspectors("445202", 2)
    client = api(factories.user(Role.SUPERVISOR, jurisdiction="445202"))
    draw = client.post("/api/v1/draws/", announce_body(jurisdiction="445202"), format="json").json()
    result = client.post(f"/api/v1/draws/{draw['id']}/execute/", {"beacon": "b"}, format="json").json()
    counts = publisher.publish_all_pending()  # the next incremental pass
    assert counts["inspections"] == 3
    for s in result["selected"]:
        doc = store.session().get(store.db_url(f"inspection:{s['inspection']}"), timeout=10).json()
        assert sorted(doc["inspectors"]) == sorted(s["inspectors"])
        assert doc["enterprise"]["credit_code"] == s["credit_code"] and doc["status"] == "assigned"
        assert doc["scheduled_for"] == "2019-09-16"
        assert IndexedDoc.objects.filter(doc_id=f"inspection:{s['inspection']}").exists()
