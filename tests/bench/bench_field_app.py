#!/usr/bin/env python
"""Benchmark: the field app (contract §14) in real headless Chromium against the real server.

    .venv/bin/python tests/bench/bench_field_app.py [--rounds 5] [--items 300]

Starts a pouchdb-server and the Django app under gunicorn gthread (deploy/gunicorn_dev.py, as
`make run` does) on free loopback ports with a throw-away DATA_DIR, one inspector with 20 inspections
over the 6 product categories (so 6 checklists), and measures:
  - the app shell: bytes of every precached file, raw and gzip;
  - first load on a fresh tablet (a new browser context: empty IndexedDB, no service worker), each
    round: page load to the sign-in form; 登录 to the 20 inspection links; to the 6 checklists and
    20 inspections in IndexedDB; to 已同步;
  - a 300-item session: a 300-item checklist (boolean, choice, number, text) opened on the tablet;
    time to render it; then every item answered by typing/clicking, with the browser's Event Timing
    (the INP measure: input to next paint, handlers included) of every keystroke and click; and the
    time until all 300 answer docs are in IndexedDB after the last keystroke.
"""
from __future__ import annotations

import argparse
import datetime
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.support.syncstore import free_port, start_syncstore  # noqa: E402

PASSWORD = "bench-password-42"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CATEGORIES = ["food-paper-packaging", "wire-cable", "explosion-proof-electrical", "grinding-wheel", "hazardous-chemical",
              "hazchem-packaging"]


def setup_django(env: dict) -> None:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_world(rounds: int) -> list[str]:
    from server.accounts.models import Role
    from server.inspections.services import inspection_create
    from sync import publisher
    from tests.factories import enterprise, user

    admin = user(Role.ADMIN, username="bench-admin")
    names = []
    today = datetime.date.today()
    for rnd in range(rounds):
        inspector = user(Role.INSPECTOR, username=f"bench-field-{rnd}", jurisdiction="445202")
        inspector.set_password(PASSWORD)
        inspector.save()
        for n in range(20):
            company = enterprise("445202", name=f"揭阳市基准测试企业{rnd}-{n:02d}")
            inspection_create(actor=admin, enterprise_id=company.pk, product_category=CATEGORIES[n % 6],
                              domain="production", inspectors=[inspector.username],
                              scheduled_for=today + datetime.timedelta(days=n - 5))
        names.append(inspector.username)
    publisher.publish_all_pending(full=True)
    return names


def shell_size(base: str) -> tuple[int, int, int]:
    sw = requests.get(f"{base}/field/sw.js", timeout=10).text
    shell = json.loads(sw.split("const SHELL = ", 1)[1].split(";\n", 1)[0])
    raw = gz = len(sw.encode())
    gz = len(gzip.compress(sw.encode(), 9))
    for url in shell:
        body = requests.get(f"{base}{url}", timeout=10).content
        raw += len(body)
        gz += len(gzip.compress(body, 9))
    return raw, gz, len(shell) + 1


