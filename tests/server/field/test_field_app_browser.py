"""The field app in real headless Chromium against the live gateway and a real sync store, with the
reconciler folding what the tablet pushed into the dossier. The tests drive the app only through
the accessible names of contract §14 (get_by_role / get_by_label) and the texts it shows."""
from __future__ import annotations

import datetime
import hashlib
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from server.accounts.models import Role
from server.inspections.services import inspection_create
from server.registry.models import UnqualifiedProduct
from sync import publisher
from sync.reconciler.processor import Reconciler
from tests import factories
from tests.server.field.browser import (  # noqa: F401 - fixtures
    ARTIFACTS, CHROMIUM, exif_jpeg, fake_camera_args, new_tablet, one_request_at_a_time, playwright_session, qr_png,
    sign_in, wait_until, write_y4m,
)
from server.field.selectors import dist_dir

pytestmark = [
    pytest.mark.browser, pytest.mark.slow, pytest.mark.e2e, pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is absent"),
    pytest.mark.skipif(not (dist_dir() / "index.html").is_file(), reason="fieldapp/dist is not built (make fieldapp)"),
]
ENTERPRISE = "揭阳市粤缆电线有限公司"
WIRE_PROMPTS = {
    "cert-1": "受检产品的准入方式",
    "cert-2": "CCC 证书或生产许可证在有效期内",
    "cert-3": "证书编号",
    "mark-1": "产品或包装上标注厂名、厂址",
}


def today() -> datetime.date:
    return datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()


def setup_world(*, inspectors=None):
    inspector = factories.user(Role.INSPECTOR, jurisdiction="445202", full_name="王检查")
    admin = factories.user(Role.ADMIN)
    enterprise = factories.enterprise("445202", name=ENTERPRISE)
    inspection = inspection_create(actor=admin, enterprise_id=enterprise.pk, product_category="wire-cable",
                                   domain="production", inspectors=[u.username for u in (inspectors or [inspector])],
                                   scheduled_for=today())
    older = inspection_create(actor=admin, enterprise_id=factories.enterprise("445202", name="揭阳市旧日砂轮厂").pk,
                              product_category="grinding-wheel", domain="production",
                              inspectors=[u.username for u in (inspectors or [inspector])],
                              scheduled_for=today() - datetime.timedelta(days=30))
    return inspector, inspection, older


def wait_synced(page, timeout=30000):
    try:
        expect(page.get_by_role("status")).to_contain_text("已同步", timeout=timeout)
    except AssertionError:
        print("STATE", page.evaluate("""() => ({pending: window.fieldApp.store.pending, state: window.fieldApp.store.state,
            err: window.fieldApp.store.lastError, drafts: Object.keys(localStorage), online: navigator.onLine,
            d: localStorage.getItem('fieldinspect.drafts.' + window.fieldApp.session.username)})"""))
        print("DOCS", page.evaluate("() => window.fieldApp.store.db.allDocs({startkey: 'answer:', endkey: 'answer:\\ufff0', include_docs: true, conflicts: true})"))
        print("INFO", page.locator(".item-info").all_inner_texts())
        raise


def fold():
    Reconciler(batch_size=500, poll_s=0.1).run_until_caught_up()


