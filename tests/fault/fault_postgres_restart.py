#!/usr/bin/env python
"""PostgreSQL restarted during a push and during a fold: 503 while it is down, never 500, then
everything converges with nothing lost.

    .venv/bin/python tests/fault/fault_postgres_restart.py [--postgres postgres://postgres@127.0.0.1:5432] \
        [--tablets 5] [--fold-docs 3000]

Needs a local PostgreSQL cluster it may restart (`pg_ctlcluster --skip-systemctl-redirect <version>
main restart`, as root): every other user of that cluster sees the outage too. The stack runs on a
throw-away database of that server (tests/support/live_stack.py), gunicorn and the reconciler under
deploy/supervise.py, as `make run` does.

1. During a push: --tablets PouchDB 9 tablets push and pull in a loop (one-shot syncs, retried as a
   tablet app does) while PostgreSQL restarts; /healthz and the gateway are polled every 0.1 s.
2. During a fold: --fold-docs field docs are pushed through the gateway, and PostgreSQL restarts while
   the reconciler folds them.
Then: every tablet's doc in the store at its revision, the access index agrees with the store,
every doc in its dossier once. Prints the answers seen while the database was down (by status), the
time to recover, and the checks; exit status 1 on any 500, loss or doubling.
"""
from __future__ import annotations

import argparse
import collections
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.fault.fault_sync_proxy import TabletRun  # noqa: E402
from tests.fuzz.fuzz_gateway import index_vs_store  # noqa: E402
from tests.support.live_stack import PASSWORD, LiveStack  # noqa: E402


def restart_postgres() -> float:
    """Restart the local cluster; returns the seconds it took. Always leaves it running."""
    versions = sorted(os.listdir("/etc/postgresql"))
    started = time.monotonic()
    if os.environ.get("FAULT_PG_DRY_RUN"):  # to try the script itself without an outage
        time.sleep(2)
        return time.monotonic() - started
    try:
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "restart"], check=True,
                       timeout=120, capture_output=True)
    finally:
        for _ in range(120):
            if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode == 0:
                break
            subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"],
                           timeout=60, capture_output=True)
            time.sleep(1)
    return time.monotonic() - started


class Poller(threading.Thread):
    """Polls /healthz and the gateway's db info every 0.1 s; counts answers by status."""

    def __init__(self, web: str, auth):
        super().__init__(daemon=True)
        self.web, self.auth = web, auth
        self.stop = threading.Event()
        self.seen: list[tuple[float, str, int]] = []

    def run(self) -> None:
        session = requests.Session()
        while not self.stop.is_set():
            for name, url in (("healthz", f"{self.web}/healthz"), ("gateway", f"{self.web}/sync/field/_changes?limit=1")):
                try:
                    status = session.get(url, auth=self.auth if name == "gateway" else None, timeout=10).status_code
                except requests.RequestException:
                    status = 0
                self.seen.append((time.monotonic(), name, status))
            time.sleep(0.1)

    def summary(self, since: float, until: float) -> dict:
        counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        for at, name, status in self.seen:
            if since <= at <= until:
                counts[name][status] += 1
        return {name: dict(c) for name, c in counts.items()}

    def recovered_at(self, since: float) -> float | None:
        """When both answered 200 again after the last failure following `since`."""
        last_bad = max((at for at, _, status in self.seen if at >= since and status != 200), default=None)
        if last_bad is None:
            return since
        return next((at for at, _, status in self.seen if at > last_bad and status == 200), None)


