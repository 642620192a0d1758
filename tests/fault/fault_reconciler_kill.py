#!/usr/bin/env python
"""The reconciler SIGKILLed again and again during an ingest: the dossiers must come out identical
to an uninterrupted run.

    .venv/bin/python tests/fault/fault_reconciler_kill.py [--docs 10000] [--kills 50] [--seed 14]

One pouchdb-server holds two databases with the same field docs (same ids, same revisions);
one SQLite database (inspections, users) is copied twice. Run A folds its database uninterrupted
(`manage.py reconcile --once`). Run B starts `manage.py reconcile` (the long-running loop, batches of
--batch-size changes), waits until it has folded something, SIGKILLs it at a random moment of the
next 0–0.8 s, --kills times (while the ingest is unfinished), then lets it finish.
Both are then dumped canonically (every dossier's contract §6 body in a stable order, without
`updated_at`; every folded revision; the change-error table) and compared. Prints the kills, how
many interrupted an unfinished ingest, and the comparison; exit status 1 when they differ.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.support.live_stack import LiveStack  # noqa: E402

DOCS_PER_INSPECTION = 50

DUMP = r"""
import json, sys
import django
django.setup()
from server.dossiers.models import Dossier
from server.dossiers.selectors import dossier_detail
from django.apps import apps
out = {"dossiers": [], "tables": {}}
for dossier in Dossier.objects.select_related("inspection").order_by("inspection_id"):
    body = dossier_detail(dossier=dossier)
    body.pop("updated_at", None)
    out["dossiers"].append(body)
for model in apps.get_app_config("dossiers").get_models():
    out["tables"][model.__name__] = model.objects.count()
