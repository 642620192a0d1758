"""Risk (contract §12): a class A–D from signals that each name their source, recomputed by the
services writing them (same transaction), stored so the county list is a query; role boundaries."""
import datetime as dt

import pytest
from django.utils import timezone

from server.accounts.models import Role
from server.credit import risk
from server.credit.models import RiskProfile
from server.dossiers.models import Dossier
from server.registry.models import CccCertificate, UnqualifiedProduct
from server.selfinspections.models import SelfInspection
from tests import factories
from tests.server.reviews import dossier_rows as rows

pytestmark = pytest.mark.django_db


def weight(kind):
    return risk.weight_of(kind)


@pytest.fixture
def sup(api):
    return api(factories.user(Role.SUPERVISOR, jurisdiction="445202"))


def profile(client, enterprise):
    response = client.get(f"/api/v1/enterprises/{enterprise.pk}/risk/")
    assert response.status_code == 200, response.content
    return response.json()


def test_no_signals_is_class_a(sup):
    enterprise = factories.enterprise()
    assert profile(sup, enterprise) == {**profile(sup, enterprise), "class": "A", "score": 0, "signals": []}


def test_findings_and_a_failed_quick_test(sup):
    inspection = rows.submitted(factories.inspection())
    enterprise = inspection.enterprise
    for code, severity in (("mark-1", "critical"), ("mark-2", "major")):
        sup.post("/api/v1/findings/", {"inspection": str(inspection.pk), "item_code": code, "severity": severity,
                                       "description": "问题"}, format="json")
    # the finding service recomputed it in its own transaction: the stored row already says so
    stored = RiskProfile.objects.get(enterprise=enterprise)
    assert stored.score == weight("finding_critical") + weight("finding_major")
    test = rows.quicktest(inspection, verdict="fail")  # written directly: marked as the fold does
    risk.mark_for_inspections(inspection_ids=[inspection.pk])
    body = profile(sup, enterprise)
    kinds = sorted(s["kind"] for s in body["signals"])
    assert kinds == ["finding_critical", "finding_major", "quicktest_failed"]
    assert body["score"] == weight("finding_critical") + weight("finding_major") + weight("quicktest_failed") == 38
    assert body["class"] == "C"
    assert {s["source"] for s in body["signals"]} >= {test.doc_id}
    assert all(s["at"] and s["weight"] >= 0 for s in body["signals"])


def _failing_quicktest(inspection, inspector):
    from tests.server.dossiers import field_docs as fd

    return fd.quicktest(inspection, author=inspector.username, inputs={
        "material": "copper", "coated": False, "conductor_class": 1, "cross_section_mm2": 2.5,
        "length_m": 10, "measured_ohm": 0.09, "temperature_c": 20})  # 9.0 Ω/km > 7.41: fail


def test_the_reconcilers_fold_marks_and_readers_recompute(sup):
    from server.credit.models import RiskPending
    from tests.server.dossiers import field_docs as fd

    inspector = factories.user(Role.INSPECTOR, jurisdiction="445202")
    inspection = factories.inspection(inspectors=[inspector])
    doc = _failing_quicktest(inspection, inspector)
    fd.fold(doc)
    # the fold only marked the enterprise (one upsert per batch, not a read of all its failed tests) ...
    assert RiskPending.objects.filter(enterprise=inspection.enterprise).exists()
    assert not RiskProfile.objects.filter(enterprise=inspection.enterprise).exists()
    # ... and whoever reads next recomputes it first: the list (a query over stored profiles) ...
    listed = sup.get("/api/v1/risk/?jurisdiction=445202").json()["results"]
    assert [(r["class"], r["score"]) for r in listed if r["enterprise"] == inspection.enterprise_id] == [("B", 10)]
    stored = RiskProfile.objects.get(enterprise=inspection.enterprise)
    assert [s["kind"] for s in stored.signals] == ["quicktest_failed"] and stored.risk_class == "B"
    assert stored.signals[0]["source"] == doc["_id"]
    assert not RiskPending.objects.exists()
    # ... and the profile itself
    second = _failing_quicktest(inspection, inspector)
    fd.fold(second)
    body = profile(sup, inspection.enterprise)
    assert (body["class"], body["score"]) == ("B", 20)
    assert {s["source"] for s in body["signals"]} == {doc["_id"], second["_id"]}
    assert not RiskPending.objects.exists()


def test_a_mark_made_after_the_recompute_read_stays(monkeypatch):
    """A fold that marks the enterprise again while a recompute runs (PostgreSQL: concurrently) keeps its
    mark: the recompute clears only marks as old as the one it read."""
    from server.credit.models import RiskPending
    from tests.server.dossiers import field_docs as fd

    inspector = factories.user(Role.INSPECTOR, jurisdiction="445202")
    inspection = factories.inspection(inspectors=[inspector])
    fd.fold(_failing_quicktest(inspection, inspector))
    original = risk.recompute

    def recompute_then_mark_again(*, enterprise_id):
        profile = original(enterprise_id=enterprise_id)
        RiskPending.objects.filter(enterprise_id=enterprise_id).update(marked_at=timezone.now() + dt.timedelta(seconds=1))
        return profile

    monkeypatch.setattr(risk, "recompute", recompute_then_mark_again)
    assert risk.refresh_stale() == 1
    monkeypatch.setattr(risk, "recompute", original)
    assert RiskPending.objects.filter(enterprise=inspection.enterprise).exists()
    assert risk.refresh_stale() == 1 and not RiskPending.objects.exists()
    assert risk.refresh_stale() == 0


