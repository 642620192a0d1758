"""No input, however malformed, gets a 5xx (contract §7)."""
import pytest

from server.accounts.models import Role
from server.registry.models import CccCertificate
from tests import factories

from . import dossier_rows as rows

pytestmark = pytest.mark.django_db

JUNK = [None, 0, -1, True, "", "x" * 5000, [], ["a", 1], [2**70], {}, {"a": {"b": []}}, 1e308, 2**70, "2019-02-30", "\x00",
        "a\x00b"]


def test_junk_everywhere_is_a_4xx(api):
    inspection = rows.submitted(factories.inspection())
    conflict = rows.conflict(inspection)
    supervisor = factories.user(Role.SUPERVISOR, jurisdiction="445202")
    certifier = factories.user(Role.CERTIFIER)
    CccCertificate.objects.create(enterprise=inspection.enterprise, number="2019010105000001",
                                  product_category="wire-cable", certification_body=certifier.certification_body)
    client, cert_client = api(supervisor), api(certifier)
    finding = client.post("/api/v1/findings/", {"inspection": str(inspection.pk), "item_code": "mark-1",
                          "severity": "minor", "description": "d"}, format="json").json()["id"]
    endpoints = [
        (client, f"/api/v1/dossiers/{inspection.pk}/review/", ["decision", "comment"]),
        (client, f"/api/v1/dossiers/{inspection.pk}/conflicts/resolve/", ["doc_id", "rev", "value", "comment"]),
        (client, "/api/v1/findings/", ["inspection", "item_code", "severity", "description", "source_doc_id",
                                       "idempotency_key"]),
        (client, "/api/v1/rectification-orders/", ["inspection", "findings", "requirements", "deadline"]),
        (client, "/api/v1/enforcement-cases/", ["inspection", "findings", "reason"]),
        (client, "/api/v1/producer-notices/", ["finding", "producer_name", "producer", "defect_description"]),
        (cert_client, "/api/v1/certification-audits/", ["certificate", "enterprise", "category", "result", "findings",
                                                        "date", "report"]),
    ]
    good = {"decision": "return", "comment": "c", "doc_id": conflict.doc_id, "rev": conflict.revisions[0]["rev"],
            "inspection": str(inspection.pk), "item_code": "mark-2", "severity": "minor", "description": "d",
            "findings": [finding], "requirements": "r", "deadline": "2999-01-01", "reason": "r", "finding": finding,
            "producer_name": "p", "defect_description": "d", "certificate": "2019010105000001",
            "enterprise": inspection.enterprise_id, "category": "wire-cable", "result": "maintained", "date": "2019-07-01"}
    for who, url, fields in endpoints:
        for body in (JUNK[1:] + ["not json"]):
            response = who.post(url, body, format="json")
            assert 400 <= response.status_code < 500, (url, body, response.content)
        for field in fields:
            for junk in JUNK:
                payload = {k: good[k] for k in fields if k in good}
                payload[field] = junk
                if field == "value" and "rev" in payload:
                    payload.pop("rev")
                response = who.post(url, payload, format="json")
                assert response.status_code < 500, (url, field, junk, response.content)
                assert response.headers["Content-Type"].startswith("application/json")
    for query in ("verdict=%00", "jurisdiction=abc", "product_category=" + "x" * 300, "status[]=1"):
        assert client.get(f"/api/v1/dossiers/export.csv?{query}").status_code < 500
    for query in ("enterprise=-1", "enterprise=1e9", "enterprise=%00"):
        assert client.get(f"/api/v1/certification-audits/?{query}").status_code < 500
    for url in ("/api/v1/findings/?inspection=zz", "/api/v1/rectification-orders/", "/api/v1/enforcement-cases/?inspection=zz"):
        assert 400 <= client.get(url).status_code < 500