def fold_docs(inspection_id: str, username: str, count: int, rnd: random.Random) -> list[dict]:
    docs = []
    for i in range(count):
        digest = f"{rnd.getrandbits(128):032x}"
        docs.append({"_id": f"quicktest:{uuid.UUID(int=rnd.getrandbits(128), version=4)}", "type": "quicktest",
                     "item_code": "cr-1", "method": "conductor-resistance", "inspection_id": inspection_id,
                     "inputs": {"material": "copper", "coated": False, "conductor_class": 2, "cross_section_mm2": 2.5,
                                "length_m": 100, "measured_ohm": 0.6 + (i % 100) / 1000, "temperature_c": 20},
                     "instrument": {"model": "QJ57", "serial": "A1"}, "measured_at": "2019-07-01T10:30:00+08:00",
                     "author": username, "device_id": "fold", "_rev": f"1-{digest}",
                     "_revisions": {"start": 1, "ids": [digest]}})
    return docs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--tablets", type=int, default=5)
    parser.add_argument("--fold-docs", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    rnd = random.Random(args.seed)
    stack = LiveStack(postgres=args.postgres)
    tablets = []
    try:
        inspectors = [stack.inspector(f"pg-user-{n}") for n in range(args.tablets)]
        inspections = [stack.inspections(inspector, count=1)[0] for inspector in inspectors]
        stack.publish()
        web = stack.start_web()
        stack.start_reconciler(supervised=True)
        from django.db import connections

        connections.close_all()  # this script's own connection would only be cut by the restart
        poller = Poller(web, (inspectors[0].username, PASSWORD))
        poller.start()

        # --- 1. during a push -------------------------------------------------------------------------
        tablets = [TabletRun(number=n, url=f"{web}/sync/field", username=inspectors[n].username,
                             inspection_id=inspections[n], waves=3, seed=rnd.getrandbits(32)) for n in range(args.tablets)]
        for tablet in tablets:
            tablet.start()
        time.sleep(3)
        down_from = time.monotonic()
        push_restart_s = restart_postgres()
        push_recovered = poller.recovered_at(down_from)
        time.sleep(5)
        for tablet in tablets:
            tablet.chaos_over.set()
        for tablet in tablets:
            tablet.join(300)
        for tablet in tablets:
            tablet.sync_until_clean()
        push_window = poller.summary(down_from, (push_recovered or time.monotonic()) + 1)
        print(f"1. push: PostgreSQL restart took {push_restart_s:.1f} s; back to 200 after "
              f"{(push_recovered - down_from) if push_recovered else float('nan'):.1f} s; answers meanwhile {push_window}; "
              f"tablet syncs {sum(t.syncs for t in tablets)}, failed {sum(t.failed_syncs for t in tablets)}", flush=True)

        # --- 2. during a fold --------------------------------------------------------------------------
        session = requests.Session()
        session.auth = (inspectors[0].username, PASSWORD)
        docs = fold_docs(inspections[0], inspectors[0].username, args.fold_docs, rnd)
        for start in range(0, len(docs), 500):
            answer = session.post(f"{web}/sync/field/_bulk_docs", json={"docs": docs[start:start + 500], "new_edits": False},
                                  timeout=300)
            assert answer.status_code == 201 and answer.json() == [], answer.text[:300]
        time.sleep(1.5)  # the reconciler is folding now
        down_from = time.monotonic()
        fold_restart_s = restart_postgres()
        fold_recovered = poller.recovered_at(down_from)
        fold_window = poller.summary(down_from, (fold_recovered or time.monotonic()) + 1)
        print(f"2. fold: PostgreSQL restart took {fold_restart_s:.1f} s; back to 200 after "
              f"{(fold_recovered - down_from) if fold_recovered else float('nan'):.1f} s; answers meanwhile {fold_window}",
              flush=True)

        # --- checks ------------------------------------------------------------------------------------
        db = f"{stack.store_url}/fieldinspect"
        expected = {t.inspection_id: t.local_docs() for t in tablets}
        expected[inspections[0]].update({doc["_id"]: doc["_rev"] for doc in docs})
        lost = []
        for inspection_id, local in expected.items():
            rows = requests.post(f"{db}/_all_docs", json={"keys": list(local)}, timeout=120).json()["rows"]
            lost += [row["key"] for row in rows if "error" in row or row["value"]["rev"] != local[row["key"]]]
        deadline = time.monotonic() + 60
        while (index_problems := index_vs_store(stack)) and time.monotonic() < deadline:
            time.sleep(2)
        from django.db.models import Count

        from server.dossiers.models import FieldRevision
        from server.inspections.models import Inspection

        def dossier_ids(inspection_id: str) -> collections.Counter:
            inspection = Inspection.objects.get(pk=inspection_id)
            ids = [a.doc_id for a in inspection.answers.all()] + [q.doc_id for q in inspection.quicktests.all()]
            return collections.Counter(ids + [p.doc_id for p in inspection.photos.all()])

        deadline = time.monotonic() + 300
        while True:
            missing = sum(len(set(local) - set(dossier_ids(insp))) for insp, local in expected.items())
            if not missing or time.monotonic() > deadline:
                break
            time.sleep(3)
        doubled = [(insp, d) for insp in expected for d, n in dossier_ids(insp).items() if n > 1]
        folded_twice = FieldRevision.objects.values("doc_id", "rev").annotate(n=Count("id")).filter(n__gt=1).count()
        total = sum(len(local) for local in expected.values())
        web_log = stack.log("web")
        fives = web_log.count('" 500 ')
        print(f"docs: {total}; lost {len(lost)}; index vs store: {'agree' if not index_problems else index_problems[:5]}; "
              f"dossiers: missing {missing}, doubled {len(doubled)}, revisions folded twice {folded_twice}")
        print(f"gateway access log: {web_log.count(chr(34) + ' 503 ')} × 503, {fives} × 500; "
              f"reconciler restarts by the supervisor: {stack.log('reconciler').count('restarting in')}")
        windows = [push_window, fold_window]
        statuses: collections.Counter = collections.Counter()
        for window in windows:
            for counts in window.values():
                statuses.update(counts)
        polled_500 = statuses[500]
        bad = lost or index_problems or missing or doubled or folded_twice or fives or polled_500 or any(
            t.error for t in tablets)
        print(f"while PostgreSQL restarted, polls answered: {dict(statuses)} (0 = no answer)")
        print("RESULT: " + ("FAILED" if bad else f"{statuses[503]} × 503 while down, 0 × 500, 0 lost, 0 doubled, "
                                                 "dossiers complete"))
        poller.stop.set()
        return 1 if bad else 0
    finally:
        for tablet in tablets:
            tablet.tablet.close()
        if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode != 0:
            restart_postgres()
        stack.close()


if __name__ == "__main__":
    sys.exit(main())