def test_an_inspection_recorded_offline_reaches_the_dossier(gateway, playwright_session, api, live_server, tmp_path):
    inspector, inspection, older = setup_world()
    UnqualifiedProduct.objects.create(product_category="wire-cable", product_name="聚氯乙烯绝缘电线", model="BV 2.5",
                                      manufacturer="揭阳市劣质电缆厂", found_in="2019年第一季度抽查", rectified=False)
    supervisor = factories.user(Role.SUPERVISOR, jurisdiction="445202")
    batch = api(supervisor).post("/api/v1/label-batches/", {"jurisdiction": "445202", "count": 2}, format="json")
    assert batch.status_code == 201, batch.content
    label = batch.json()["codes"][0]
    publisher.publish_all_pending(full=True)
    photo = exif_jpeg()

    browser = playwright_session(fake_camera_args(write_y4m(tmp_path / "label.y4m", label)))
    context, page = new_tablet(browser, permissions=["camera"])
    base = live_server.url
    started = time.monotonic()
    sign_in(page, base, inspector.username, factories.PASSWORD)
    links = page.get_by_role("link", name=re.compile(ENTERPRISE))

    expect(links).to_have_count(1, timeout=30000)
    wait_synced(page)
    # today first
    names = page.get_by_role("link").all_inner_texts()
    assert names.index(next(n for n in names if ENTERPRISE in n)) < names.index(next(n for n in names if "旧日砂轮厂" in n))
    print(f"\nsign-in to synced list: {time.monotonic() - started:.2f} s")
    # the quick-test tables arrived with the sign-in
    wait_until(page, "window.fieldApp.catalogue !== null")

    # --- the network goes off; the app reloads from its service worker -------------------------
    context.set_offline(True)
    page.reload()
    page.get_by_role("link", name=re.compile(ENTERPRISE)).click()
    expect(page.get_by_role("heading", name=ENTERPRISE)).to_be_visible()

    page.get_by_role("radiogroup", name=WIRE_PROMPTS["cert-1"]).get_by_label("强制性产品认证（CCC）").check()
    page.get_by_role("radiogroup", name=WIRE_PROMPTS["cert-2"]).get_by_label("符合", exact=True).check()
    page.get_by_role("textbox", name=WIRE_PROMPTS["cert-3"]).fill("2019010105123456")
    page.get_by_role("radiogroup", name=WIRE_PROMPTS["mark-1"]).get_by_label("不符合").check()
    expect(page.get_by_role("status")).to_contain_text("待同步")

    # a photo of mark-1 from the camera (a real JPEG with EXIF through the file chooser)
    page.get_by_label("照片所证明的检查项").select_option("mark-1")
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="拍照").click()
    chooser.value.set_files(files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": photo}])
    expect(page.get_by_text("已保存照片")).to_be_visible()

    # a quick test judged on the device: 0.760 Ω over 100 m at 20 °C → 7.60 Ω/km > 7.41: 不合格
    group = page.get_by_role("group", name="导体直流电阻现场快检")
    group.get_by_label("导体材料").select_option(label="铜")
    group.get_by_label("铜导体是否镀金属").select_option(label="否")
    group.get_by_label("导体种类").select_option(label="2")
    group.get_by_label("标称截面").fill("2.5")
    group.get_by_label("试样长度").fill("100")
    group.get_by_label("整段试样实测电阻").fill("0.760")
    group.get_by_label("测量时导体温度").fill("20")
    group.get_by_label("仪器型号").fill("QJ57")
    group.get_by_label("仪器编号").fill("A-001")
    group.get_by_role("button", name="记录快检").click()
    expect(group.get_by_text("判定：不合格")).to_be_visible()
    # strand count: 7 wires for 2.5 mm² circular → 合格
    strands = page.get_by_role("group", name="第2种绞合导体单线根数")
    strands.get_by_label("导体材料").select_option(label="铜")
    strands.get_by_label("标称截面").fill("2.5")
    strands.get_by_label("是否紧压导体").select_option(label="否")
    strands.get_by_label("数得的单线根数").fill("7")
    strands.get_by_role("button", name="记录快检").click()
    expect(strands.get_by_text("判定：合格")).to_be_visible()

    # a sample sealed with an issued label, scanned by the (fake) camera; the product is on the list
    samples = page.get_by_role("region", name="抽样")
    samples.get_by_role("button", name="扫码").click()
    expect(samples.get_by_label("封条编号")).to_have_value(label, timeout=20000)
    expect(page.get_by_text("校验位正确")).to_be_visible()
    samples.get_by_label("产品名称").fill("聚氯乙烯绝缘电线")
    samples.get_by_label("型号规格").fill("ＢＶ 2.5")  # full width, as typed on a Chinese keyboard
    samples.get_by_label("生产企业").fill(" 揭阳市劣质电缆厂")
    expect(page.get_by_role("alert").filter(has_text="不合格产品名单")).to_be_visible()
    samples.get_by_label("产品二维码内容").fill("https://example.invalid/p/BV2.5-20190601")
    samples.get_by_label("数量").fill("2")
    samples.get_by_label("单位").fill("卷")
    samples.get_by_role("button", name="保存样品").click()
    expect(page.get_by_text(f"样品 {label} 已保存")).to_be_visible()
    # a typed label with a wrong check character is caught on the device
    wrong = label[:-1] + ("0" if label[-1] != "0" else "1")
    samples.get_by_label("封条编号").fill(wrong)
    expect(page.get_by_text("校验位不符")).to_be_visible()
    samples.get_by_label("封条编号").fill("")

    # close-out with the representative's signature
    closeout = page.get_by_role("region", name="检查结束与签名")
    closeout.get_by_label("被检查单位代表姓名").fill("陈经理")
    closeout.get_by_label("职务").fill("质量负责人")
    pad = closeout.get_by_role("img", name="代表签名")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 40)
    page.mouse.down()
    for i in range(1, 20):
        page.mouse.move(box["x"] + 20 + i * 20, box["y"] + 40 + (i % 5) * 20)
    page.mouse.up()
    page.get_by_role("button", name="完成检查").click()
    expect(page.get_by_text("已完成检查")).to_be_visible()

    # a reload while offline loses nothing: the answers are read back from the tablet
    page.reload()
    expect(page.get_by_role("radiogroup", name=WIRE_PROMPTS["mark-1"]).get_by_label("不符合")).to_be_checked()
    expect(page.get_by_role("textbox", name=WIRE_PROMPTS["cert-3"])).to_have_value("2019010105123456")
    status = page.get_by_role("status")
    expect(status).to_contain_text("待同步")
    assert "已同步" not in status.inner_text()
    page.screenshot(path=str(ARTIFACTS / "field-01-offline.png"), full_page=True)

    # --- back online: sync, fold, and the dossier shows everything -------------------------------
    context.set_offline(False)
    page.get_by_role("button", name="同步").click()
    wait_synced(page)
    fold()
    dossier = api(inspector).get(f"/api/v1/dossiers/{inspection.pk}/").json()
    answers = {a["item_code"]: a["value"] for a in dossier["answers"]}
    assert answers == {"cert-1": "ccc", "cert-2": True, "cert-3": "2019010105123456", "mark-1": False}
    assert all(a["author"] == inspector.username for a in dossier["answers"])
    [shot] = dossier["photos"]
    assert shot["verified"] is True and shot["item_code"] == "mark-1"
    assert shot["sha256"] == hashlib.sha256(photo).hexdigest()  # the file's own bytes, EXIF kept
    assert shot["exif"]["gps"] is not None and shot["exif"]["taken_at"]
    tests = sorted(dossier["quicktests"], key=lambda q: q["method"])
    assert [(q["method"], q["verdict"], q["device_verdict"]) for q in tests] == [
        ("conductor-resistance", "fail", "fail"), ("strand-count", "pass", "pass")]
    assert tests[0]["instrument"] == {"model": "QJ57", "serial": "A-001"}
    [sample] = dossier["samples"]
    assert sample["label_code"] == label and sample["product"]["model"] == "ＢＶ 2.5"
    assert sample["product"]["scanned_code"] == "https://example.invalid/p/BV2.5-20190601"
    assert dossier["closeout"]["representative"]["name"] == "陈经理" and dossier["closeout"]["has_signature"] is True
    assert dossier["status"] in ("submitted", "incomplete")
    page.screenshot(path=str(ARTIFACTS / "field-02-synced.png"), full_page=True)


