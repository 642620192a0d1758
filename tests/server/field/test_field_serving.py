"""server/field: the built app at /field/ (headers a service worker needs) and the quick-test tables API."""
from __future__ import annotations

import json

import pytest
from checklists import engine

from server.accounts.models import Role
from server.field.selectors import dist_dir
from tests import factories

pytestmark = pytest.mark.django_db
built = pytest.mark.skipif(not (dist_dir() / "index.html").is_file(), reason="fieldapp/dist is not built (make fieldapp)")


@built
def test_index_manifest_and_service_worker_headers(client):
    index = client.get("/field/")
    assert index.status_code == 200 and index["Content-Type"].startswith("text/html")
    assert "no-cache" in index["Cache-Control"]
    html = b"".join(index.streaming_content).decode()
    assert 'lang="zh-Hans"' in html and 'role="status"' in html and "/field/manifest.webmanifest" in html
    sw = client.get("/field/sw.js")
    assert sw.status_code == 200 and sw["Content-Type"].startswith("text/javascript")
    assert sw["Service-Worker-Allowed"] == "/field/" and "no-cache" in sw["Cache-Control"]
    body = b"".join(sw.streaming_content).decode()
    shell = json.loads(body.split("const SHELL = ", 1)[1].split(";\n", 1)[0])
    for url in shell:  # every precached file is served
        answer = client.get(url)
        assert answer.status_code == 200, url
        if url.startswith("/field/assets/app-"):
            assert "immutable" in answer["Cache-Control"]
    manifest = json.loads(b"".join(client.get("/field/manifest.webmanifest").streaming_content))
    assert manifest["scope"] == "/field/" and manifest["start_url"] == "/field/" and manifest["lang"] == "zh-Hans"


@built
@pytest.mark.parametrize("path", ["/field/assets/../../manage.py", "/field/assets/nope.js", "/field/assets/%2e%2e%2fsw.js"])
def test_nothing_outside_the_build_is_served(client, path):
    assert client.get(path).status_code == 404


def test_the_shell_is_under_one_megabyte_compressed():
    report = dist_dir() / "build.json"
    if not report.is_file():
        pytest.skip("fieldapp/dist is not built")
    assert json.loads(report.read_text())["gzip_bytes"] < 1_000_000


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR, Role.INSPECTOR, Role.CERTIFIER])
def test_quicktest_tables_are_the_engines_tables(api, role):
    user = factories.user(role)
    answer = api(user).get("/api/v1/quicktests/tables/")
    assert answer.status_code == 200
    body = answer.json()
    assert sorted(body["methods"]) == engine.method_names()
    for name, method in body["methods"].items():
        assert json.loads(json.dumps(engine.method_tables(name), default=str)) == method["tables"]
        assert method["inputs"] == engine.methods()[name]["inputs"]
    assert len(body["version"]) == 16


def test_quicktest_tables_refuse_an_enterprise_account(api):
    """As quicktests/evaluate and the checklists: operators' accounts do not get the field tools
    (the SignedIn default, issue 14); the field roles and certifiers do."""
    assert api(factories.user(Role.ENTERPRISE)).get("/api/v1/quicktests/tables/").status_code == 403
    assert api(factories.user(Role.CERTIFIER)).get("/api/v1/quicktests/tables/").status_code == 200


def test_quicktest_tables_need_a_signed_in_user(api):
    assert api().get("/api/v1/quicktests/tables/").status_code in (401, 403)
    assert api().post("/api/v1/quicktests/tables/", {}, format="json").status_code in (401, 403, 405)