from sync.reconciler.models import ChangeError
out["tables"]["ChangeError"] = ChangeError.objects.count()
from server.dossiers.models import FieldRevision
out["revisions"] = sorted([r.doc_id, r.rev] for r in FieldRevision.objects.all())
json.dump(out, sys.stdout, sort_keys=True, default=str)
"""

PROGRESS = r"""
import django
django.setup()
from server.dossiers.models import FieldRevision
print(FieldRevision.objects.count())
"""


def field_docs(rnd: random.Random, inspection_id: str, author: str, answer_items: list[dict]) -> list[dict]:
    base = {"inspection_id": inspection_id, "author": author, "device_id": "fault"}
    docs = []
    for item in answer_items:
        value = {"boolean": True, "number": 1.5, "text": "ok"}.get(item["kind"])
        if item["kind"] == "choice":
            value = item["options"][0]["value"]
        docs.append({"_id": f"answer:{inspection_id}:{item['code']}", "type": "answer", "item_code": item["code"],
                     "value": value, "note": "", "answered_at": "2019-07-01T10:00:00+08:00", **base})
    docs.append({"_id": f"closeout:{inspection_id}", "type": "closeout", "finished_at": "2019-07-01T12:00:00+08:00",
                 "summary": "完成", "representative": {"name": "张三", "title": "厂长"}, **base})
    i = 0
    while len(docs) < DOCS_PER_INSPECTION:
        i += 1
        docs.append({"_id": f"quicktest:{uuid.UUID(int=rnd.getrandbits(128), version=4)}", "type": "quicktest",
                     "item_code": "cr-1", "method": "conductor-resistance",
                     "inputs": {"material": "copper", "coated": False, "conductor_class": 2, "cross_section_mm2": 2.5,
                                "length_m": 100, "measured_ohm": 0.60 + i / 1000, "temperature_c": 20},
                     "instrument": {"model": "QJ57", "serial": "A1"}, "measured_at": "2019-07-01T10:30:00+08:00",
                     **base})
    for doc in docs:
        digest = hashlib.md5(json.dumps(doc, sort_keys=True).encode()).hexdigest()
        doc["_rev"] = f"1-{digest}"
        doc["_revisions"] = {"start": 1, "ids": [digest]}
    return docs


def copy_sqlite(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    rnd = random.Random(args.seed)

    stack = LiveStack()
    try:
        import requests

        from django.db import connections
        from server.dossiers.completeness import checklist_items

        inspector = stack.inspector("fault-inspector")
        inspections = stack.inspections(inspector, count=-(-args.docs // DOCS_PER_INSPECTION))
        from server.inspections.models import Inspection

        checklist_id = Inspection.objects.get(pk=inspections[0]).checklist_id
        answer_items = [i for i in checklist_items(checklist_id) if i["kind"] != "quicktest"]
        docs = [d for insp in inspections for d in field_docs(rnd, insp, inspector.username, answer_items)][:args.docs]
        for name in ("run_a", "run_b"):
            requests.put(f"{stack.store_url}/{name}", timeout=30)
            for start in range(0, len(docs), 2000):
                answer = requests.post(f"{stack.store_url}/{name}/_bulk_docs",
                                       json={"docs": docs[start:start + 2000], "new_edits": False}, timeout=600)
                answer.raise_for_status()
        connections.close_all()
        base = Path(stack.env["DATA_DIR"]) / "fieldinspect.sqlite3"
        paths = {name: Path(stack.env["DATA_DIR"]) / f"{name}.sqlite3" for name in ("run_a", "run_b")}
        for path in paths.values():
            copy_sqlite(base, path)
        print(f"{len(docs)} field docs in two store databases; {len(inspections)} inspections", flush=True)

        def env_for(name: str) -> dict:
            return {**os.environ, **stack.env, "COUCHDB_DB": name, "DATABASE_URL": f"sqlite:///{paths[name]}",
                    "SYNC_PUBLISH_ON_COMMIT": "false"}

        def folded(name: str) -> int:  # noqa: F811 - through Django, as the dump reads
            out = subprocess.run([sys.executable, "-c", PROGRESS], cwd=REPO, env=env_for(name), capture_output=True,
                                 text=True, timeout=120)
            return int(out.stdout.strip() or 0)

        started = time.monotonic()
        subprocess.run([sys.executable, "manage.py", "reconcile", "--once", "--batch-size", str(args.batch_size)],
                       cwd=REPO, env=env_for("run_a"), check=True, timeout=1800, capture_output=True)
        print(f"run A (uninterrupted): {folded('run_a')} revisions folded in {time.monotonic() - started:.0f} s",
              flush=True)

        def count_now(name: str) -> int:
            with sqlite3.connect(f"file:{paths[name]}?mode=ro", uri=True, timeout=30) as conn:
                return conn.execute("SELECT COUNT(*) FROM dossiers_fieldrevision").fetchone()[0]

        kills = interrupted = 0
        progress = []
        log = open(stack.workdir / "run_b.log", "ab")
        started = time.monotonic()
        for _ in range(args.kills):
            before = count_now("run_b")
            if before >= len(docs):
                break
            process = subprocess.Popen(
                [sys.executable, "manage.py", "reconcile", "--poll-seconds", "0.5", "--batch-size", str(args.batch_size)],
                cwd=REPO, env=env_for("run_b"), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            # wait until this run has folded something (it is in the middle of the ingest), then kill
            # it at a random moment of the next 0–0.8 s: mid-batch, mid-transaction or between them
            deadline = time.monotonic() + 120
            while count_now("run_b") == before and time.monotonic() < deadline and process.poll() is None:
                time.sleep(0.05)
            time.sleep(rnd.uniform(0, 0.8))
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            kills += 1
            count = count_now("run_b")
            progress.append(count)
            if count < len(docs):
                interrupted += 1
        print(f"run B: {kills} SIGKILLs in {time.monotonic() - started:.0f} s, {interrupted} while the ingest was "
              f"unfinished; revisions folded at each kill: {progress}", flush=True)
        subprocess.run([sys.executable, "manage.py", "reconcile", "--once", "--batch-size", str(args.batch_size)],
                       cwd=REPO, env=env_for("run_b"), check=True, timeout=1800, stdout=log, stderr=subprocess.STDOUT)

        dumps = {}
        for name in ("run_a", "run_b"):
            out = subprocess.run([sys.executable, "-c", DUMP], cwd=REPO, env=env_for(name), capture_output=True,
                                 text=True, timeout=600, check=True)
            dumps[name] = json.loads(out.stdout)
        a, b = dumps["run_a"], dumps["run_b"]
        digest = {name: hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16] for name, d in dumps.items()}
        print(f"dossiers: A {len(a['dossiers'])}, B {len(b['dossiers'])}; folded revisions: A {len(a['revisions'])}, "
              f"B {len(b['revisions'])}; tables A {a['tables']}")
        print(f"canonical dump sha256: A {digest['run_a']}, B {digest['run_b']}")
        if a == b:
            print(f"IDENTICAL: {len(docs)} docs, {kills} kills ({interrupted} mid-ingest), 0 lost, 0 doubled")
            return 0
        for key in ("tables", "revisions"):
            if a[key] != b[key]:
                print(f"DIFFER in {key}: A {str(a[key])[:500]}\n B {str(b[key])[:500]}")
        for da, db in zip(a["dossiers"], b["dossiers"]):
            if da != db:
                print(f"DIFFER in dossier {da['inspection_id']}:\n A {json.dumps(da)[:1500]}\n B {json.dumps(db)[:1500]}")
                break
        return 1
    finally:
        stack.close()


if __name__ == "__main__":
    sys.exit(main())
