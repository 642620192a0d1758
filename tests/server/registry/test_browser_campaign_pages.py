"""A county supervisor runs the campaign's paperwork in a real headless Chromium (Debian's
/usr/bin/chromium via Playwright) against the live server: imports the register with a dry-run
preview, the unqualified list, sends it and prints a letter, checks self-inspection coverage and
the campaign's deadlines. Screenshots go to tests/artifacts/."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from server.accounts.models import Role
from server.registry.models import Enterprise, NoticeRecipient, UnqualifiedProduct
from tests import factories
from tests.server.registry import sheets
from tests.server.web.test_browser_review import ARTIFACTS, CHROMIUM, browser_page, one_request_at_a_time  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is absent (apt-get install chromium)"),
]


@pytest.mark.django_db(transaction=True)
def test_supervisor_imports_sends_and_checks_coverage_in_the_browser(live_server, one_request_at_a_time,  # noqa: F811
                                                                      browser_page, settings, tmp_path):  # noqa: F811
    settings.DATA_DIR = tmp_path
    supervisor = factories.user(Role.SUPERVISOR, jurisdiction="445202", full_name="陈监管")
    page, base = browser_page, live_server.url

    page.goto(f"{base}/ui/register/")
    page.fill("input[name=username]", supervisor.username)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/ui/"))
    page.click("nav >> text=信息库")
    page.wait_for_url(f"{base}/ui/register/")

    # the producers' template downloads with its Chinese header row and one example row
    with page.expect_download() as info:
        page.click("a[href$='template.xlsx?kind=producers']")
    sheet = load_workbook(open(info.value.path(), "rb")).active
    assert [c.value for c in sheet[1]][:3] == ["企业名称", "统一社会信用代码", "地址"] and sheet.max_row == 2

    # a sheet with a row of another county: the preview lists it by row and field, nothing stored
    bad = tmp_path / "附件8-有误.csv"
    bad.write_bytes(sheets.csv_bytes([sheets.producer_row(1), sheets.producer_row(2, jurisdiction="445203")],
                                     headers=sheets.ZH, bom=True))
    page.select_option("#import-kind", "producers")
    page.set_input_files("#import-file", str(bad))
    page.click("#import-check")
    page.wait_for_selector("#import-errors")
    assert page.locator("#import-errors tbody tr").count() == 1
    assert page.inner_text("#import-errors tbody tr td:nth-child(1)") == "3"
    assert "不在您的辖区" in page.inner_text("#import-errors")
    assert not Enterprise.objects.exists()
    page.screenshot(path=str(ARTIFACTS / "campaign-01-import-errors.png"), full_page=True)

    # a good XLSX: preview, then confirm without uploading again; the progress line shows meanwhile
    good = tmp_path / "附件8.xlsx"
    good.write_bytes(sheets.xlsx_bytes([sheets.producer_row(n) for n in range(1, 41)], headers=sheets.ZH))
    page.set_input_files("#import-file", str(good))
    page.click("#import-check")
    page.wait_for_selector("#import-preview")
    assert "将新增 40 行" in page.inner_text("#import-preview")
    assert not Enterprise.objects.exists()
    page.click("#import-confirm button[type=submit]", no_wait_after=True)
    assert page.locator("#import-progress").is_visible() or page.locator("#import-done").count() == 1
    page.wait_for_selector("#import-done")
    assert "新增 40 行" in page.inner_text("#import-done")
    assert Enterprise.objects.count() == 40
    assert page.locator("#enterprises tbody tr").count() == 40
    page.screenshot(path=str(ARTIFACTS / "campaign-02-register.png"), full_page=True)

    # a seller in the county for the notice
    seller = factories.enterprise("445202", roles=["seller"], product_categories=["wire-cable"], name="榕城区五金商行")

    # the unqualified list: import, then send it to the county's sellers and users
    page.click("nav >> text=不合格产品")
    page.wait_for_url(f"{base}/ui/unqualified/")
    listing = tmp_path / "附件4.csv"
    listing.write_bytes(sheets.csv_bytes([["电线电缆", "聚氯乙烯绝缘电线", "BV 2.5", "某牌", "某电缆厂", "2018-06", "2018 省抽", "否"]],
                                         headers=["产品类别", "产品名称", "型号规格", "商标", "生产企业", "生产批次", "抽查轮次", "已整改"]))
    page.set_input_files("#import-file", str(listing))
    page.click("#import-check")
    page.wait_for_selector("#import-preview")
    page.click("#import-confirm button[type=submit]")
    page.wait_for_selector("#import-done")
    assert UnqualifiedProduct.objects.count() == 1
    assert page.locator("#products tbody tr").count() == 1
    page.check("#notice-form input[value=wire-cable]")
    page.click("#notice-form button[type=submit]")
    page.wait_for_selector("text=已向 1 家")
    assert page.locator("#recipients tbody tr").count() == 1
    assert NoticeRecipient.objects.get().enterprise_id == seller.pk
    letter_href = page.get_attribute("#recipients a.letter", "href")
    pdf = page.request.get(f"{base}{letter_href}")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    page.screenshot(path=str(ARTIFACTS / "campaign-03-notice.png"), full_page=True)

    # self-inspection coverage: every imported producer is missing; the table exports to Excel
    page.click("nav >> text=企业自查")
    page.wait_for_url(re.compile(r".*/ui/self-inspections/.*"))
    row = page.locator('#coverage tr[data-jurisdiction="445202"]')
    assert row.locator("td.missing-count").inner_text() == "40"
    assert "揭阳市测试企业1有限公司" in row.locator("td.missing").inner_text()
    with page.expect_download() as info:
        page.click("text=导出 Excel")
    assert load_workbook(open(info.value.path(), "rb")).active["C2"].value == 40
    page.screenshot(path=str(ARTIFACTS / "campaign-04-coverage.png"), full_page=True)

    # the campaign's deadlines with what is missing per county
    page.click("nav >> text=专项行动")
    page.wait_for_url(re.compile(r".*/ui/campaign/.*"))
    assert page.locator("#deadlines tbody tr").count() == 3
    assert "40 家生产企业未提交自查报告" in page.inner_text('#deadlines tr[data-code="self-inspection-report"]')
    assert page.locator('#counties tr[data-jurisdiction="445202"] td').nth(1).inner_text() == "40"
    page.screenshot(path=str(ARTIFACTS / "campaign-05-deadlines.png"), full_page=True)
