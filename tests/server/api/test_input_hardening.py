"""Hostile input on the REST API (issue 14): JSON depth and size limits, lone surrogates, numbers
out of range, Content-Type, query parameters, and a request schema for every body. Every answer
is a 4xx naming what is wrong, never a 5xx."""
import json

import pytest
import yaml
from django.test import override_settings

from server.accounts.models import Role
from tests import factories

pytestmark = pytest.mark.django_db


def _post(client, url, raw, content_type="application/json"):
    return client.generic("POST", url, raw, content_type=content_type)


@pytest.fixture
def admin_client(api):
    return api(factories.user(Role.ADMIN))


@pytest.mark.parametrize("depth", [33, 1000, 5000, 100_000])
def test_deep_json_is_a_400_naming_the_limit(admin_client, depth):
    response = _post(admin_client, "/api/v1/quicktests/evaluate/", "[" * depth + "]" * depth)
    assert response.status_code == 400
    body = response.json()
    assert body["limit"] == "API_JSON_MAX_DEPTH=32" and "32" in body["detail"]


def _body_of_depth(depth):
    inner = {}
    for _ in range(depth - 2):  # the body object and `inputs` are two levels
        inner = {"x": inner}
    return {"method": "conductor-resistance", "inputs": inner}


def test_depth_32_is_accepted_and_the_limit_is_a_setting(admin_client):
    at_limit = admin_client.post("/api/v1/quicktests/evaluate/", _body_of_depth(32), format="json")
    assert at_limit.status_code == 400 and at_limit.json()["field"] == "inputs.x"  # the engine's "unknown input"
    over = admin_client.post("/api/v1/quicktests/evaluate/", _body_of_depth(33), format="json")
    assert over.status_code == 400 and over.json()["limit"] == "API_JSON_MAX_DEPTH=32"
    with override_settings(API_JSON_MAX_DEPTH=64):
        response = admin_client.post("/api/v1/quicktests/evaluate/", _body_of_depth(33), format="json")
        assert "limit" not in response.json()


def test_body_over_the_size_limit_is_a_400_naming_the_limit(admin_client):
    with override_settings(API_JSON_MAX_BYTES=1000):
        response = _post(admin_client, "/api/v1/quicktests/evaluate/", json.dumps({"method": "x" * 2000, "inputs": {}}))
    assert response.status_code == 400
    assert response.json()["limit"] == "API_JSON_MAX_BYTES=1000"


def test_certification_audits_take_a_larger_body_for_base64_reports(api):
    certifier = factories.user(Role.CERTIFIER)
    response = api(certifier).post("/api/v1/certification-audits/", {"report_base64": "A" * 2_000_000},
                                   format="json")
    assert response.status_code == 400 and response.json().get("limit") is None


@pytest.mark.parametrize("raw,field", [
    ('{"method": "\\ud800", "inputs": {}}', "method"),
    ('{"method": "conductor-resistance", "inputs": {"material": "\\udfff"}}', "inputs.material"),
    ('{"method": "x", "inputs": {"list": ["ok", "\\ud83d"]}}', "inputs.list[1]"),
    ('{"\\ud800": 1}', "\\ud800"),
])
def test_lone_surrogates_are_a_400_naming_the_field(admin_client, raw, field):
    response = _post(admin_client, "/api/v1/quicktests/evaluate/", raw)
    assert response.status_code == 400
    assert response.json()["field"] == field


def test_a_valid_surrogate_pair_is_text(admin_client):
    response = _post(admin_client, "/api/v1/quicktests/evaluate/", '{"method": "\\ud83d\\ude00", "inputs": {}}')
    assert response.status_code == 400 and response.json()["field"] == "method"  # unknown method, not bad text
    assert "😀" in response.json()["detail"]


def test_lone_surrogates_on_the_endpoints_that_used_to_answer_500(api):
    inspection = factories.inspection()
    supervisor = factories.user(Role.SUPERVISOR, jurisdiction="445202")
    client = api(supervisor)
    cases = [
        ("/api/v1/findings/", {"inspection": str(inspection.pk), "item_code": "mark-1", "severity": "minor",
                               "description": "\ud800"}, "description"),
        ("/api/v1/label-batches/", {"jurisdiction": "445202", "count": 1, "title": "\ud800"}, "title"),
        ("/api/v1/rectification-orders/", {"inspection": str(inspection.pk), "findings": [1],
                                           "requirements": "\udc00", "deadline": "2030-01-01"}, "requirements"),
        (f"/api/v1/dossiers/{inspection.pk}/conflicts/resolve/", {"doc_id": "\ud800"}, "doc_id"),
        (f"/api/v1/dossiers/{inspection.pk}/review/", {"decision": "return", "comment": "\ud800"}, "comment"),
    ]
    for url, body, field in cases:
        raw = json.dumps(body)  # ensure_ascii: the surrogate travels as the escape \ud800
        response = _post(client, url, raw)
        assert response.status_code == 400, (url, response.content)
        assert response.json()["field"] == field


@pytest.mark.parametrize("raw,field", [('{"method": 1e999, "inputs": {}}', "method"),
                                       ('{"method": "x", "inputs": {"n": -1e400}}', "inputs.n")])
def test_numbers_out_of_double_range_are_a_400_naming_the_field(admin_client, raw, field):
    response = _post(admin_client, "/api/v1/quicktests/evaluate/", raw)
    assert response.status_code == 400 and response.json()["field"] == field


