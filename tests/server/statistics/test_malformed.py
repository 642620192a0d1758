"""No input gets a 5xx on the issue-12 write endpoints not covered elsewhere: notices (acknowledge,
recall), serious-dishonesty removal, liaisons, sampling import flags; GET query junk too."""
import json

import pytest

from server.accounts.models import Role
from tests import factories
from tests.server.reviews import dossier_rows as rows

pytestmark = pytest.mark.django_db
JUNK = [None, -1, True, "", "x" * 25000, ["a", 1], {"a": {"b": []}}, 1e308, 2**70, "2019-02-30", "a\x00b", "\ud800"]


def test_junk_everywhere_is_a_4xx(api):
    supervisor = factories.user(Role.SUPERVISOR, jurisdiction="445202")
    client = api(supervisor)
    inspection = rows.submitted(factories.inspection())
    finding = client.post("/api/v1/findings/", {"inspection": str(inspection.pk), "item_code": "mark-1",
                                                "severity": "minor", "description": "d"}, format="json").json()["id"]
    notice = client.post("/api/v1/producer-notices/", {"finding": finding, "producer_name": "p",
                                                       "defect_description": "d"}, format="json").json()["id"]
    entry = client.post("/api/v1/credit/serious-dishonesty/", {"enterprise": inspection.enterprise_id, "basis": "b",
                                                               "decided_on": "2019-09-01"}, format="json").json()["id"]
    good = {"note": "n", "stage": "investigating", "reason": "r", "campaign": "jieyang-2019", "jurisdiction": "445202",
            "name": "n", "mobile": "1", "finding": finding, "producer_name": "p", "defect_description": "d",
            "investigation_deadline": "2019-10-01", "producer": inspection.enterprise_id}
    endpoints = [
        (f"/api/v1/producer-notices/{notice}/acknowledge/", ["note"]),
        (f"/api/v1/producer-notices/{notice}/recall/", ["stage", "note"]),
        ("/api/v1/producer-notices/", ["finding", "producer_name", "producer", "defect_description",
                                       "investigation_deadline"]),
        (f"/api/v1/credit/serious-dishonesty/{entry}/remove/", ["reason"]),
        ("/api/v1/statistics/liaisons/", ["campaign", "jurisdiction", "name", "mobile", "email", "phone"]),
    ]
    for url, fields in endpoints:
        for body in JUNK[1:] + ["not json"]:
            response = client.post(url, json.dumps(body), content_type="application/json")
            low = 200 if isinstance(body, dict) else 400  # {} is a valid body where every field is optional
            assert low <= response.status_code < 500, (url, body, response.content)
        assert client.post(url, "[" * 5000 + "]" * 5000, content_type="application/json").status_code == 400
        for field in fields:
            for junk in JUNK:
                payload = {k: good[k] for k in fields if k in good}
                payload[field] = junk
                response = client.post(url, json.dumps(payload), content_type="application/json")
                assert response.status_code < 500, (url, field, junk, response.content)
    for url in ("/api/v1/sampling-results/import/",):
        assert client.post(url, {"dry_run": "maybe"}).status_code == 400
    for query in ("/api/v1/statistics/campaign/%00/", "/api/v1/statistics/campaign/jieyang-2019/?jurisdiction=%00",
                  "/api/v1/statistics/campaign/jieyang-2019/records/?figure=%00",
                  "/api/v1/statistics/campaign/" + "x" * 300 + "/", "/api/v1/risk/?class=%00",
                  "/api/v1/enforcement-cases/?overdue=%00", "/api/v1/statistics/liaisons/?campaign=%00",
                  "/api/v1/enterprises/99999999999999999999/risk/"):
        assert 400 <= client.get(query).status_code < 500, query