def test_a_transferred_case_is_d(sup):
    enterprise = factories.enterprise()
    case = sup.post("/api/v1/enforcement-cases/", {"source": "complaint", "enterprise": enterprise.pk,
                                                   "product_category": "wire-cable", "reason": "举报"},
                    format="json").json()
    assert (profile(sup, enterprise)["class"], profile(sup, enterprise)["score"]) == ("B", weight("case_open"))
    sup.post(f"/api/v1/enforcement-cases/{case['id']}/status/", {"status": "closed", "outcome": "transferred",
                                                                "transferred_to": "公安分局"}, format="json")
    body = profile(sup, enterprise)
    assert body["signals"][0]["kind"] == "case_transferred" and body["signals"][0]["source"] == f"case:{case['id']}"
    assert body["class"] == "C"  # 40 points: C; a second signal would tip it over 60


@pytest.mark.parametrize("result,kind", [("suspended", "certificate_suspended"), ("revoked", "certificate_revoked")])
def test_suspended_or_revoked_certificate_is_d(api, sup, result, kind):
    certifier = factories.user(Role.CERTIFIER)
    enterprise = factories.enterprise()
    CccCertificate.objects.create(enterprise=enterprise, number="2019010105000001", product_category="wire-cable",
                                  certification_body=certifier.certification_body)
    response = api(certifier).post("/api/v1/certification-audits/", {
        "certificate": "2019010105000001", "enterprise": enterprise.pk, "category": "wire-cable", "result": result,
        "date": timezone.localdate().isoformat()}, format="json")
    assert response.status_code == 201, response.content
    assert RiskProfile.objects.get(enterprise=enterprise).risk_class == "D"
    body = profile(sup, enterprise)
    assert [s["kind"] for s in body["signals"]] == [kind] and body["class"] == "D"
    assert body["signals"][0]["source"] == "certificate:2019010105000001"


def test_serious_dishonesty_is_d_and_removal_lowers_it(sup):
    enterprise = factories.enterprise()
    entry = sup.post("/api/v1/credit/serious-dishonesty/", {"enterprise": enterprise.pk, "basis": "生产销售不合格产品，情节严重",
                                                             "decided_on": "2019-09-20"}, format="json").json()
    assert profile(sup, enterprise)["class"] == "D"
    sup.post(f"/api/v1/credit/serious-dishonesty/{entry['id']}/remove/", {"reason": "信用修复"}, format="json")
    assert profile(sup, enterprise)["class"] == "A"


def test_unqualified_products_it_made(sup):
    enterprise = factories.enterprise(name="揭阳市某电缆厂")
    UnqualifiedProduct.objects.create(product_category="wire-cable", product_name="电线", manufacturer="揭阳市某电缆厂",
                                      found_in="2019 省抽")
    UnqualifiedProduct.objects.create(product_category="wire-cable", product_name="电缆", manufacturer="别人",
                                      found_in="2019 省抽")
    risk.recompute(enterprise_id=enterprise.pk)
    body = profile(sup, enterprise)
    assert [s["kind"] for s in body["signals"]] == ["unqualified_product"] and body["class"] == "B"


def test_overdue_rectification_counts_from_the_day_after_its_deadline(sup, monkeypatch):
    inspection = rows.submitted(factories.inspection())
    finding = sup.post("/api/v1/findings/", {"inspection": str(inspection.pk), "item_code": "mark-1",
                                             "severity": "minor", "description": "标识"}, format="json").json()
    deadline = timezone.localdate() + dt.timedelta(days=3)
    sup.post("/api/v1/rectification-orders/", {"inspection": str(inspection.pk), "findings": [finding["id"]],
                                                "requirements": "改正标识", "deadline": deadline.isoformat()}, format="json")
    stored = RiskProfile.objects.get(enterprise=inspection.enterprise)
    assert stored.stale_on == deadline + dt.timedelta(days=1)
    assert [s["kind"] for s in profile(sup, inspection.enterprise)["signals"]] == ["finding_minor"]
    later = deadline + dt.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: later)
    body = profile(sup, inspection.enterprise)  # the stale profile is recomputed before answering
    assert sorted(s["kind"] for s in body["signals"]) == ["finding_minor", "rectification_overdue"]


