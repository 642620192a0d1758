import datetime

import pytest

from server.accounts.models import Role
from server.enforcement.models import EnforcementCase, ProducerNotice
from server.reviews.models import AuditEvent, Finding, RectificationOrder
from server.reviews.selectors import dossier_review_parts, finding_candidates
from tests import factories

from . import dossier_rows as rows

pytestmark = pytest.mark.django_db

FUTURE = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()


@pytest.fixture
def ctx(api):
    inspection = rows.submitted(factories.inspection())
    supervisor = factories.user(Role.SUPERVISOR, jurisdiction="445202")
    return inspection, api(supervisor)


def add_finding(client, insp, **extra):
    payload = {"inspection": str(insp.pk), "item_code": "mark-1", "severity": "major",
               "description": "产品未标注厂名厂址", **extra}
    return client.post("/api/v1/findings/", payload, format="json")


def test_finding_from_a_non_conforming_answer(ctx):
    inspection, client = ctx
    answer = rows.answer(inspection, "mark-1", False)
    rows.answer(inspection, "mark-2", True)
    test = rows.quicktest(inspection, verdict="fail")
    candidates = finding_candidates(inspection=inspection)
    assert {c["source_doc_id"] for c in candidates} == {answer.doc_id, test.doc_id}
    response = add_finding(client, inspection, source_doc_id=answer.doc_id)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["item_code"], body["severity"], body["source"], body["source_doc_id"]) == (
        "mark-1", "major", "answer", answer.doc_id)
    assert {c["source_doc_id"] for c in finding_candidates(inspection=inspection)} == {test.doc_id}
    # idempotent by natural key; a different description for the same key is a conflict
    assert add_finding(client, inspection, source_doc_id=answer.doc_id).status_code == 200
    assert add_finding(client, inspection, source_doc_id=answer.doc_id, description="别的").status_code == 409
    assert Finding.objects.count() == 1
    listed = client.get(f"/api/v1/findings/?inspection={inspection.pk}").json()
    assert [f["id"] for f in listed] == [body["id"]]


