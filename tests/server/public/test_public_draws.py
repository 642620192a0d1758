"""一公开: the public draw pages (no sign-in), their JSON record, and the standalone verifier
accepting a real draw and rejecting tampered ones."""
import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from server.accounts.models import Role
from server.dossiers.models import Dossier
from server.reviews.models import Finding
from tests import factories
from tests.server.draws.helpers import announce_body, county, inspectors, producers

pytestmark = pytest.mark.django_db
VERIFIER = Path(__file__).resolve().parents[3] / "server" / "draws" / "verifier" / "verify.py"


def _drawn(api, *, execute=True):
    """A city-wide draw over three counties (2, 5 and 7 licensed producers), one inspector on leave."""
    for code, n in (("445202", 2), ("445203", 5), (county("445299"), 7)):
        producers(code, n)
        inspectors(code, 3)
    away = inspectors("445203", 1)[0]
    supervisor = factories.user(Role.SUPERVISOR, jurisdiction="445200", full_name="王监管")
    client = api(supervisor)
    assert client.post("/api/v1/inspector-unavailability/", {"inspector": away.username, "starts": "2019-09-01",
                       "ends": "2019-09-30", "kind": "training"}, format="json").status_code == 201
    draw = client.post("/api/v1/draws/", announce_body(percent=30), format="json").json()
    if execute:
        response = client.post(f"/api/v1/draws/{draw['id']}/execute/",
                               {"beacon": "2019246: 5 8 3", "beacon_source": "福彩3D 第2019246期"}, format="json")
        assert response.status_code == 200
    return draw["id"], away


