"""A supervisor does a whole review in a real headless Chromium (Debian's /usr/bin/chromium driven
by Playwright) against the live server. Screenshots go to tests/artifacts/."""
import os
import re
import threading
from pathlib import Path

import pytest

from server.accounts.models import Role
from server.dossiers.models import Dossier
from server.reviews.models import AuditEvent, ConflictResolution, Finding, Review
from tests import factories
from tests.server.reviews import dossier_rows as rows

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is absent (apt-get install chromium)"),
]


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(15000)
        try:
            yield page
        finally:
            # ORM calls made while Playwright's loop runs may get their own DB connection (Django's
            # connection handler is context-local then): close it here, or PostgreSQL's test
            # database cannot be dropped at the end of the session.
            from django.db import connections

            connections.close_all()
            context.close()
            browser.close()
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def one_request_at_a_time(monkeypatch):
    """live_server shares one in-memory SQLite connection between its request threads, and the
    browser fetches the page's images in parallel: handle one request at a time."""
    from django.core.handlers.wsgi import WSGIHandler

    lock = threading.Lock()
    original = WSGIHandler.__call__

    def call(self, environ, start_response):
        with lock:
            return original(self, environ, start_response)

    monkeypatch.setattr(WSGIHandler, "__call__", call)
    # Browsers keep connections alive: with persistent DB connections (PostgreSQL's CONN_MAX_AGE)
    # a request thread would hold its session past the test and block the test database's teardown.
    from django.db import connections

    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)


@pytest.mark.django_db(transaction=True)
def test_supervisor_reviews_a_dossier_in_the_browser(live_server, one_request_at_a_time, browser_page, settings,
                                                     tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    supervisor = factories.user(Role.SUPERVISOR, jurisdiction="445200", full_name="李监管")
    enterprise = factories.enterprise(name="揭阳市粤缆电线有限公司")
    inspection = rows.full(factories.inspection(enterprise_obj=enterprise))
    other = factories.inspection(enterprise_obj=factories.enterprise(name="普宁市砂轮厂", jurisdiction="445281"),
                                 category="grinding-wheel")
    conflict = rows.conflict(inspection, "mark-2", values=(True, False))
    bad_answer = f"answer:{inspection.pk}:mark-1"
    page = browser_page
    base = live_server.url

    # sign in
    page.goto(f"{base}/ui/")
    assert "/ui/login/" in page.url
    page.fill("input[name=username]", supervisor.username)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/ui/")
    assert page.locator("#dossier-list tbody tr").count() == 2
    page.screenshot(path=str(ARTIFACTS / "ui-01-list.png"), full_page=True)

    # filter to submitted dossiers and open the one left
    page.select_option("select[name=status]", "submitted")
    page.click("#filters button[type=submit]")
    page.wait_for_url(re.compile(r".*status=submitted.*"))
    assert page.locator("#dossier-list tbody tr").count() == 1
    assert page.locator(f'tr[data-id="{other.pk}"]').count() == 0
    page.click("text=揭阳市粤缆电线有限公司")
    page.wait_for_url(f"{base}/ui/dossiers/{inspection.pk}/")

    # the dossier: answers, thumbnails that really load, quick tests in pass/fail colours, samples
    assert page.locator("#answers tr.answer").count() == 4
    thumbs = page.locator("#photos img")
    assert thumbs.count() == 2
    page.wait_for_function("Array.from(document.querySelectorAll('#photos img')).every(i => i.complete && i.naturalWidth > 0)")
    fail_bg = page.eval_on_selector("#quicktests td.verdict.fail", "e => getComputedStyle(e).backgroundColor")
    pass_bg = page.eval_on_selector("#quicktests td.verdict.pass", "e => getComputedStyle(e).backgroundColor")
    assert fail_bg == "rgb(248, 208, 208)" and pass_bg == "rgb(216, 240, 216)"
    assert "JY-445202-000123-1" in page.inner_text("#samples")
    assert page.locator("#review-form button[value=approve]").count() == 0  # an open conflict blocks approval
    page.screenshot(path=str(ARTIFACTS / "ui-02-dossier.png"), full_page=True)

    # resolve the conflict by keeping the second tablet's revision
    chosen = conflict.revisions[1]["rev"]
    form = page.locator(f'form.conflict-form[data-doc="{conflict.doc_id}"]')
    form.locator(f'input[value="{chosen}"]').check()
    form.locator("input[name=comment]").fill("以第二台平板为准")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("text=已记录冲突处理")
    assert ConflictResolution.objects.get().chosen_rev == chosen

    # record the non-conforming answer as a finding
    candidate = page.locator(f'form.candidate[data-source="{bad_answer}"]')
    candidate.locator("select[name=severity]").select_option("critical")
    candidate.locator("input[name=description]").fill("包装未标注厂址")
    candidate.locator("button[type=submit]").click()
    page.wait_for_selector("text=已登记问题")
    assert page.locator("#findings tr.finding").count() == 1

    # approve with a comment
    page.fill("#review-form textarea[name=comment]", "资料齐全，同意归档")
    page.click("#review-form button[value=approve]")
    page.wait_for_selector("text=已通过该档案")
    assert page.inner_text("#status") == "已通过"
    assert "资料齐全，同意归档" in page.inner_text("#trail")
    page.screenshot(path=str(ARTIFACTS / "ui-03-approved.png"), full_page=True)

    # the PDF export downloads from the page
    with page.expect_download() as download_info:
        page.click("#export-pdf")
    pdf = Path(download_info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")

    # statistics
    page.click("text=统计")
    page.wait_for_url(f"{base}/ui/statistics/")
    assert page.locator("div.charts").first.locator("svg.chart").count() == 3
    assert page.locator('#chart-status g.bar[data-label="已通过"]').get_attribute("data-count") == "1"
    # the campaign's figures (contract §13): each number opens the records it counts (a live-server
    # test's flush removed the seeded campaign: put it back)
    from importlib import import_module

    from django.apps import apps as django_apps

    from server.campaigns.models import Campaign

    if not Campaign.objects.filter(code="jieyang-2019").exists():
        import_module("server.campaigns.migrations.0002_seed_jieyang_2019").forwards(django_apps, None)
    page.reload()
    section = page.locator("#campaign-statistics")
    assert section.locator("svg.chart").count() == 4
    planned = section.locator('tr.total a[data-figure="inspections.planned"]')
    number = planned.inner_text()
    planned.click()
    page.wait_for_selector("#record-count")
    assert page.inner_text("#record-count") == number
    assert page.locator("#records tr[data-record]").count() == int(number)
    page.go_back()
    page.screenshot(path=str(ARTIFACTS / "ui-04-statistics.png"), full_page=True)

    assert Dossier.objects.get(pk=inspection.pk).status == "approved"
    review = Review.objects.get()
    assert (review.decision, review.comment, review.reviewer_id) == ("approve", "资料齐全，同意归档", supervisor.pk)
    assert Finding.objects.get().severity == "critical"
    assert set(AuditEvent.objects.filter(inspection=inspection).values_list("action", flat=True)) == {
        "review", "conflict_resolved", "finding_created"}
