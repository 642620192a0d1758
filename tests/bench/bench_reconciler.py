"""Benchmark: field documents folded per second by the reconciler, from stores of 10,000 and
100,000 field documents (the cost per document must stay flat).

    .venv/bin/python tests/bench/bench_reconciler.py                 # 10k and 100k
    .venv/bin/python tests/bench/bench_reconciler.py --docs 10000    # one size

Each size gets a fresh pouchdb-server (tests/support/syncstore.py) filled with `_bulk_docs`, and a
fresh SQLite database (file, WAL, as `make run` uses) in a temporary DATA_DIR. Documents: per
inspection 50 — answers to the checklist's answer items, quick tests (server verdict computed),
one sample, one photo doc without attachment, one closeout. Target: ≥ 1,000 docs/s on 2 cores.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

DOCS_PER_INSPECTION = 50


def _setup_django(data_dir: Path, store_url: str) -> None:
    os.environ["DATA_DIR"] = str(data_dir)
    os.environ["COUCHDB_URL"] = store_url
    os.environ["COUCHDB_DB"] = "bench"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _make_inspections(count: int) -> list:
    from tests import factories

    inspector = factories.user("inspector", jurisdiction="445202")
    admin = factories.user("admin")
    enterprise = factories.enterprise()
    return [factories.inspection(enterprise_obj=enterprise, inspectors=[inspector], actor=admin) for _ in range(count)]


def _docs_for(inspection, author: str, answer_items: list[dict]) -> list[dict]:
    base = {"inspection_id": str(inspection.pk), "author": author, "device_id": "bench"}
    docs = []
    for item in answer_items:
        value = {"boolean": True, "number": 1.5, "text": "ok"}.get(item["kind"])
        if item["kind"] == "choice":
            value = item["options"][0]["value"]
        docs.append({"_id": f"answer:{inspection.pk}:{item['code']}", "type": "answer", "item_code": item["code"],
                     "value": value, "note": "", "answered_at": "2019-07-01T10:00:00+08:00", **base})
    docs.append({"_id": f"photo:{uuid.uuid4()}", "type": "photo", "item_code": "cert-2", "sha256": "0" * 64,
                 "taken_at": "2019-07-01T10:00:00+08:00", "caption": "", **base})
    docs.append({"_id": f"sample:BENCH-{uuid.uuid4().hex[:12]}", "type": "sample",
                 "label_code": f"BENCH-{uuid.uuid4().hex[:12]}", "product": {"name": "电线"}, "quantity": 1,
                 "unit": "卷", "sealed_at": "2019-07-01T11:00:00+08:00", "photo_ids": [], **base})
    docs.append({"_id": f"closeout:{inspection.pk}", "type": "closeout", "finished_at": "2019-07-01T12:00:00+08:00",
                 "summary": "完成", "representative": {"name": "张三", "title": "厂长"}, **base})
    i = 0
    while len(docs) < DOCS_PER_INSPECTION:
        i += 1
        docs.append({"_id": f"quicktest:{uuid.uuid4()}", "type": "quicktest", "item_code": "cr-1",
                     "method": "conductor-resistance",
                     "inputs": {"material": "copper", "coated": False, "conductor_class": 2, "cross_section_mm2": 2.5,
                                "length_m": 100, "measured_ohm": 0.60 + i / 1000, "temperature_c": 20},
                     "instrument": {"model": "QJ57", "serial": "A1"}, "measured_at": "2019-07-01T10:30:00+08:00",
                     **base})
    return docs


def _fill_store(docs: list[dict]) -> float:
    from sync import store

    started = time.perf_counter()
    for start in range(0, len(docs), 5000):
        response = store.session().post(store.db_url("_bulk_docs"), json={"docs": docs[start:start + 5000]}, timeout=600)
        response.raise_for_status()
    return time.perf_counter() - started


def run(size: int, *, batch_size: int) -> dict:
    from tests.support.syncstore import start_syncstore

    with tempfile.TemporaryDirectory(prefix="bench-reconciler-") as tmp:
        tmp_path = Path(tmp)
        store_proc = start_syncstore(data_dir=tmp_path / "store")
        try:
            _setup_django(tmp_path / "data", store_proc.url)
            from server.dossiers.completeness import checklist_items
            from server.dossiers.models import FieldRevision
            from sync import store
            from sync.reconciler.processor import Reconciler

            store.ensure_database()
            inspections = _make_inspections(size // DOCS_PER_INSPECTION)
            author = inspections[0].inspectors.first().username
            answer_items = [i for i in checklist_items(inspections[0].checklist_id) if i["kind"] != "quicktest"]
            docs = [d for insp in inspections for d in _docs_for(insp, author, answer_items)][:size]
            fill_s = _fill_store(docs)

            reconciler = Reconciler(batch_size=batch_size)
            marks: list[tuple[int, float]] = []
            started = time.perf_counter()
            while True:
                read = reconciler.fold_once()
                marks.append((reconciler.folded, time.perf_counter() - started))
                if read == 0:
                    break
            elapsed = time.perf_counter() - started
            folded = reconciler.folded
            assert FieldRevision.objects.count() == size, "every doc folded exactly once"

            def rate_between(lo: float, hi: float) -> float:
                a = next(m for m in marks if m[0] >= folded * lo)
                b = next(m for m in marks if m[0] >= folded * hi)
                return (b[0] - a[0]) / max(b[1] - a[1], 1e-9)

            return {"docs": size, "folded": folded, "seconds": round(elapsed, 2),
                    "docs_per_s": round(folded / elapsed), "first_quarter_docs_per_s": round(rate_between(0.0, 0.25)),
                    "last_quarter_docs_per_s": round(rate_between(0.75, 1.0)), "store_fill_s": round(fill_s, 1),
                    "feed_s": round(reconciler.timings["feed_s"], 1), "fold_s": round(reconciler.timings["fold_s"], 1),
                    "batch_size": batch_size, "database": "sqlite (file, WAL)"}
        finally:
            store_proc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--batch-size", type=int, default=1000)
    args = parser.parse_args()
    if len(args.docs) > 1:
        # Django can be set up once per process: run each size in its own interpreter.
        import subprocess

        results = []
        for size in args.docs:
            out = subprocess.run([sys.executable, __file__, "--docs", str(size), "--batch-size", str(args.batch_size)],
                                 check=True, capture_output=True, text=True)
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(json.dumps(results[-1], ensure_ascii=False), flush=True)
        if len(results) >= 2:
            print(json.dumps({"per_doc_cost_ratio_largest_vs_smallest":
                              round(results[0]["docs_per_s"] / max(results[-1]["docs_per_s"], 1), 2)}))
        return
    print(json.dumps(run(args.docs[0], batch_size=args.batch_size), ensure_ascii=False))


if __name__ == "__main__":
    main()