def _record(client, pk) -> dict:
    response = client.get(f"/public/draws/{pk}.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    return json.loads(b"".join(response.streaming_content))


def _verify(record, tmp_path, name="draw.json"):
    path = tmp_path / name
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    return subprocess.run([sys.executable, "-I", str(VERIFIER), str(path)], capture_output=True, text=True, timeout=60)


def test_public_json_shows_everything_of_section_11(api, client):
    pk, away = _drawn(api)
    record = _record(client, pk)
    assert record["status"] == "drawn" and record["beacon"] == "2019246: 5 8 3"
    assert record["beacon_source"] == "福彩3D 第2019246期"
    assert len(record["population"]) == 14 == record["population_count"]
    assert set(record["population"][0]) == {"enterprise", "credit_code", "name", "jurisdiction"}
    assert record["counties"] == [{"jurisdiction": "445202", "population": 2, "selected": 2},
                                  {"jurisdiction": "445203", "population": 5, "selected": 5},
                                  {"jurisdiction": "445299", "population": 7, "selected": 5}]
    assert len(record["selected"]) == 12
    for s in record["selected"]:
        assert set(s) == {"enterprise", "credit_code", "name", "jurisdiction", "rank", "inspectors", "eligible",
                          "excluded", "avoidance_waived", "inspection", "result", "findings"}
        assert len(s["inspectors"]) == 2 and s["result"] is None and s["findings"] is None
    [in_445203] = {json.dumps(s["excluded"]) for s in record["selected"] if s["jurisdiction"] == "445203"}
    assert json.loads(in_445203) == [{"username": away.username, "reason": "unavailable:training"}]
    # the same record by ?format=json and by Accept
    by_param = json.loads(b"".join(client.get(f"/public/draws/{pk}/?format=json").streaming_content))
    by_accept = json.loads(b"".join(client.get(f"/public/draws/{pk}/", HTTP_ACCEPT="application/json").streaming_content))
    assert by_param == by_accept == record
    assert "王监管" not in json.dumps(record, ensure_ascii=False)  # people's names are not public


def test_verifier_accepts_a_real_draw_and_rejects_tampered_ones(api, client, tmp_path):
    pk, _ = _drawn(api)
    record = _record(client, pk)
    ok = _verify(record, tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "RESULT: OK" in ok.stdout and "county 445299: N = 7, k = 5" in ok.stdout

    # one selected enterprise swapped for one of the same county that was not drawn
    swapped = copy.deepcopy(record)
    chosen = {s["credit_code"] for s in swapped["selected"]}
    outsider = next(p for p in swapped["population"] if p["credit_code"] not in chosen)
    victim = next(s for s in swapped["selected"] if s["jurisdiction"] == outsider["jurisdiction"])
    victim.update(enterprise=outsider["enterprise"], credit_code=outsider["credit_code"], name=outsider["name"])
    result = _verify(swapped, tmp_path, "swapped.json")
    assert result.returncode == 1 and "DOES NOT FOLLOW" in result.stdout
    assert outsider["credit_code"] in result.stdout

    # one population entry added (with or without the hash recomputed to match)
    added = copy.deepcopy(record)
    added["population"].append({"enterprise": 999999, "credit_code": "91445202MA4UXXXXX1", "name": "后加企业",
                                "jurisdiction": "445202"})
    assert _verify(added, tmp_path, "added.json").returncode == 1
    import hashlib

    text = "".join(c + "\n" for c in sorted(p["credit_code"] for p in added["population"]))
    added["population_sha256"] = hashlib.sha256(text.encode()).hexdigest()
    added["population_count"] += 1
    assert _verify(added, tmp_path, "added-rehashed.json").returncode == 1  # the seed no longer follows

    # inspectors swapped for a lower-ranked eligible one; an excluded inspector put back
    reassigned = copy.deepcopy(record)
    s = next(s for s in reassigned["selected"] if len(s["eligible"]) > 2)
    s["inspectors"] = [s["eligible"][0], s["eligible"][2]]
    assert _verify(reassigned, tmp_path, "reassigned.json").returncode == 1
    smuggled = copy.deepcopy(record)
    s = next(s for s in smuggled["selected"] if s["excluded"])
    s["eligible"].append(s["excluded"][0]["username"])
    assert _verify(smuggled, tmp_path, "smuggled.json").returncode == 1
    # a different beacon
    rebeaconed = copy.deepcopy(record)
    rebeaconed["beacon"] = "2019246: 5 8 4"
    assert _verify(rebeaconed, tmp_path, "beacon.json").returncode == 1
    # unreadable input
    (tmp_path / "junk.json").write_text("{not json")
    assert subprocess.run([sys.executable, "-I", str(VERIFIER), str(tmp_path / "junk.json")],
                          capture_output=True).returncode == 1


def test_verifier_is_downloadable_and_stdlib_only(client, tmp_path):
    response = client.get("/public/draws/verify.py")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body == VERIFIER.read_bytes()
    imports = {line.split()[1].split(".")[0] for line in body.decode().splitlines()
               if line.startswith(("import ", "from "))}
    assert imports <= set(sys.stdlib_module_names)
    assert client.get("/public/draws/rules.md").status_code == 200


def test_outcome_is_public_only_once_approved_and_only_the_outcome(api, client):
    pk, _ = _drawn(api)
    record = _record(client, pk)
    first, second, third = record["selected"][:3]
    admin = factories.user(Role.ADMIN)
    Finding.objects.create(inspection_id=first["inspection"], item_code="mark-1", severity="major",
                           description="产品无厂名厂址（秘密细节）", created_by=admin)
    Finding.objects.create(inspection_id=third["inspection"], item_code="mark-2", severity="minor",
                           description="尚未审核的问题", created_by=admin)
    Dossier.objects.filter(pk__in=[first["inspection"], second["inspection"]]).update(status="approved")
    Dossier.objects.filter(pk=third["inspection"]).update(status="submitted")
    after = {s["credit_code"]: s for s in _record(client, pk)["selected"]}
    assert (after[first["credit_code"]]["result"], after[first["credit_code"]]["findings"]) == ("problems-found", 1)
    assert (after[second["credit_code"]]["result"], after[second["credit_code"]]["findings"]) == ("no-problem", 0)
    assert (after[third["credit_code"]]["result"], after[third["credit_code"]]["findings"]) == (None, None)
    page = client.get(f"/public/draws/{pk}/").content.decode()
    assert "秘密细节" not in page and "尚未审核的问题" not in page
    assert "发现问题（1 项）" in page and "未发现问题" in page
    assert 'id="problems-found">1<' in page and 'id="no-problem">1<' in page


def test_html_pages_in_chinese_without_sign_in(api, client):
    pk, _ = _drawn(api)
    listing = client.get("/public/draws/")
    assert listing.status_code == 200 and "双随机抽查公示" in listing.content.decode()
    page = client.get(f"/public/draws/{pk}/").content.decode()
    assert "名单哈希" in page and "公开随机数" in page and "福彩3D" in page and "不可用：培训" in page
    assert page.count('class="selected"') == 12 and page.count('class="entry"') == 14
    from django.utils import timezone

    from server.draws.models import Draw

    local = timezone.localtime(Draw.objects.get(pk=pk).announced_at).strftime("%Y-%m-%d %H:%M:%S")
    assert f"{local}（北京时间）" in page and local in listing.content.decode()
    assert client.get("/public/draws/424242/").status_code == 404
    assert client.get("/public/draws/424242.json").status_code == 404
    assert client.get("/public/draws/424242/?format=json").json()["detail"]


def test_announced_draw_is_public_before_execution(api, client, tmp_path):
    pk, _ = _drawn(api, execute=False)
    record = _record(client, pk)
    assert record["status"] == "announced" and record["seed"] is None and record["selected"] == []
    assert len(record["population"]) == 14
    assert "待取得公开随机数后抽取" in client.get(f"/public/draws/{pk}/").content.decode()
    result = _verify(record, tmp_path)
    assert result.returncode == 1 and "not been executed" in result.stdout


def test_pagination(api, client, monkeypatch):
    from server.public import draws_selectors, draws_views

    pk, _ = _drawn(api)
    monkeypatch.setattr(draws_views, "POPULATION_PER_PAGE", 5)
    monkeypatch.setattr(draws_views, "SELECTION_PER_PAGE", 5)
    seen = []
    for page in (1, 2, 3):
        html = client.get(f"/public/draws/{pk}/?page={page}&spage={page}").content.decode()
        seen.append(html.count('class="entry"'))
        assert html.count('class="selected"') == [5, 5, 2][page - 1]
    assert seen == [5, 5, 4]
    assert client.get(f"/public/draws/{pk}/?page=99999999999999999999").status_code == 200
    assert client.get(f"/public/draws/{pk}/?page=-3&spage=x").status_code == 200
    assert client.get(f"/public/draws/{pk}/?spage=%00").status_code == 400  # the project's NUL guard
    monkeypatch.setattr(draws_selectors, "DRAWS_PER_PAGE", 1)
    factories.user(Role.ADMIN)
    client2 = api(factories.user(Role.ADMIN))
    client2.post("/api/v1/draws/", announce_body(), format="json")
    first = client.get("/public/draws/?format=json").json()
    assert (first["count"], first["pages"], len(first["results"])) == (2, 2, 1) and first["next"].endswith("page=2")
    second = client.get(first["next"]).json()
    assert second["results"][0]["id"] == pk and second["next"] is None
    assert client.get("/public/draws/", HTTP_ACCEPT="application/json").json()["count"] == 2


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_verifier_reads_a_draw_by_url_from_the_live_site(api, live_server, tmp_path):
    from django.db import connections

    pk, _ = _drawn(api)
    script = tmp_path / "verify.py"
    import urllib.request

    with urllib.request.urlopen(f"{live_server.url}/public/draws/verify.py") as response:
        script.write_bytes(response.read())
    for url in (f"{live_server.url}/public/draws/{pk}/", f"{live_server.url}/public/draws/{pk}.json"):
        result = subprocess.run([sys.executable, "-I", str(script), url], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "RESULT: OK" in result.stdout
    missing = subprocess.run([sys.executable, "-I", str(script), f"{live_server.url}/public/draws/999/"],
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 1
    connections.close_all()


def test_selection_downloads_as_csv_and_xlsx(api, client):
    import io

    from openpyxl import load_workbook

    pk, away = _drawn(api)
    csv_text = client.get(f"/public/draws/{pk}/selection.csv").content.decode("utf-8-sig")
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("县级辖区,序,企业,统一社会信用代码") and len(lines) == 13
    assert f"{away.username}：不可用：培训" in csv_text and "待公布" in csv_text
    sheet = load_workbook(io.BytesIO(client.get(f"/public/draws/{pk}/selection.xlsx").content)).active
    assert sheet.max_row == 13 and sheet["A1"].value == "县级辖区"
    assert client.get(f"/public/draws/{pk}/selection.pdf").status_code == 404
    assert client.get("/public/draws/9999/selection.csv").status_code == 404
