import pytest

from server.accounts.models import Role
from server.reviews.models import AuditAction, AuditEvent, ConflictResolution, ResolutionState
from server.reviews.selectors import dossier_review_parts, open_conflict_doc_ids
from tests import factories

from . import dossier_rows as rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(api):
    inspection = rows.submitted(factories.inspection())
    conflict = rows.conflict(inspection, "mark-1", values=(True, False))
    supervisor = factories.user(Role.SUPERVISOR, jurisdiction="445202")
    return inspection, conflict, api(supervisor), supervisor


def resolve(client, inspection, payload):
    return client.post(f"/api/v1/dossiers/{inspection.pk}/conflicts/resolve/", payload, format="json")


def test_choosing_a_revision_records_a_pending_resolution_and_unblocks_approval(setup):
    inspection, conflict, client, supervisor = setup
    losing, winning = conflict.revisions[0]["rev"], conflict.revisions[1]["rev"]
    response = resolve(client, inspection, {"doc_id": conflict.doc_id, "rev": winning, "comment": "以复核为准"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["mode"], body["rev"], body["state"], body["resolved_by"]) == ("rev", winning, "pending", supervisor.username)
    resolution = ConflictResolution.objects.get()
    assert set(resolution.known_revs) == {losing, winning}
    event = AuditEvent.objects.get(action=AuditAction.CONFLICT_RESOLVED)
    assert event.to_value == {"rev": winning} and event.reason == "以复核为准"
    assert {r["rev"] for r in event.from_value["revisions"]} == {losing, winning}
    assert open_conflict_doc_ids(inspection_id=inspection.pk) == []
    review = client.post(f"/api/v1/dossiers/{inspection.pk}/review/", {"decision": "approve"}, format="json")
    assert review.status_code == 201


def test_entering_a_value(setup):
    inspection, conflict, client, _ = setup
    response = resolve(client, inspection, {"doc_id": conflict.doc_id, "value": False})
    assert response.status_code == 201
    resolution = ConflictResolution.objects.get()
    assert (resolution.mode, resolution.value, resolution.chosen_rev) == ("value", False, conflict.winning_rev)


@pytest.mark.parametrize("payload, field", [
    ({"rev": "1-x"}, "doc_id"),
    ({"doc_id": "answer:nope:mark-1", "rev": "1-x"}, "doc_id"),
    ({"doc_id": "DOC", "rev": "9-notthere"}, "rev"),
    ({"doc_id": "DOC"}, "rev"),
    ({"doc_id": "DOC", "rev": "REV", "value": True}, "rev"),
    ({"doc_id": "DOC", "value": "yes"}, "value"),
])
def test_bad_resolutions_name_the_field(setup, payload, field):
    inspection, conflict, client, _ = setup
    payload = {k: (conflict.doc_id if v == "DOC" else conflict.revisions[0]["rev"] if v == "REV" else v)
               for k, v in payload.items()}
    response = resolve(client, inspection, payload)
    assert response.status_code == 400 and response.json()["field"] == field, response.content
    assert not ConflictResolution.objects.exists()


def test_retry_is_idempotent_and_a_contradicting_choice_is_409(setup):
    inspection, conflict, client, _ = setup
    rev = conflict.revisions[0]["rev"]
    first = resolve(client, inspection, {"doc_id": conflict.doc_id, "rev": rev})
    again = resolve(client, inspection, {"doc_id": conflict.doc_id, "rev": rev})
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    other = resolve(client, inspection, {"doc_id": conflict.doc_id, "rev": conflict.revisions[1]["rev"]})
    assert other.status_code == 409
    assert ConflictResolution.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.CONFLICT_RESOLVED).count() == 1


def test_a_failed_resolution_leaves_the_conflict_open_and_can_be_redone(setup):
    inspection, conflict, client, _ = setup
    resolve(client, inspection, {"doc_id": conflict.doc_id, "rev": conflict.revisions[0]["rev"]})
    ConflictResolution.objects.update(state=ResolutionState.FAILED)
    assert open_conflict_doc_ids(inspection_id=inspection.pk) == [conflict.doc_id]
    assert resolve(client, inspection, {"doc_id": conflict.doc_id, "rev": conflict.revisions[1]["rev"]}).status_code == 201


def test_a_new_conflicting_revision_reopens_the_conflict(setup):
    inspection, conflict, client, _ = setup
    resolve(client, inspection, {"doc_id": conflict.doc_id, "rev": conflict.revisions[0]["rev"]})
    conflict.revisions = conflict.revisions + [{"rev": "3-new", "value": True, "author": "x"}]
    conflict.save()
    assert open_conflict_doc_ids(inspection_id=inspection.pk) == [conflict.doc_id]


def test_outsiders_cannot_resolve(api, setup):
    inspection, conflict, _, _ = setup
    inspector = inspection.inspectors.first()
    payload = {"doc_id": conflict.doc_id, "rev": conflict.revisions[0]["rev"]}
    assert resolve(api(inspector), inspection, payload).status_code == 403
    outside = factories.user(Role.SUPERVISOR, jurisdiction="445224")
    assert resolve(api(outside), inspection, payload).status_code == 404
    assert not ConflictResolution.objects.exists()


def test_review_parts_show_resolutions(setup):
    inspection, conflict, client, _ = setup
    resolve(client, inspection, {"doc_id": conflict.doc_id, "rev": conflict.revisions[0]["rev"]})
    parts = dossier_review_parts(inspection=inspection)
    assert parts["review"]["decision"] is None
    assert [r["doc_id"] for r in parts["review"]["conflict_resolutions"]] == [conflict.doc_id]
    assert parts["review"]["trail"][0]["action"] == "conflict_resolved"
