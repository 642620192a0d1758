"""QR seal labels: issuing batches, printable sheets, sample label checks and custody."""
from __future__ import annotations

import pytest

from media.labels import check_label_code, make_label_code
from server.dossiers.models import Label, Sample
from tests import factories
from tests.server.dossiers import field_docs as fd

pytestmark = pytest.mark.django_db


def _issue(api, user, **body):
    payload = {"jurisdiction": "445202", "count": 3}
    payload.update(body)
    return api(user).post("/api/v1/label-batches/", payload, format="json")


def test_admin_issues_unique_codes_with_check_characters(api):
    admin = factories.user("admin")
    first = _issue(api, admin)
    second = _issue(api, admin, count=2)
    assert first.status_code == 201, first.content
    codes = first.json()["codes"] + second.json()["codes"]
    assert len(codes) == len(set(codes)) == 5
    assert all(check_label_code(c) and c.startswith("JY-445202-") for c in codes)
    assert Label.objects.count() == 5


def test_supervisor_only_within_jurisdiction_and_inspectors_not_at_all(api):
    supervisor = factories.user("supervisor", jurisdiction="445202")
    assert _issue(api, supervisor).status_code == 201
    assert _issue(api, supervisor, jurisdiction="445281").status_code == 403
    assert _issue(api, factories.user("inspector")).status_code == 403


@pytest.mark.parametrize("body, field", [({"count": 0}, "count"), ({"count": "x"}, "count"),
                                         ({"jurisdiction": "999999"}, "jurisdiction"),
                                         ({"inspector": "nobody"}, "inspector")])
def test_bad_batch_requests_name_the_field(api, body, field):
    response = _issue(api, factories.user("admin"), **body)
    assert response.status_code == 400 and response.json()["field"] == field


def test_sheets_are_pdf_and_png(api):
    admin = factories.user("admin")
    batch = _issue(api, admin, count=2).json()
    pdf = api(admin).get(f"/api/v1/label-batches/{batch['id']}/sheet.pdf")
    png = api(admin).get(f"/api/v1/label-batches/{batch['id']}/sheet.png")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")


def _sample_setup(api, *, batch_jurisdiction="445202"):
    inspector = factories.user("inspector", jurisdiction="445202")
    inspection = factories.inspection(inspectors=[inspector])
    code = _issue(api, factories.user("admin"), jurisdiction=batch_jurisdiction, count=1).json()["codes"][0]
    return inspector, inspection, code


def test_sample_with_an_issued_label_is_not_flagged_and_starts_sealed(api):
    inspector, inspection, code = _sample_setup(api)
    fd.fold(fd.sample(inspection, code, author=inspector.username))
    sample = Sample.objects.get(label_code=code)
    assert sample.flags == [] and sample.custody_state == "sealed"
    body = api(factories.user("admin")).get(f"/api/v1/samples/{code}/").json()
    assert body["custody"][0]["state"] == "sealed" and body["product"]["model"] == "BV"


def test_label_of_another_jurisdiction_or_never_issued_is_flagged(api):
    inspector, inspection, code = _sample_setup(api, batch_jurisdiction="445281")
    fd.fold(fd.sample(inspection, code, author=inspector.username))
    assert "label_not_issued_to_inspector" in Sample.objects.get(label_code=code).flags
    never = make_label_code(jurisdiction="445202", serial=999_000)
    fd.fold(fd.sample(inspection, never, author=inspector.username))
    assert "label_not_issued" in Sample.objects.get(label_code=never).flags


def test_label_used_by_two_inspections_is_flagged(api):
    inspector, inspection, code = _sample_setup(api)
    other = factories.inspection(inspectors=[inspector])
    mine = fd.sample(inspection, code, author=inspector.username, _rev="1-aaa")
    theirs = dict(fd.sample(other, code, author=inspector.username), _rev="1-bbb")
    fd.fold(dict(theirs, _conflicts=["1-aaa"]), conflicts={theirs["_id"]: [mine]})
    assert "label_used_twice" in Sample.objects.get(doc_id=f"sample:{code}").flags


def test_custody_moves_in_order_and_refuses_illegal_moves(api):
    inspector, inspection, code = _sample_setup(api)
    fd.fold(fd.sample(inspection, code, author=inspector.username))
    lab = api(factories.user("certifier"))
    url = f"/api/v1/samples/{code}/custody/"
    assert lab.post(url, {"state": "received_by_lab"}, format="json").status_code == 409
    assert lab.post(url, {"state": "dispatched", "note": "顺丰"}, format="json").status_code == 201
    assert lab.post(url, {"state": "dispatched"}, format="json").status_code == 409
    assert lab.post(url, {"state": "received_by_lab"}, format="json").status_code == 201
    missing = lab.post(url, {"state": "result"}, format="json")
    assert missing.status_code == 400 and missing.json()["field"] == "result"
    done = lab.post(url, {"state": "result", "result": {"verdict": "fail", "report": "R-1"}}, format="json")
    assert done.status_code == 201
    assert [e["state"] for e in done.json()["custody"]] == ["sealed", "dispatched", "received_by_lab", "result"]
    assert lab.post(url, {"state": "bogus"}, format="json").json()["field"] == "state"


def test_custody_is_refused_to_inspectors_and_unknown_samples_are_404(api):
    inspector, inspection, code = _sample_setup(api)
    fd.fold(fd.sample(inspection, code, author=inspector.username))
    assert api(inspector).post(f"/api/v1/samples/{code}/custody/", {"state": "dispatched"}, format="json").status_code == 403
    unknown = make_label_code(jurisdiction="445202", serial=4242)
    assert api(factories.user("admin")).get(f"/api/v1/samples/{unknown}/").status_code == 404
    assert api(factories.user("admin")).get("/api/v1/samples/JY-445202-000001-0/").status_code in (400, 404)


def test_deleting_a_sample_doc_after_dispatch_keeps_the_custody_record(api):
    inspector, inspection, code = _sample_setup(api)
    doc = fd.sample(inspection, code, author=inspector.username)
    fd.fold(doc)
    api(factories.user("certifier")).post(f"/api/v1/samples/{code}/custody/", {"state": "dispatched"}, format="json")
    fd.fold({"_id": doc["_id"], "_rev": "2-zzz", "_deleted": True})
    sample = Sample.objects.get(label_code=code)
    assert "sample_doc_deleted" in sample.flags and sample.custody_events.count() == 2
