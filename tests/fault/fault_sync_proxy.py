#!/usr/bin/env python
"""Tablets syncing through a proxy that cuts connections at random: nothing lost, nothing doubled.

    .venv/bin/python tests/fault/fault_sync_proxy.py --between tablets [--tablets 20] [--cuts 100]
    .venv/bin/python tests/fault/fault_sync_proxy.py --between store [--tablets 20] [--cuts 100] [--delay 0.05]

Starts the stack as `make run` does (pouchdb-server, gunicorn, the reconciler under
deploy/supervise.py; tests/support/live_stack.py) and a cutting TCP proxy (tests/fault/proxy.py):
- `--between tablets`: between the tablets and the gateway;
- `--between store`: between the gateway and the store (the reconciler reads the store directly),
  with every forwarded chunk delayed by up to --delay seconds as well.
N tablets (PouchDB 9 in node, tests/support/tablet.py), one inspector and one inspection each, write
their docs in three waves (answers, quick tests, a photo with its image; wave 2 edits wave 1's
answers) and sync one-shot after each wave, again and again until a sync ends without error, as a
tablet app would. Meanwhile the proxy cuts a random open connection every 0.05–0.4 s until --cuts
connections were cut. Then every tablet syncs once more, and the script counts:
- docs of every tablet in the store at the tablet's revision, with no conflict (lost / doubled);
- the access index against the store (no index row for a revision the store lacks; the index
  check of the reconciler heals rows of revisions the gateway did not see the store take);
- every doc in its dossier exactly once (dossier rows and folded revisions).
Exit status 1 on any loss, doubling or disagreement.
"""
from __future__ import annotations

import argparse
import base64
import collections
import hashlib
import random
import sys
import threading
import time
import uuid
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.fault.proxy import CuttingProxy  # noqa: E402
from tests.support.live_stack import PASSWORD, LiveStack  # noqa: E402
from tests.support.tablet import Tablet  # noqa: E402

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
ANSWER_ITEMS = ["cert-2", "cert-4", "mark-1"]


def wave_docs(wave: int, *, inspection_id: str, username: str, rnd: random.Random) -> list[dict]:
    common = {"inspection_id": inspection_id, "author": username, "device_id": f"tablet-{username}"}
    docs = []
    if wave in (0, 1):
        for code in ANSWER_ITEMS:
            docs.append({"_id": f"answer:{inspection_id}:{code}", "type": "answer", "item_code": code,
                         "value": wave == 0, "note": f"wave {wave}", "answered_at": f"2019-07-01T09:3{wave}:00+08:00",
                         **common})
    for i in range(5):
        docs.append({"_id": f"quicktest:{uuid.UUID(int=rnd.getrandbits(128), version=4)}", "type": "quicktest",
                     "item_code": "cr-1", "method": "conductor-resistance",
                     "inputs": {"material": "copper", "coated": False, "conductor_class": 2, "cross_section_mm2": 2.5,
                                "length_m": 100, "measured_ohm": 0.6 + i / 100, "temperature_c": 20},
                     "instrument": {"model": "QJ57", "serial": "A1"}, "measured_at": "2019-07-01T10:30:00+08:00",
                     **common})
    docs.append({"_id": f"photo:{uuid.UUID(int=rnd.getrandbits(128), version=4)}", "type": "photo",
                 "item_code": "mark-1", "taken_at": "2019-07-01T09:31:00+08:00", "sha256": hashlib.sha256(PNG).hexdigest(),
                 "caption": f"wave {wave}", **common,
                 "_attachments": {"image": {"content_type": "image/png", "data": base64.b64encode(PNG).decode()}}})
    return docs