@pytest.mark.parametrize("raw", ['{"n": ' + "9" * 5000 + "}", '{"n": NaN}', '{"n": Infinity}', "{'n': 1}", "{", "\xff"])
def test_unparseable_json_is_a_400(admin_client, raw):
    response = _post(admin_client, "/api/v1/quicktests/evaluate/", raw.encode("latin-1"))
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("content_type,status", [
    ("", 415), ("text/plain", 415), ("application/xml", 415), ("image/png", 415),
    ("application/json; charset=no-such-charset", 415),
])
def test_content_type_is_checked_before_parsing(admin_client, content_type, status):
    response = _post(admin_client, "/api/v1/quicktests/evaluate/", '{"method": "x", "inputs": {}}', content_type)
    assert response.status_code == status, response.content
    assert response.json()["detail"]
    if status == 415:
        assert "method" not in response.json()  # refused before the body was parsed


def test_utf16_json_with_its_charset_is_parsed(admin_client):
    raw = json.dumps({"method": "nope", "inputs": {}}).encode("utf-16")
    response = _post(admin_client, "/api/v1/quicktests/evaluate/", raw, "application/json; charset=utf-16")
    assert response.status_code == 400 and response.json()["field"] == "method"


@pytest.mark.parametrize("url,param", [
    ("/api/v1/inspections/?enterprise=99999999999999999999999", "enterprise"),
    ("/api/v1/inspections/?enterprise=%C2%B2", "enterprise"),
    ("/api/v1/inspections/?enterprise=-1", "enterprise"),
    ("/api/v1/inspections/?domain=space", "domain"),
    ("/api/v1/inspections/?status=lost", "status"),
    ("/api/v1/inspections/?product_category=x", "product_category"),
    ("/api/v1/enterprises/?jurisdiction=999999", "jurisdiction"),
    ("/api/v1/enterprises/?jurisdiction=" + "1" * 300, "jurisdiction"),
    ("/api/v1/enterprises/export.csv?jurisdiction=abc", "jurisdiction"),
    ("/api/v1/unqualified-products/?product_category=toys", "product_category"),
    ("/api/v1/checklists/?category=toys", "category"),
    ("/api/v1/dossiers/?status=lost", "status"),
    ("/api/v1/dossiers/?jurisdiction=000000", "jurisdiction"),
    ("/api/v1/dossiers/export.csv?verdict=maybe", "verdict"),
    ("/api/v1/certification-audits/?enterprise=1e9", "enterprise"),
    ("/api/v1/certification-audits/?enterprise=" + "9" * 5000, "enterprise"),
    ("/api/v1/findings/?inspection=not-a-uuid", "inspection"),
])
def test_query_parameters_are_range_checked(admin_client, url, param):
    response = admin_client.get(url)
    assert response.status_code == 400, (url, response.content)
    assert response.json()["field"] == param


def test_label_sheet_page_is_range_checked(api):
    supervisor = factories.user(Role.SUPERVISOR, jurisdiction="445202")
    batch = api(supervisor).post("/api/v1/label-batches/", {"jurisdiction": "445202", "count": 2}, format="json").json()
    for page in ("9" * 5000, "%C2%B2", "0", "-1", "10001"):
        response = api(supervisor).get(f"/api/v1/label-batches/{batch['id']}/sheet.png?page={page}")
        assert response.status_code == 400 and response.json()["field"] == "page", page


# Bodies documented in the OpenAPI schema (issue 14: findings, label batches, rectification orders,
# conflict resolution, … had none).
BODIES = [
    ("/api/v1/findings/", "post", ["inspection", "item_code", "severity", "description"]),
    ("/api/v1/label-batches/", "post", ["jurisdiction", "count"]),
    ("/api/v1/rectification-orders/", "post", ["inspection", "findings", "requirements", "deadline"]),
    ("/api/v1/rectification-orders/{id}/close/", "post", ["result"]),
    ("/api/v1/dossiers/{id}/conflicts/resolve/", "post", ["doc_id"]),
    ("/api/v1/dossiers/{id}/review/", "post", ["decision"]),
    ("/api/v1/producer-notices/", "post", ["finding", "defect_description"]),
    ("/api/v1/producer-notices/{id}/acknowledge/", "post", []),
    ("/api/v1/samples/{label_code}/custody/", "post", ["state"]),
    ("/api/v1/certification-audits/", "post", ["certificate", "enterprise", "category", "result", "date"]),
]


def test_every_body_has_a_request_schema(admin_client):
    schema = yaml.safe_load(admin_client.get("/api/schema/").content)
    components = schema["components"]["schemas"]
    paths = {path.replace("{pk}", "{id}"): ops for path, ops in schema["paths"].items()}
    for path, method, required in BODIES:
        operation = paths[path][method]
        content = operation["requestBody"]["content"]
        ref = next(iter(content.values()))["schema"]["$ref"].rsplit("/", 1)[-1]
        properties = components[ref]
        assert properties.get("properties"), (path, ref)
        assert sorted(properties.get("required", [])) == sorted(required), (path, properties.get("required"))
    # and, generally: no operation that takes a body documents it as an empty object
    for path, ops in schema["paths"].items():
        for method, operation in ops.items():
            if method in ("post", "put", "patch") and "requestBody" in operation and "enforcement-cases" not in path:
                for media in operation["requestBody"]["content"].values():
                    ref = media["schema"].get("$ref", "")
                    if ref:
                        assert components[ref.rsplit("/", 1)[-1]].get("properties") is not None or \
                            components[ref.rsplit("/", 1)[-1]].get("type") != "object", (path, method)
