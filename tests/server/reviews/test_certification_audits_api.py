import base64
import datetime
import hashlib

import pytest

from server.accounts.models import Role
from server.registry.models import CccCertificate
from server.reviews.models import CertificationAudit, InspectionFlag
from server.reviews.selectors import dossier_review_parts
from tests import factories

from . import dossier_rows as rows

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today().isoformat()


@pytest.fixture
def world():
    certifier = factories.user(Role.CERTIFIER)
    enterprise = factories.enterprise()
    certificate = CccCertificate.objects.create(
        enterprise=enterprise, number="2019010105123456", product_category="wire-cable",
        certification_body=certifier.certification_body,
    )
    return certifier, enterprise, certificate


def payload(cert, **extra):
    return {"certificate": cert.number, "enterprise": cert.enterprise_id, "category": "wire-cable",
            "result": "suspended", "findings": "导体电阻不合格", "date": TODAY, **extra}


def test_suspension_updates_certificate_and_flags_open_inspections(api, world):
    certifier, enterprise, certificate = world
    open_one = factories.inspection(enterprise_obj=enterprise)
    approved = factories.inspection(enterprise_obj=enterprise)
    rows.set_status(approved, "approved")
    other = factories.inspection()
    report = b"%PDF-1.4 audit report"
    response = api(certifier).post("/api/v1/certification-audits/", payload(
        certificate, report={"name": "report.pdf", "content_base64": base64.b64encode(report).decode()}), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["certificate_status_before"], body["certificate_status_after"]) == ("valid", "suspended")
    assert body["report"]["sha256"] == hashlib.sha256(report).hexdigest()
    certificate.refresh_from_db()
    assert certificate.status == "suspended"
    assert set(InspectionFlag.objects.values_list("inspection_id", flat=True)) == {open_one.pk}
    parts = dossier_review_parts(inspection=open_one)
    assert [f["kind"] for f in parts["flags"]] == ["certificate_suspended"]
    assert parts["review"]["flags"] == parts["flags"]
    assert [a["result"] for a in parts["audits"]] == ["suspended"]
    assert dossier_review_parts(inspection=other)["audits"] == []
    # the report downloads byte for byte
    downloaded = api(certifier).get(body["report"]["url"])
    assert downloaded.status_code == 200 and b"".join(downloaded.streaming_content) == report
    # idempotent repeat
    again = api(certifier).post("/api/v1/certification-audits/", payload(certificate), format="json")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert CertificationAudit.objects.count() == 1 and InspectionFlag.objects.count() == 1


def test_multipart_report_and_listing_by_enterprise(api, world):
    certifier, enterprise, certificate = world
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("审查报告.pdf", b"%PDF-1.4 x", content_type="application/pdf")
    response = api(certifier).post("/api/v1/certification-audits/", {**payload(certificate, result="maintained"),
                                   "report": upload}, format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["report"]["name"] == "审查报告.pdf"
    supervisor = factories.user(Role.SUPERVISOR, jurisdiction="445200")
    listed = api(supervisor).get(f"/api/v1/certification-audits/?enterprise={enterprise.pk}").json()
    assert [a["certificate"] for a in listed] == [certificate.number]
    outside = factories.user(Role.SUPERVISOR, jurisdiction="445281")
    assert api(outside).get(f"/api/v1/certification-audits/?enterprise={enterprise.pk}").json() == []
    bad = api(supervisor).get("/api/v1/certification-audits/?enterprise=abc")
    assert bad.status_code == 400 and bad.json()["field"] == "enterprise"


def test_only_the_issuing_body(api, world):
    _, _, certificate = world
    stranger = factories.user(Role.CERTIFIER)
    assert api(stranger).post("/api/v1/certification-audits/", payload(certificate), format="json").status_code == 403
    supervisor = factories.user(Role.SUPERVISOR, jurisdiction="445200")
    assert api(supervisor).post("/api/v1/certification-audits/", payload(certificate), format="json").status_code == 403
    certificate.refresh_from_db()
    assert certificate.status == "valid" and not CertificationAudit.objects.exists()


@pytest.mark.parametrize("extra, field", [
    ({"certificate": "0000000000000000"}, "certificate"),
    ({"enterprise": 999999}, "enterprise"),
    ({"category": "grinding-wheel"}, "category"),
    ({"result": "withdrawn"}, "result"),
    ({"date": "yesterday"}, "date"),
    ({"date": "2999-01-01"}, "date"),
    ({"report": "***not base64***"}, "report"),
])
def test_bad_audits_name_the_field(api, world, extra, field):
    certifier, _, certificate = world
    response = api(certifier).post("/api/v1/certification-audits/", payload(certificate, **extra), format="json")
    assert response.status_code == 400 and response.json()["field"] == field, response.content


def test_revoked_is_final(api, world):
    certifier, _, certificate = world
    client = api(certifier)
    assert client.post("/api/v1/certification-audits/", payload(certificate, result="revoked"), format="json").status_code == 201
    yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
    late = client.post("/api/v1/certification-audits/", payload(certificate, result="maintained", date=yesterday),
                       format="json")
    assert late.status_code == 409
    certificate.refresh_from_db()
    assert certificate.status == "revoked"