def test_a_refused_doc_is_shown_and_kept(gateway, playwright_session, api, live_server):
    inspector, inspection, _ = setup_world()
    publisher.publish_all_pending(full=True)
    browser = playwright_session()
    context, page = new_tablet(browser)
    sign_in(page, live_server.url, inspector.username, factories.PASSWORD)
    page.get_by_role("link", name=re.compile(ENTERPRISE)).click()
    wait_synced(page)
    # a tablet holding an answer to an item its inspection's checklist does not have (an older app
    # version, a hand-edited doc…): the server refuses it alone; the tablet keeps it and says why
    bad_id = f"answer:{inspection.pk}:no-such-item"
    page.evaluate("""([id, inspection, user]) => window.fieldApp.store.put({_id: id, type: 'answer', inspection_id: inspection,
        item_code: 'no-such-item', value: true, note: '', answered_at: '2019-07-01T10:00:00+08:00', author: user,
        device_id: 'test'})""", [bad_id, str(inspection.pk), inspector.username])
    page.get_by_role("radiogroup", name=WIRE_PROMPTS["mark-1"]).get_by_label("符合", exact=True).check()
    expect(page.get_by_role("status")).to_contain_text("待同步")
    refused = page.get_by_role("region", name="被拒绝的记录")
    expect(refused).to_contain_text("服务器拒绝了 1 项记录", timeout=30000)
    expect(refused).to_contain_text(bad_id)
    expect(refused).to_contain_text("检查表中没有检查项 'no-such-item'")  # the server's reason
    wait_synced(page)
    assert page.evaluate("id => window.fieldApp.store.db.get(id).then(d => d.value)", bad_id) is True
    page.reload()  # still shown after a reload
    expect(page.get_by_role("region", name="被拒绝的记录")).to_contain_text(bad_id)
    fold()
    dossier = api(inspector).get(f"/api/v1/dossiers/{inspection.pk}/").json()
    assert [a["item_code"] for a in dossier["answers"]] == ["mark-1"]