def test_finding_idempotency_key_header(ctx):
    inspection, client = ctx
    first = client.post("/api/v1/findings/", {"inspection": str(inspection.pk), "item_code": "mark-3",
                        "severity": "minor", "description": "无合格证"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/findings/", {"inspection": str(inspection.pk), "item_code": "mark-3",
                        "severity": "minor", "description": "无合格证"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert Finding.objects.get().idempotency_key == "k-1"


@pytest.mark.parametrize("extra, field", [
    ({"severity": "fatal"}, "severity"),
    ({"item_code": "no-such-item"}, "item_code"),
    ({"description": ""}, "description"),
    ({"source_doc_id": "answer:elsewhere:mark-1"}, "source_doc_id"),
    ({"source_doc_id": "photo:1"}, "source_doc_id"),
    ({"inspection": "not-a-uuid"}, "inspection"),
])
def test_bad_findings_name_the_field(ctx, extra, field):
    inspection, client = ctx
    response = add_finding(client, inspection, **extra)
    assert response.status_code == 400 and response.json()["field"] == field, response.content


def test_rectification_order_to_closure(ctx):
    inspection, client = ctx
    finding = add_finding(client, inspection).json()
    payload = {"inspection": str(inspection.pk), "findings": [finding["id"]], "requirements": "15日内整改标志",
               "deadline": FUTURE}
    first = client.post("/api/v1/rectification-orders/", payload, format="json")
    assert first.status_code == 201, first.content
    assert client.post("/api/v1/rectification-orders/", payload, format="json").status_code == 200
    assert client.post("/api/v1/rectification-orders/", {**payload, "deadline": "2030-01-01"},
                       format="json").status_code == 409
    order_id = first.json()["id"]
    bad = client.post(f"/api/v1/rectification-orders/{order_id}/close/", {"result": "done"}, format="json")
    assert bad.status_code == 400 and bad.json()["field"] == "result"
    closed = client.post(f"/api/v1/rectification-orders/{order_id}/close/", {"result": "rectified", "note": "已复查"},
                         format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert client.post(f"/api/v1/rectification-orders/{order_id}/close/", {"result": "rectified"},
                       format="json").status_code == 200
    assert client.post(f"/api/v1/rectification-orders/{order_id}/close/", {"result": "not_rectified"},
                       format="json").status_code == 409
    assert RectificationOrder.objects.get().result == "rectified"
    assert dossier_review_parts(inspection=inspection)["review"]["rectification_order"]["status"] == "closed"


def test_rectification_deadline_must_be_a_date_not_in_the_past(ctx):
    inspection, client = ctx
    finding = add_finding(client, inspection).json()
    for deadline in ("next week", "2019-01-01"):
        response = client.post("/api/v1/rectification-orders/", {"inspection": str(inspection.pk),
                               "findings": [finding["id"]], "requirements": "整改", "deadline": deadline}, format="json")
        assert response.status_code == 400 and response.json()["field"] == "deadline"


def test_enforcement_case_to_its_outcome(ctx):
    inspection, client = ctx
    f1 = add_finding(client, inspection).json()["id"]
    f2 = add_finding(client, inspection, item_code="mat-2", description="以铝充铜", severity="critical").json()["id"]
    payload = {"inspection": str(inspection.pk), "findings": [f2, f1], "reason": "涉嫌生产不合格产品"}
    first = client.post("/api/v1/enforcement-cases/", payload, format="json")
    assert first.status_code == 201, first.content
    case = first.json()
    assert case["findings"] == sorted([f1, f2]) and "以铝充铜" in case["report"]
    again = client.post("/api/v1/enforcement-cases/", {**payload, "findings": [f1, f2]}, format="json")
    assert again.status_code == 200 and again.json()["id"] == case["id"]
    assert client.post("/api/v1/enforcement-cases/", {**payload, "findings": [f1]}, format="json").status_code == 409
    status_url = f"/api/v1/enforcement-cases/{case['id']}/status/"
    no_number = client.post(status_url, {"status": "filed"}, format="json")
    assert no_number.status_code == 400 and no_number.json()["field"] == "case_number"
    assert client.post(status_url, {"status": "filed", "case_number": "揭市监立〔2019〕12号"}, format="json").status_code == 200
    no_outcome = client.post(status_url, {"status": "closed"}, format="json")
    assert no_outcome.status_code == 400 and no_outcome.json()["field"] == "outcome"
    closed = client.post(status_url, {"status": "closed", "outcome": "penalized", "note": "罚款"}, format="json")
    assert closed.status_code == 200 and closed.json()["outcome"] == "penalized"
    assert client.post(status_url, {"status": "filed", "case_number": "x"}, format="json").status_code == 409
    assert EnforcementCase.objects.count() == 1
    actions = list(AuditEvent.objects.filter(subject=f"case:{case['id']}").values_list("action", flat=True))
    assert actions == ["case_referred", "case_status", "case_status"]


def test_producer_notice(ctx):
    inspection, client = ctx
    finding = add_finding(client, inspection).json()["id"]
    payload = {"finding": finding, "producer_name": "某电缆厂", "defect_description": "导体电阻超标，疑似批次性缺陷"}
    first = client.post("/api/v1/producer-notices/", payload, format="json")
    assert first.status_code == 201 and first.json()["status"] == "sent"
    assert client.post("/api/v1/producer-notices/", payload, format="json").status_code == 200
    assert client.post("/api/v1/producer-notices/", {**payload, "producer_name": "别的厂"}, format="json").status_code == 409
    other = add_finding(client, inspection, item_code="mark-2", description="型号规格未标注").json()["id"]
    missing = client.post("/api/v1/producer-notices/", {"finding": other, "defect_description": "x"}, format="json")
    assert missing.status_code == 400 and missing.json()["field"] == "producer_name"
    ack = client.post(f"/api/v1/producer-notices/{first.json()['id']}/acknowledge/", {}, format="json")
    assert ack.status_code == 200 and ack.json()["status"] == "acknowledged"
    assert ProducerNotice.objects.count() == 1
    bad = client.post("/api/v1/producer-notices/", {"finding": "abc", "defect_description": "x"}, format="json")
    assert bad.status_code == 400 and bad.json()["field"] == "finding"


def test_followup_is_for_the_jurisdiction_only(api, ctx):
    inspection, client = ctx
    finding = add_finding(client, inspection).json()["id"]
    outside = api(factories.user(Role.SUPERVISOR, jurisdiction="445281"))
    assert add_finding(outside, inspection, item_code="mark-2").status_code == 400  # inspection not visible
    payload = {"inspection": str(inspection.pk), "findings": [finding], "reason": "x"}
    assert outside.post("/api/v1/enforcement-cases/", payload, format="json").status_code == 400
    inspector = api(inspection.inspectors.first())
    assert add_finding(inspector, inspection, item_code="mark-2").status_code == 403
    assert Finding.objects.count() == 1
