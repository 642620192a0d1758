"""Killing `manage.py reconcile` (SIGKILL) mid-run and starting it again: the same dossiers, no
duplicates. Runs the real command in subprocesses against a file SQLite database and the test store."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.slow

SETUP = """
import json
from tests import factories
from server.dossiers.completeness import checklist_items
inspections = [factories.inspection() for _ in range(4)]
items = [i for i in checklist_items(inspections[0].checklist_id) if i["kind"] != "quicktest"]
print(json.dumps({"inspections": [[str(i.pk), i.inspectors.first().username] for i in inspections],
                  "items": [[i["code"], i["kind"], (i.get("options") or [{}])[0].get("value")] for i in items]}))
"""


def _run(env, *args, timeout=120):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout, check=True)


def _docs(setup: dict, quicktests_per_inspection: int) -> list[dict]:
    docs = []
    for inspection_id, author in setup["inspections"]:
        base = {"inspection_id": inspection_id, "author": author, "device_id": "t"}
        for code, kind, option in setup["items"]:
            value = option if kind == "choice" else {"boolean": True, "number": 1.0, "text": "ok"}[kind]
            docs.append({"_id": f"answer:{inspection_id}:{code}", "type": "answer", "item_code": code, "value": value,
                         "answered_at": "2019-07-01T10:00:00+08:00", **base})
        for n in range(quicktests_per_inspection):
            docs.append({"_id": f"quicktest:{uuid.uuid4()}", "type": "quicktest", "item_code": "cr-1",
                         "method": "conductor-resistance", "measured_at": "2019-07-01T10:00:00+08:00",
                         "inputs": {"material": "copper", "coated": False, "conductor_class": 2,
                                    "cross_section_mm2": 2.5, "length_m": 100, "measured_ohm": 0.6 + n / 10000,
                                    "temperature_c": 20}, **base})
        docs.append({"_id": f"closeout:{inspection_id}", "type": "closeout", "finished_at": "2019-07-01T12:00:00+08:00",
                     "summary": "", "representative": {"name": "张三", "title": "厂长"}, **base})
    return docs


def _state(db: Path) -> dict:
    con = sqlite3.connect(db)
    try:
        return {
            "revisions": con.execute("SELECT COUNT(*), COUNT(DISTINCT doc_id || '@' || rev) FROM dossiers_fieldrevision").fetchone(),
            "answers": con.execute("SELECT COUNT(*) FROM dossiers_answer").fetchone()[0],
            "quicktests": con.execute("SELECT COUNT(*), COUNT(DISTINCT doc_id) FROM dossiers_quicktest").fetchone(),
            "dossiers": sorted(con.execute("SELECT inspection_id, status, completeness FROM dossiers_dossier").fetchall()),
        }
    finally:
        con.close()


def _folded(db: Path) -> int:
    try:
        con = sqlite3.connect(db, timeout=1)
        try:
            row = con.execute("SELECT SUM(folded_total) FROM sync_reconciler_checkpoint").fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return 0
    return row[0] or 0 if row else 0


def _prepare(tmp_path, store_url, name):
    data = tmp_path / name
    data.mkdir()
    db_name = f"kill-{uuid.uuid4().hex[:10]}"
    env = {**os.environ, "DATA_DIR": str(data), "COUCHDB_URL": store_url, "COUCHDB_DB": db_name,
           "DATABASE_URL": f"sqlite:///{data / 'db.sqlite3'}", "LOG_LEVEL": "WARNING"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    _run(env, "migrate", "--noinput")
    requests.put(f"{store_url}/{db_name}", timeout=10).raise_for_status()
    return env, data / "db.sqlite3", db_name


def test_sigkill_mid_run_then_restart_gives_the_same_dossiers_without_duplicates(sync_store_server, tmp_path):
    url = sync_store_server.url
    env, db, db_name = _prepare(tmp_path, url, "killed")
    setup = json.loads(_run(env, "shell", "-c", SETUP).stdout.strip().splitlines()[-1])
    docs = _docs(setup, quicktests_per_inspection=1500)
    for start in range(0, len(docs), 2000):
        requests.post(f"{url}/{db_name}/_bulk_docs", json={"docs": docs[start:start + 2000]}, timeout=120).raise_for_status()

    process = subprocess.Popen([sys.executable, "manage.py", "reconcile", "--batch-size", "100"], cwd=REPO, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while _folded(db) < 300 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)  # killed mid-run, most likely inside a batch transaction
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    killed_at = _folded(db)
    assert 0 < killed_at < len(docs), "the kill should land mid-run"
    _run(env, "reconcile", "--once", timeout=300)
    after_restart = _state(db)

    assert after_restart["revisions"] == (len(docs), len(docs))
    assert after_restart["quicktests"] == (len(setup["inspections"]) * 1500,) * 2
    assert after_restart["answers"] == len(setup["inspections"]) * len(setup["items"])
    statuses = {status for _, status, _ in after_restart["dossiers"]}
    assert statuses == {"incomplete"}  # closeout folded, photo-required items have no photos

    # Folding everything again from the start (a full replay) changes nothing.
    con = sqlite3.connect(db)
    with con:
        con.execute("UPDATE sync_reconciler_checkpoint SET seq = '0'")
    con.close()
    _run(env, "reconcile", "--once", timeout=300)
    assert _state(db) == after_restart


def test_sigterm_stops_the_command_promptly(sync_store_server, tmp_path):
    env, db, _ = _prepare(tmp_path, sync_store_server.url, "term")
    process = subprocess.Popen([sys.executable, "manage.py", "reconcile", "--wait-for-store"], cwd=REPO, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            con = sqlite3.connect(db, timeout=1)
            try:
                if con.execute("SELECT COUNT(*) FROM sync_reconciler_checkpoint WHERE caught_up").fetchone()[0]:
                    break
            finally:
                con.close()
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0, process.stderr.read()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