def test_two_tablets_editing_one_answer_give_a_conflict(gateway, playwright_session, api, live_server):
    inspector, inspection, _ = setup_world()
    publisher.publish_all_pending(full=True)
    browser = playwright_session()
    tablets = []
    # a tablet in landscape and a phone
    for viewport in ({"width": 1280, "height": 800}, {"width": 390, "height": 844}):
        context, page = new_tablet(browser, viewport=viewport, is_mobile=viewport["width"] < 500, has_touch=True)
        sign_in(page, live_server.url, inspector.username, factories.PASSWORD)
        page.get_by_role("link", name=re.compile(ENTERPRISE)).click()
        wait_synced(page)
        tablets.append((context, page))
    phone = tablets[1][1]
    # the phone layout has no sideways scrolling and keeps the buttons in reach
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    for name in ("同步", "拍照", "扫码", "完成检查"):
        expect(phone.get_by_role("button", name=name, exact=True)).to_have_count(1)
    phone.screenshot(path=str(ARTIFACTS / "field-04-phone.png"), full_page=False)
    for (context, page), choice in zip(tablets, ["符合", "不符合"]):
        context.set_offline(True)
        page.get_by_role("radiogroup", name=WIRE_PROMPTS["mark-1"]).get_by_label(choice, exact=True).check()
        expect(page.get_by_role("status")).to_contain_text("待同步")
    for context, page in tablets:
        context.set_offline(False)
        page.get_by_role("button", name="同步").click()
        wait_synced(page)
    # each tablet learns of the other's revision and says the server keeps both
    for _, page in tablets:
        page.get_by_role("button", name="同步").click()
        expect(page.get_by_text("服务器保留了两个版本")).to_be_visible(timeout=30000)
    page.screenshot(path=str(ARTIFACTS / "field-03-conflict.png"), full_page=True)
    fold()
    dossier = api(inspector).get(f"/api/v1/dossiers/{inspection.pk}/").json()
    doc_id = f"answer:{inspection.pk}:mark-1"
    assert [c["doc_id"] for c in dossier["conflicts"]] == [doc_id]
    assert sorted(r["value"] for r in dossier["conflicts"][0]["revisions"]) == [False, True]


def test_a_reload_right_after_typing_and_an_app_update_lose_nothing(gateway, playwright_session, api, live_server,
                                                                   settings, tmp_path):
    import shutil

    # serve a copy of the build, so that a new version can be published during the test
    dist = tmp_path / "dist"
    shutil.copytree(dist_dir(), dist)
    settings.FIELDAPP_DIST = dist
    inspector, inspection, _ = setup_world()
    publisher.publish_all_pending(full=True)
    browser = playwright_session()
    context, page = new_tablet(browser)
    sign_in(page, live_server.url, inspector.username, factories.PASSWORD)
    page.get_by_role("link", name=re.compile(ENTERPRISE)).click()
    wait_synced(page)
    context.set_offline(True)
    # typed and reloaded at once, before the debounced write: the draft is written at the next start
    page.get_by_role("textbox", name=WIRE_PROMPTS["cert-3"]).fill("(粤)XK06-001-00001")
    page.reload()
    expect(page.get_by_role("textbox", name=WIRE_PROMPTS["cert-3"])).to_have_value("(粤)XK06-001-00001")
    expect(page.get_by_role("status")).to_contain_text("待同步")

    # a new version of the app is published while an answer is being typed
    context.set_offline(False)
    sw = dist / "sw.js"
    sw.write_text(sw.read_text().replace('const VERSION = "', 'const VERSION = "next-'))
    page.get_by_role("radiogroup", name=WIRE_PROMPTS["mark-1"]).get_by_label("不符合").check()
    page.evaluate("navigator.serviceWorker.getRegistration('/field/').then(r => r.update())")
    update = page.get_by_role("button", name="更新")
    expect(update).to_be_visible()
    with page.expect_navigation():
        update.click()
    wait_until(page, "caches.keys().then(k => k.some(n => n.startsWith('fieldapp-next-')))")
    expect(page.get_by_role("radiogroup", name=WIRE_PROMPTS["mark-1"]).get_by_label("不符合")).to_be_checked()
    expect(page.get_by_role("textbox", name=WIRE_PROMPTS["cert-3"])).to_have_value("(粤)XK06-001-00001")
    wait_synced(page)
    fold()
    dossier = api(inspector).get(f"/api/v1/dossiers/{inspection.pk}/").json()
    assert {a["item_code"]: a["value"] for a in dossier["answers"]} == {"cert-3": "(粤)XK06-001-00001", "mark-1": False}

    # without a camera, 扫码 reads a photo of the label (jsQR on the device)
    code = "JY-445202-000123-1"
    samples = page.get_by_role("region", name="抽样")
    with page.expect_file_chooser() as chooser:
        samples.get_by_role("button", name="扫码").click()
    chooser.value.set_files(files=[{"name": "label.png", "mimeType": "image/png", "buffer": qr_png(code)}])
    expect(samples.get_by_label("封条编号")).to_have_value(code)
    expect(samples.get_by_text("校验位正确")).to_be_visible()

    # signed out and back in with the network off: the credentials of the online sign-in serve
    context.set_offline(True)
    page.get_by_role("button", name="退出").click()
    page.get_by_label("用户名").fill(inspector.username)
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("link", name=re.compile(ENTERPRISE))).to_be_visible()
