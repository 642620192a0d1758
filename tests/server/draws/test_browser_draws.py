"""A supervisor previews, announces and executes a city-wide draw in real headless Chromium
(/usr/bin/chromium via Playwright) against the live server, watches the progress, opens an
inspection it created and the public page. Screenshots go to tests/artifacts/."""
import re
from pathlib import Path

import pytest

from server.accounts.models import Role
from server.draws.models import Draw, Selection
from server.inspections.models import Inspection
from tests import factories
from tests.server.web.test_browser_review import ARTIFACTS, CHROMIUM, browser_page, one_request_at_a_time  # noqa: F401

from .helpers import inspectors, producers

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is absent (apt-get install chromium)"),
]


@pytest.mark.django_db(transaction=True)
def test_supervisor_runs_a_draw_in_the_browser(live_server, one_request_at_a_time, browser_page):  # noqa: F811
    producers("445202", 7)
    producers("445203", 3)
    producers("445203", 2, licensed=False)
    inspectors("445202", 3)
    inspectors("445203", 2)
    supervisor = factories.user(Role.SUPERVISOR, jurisdiction="445200", full_name="陈监管")
    page, base = browser_page, live_server.url

    page.goto(f"{base}/ui/login/")
    page.fill("input[name=username]", supervisor.username)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/ui/")
    page.click("text=双随机抽查")
    page.wait_for_url(f"{base}/ui/draws/")
    page.click("#new-draw")

    # preview: nothing stored, N and k per county shown
    page.select_option("select[name=jurisdiction]", "445200")
    page.select_option("select[name=product_category]", "wire-cable")
    page.select_option("select[name=population]", "licensed-producers")
    page.fill("input[name=percent]", "10")
    page.fill("input[name=scheduled_for]", "2019-09-16")
    page.click("#preview-button")
    page.wait_for_selector("#preview")
    assert page.inner_text("#preview-count") == "10"
    assert page.inner_text('#preview-counties tr[data-county="445202"] td.k') == "5"
    assert page.inner_text('#preview-counties tr[data-county="445203"] td.k') == "3"
    assert Draw.objects.count() == 0
    page.screenshot(path=str(ARTIFACTS / "draws-01-preview.png"), full_page=True)

    # announce: progress, then the draw's page
    page.click("#announce-button")
    page.wait_for_selector('#announce-progress[data-done="true"]')
    assert "冻结名单并计算哈希" in page.inner_text("#announce-progress")
    page.wait_for_url(re.compile(r".*/ui/draws/\d+/$"))
    draw = Draw.objects.get()
    assert page.inner_text("#population-hash") == draw.population_sha256
    assert page.inner_text("#draw-status") == "已公布名单"

    # execute with a beacon: progress through every stage, then the inspections created
    page.fill("input[name=beacon]", "2019246 5 8 3")
    page.fill("input[name=beacon_source]", "福彩3D 第2019246期")
    page.click("#execute-button")
    page.wait_for_selector('#execute-progress[data-done="true"]')
    log = page.inner_text("#execute-progress ol")
    for stage in ("按县抽取企业", "抽取检查人员", "创建检查任务"):
        assert stage in log
    page.wait_for_selector("#selection")
    assert page.locator("#selection tr.selected").count() == 8 == Inspection.objects.count() == Selection.objects.count()
    assert page.inner_text("#draw-status") == "已抽取"
    page.screenshot(path=str(ARTIFACTS / "draws-02-drawn.png"), full_page=True)

    # an inspection it created opens as a dossier
    first = Selection.objects.order_by("jurisdiction", "position").first()
    page.click(f'#selection tr[data-inspection="{first.inspection_id}"] a')
    page.wait_for_url(f"{base}/ui/dossiers/{first.inspection_id}/")
    assert first.name in page.content()

    # the public page, signed out
    page.goto(f"{base}/public/draws/{draw.pk}/")
    assert page.inner_text("#population-hash") == draw.population_sha256
    assert page.locator("#selection tr.selected").count() == 8
    assert page.locator("#population tr.entry").count() == 10
    page.screenshot(path=str(ARTIFACTS / "draws-03-public.png"), full_page=True)