class TabletRun(threading.Thread):
    def __init__(self, *, number: int, url: str, username: str, inspection_id: str, waves: int, seed: int):
        super().__init__(name=f"tablet-{number}", daemon=True)
        self.number, self.url, self.username, self.inspection_id = number, url, username, inspection_id
        self.waves = waves
        self.rnd = random.Random(seed)
        self.tablet = Tablet.start(name=f"t{number}", timeout=120)
        self.syncs = self.failed_syncs = self.denied = 0
        self.error: str | None = None
        self.chaos_over = threading.Event()

    def sync_until_clean(self, *, must_end: bool = False) -> None:
        while True:
            self.syncs += 1
            try:
                result = self.tablet.sync(self.url, auth=(self.username, PASSWORD), timeout=90,
                                          options={"batch_size": 10})
            except Exception as exc:  # noqa: BLE001 - a tablet timing out counts as a failed sync
                result = {"error": str(exc)[:200]}
            problem = result.get("error") or (result.get("result") or {}).get("error")
            push = (result.get("result") or {}).get("push") or {}
            self.denied += len(push.get("errors") or []) if isinstance(push, dict) else 0
            if not problem:
                return
            self.failed_syncs += 1
            time.sleep(self.rnd.uniform(0.1, 0.5))

    def run(self) -> None:
        try:
            for wave in range(self.waves):
                docs = wave_docs(wave, inspection_id=self.inspection_id, username=self.username, rnd=self.rnd)
                for doc in docs:
                    if doc["_id"].startswith("answer:") and wave > 0:
                        doc["_rev"] = self.tablet.get(doc["_id"])["_rev"]
                    self.tablet.put(doc)
                self.sync_until_clean()
                time.sleep(self.rnd.uniform(0, 1.0))
            while not self.chaos_over.wait(0.5):
                self.sync_until_clean()  # keep syncing (pulling) while connections are cut
        except Exception as exc:  # noqa: BLE001
            self.error = f"{exc.__class__.__name__}: {exc}"

    def local_docs(self) -> dict[str, str]:
        rows = self.tablet.all_docs()["rows"]
        return {row["id"]: row["value"]["rev"] for row in rows
                if row["id"].split(":")[0] in ("answer", "quicktest", "photo")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--between", choices=("tablets", "store"), default="tablets")
    parser.add_argument("--tablets", type=int, default=20)
    parser.add_argument("--cuts", type=int, default=100)
    parser.add_argument("--waves", type=int, default=3)
    parser.add_argument("--delay", type=float, default=0.05, help="max delay per chunk (--between store)")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--postgres", default=None)
    args = parser.parse_args()
    rnd = random.Random(args.seed)

    stack = LiveStack(postgres=args.postgres)
    proxy = tablets = None
    try:
        inspectors = [stack.inspector(f"tablet-user-{n}") for n in range(args.tablets)]
        inspections = [stack.inspections(inspector, count=1)[0] for inspector in inspectors]
        stack.publish()
        if args.between == "store":
            proxy = CuttingProxy(target=("127.0.0.1", stack.store.port), seed=args.seed).start()
            proxy.delay_s = args.delay
            web = stack.start_web(env={"COUCHDB_URL": f"http://127.0.0.1:{proxy.port}", "COUCHDB_TIMEOUT_S": "10"})
            url = f"{web}/sync/field"
        else:
            web = stack.start_web()
            proxy = CuttingProxy(target=("127.0.0.1", int(web.rsplit(":", 1)[1])), seed=args.seed).start()
            url = f"http://127.0.0.1:{proxy.port}/sync/field"
        stack.start_reconciler(supervised=True)
        print("stack up; proxy between " + ("the tablets and the gateway" if args.between == "tablets"
                                            else "the gateway and the store"), flush=True)
        tablets = [TabletRun(number=n, url=url, username=inspectors[n].username, inspection_id=inspections[n],
                             waves=args.waves, seed=rnd.getrandbits(32)) for n in range(args.tablets)]
        started = time.monotonic()
        for tablet in tablets:
            tablet.start()
        while proxy.cuts < args.cuts and time.monotonic() - started < 900:
            time.sleep(rnd.uniform(0.05, 0.4))
            proxy.cut(1)
        chaos_s = time.monotonic() - started
        proxy.delay_s = 0
        for tablet in tablets:
            tablet.chaos_over.set()
        for tablet in tablets:
            tablet.join(600)
        for tablet in tablets:  # a last clean sync of each tablet
            tablet.sync_until_clean()
        print(f"{proxy.cuts} connections cut out of {proxy.connections} in {chaos_s:.0f} s; "
              f"syncs: {sum(t.syncs for t in tablets)}, failed by a cut: {sum(t.failed_syncs for t in tablets)}; "
              f"docs denied: {sum(t.denied for t in tablets)}", flush=True)
        errors = [f"tablet {t.number}: {t.error}" for t in tablets if t.error]

        # --- the store and the index ---------------------------------------------------------------
        db = f"{stack.store_url}/fieldinspect"
        lost, doubled, conflicts, total = [], [], [], 0
        expected: dict[str, dict[str, str]] = {}
        for tablet in tablets:
            local = tablet.local_docs()
            expected[tablet.inspection_id] = local
            total += len(local)
            stored = requests.post(f"{db}/_all_docs", json={"keys": list(local)}, timeout=60).json()["rows"]
            for row in stored:
                if "error" in row or row["value"].get("deleted"):
                    lost.append(row["key"])
                elif row["value"]["rev"] != local[row["key"]]:
                    lost.append(f"{row['key']} store {row['value']['rev']} tablet {local[row['key']]}")
            docs = requests.post(f"{db}/_bulk_get", json={"docs": [{"id": i} for i in local]}, timeout=60).json()
            for result in docs["results"]:
                for entry in result["docs"]:
                    if "ok" in entry and entry["ok"].get("_conflicts"):
                        conflicts.append(result["id"])
        for doc_id in {d for local in expected.values() for d in local}:
            leaves = requests.get(f"{db}/{doc_id}", params={"open_revs": "all"}, headers={"Accept": "application/json"},
                                  timeout=30).json()
            if len([leaf for leaf in leaves if "ok" in leaf and not leaf["ok"].get("_deleted")]) > 1:
                doubled.append(doc_id)

        from tests.fuzz.fuzz_gateway import index_vs_store

        deadline = time.monotonic() + 60  # the reconciler's index check runs every 5 s here
        while (index_problems := index_vs_store(stack)) and time.monotonic() < deadline:
            time.sleep(2)

        # --- the dossiers -----------------------------------------------------------------------------
        from django.db.models import Count

        from server.dossiers.models import FieldRevision
        from server.inspections.models import Inspection

        def dossier_ids(inspection_id: str) -> collections.Counter:
            inspection = Inspection.objects.get(pk=inspection_id)
            ids = [a.doc_id for a in inspection.answers.all()] + [q.doc_id for q in inspection.quicktests.all()]
            ids += [p.doc_id for p in inspection.photos.all()]
            return collections.Counter(ids)

        deadline = time.monotonic() + 180
        while True:
            missing_in_dossier = {insp: set(local) - set(dossier_ids(insp)) for insp, local in expected.items()}
            missing_in_dossier = {k: v for k, v in missing_in_dossier.items() if v}
            if not missing_in_dossier or time.monotonic() > deadline:
                break
            time.sleep(2)
        dossier_doubles = [(insp, doc_id) for insp in expected for doc_id, n in dossier_ids(insp).items() if n > 1]
        extra_in_dossier = [(insp, doc_id) for insp, local in expected.items()
                            for doc_id in dossier_ids(insp) if doc_id not in local]
        folded_twice = list(FieldRevision.objects.values("doc_id", "rev").annotate(n=Count("id")).filter(n__gt=1)[:20])

        print(f"tablets: {len(tablets)}, docs on the tablets: {total}")
        print(f"store: lost {len(lost)}, doubled (two live leaves) {len(doubled)}, conflicts {len(conflicts)}")
        print(f"index vs store: {'agree' if not index_problems else f'{len(index_problems)} disagreements'}")
        print(f"dossiers: missing {sum(len(v) for v in missing_in_dossier.values())}, doubled rows {len(dossier_doubles)}, "
              f"not from a tablet {len(extra_in_dossier)}, revisions folded twice {len(folded_twice)}")
        for line in (errors + lost[:10] + doubled[:10] + conflicts[:10] + index_problems[:10]
                     + [str(x) for x in list(missing_in_dossier.items())[:5] + dossier_doubles[:5] + folded_twice[:5]]):
            print("  " + line)
        bad = errors or lost or doubled or conflicts or index_problems or missing_in_dossier or dossier_doubles \
            or extra_in_dossier or folded_twice
        print("RESULT: " + ("FAILED" if bad else f"0 lost, 0 doubled, dossiers complete ({total} docs, {proxy.cuts} cuts)"))
        web_log = stack.log("web")
        print(f"gateway answers: {web_log.count(' 503 ')} × 503, {web_log.count(' 500 ')} × 500 (access log)")
        return 1 if bad else 0
    finally:
        if tablets:
            for tablet in tablets:
                tablet.tablet.close()
        if proxy:
            proxy.stop()
        stack.close()


if __name__ == "__main__":
    sys.exit(main())
