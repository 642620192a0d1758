import pytest

from server.accounts.models import Role
from server.dossiers.models import Dossier, DossierStatus
from server.reviews.models import AuditAction, AuditEvent, ImmutableRowError, Review
from tests import factories

from . import dossier_rows as rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor():
    return factories.user(Role.SUPERVISOR, jurisdiction="445200")


def url(inspection):
    return f"/api/v1/dossiers/{inspection.pk}/review/"


def status_of(inspection) -> str:
    return Dossier.objects.get(pk=inspection.pk).status


def test_approve_a_submitted_dossier_records_review_and_audit(api, supervisor):
    inspection = rows.submitted(factories.inspection())
    response = api(supervisor).post(url(inspection), {"decision": "approve", "comment": "资料齐全"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "approved" and body["review"]["reviewer"] == supervisor.username
    assert status_of(inspection) == DossierStatus.APPROVED
    event = AuditEvent.objects.get(inspection=inspection, action=AuditAction.REVIEW)
    assert (event.actor, event.from_value, event.to_value["status"], event.reason) == (
        supervisor, {"status": "submitted"}, "approved", "资料齐全")


def test_same_decision_twice_gives_the_same_result_without_a_new_event(api, supervisor):
    inspection = rows.submitted(factories.inspection())
    client = api(supervisor)
    first = client.post(url(inspection), {"decision": "approve"}, format="json")
    second = client.post(url(inspection), {"decision": "approve"}, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["review"]["id"] == second.json()["review"]["id"]
    assert Review.objects.filter(inspection=inspection).count() == 1
    assert AuditEvent.objects.filter(inspection=inspection, action=AuditAction.REVIEW).count() == 1


@pytest.mark.parametrize("status", ["assigned", "in_progress", "incomplete", "returned"])
def test_approving_what_is_not_submitted_is_409(api, supervisor, status):
    inspection = factories.inspection()
    rows.set_status(inspection, status)
    response = api(supervisor).post(url(inspection), {"decision": "approve"}, format="json")
    assert response.status_code == 409 and response.json()["detail"]
    assert status_of(inspection) == status and not Review.objects.exists()


def test_approving_with_an_open_conflict_is_409(api, supervisor):
    inspection = rows.submitted(factories.inspection())
    conflict = rows.conflict(inspection)
    response = api(supervisor).post(url(inspection), {"decision": "approve"}, format="json")
    assert response.status_code == 409 and conflict.doc_id in response.json()["detail"]
    assert status_of(inspection) == "submitted"


@pytest.mark.parametrize("comment", [None, "", "   "])
def test_returning_needs_a_comment(api, supervisor, comment):
    inspection = rows.submitted(factories.inspection())
    payload = {"decision": "return"} if comment is None else {"decision": "return", "comment": comment}
    response = api(supervisor).post(url(inspection), payload, format="json")
    assert response.status_code == 400 and response.json()["field"] == "comment"
    assert status_of(inspection) == "submitted"


def test_return_then_illegal_moves(api, supervisor):
    inspection = rows.submitted(factories.inspection())
    client = api(supervisor)
    assert client.post(url(inspection), {"decision": "return", "comment": "缺照片"}, format="json").status_code == 201
    assert status_of(inspection) == "returned"
    # the same return again: same result; approving a returned dossier: 409
    again = client.post(url(inspection), {"decision": "return", "comment": "缺照片"}, format="json")
    assert again.status_code == 200
    assert client.post(url(inspection), {"decision": "approve"}, format="json").status_code == 409
    # resubmitted by the field → approvable; afterwards returning is illegal
    rows.set_status(inspection, "submitted")
    assert client.post(url(inspection), {"decision": "approve"}, format="json").status_code == 201
    assert client.post(url(inspection), {"decision": "return", "comment": "x"}, format="json").status_code == 409
    assert [r.decision for r in Review.objects.filter(inspection=inspection)] == ["return", "approve"]


def test_an_incomplete_dossier_can_be_returned(api, supervisor):
    inspection = factories.inspection()
    rows.set_status(inspection, "incomplete")
    response = api(supervisor).post(url(inspection), {"decision": "return", "comment": "缺项"}, format="json")
    assert response.status_code == 201 and status_of(inspection) == "returned"


@pytest.mark.parametrize("payload", [{}, {"decision": "accept"}, {"decision": 1}])
def test_bad_decision_names_the_field(api, supervisor, payload):
    inspection = rows.submitted(factories.inspection())
    response = api(supervisor).post(url(inspection), payload, format="json")
    assert response.status_code == 400 and response.json()["field"] == "decision"


def test_who_may_review(api):
    inspection = rows.submitted(factories.inspection())
    outside = factories.user(Role.SUPERVISOR, jurisdiction="445281")
    assert api(outside).post(url(inspection), {"decision": "approve"}, format="json").status_code in (403, 404)
    assigned = inspection.inspectors.first()
    assert api(assigned).post(url(inspection), {"decision": "approve"}, format="json").status_code == 403
    certifier = factories.user(Role.CERTIFIER)
    assert api(certifier).post(url(inspection), {"decision": "approve"}, format="json").status_code in (403, 404)
    assert status_of(inspection) == "submitted"
    admin = factories.user(Role.ADMIN)
    assert api(admin).post(url(inspection), {"decision": "approve"}, format="json").status_code == 201


def test_audit_rows_are_immutable(api, supervisor):
    inspection = rows.submitted(factories.inspection())
    api(supervisor).post(url(inspection), {"decision": "approve"}, format="json")
    event = AuditEvent.objects.get(inspection=inspection)
    event.reason = "changed"
    with pytest.raises(ImmutableRowError):
        event.save()
    with pytest.raises(ImmutableRowError):
        event.delete()
    with pytest.raises(ImmutableRowError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(ImmutableRowError):
        Review.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


def test_audit_trail_endpoint(api, supervisor):
    inspection = rows.submitted(factories.inspection())
    client = api(supervisor)
    client.post(url(inspection), {"decision": "return", "comment": "重拍照片"}, format="json")
    trail = client.get(f"/api/v1/dossiers/{inspection.pk}/audit-trail/").json()
    assert [(e["actor"], e["action"], e["from"], e["to"]["status"], e["reason"]) for e in trail] == [
        (supervisor.username, "review", {"status": "submitted"}, "returned", "重拍照片")]


def test_a_decision_saves_the_dossier_so_tablets_hear_of_it(api, supervisor):
    """The status reaches tablets through the Dossier post_save signal (the publisher)."""
    from django.db.models.signals import post_save

    inspection = rows.submitted(factories.inspection())
    saved = []

    def receiver(sender, instance, **kwargs):
        saved.append((instance.pk, instance.status))

    post_save.connect(receiver, sender=Dossier, dispatch_uid="test-review-dossier-saved")
    try:
        api(supervisor).post(url(inspection), {"decision": "return", "comment": "补拍照片"}, format="json")
    finally:
        post_save.disconnect(dispatch_uid="test-review-dossier-saved", sender=Dossier)
    assert saved == [(inspection.pk, "returned")]