def big_checklist(items: int) -> dict:
    kinds = ["boolean", "choice", "number", "text"]
    sections = []
    for s in range(items // 25):
        section = {"code": f"s{s}", "title": f"第{s + 1}部分", "items": []}
        for i in range(25):
            n = s * 25 + i
            kind = kinds[n % 4]
            item = {"code": f"b-{n}", "prompt": f"基准检查项 {n:03d}：产品标识与实物一致（{kind}）", "kind": kind,
                    "required": n % 3 == 0, "photo_required": n % 7 == 0, "basis": "基准"}
            if kind == "choice":
                item["options"] = [{"value": "a", "label": "甲"}, {"value": "b", "label": "乙"}, {"value": "c", "label": "丙"}]
            if kind == "number":
                item["unit"] = "mm"
            section["items"].append(item)
        sections.append(section)
    return {"_id": "checklist:bench:1", "type": "checklist", "category": "wire-cable", "version": 1,
            "title": f"{items} 项基准检查表", "sections": sections}


def session(page, checklist: dict, count: int, *, with_db: bool) -> None:
    inspection_id = str(uuid.uuid4())
    page.evaluate("""async ([checklist, id, withDb]) => {
        const app = window.fieldApp;
        if (!withDb) { app.store.put = async (doc) => ({ ok: true, id: doc._id, rev: '1-x' }); }
        await app.store.db.put({_id: 'inspection:' + id, type: 'inspection', inspection_id: id,
          checklist_id: checklist._id, product_category: 'wire-cable', domain: 'production',
          scheduled_for: '2019-07-01', inspectors: [app.session.username], status: 'assigned',
          enterprise: {id: 1, name: '基准企业', credit_code: '', address: '', jurisdiction: '445202'}});
        window.__events = [];
        if (!window.__observer) {
          window.__observer = new PerformanceObserver((list) => { for (const e of list.getEntries())
            window.__events.push([e.name, e.duration, e.processingStart - e.startTime, e.processingEnd - e.processingStart]); });
          window.__observer.observe({type: 'event', durationThreshold: 16, buffered: false});
        }
    }""", [checklist, inspection_id, with_db])
    t0 = time.perf_counter()
    page.evaluate(f"location.hash = '#/i/{inspection_id}'")
    page.wait_for_function(f"document.querySelectorAll('.item').length === {count}")
    t_render = time.perf_counter() - t0
    items = [it for s in checklist["sections"] for it in s["items"]]
    keystrokes = clicks = 0
    t0 = time.perf_counter()
    for it in items:
        if it["kind"] in ("boolean", "choice"):
            page.get_by_role("radiogroup", name=it["prompt"]).get_by_label("不符合" if it["kind"] == "boolean" else "乙").click()
            clicks += 1
        else:
            text = "12.75" if it["kind"] == "number" else "铭牌标识清晰"
            page.get_by_role("spinbutton" if it["kind"] == "number" else "textbox", name=it["prompt"]).press_sequentially(text)
            keystrokes += len(text)
    t_typing = time.perf_counter() - t0
    label = "with database writes" if with_db else "database writes off (baseline)"
    written = ""
    if with_db:
        t1 = time.perf_counter()
        page.wait_for_function(f"""() => window.fieldApp.store.db.allDocs({{startkey: 'answer:{inspection_id}:',
            endkey: 'answer:{inspection_id}:\\ufff0'}}).then(r => r.rows.length === {count})""", polling=50)
        written = f"; all {count} answers in IndexedDB {time.perf_counter() - t1:.2f}s after the last input"
    page.wait_for_timeout(500)
    slow = [e for e in page.evaluate("window.__events") if e[0] in ("keydown", "beforeinput", "input", "click", "pointerdown")]
    q = lambda xs, f: xs[min(len(xs) - 1, int(len(xs) * f))] if xs else 0.0  # noqa: E731
    durations = sorted(e[1] for e in slow)
    delays = sorted(e[2] for e in slow)
    handlers = sorted(e[3] for e in slow)
    print(f"{count}-item session, {label}: rendered in {t_render:.2f}s; {keystrokes} keystrokes + {clicks} clicks "
          f"({t_typing:.0f}s of driving){written}")
    print(f"  keydown/input/click events slower than 16 ms to the next paint: {len(slow)}; input to next paint median "
          f"{q(durations, .5):.0f} ms, p95 {q(durations, .95):.0f} ms; of that, input delay (main thread busy) median "
          f"{q(delays, .5):.1f} ms, p95 {q(delays, .95):.1f} ms, max {q(delays, 1):.1f} ms; our handlers median "
          f"{q(handlers, .5):.1f} ms, p95 {q(handlers, .95):.1f} ms, max {q(handlers, 1):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--trace", action="store_true", help="print the requests of the first sign-in with their times")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    workdir = Path(tempfile.mkdtemp(prefix="bench-field-"))
    store = start_syncstore(data_dir=workdir / "store")
    gunicorn = None
    try:
        port = free_port()
        env = {"DATA_DIR": str(workdir / "data"), "COUCHDB_URL": store.url, "COUCHDB_DB": "fieldinspect",
               "SECRET_KEY": "bench-" + uuid.uuid4().hex, "DEBUG": "0", "LOG_LEVEL": "WARNING"}
        setup_django(env)
        from sync import store as sync_store

        sync_store.ensure_database()
        inspectors = make_world(args.rounds)
        gunicorn = subprocess.Popen(
            [str(REPO / ".venv/bin/gunicorn"), "sync.asgi:application", "--config", str(REPO / "deploy/gunicorn_dev.py"),
             "--bind", f"127.0.0.1:{port}"], cwd=REPO, env={**os.environ, **env},
            stdout=open(workdir / "access.log", "wb"), stderr=open(workdir / "gunicorn.log", "wb"), start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{base}/field/", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not start: {(workdir / 'gunicorn.log').read_text()[-2000:]}")
            time.sleep(0.2)

        raw, gz, files = shell_size(base)
        print(f"app shell: {files} files, {raw / 1024:.0f} KB raw, {gz / 1024:.0f} KB gzip")

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            rows = []
            for rnd, username in enumerate(inspectors):
                context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800}, bypass_csp=True)
                page = context.new_page()
                page.set_default_timeout(60000)
                t0 = time.perf_counter()
                page.goto(f"{base}/field/")
                page.get_by_role("button", name="登录").wait_for()
                t_form = time.perf_counter() - t0
                page.get_by_label("用户名").fill(username)
                page.get_by_label("密码").fill(PASSWORD)
                t1 = time.perf_counter()
                trace = []
                if args.trace and rnd == 0:
                    page.on("requestfinished", lambda r: trace.append((time.perf_counter() - t1, r.method, r.url.split(base)[-1][:90],
                                                                       r.timing["responseEnd"])))
                page.get_by_role("button", name="登录").click()
                page.wait_for_function("document.querySelectorAll('ul.inspections a').length === 20")
                t_list = time.perf_counter() - t1
                page.wait_for_function("""async () => {
                    const db = window.fieldApp.store.db;
                    const c = await db.allDocs({startkey: 'checklist:', endkey: 'checklist:\\ufff0'});
                    const i = await db.allDocs({startkey: 'inspection:', endkey: 'inspection:\\ufff0'});
                    return c.rows.length === 6 && i.rows.length === 20; }""", polling=50)
                t_data = time.perf_counter() - t1
                page.get_by_role("status").filter(has_text="已同步").wait_for()
                t_synced = time.perf_counter() - t1
                rows.append((t_form, t_list, t_data, t_synced))
                for at, method, url, took in trace:
                    print(f"   {at:6.3f}s {method} {url} ({took:.0f} ms)")
                print(f"round {rnd + 1}: sign-in form {t_form:.2f}s; 登录 → 20 links {t_list:.2f}s, → 6 checklists + 20 "
                      f"inspections in IndexedDB {t_data:.2f}s, → 已同步 {t_synced:.2f}s", flush=True)
                if rnd < len(inspectors) - 1:
                    context.close()
            med = [statistics.median(col) for col in zip(*rows)]
            print(f"first load, median of {len(rows)} fresh tablets: form {med[0]:.2f}s; 登录 → list {med[1]:.2f}s; "
                  f"→ all data {med[2]:.2f}s; → 已同步 {med[3]:.2f}s (form + data: {med[0] + med[2]:.2f}s)")

            # --- a 300-item session (on the last tablet; sync stopped so the bench docs stay local) ---
            page.evaluate("window.fieldApp.store.stop()")
            checklist = big_checklist(args.items)
            page.evaluate("c => window.fieldApp.store.db.put(c)", checklist)
            session(page, checklist, args.items, with_db=True)
            # the same typing with the database writes switched off: what the writes cost the typing
            session(page, checklist, args.items, with_db=False)
            browser.close()
    finally:
        if gunicorn is not None:
            os.killpg(gunicorn.pid, 15)
            gunicorn.wait(timeout=10)
        store.stop()


if __name__ == "__main__":
    main()
