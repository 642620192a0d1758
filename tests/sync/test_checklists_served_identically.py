"""Issue 3: every checklist is served identically over REST and by sync (what a tablet pulls)."""
import pytest

import checklists
from server.accounts.models import Role
from sync import publisher
from tests import factories
from tests.sync.gateway.conftest import SyncClient, body_of

pytestmark = pytest.mark.django_db


def test_rest_and_sync_serve_the_same_checklists(api, sync_store):
    publisher.publish_checklists()
    inspector = factories.user(Role.INSPECTOR)
    sync = SyncClient(inspector)
    pulled_ids = {row["id"] for row in sync.changes()["results"]}
    listing = api(inspector).get("/api/v1/checklists/").json()
    assert {c["id"] for c in listing} == {d["_id"] for d in checklists.load_all()} <= pulled_ids
    for summary in listing:
        over_rest = api(inspector).get(f"/api/v1/checklists/{summary['id']}/").json()
        response = sync.get(summary["id"])
        assert response.status_code == 200
        over_sync = body_of(response)
        assert over_sync.pop("_rev").startswith("1-")
        assert over_sync == over_rest
    # publishing again is idempotent: no new revision
    publisher.publish_checklists()
    again = body_of(sync.get(listing[0]["id"]))
    assert again["_rev"].startswith("1-")