def test_overdue_self_inspection(sup):
    enterprise = factories.enterprise()
    admin = factories.user(Role.ADMIN)
    SelfInspection.objects.create(enterprise=enterprise, product_category="wire-cable", submitted_on="2019-07-10",
                                  problems=1, status="overdue", rectification_deadline="2019-08-01", submitted_by=admin)
    risk.recompute(enterprise_id=enterprise.pk)
    assert [s["kind"] for s in profile(sup, enterprise)["signals"]] == ["self_inspection_overdue"]


def test_risk_list_by_class_per_county(api, sup):
    a = factories.enterprise("445202")
    d = factories.enterprise("445202")
    other = factories.enterprise("445203")
    sup.post("/api/v1/credit/serious-dishonesty/", {"enterprise": d.pk, "basis": "b", "decided_on": "2019-09-01"},
             format="json")
    city = api(factories.user(Role.SUPERVISOR, jurisdiction="445200"))
    city.post("/api/v1/credit/serious-dishonesty/", {"enterprise": other.pk, "basis": "b", "decided_on": "2019-09-01"},
              format="json")
    listed = sup.get("/api/v1/risk/?class=D").json()
    assert [r["enterprise"] for r in listed["results"]] == [d.pk] and listed["count"] == 1
    assert {r["enterprise"] for r in sup.get("/api/v1/risk/?class=A").json()["results"]} == {a.pk}
    assert {r["enterprise"] for r in city.get("/api/v1/risk/?class=D").json()["results"]} == {d.pk, other.pk}
    assert {r["enterprise"] for r in city.get("/api/v1/risk/?class=D&jurisdiction=445203").json()["results"]} == {other.pk}
    # a county supervisor asking for another county sees nothing of it
    assert sup.get("/api/v1/risk/?jurisdiction=445203").json()["count"] == 0
    for bad in ("class=E", "jurisdiction=4452", "limit=x", "limit=100000", "offset=-1"):
        response = sup.get(f"/api/v1/risk/?{bad}")
        assert response.status_code == 400 and response.json()["field"] == bad.split("=")[0]


def test_risk_role_boundaries(api):
    enterprise = factories.enterprise("445202")
    url = f"/api/v1/enterprises/{enterprise.pk}/risk/"
    assert api(factories.user(Role.SUPERVISOR, jurisdiction="445203")).get(url).status_code == 404
    assert api(factories.user(Role.INSPECTOR, jurisdiction="445202")).get(url).status_code == 200
    assert api(factories.user(Role.INSPECTOR, jurisdiction="445202")).get("/api/v1/risk/").status_code == 403
    # risk is the supervisors' tool: an enterprise account reads neither its own nor another's
    own = api(factories.user(Role.ENTERPRISE, enterprise=enterprise))
    assert own.get(url).status_code == 403
    assert own.get("/api/v1/risk/").status_code == 403
    assert api(factories.user(Role.CERTIFIER)).get(url).status_code == 403
    assert api().get(url).status_code == 401
    assert api(factories.user(Role.ADMIN)).get("/api/v1/enterprises/999999/risk/").status_code == 404
    assert Dossier.objects.count() == 0


def test_risk_page_lists_by_class_per_county(sup):
    from django.test import Client

    d = factories.enterprise("445202", name="高风险企业")
    factories.enterprise("445202", name="低风险企业")
    outside = factories.enterprise("445203", name="外县企业")
    sup.post("/api/v1/credit/serious-dishonesty/", {"enterprise": d.pk, "basis": "b", "decided_on": "2019-09-01"},
             format="json")
    client = Client()
    client.force_login(factories.user(Role.SUPERVISOR, jurisdiction="445202"))
    page = client.get("/ui/risk/?class=D").content.decode()
    assert f'data-enterprise="{d.pk}"' in page and "低风险企业" not in page
    assert '<a href="?jurisdiction=&class=D" data-class="D">D 高风险：<span class="count">1</span>' in page
    everything = client.get("/ui/risk/").content.decode()
    assert "低风险企业" in everything and outside.name not in everything
    inspector = Client()
    inspector.force_login(factories.user(Role.INSPECTOR, jurisdiction="445202"))
    assert inspector.get("/ui/risk/").status_code == 403


def test_the_reconcilers_job_recomputes_a_few_profiles_per_run_marked_first(monkeypatch):
    """A day on which many deadlines pass cannot hold up the folds: the job does REFRESH_PER_JOB a run."""
    from server.credit.models import RiskPending

    monkeypatch.setattr(risk, "REFRESH_PER_JOB", 2)
    stale = [factories.enterprise() for _ in range(2)]
    for enterprise in stale:
        risk.recompute(enterprise_id=enterprise.pk)
    RiskProfile.objects.filter(enterprise__in=stale).update(stale_on=timezone.localdate())
    marked = factories.enterprise()
    RiskPending.objects.create(enterprise=marked, marked_at=timezone.now())
    assert risk.refresh_some() == 2
    assert not RiskPending.objects.exists()  # the marked one went first
    assert RiskProfile.objects.filter(stale_on__lte=timezone.localdate()).count() == 1
    assert risk.refresh_some() == 1 and risk.refresh_some() == 0
