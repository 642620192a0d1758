#!/usr/bin/env python
"""Benchmark: replication through the sync gateway vs. directly against the bare store, A/B in one run.

    .venv/bin/python tests/bench/bench_gateway.py [--docs 2000] [--photos 20] [--rounds 7]
        [--kind answer|quicktest] [--reconciler [--reconciler-nice 10] [--reconciler-batch 250]]

Starts a pouchdb-server (tests/support/syncstore.py) and the web process as `make run` does
(gunicorn with deploy/gunicorn_dev.py: uvicorn workers serving sync.asgi), both on free loopback
ports, with a throw-away
DATA_DIR. A Python client replays what PouchDB 9 sends:
  push: GET db, GET _local, then per batch of 100: POST _revs_diff, POST _bulk_docs (new_edits=false),
        PUT _local checkpoint;
  pull: GET db, GET _local, then per batch: GET _changes?style=all_docs&limit=100, POST _bulk_get
        (revs, latest), GET each attachment, PUT _local checkpoint.
The same documents (fresh ids every round) are pushed to a fresh bare database and through the
gateway; each pull reads everything back. Prints medians, the ratios and the per-request overhead.
With --reconciler, `manage.py reconcile` runs too (as in `make run`, at its RECONCILER_NICE unless
--reconciler-nice says otherwise), folding each round while the next is pushed, and the dossier lag
(end of the gateway push until the dossier holds the round's last answer or quick test) is printed
per round.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import random
import shutil
import signal
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

BATCH = 100
PASSWORD = "bench-password-42"


def jpeg_of_about(size_bytes: int, seed: int) -> bytes:
    from PIL import Image

    rng = random.Random(seed)
    side = 380
    while True:
        image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=90)
        if buffer.tell() >= size_bytes:
            return buffer.getvalue()
        side += 40


class Replicator:
    """The requests PouchDB makes, over one keep-alive session."""

    def __init__(self, url: str, auth: tuple[str, str] | None):
        self.url = url.rstrip("/")
        self.session = requests.Session()
        if auth:
            self.session.auth = auth
        self.requests = 0
        self._local_rev: str | None = None
        self.errors: list = []

    def _call(self, method: str, path: str, **kw):
        self.requests += 1
        response = self.session.request(method, f"{self.url}/{path}", timeout=120, **kw)
        if response.status_code >= 400 and not (response.status_code == 404 and path.startswith("_local")):
            raise RuntimeError(f"{method} {path}: HTTP {response.status_code} {response.text[:300]}")
        return response

    def checkpoint(self, rep_id: str, body: dict) -> None:
        if self._local_rev:
            body = dict(body, _rev=self._local_rev)
        self._local_rev = self._call("PUT", f"_local/{rep_id}", json=body).json()["rev"]

    def push(self, docs: list[dict]) -> None:
        rep_id = uuid.uuid4().hex
        self._call("GET", "")
        self._call("GET", f"_local/{rep_id}")
        for start in range(0, len(docs), BATCH):
            batch = docs[start:start + BATCH]
            diff = self._call("POST", "_revs_diff", json={d["_id"]: [d["_rev"]] for d in batch}).json()
            missing = [d for d in batch if d["_id"] in diff]
            if missing:
                answer = self._call("POST", "_bulk_docs", data=json.dumps({"docs": missing, "new_edits": False}),
                                    headers={"Content-Type": "application/json"}).json()
                if answer:
                    raise RuntimeError(f"refused: {answer[:3]}")
            self.checkpoint(rep_id, {"last_seq": start + len(batch)})

    def pull(self) -> int:
        rep_id = uuid.uuid4().hex
        self._call("GET", "")
        self._call("GET", f"_local/{rep_id}")
        since, received = 0, 0
        while True:
            changes = self._call("GET", f"_changes?style=all_docs&since={since}&limit={BATCH}").json()
            results = changes["results"]
            if not results:
                break
            wanted = [{"id": r["id"], "rev": c["rev"]} for r in results for c in r["changes"]]
            got = self._call("POST", "_bulk_get?revs=true&latest=true", json={"docs": wanted}).json()
            for result in got["results"]:
                for entry in result["docs"]:
                    doc = entry.get("ok")
                    if doc is None:
                        self.errors.append(entry)
                        continue
                    received += 1
                    for name in (doc.get("_attachments") or {}):
                        self._call("GET", f"{doc['_id']}/{name}?rev={doc['_rev']}").content
            since = changes["last_seq"]
            self.checkpoint(rep_id, {"last_seq": since})
        return received


def quicktest_docs(*, inspections: list[str], username: str, count: int) -> list[dict]:
    """Conductor-resistance quick tests (checklist:wire-cable:1 item cr-1), the "打折" cable check: 19
    per inspection, with varied measurements so that some pass and some fail (the server computes
    each verdict when it folds them, and the enterprise's risk with it)."""
    docs: list[dict] = []
    for inspection_id in inspections:
        for k in range(19):
            if len(docs) >= count:
                break
            docs.append({"_id": f"quicktest:{uuid.uuid4()}", "type": "quicktest", "inspection_id": inspection_id,
                         "item_code": "cr-1", "method": "conductor-resistance",
                         "inputs": {"material": "copper", "coated": False, "conductor_class": 1,
                                    "cross_section_mm2": 2.5, "length_m": 10, "measured_ohm": round(0.066 + 0.001 * k, 3),
                                    "temperature_c": 20 + k % 5},
                         "instrument": {"model": "QJ57", "serial": "A1"}, "measured_at": "2019-07-01T10:30:00+08:00",
                         "author": username, "device_id": "bench-tablet"})
    for doc in docs:
        rev_hash = uuid.uuid4().hex
        doc["_rev"] = f"1-{rev_hash}"
        doc["_revisions"] = {"start": 1, "ids": [rev_hash]}
    return docs


def field_docs(*, inspections: list[str], username: str, count: int, photos: list[bytes]) -> list[dict]:
    # The 19 items of checklist:wire-cable:1 answered by `answer` docs (the rest are quick tests).
    items = ["cert-1", "cert-2", "cert-3", "cert-4", "mark-1", "mark-2", "mark-3", "mark-4", "mat-1", "mat-2", "prod-1",
             "prod-2", "prod-3", "trade-1", "trade-2", "trade-3", "use-1", "end-1", "end-2"]
    values = {"cert-1": "ccc", "mat-1": "copper", "mark-4": 2.5, "cert-3": "证书齐全", "end-2": "无"}
    docs: list[dict] = []
    for inspection_id in inspections:
        for item in items:
            if len(docs) >= count:
                break
            value = values.get(item, True)
            docs.append({"_id": f"answer:{inspection_id}:{item}", "type": "answer", "inspection_id": inspection_id,
                         "item_code": item, "value": value, "note": "现场核查", "answered_at": "2019-07-01T09:30:00+08:00",
                         "author": username, "device_id": "bench-tablet"})
    for n, data in enumerate(photos):
        docs.append({"_id": f"photo:{uuid.uuid4()}", "type": "photo", "inspection_id": inspections[n % len(inspections)],
                     "item_code": "mark-1", "taken_at": "2019-07-01T09:31:00+08:00",
                     "sha256": hashlib.sha256(data).hexdigest(), "caption": f"照片 {n}", "author": username,
                     "device_id": "bench-tablet",
                     "_attachments": {"image": {"content_type": "image/jpeg", "revpos": 1,
                                                "digest": "md5-" + base64.b64encode(hashlib.md5(data).digest()).decode(),
                                                "data": base64.b64encode(data).decode()}}})
    for doc in docs:
        rev_hash = uuid.uuid4().hex
        doc["_rev"] = f"1-{rev_hash}"
        doc["_revisions"] = {"start": 1, "ids": [rev_hash]}
    return docs


def seed_server_docs(*, store_db: str, bare_db: str, inspections: list[str]) -> None:
    """Copy the checklists and this round's inspection docs into the bare database, so both pulls
    carry the same documents."""
    import checklists

    ids = [doc["_id"] for doc in checklists.load_all()] + [f"inspection:{pk}" for pk in inspections]
    rows = requests.post(f"{store_db}/_all_docs", json={"keys": ids}, timeout=30).json()["rows"]
    wanted = [{"id": row["id"], "rev": row["value"]["rev"]} for row in rows]
    got = requests.post(f"{store_db}/_bulk_get?revs=true", json={"docs": wanted}, timeout=30).json()
    docs = [entry["ok"] for result in got["results"] for entry in result["docs"]]
    requests.post(f"{bare_db}/_bulk_docs", json={"docs": docs, "new_edits": False}, timeout=30).raise_for_status()


def setup_django(env: dict) -> None:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_inspections(*, inspector, admin, count: int) -> list[str]:
    import datetime

    from server.inspections.services import inspection_create
    from tests.factories import enterprise

    company = enterprise("445202")
    return [str(inspection_create(actor=admin, enterprise_id=company.pk, product_category="wire-cable",
                                  domain="production", inspectors=[inspector.username],
                                  scheduled_for=datetime.date(2019, 7, 1)).pk) for _ in range(count)]


def small_request_latency(url: str, auth, n: int) -> float:
    session = requests.Session()
    if auth:
        session.auth = auth
    body = {"answer:none:x": ["1-abc"]}
    for _ in range(20):
        session.post(f"{url}/_revs_diff", json=body, timeout=10)
    times = []
    for _ in range(n):
        start = time.perf_counter()
        session.post(f"{url}/_revs_diff", json=body, timeout=10)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def print_server_times(access_log: Path) -> None:
    """Time gunicorn spent per gateway endpoint (from its access log: `%(M)sms`), all rounds."""
    import re
    from collections import defaultdict

    totals: dict[str, list[float]] = defaultdict(list)
    pattern = re.compile(r'"(\w+) /sync/field/([^ ?/]*)[^"]*" (\d+) \S+ (\d+)ms')
    for line in access_log.read_text(errors="replace").splitlines():
        match = pattern.search(line)
        if match:
            method, endpoint, _, ms = match.groups()
            name = endpoint if endpoint.startswith("_") or not endpoint else "{doc}"
            totals[f"{method} {name.split('%')[0] or '/'}"].append(float(ms))
    if totals:
        print("  server time per endpoint (gunicorn access log, all rounds): " + ", ".join(
            f"{k} {len(v)}× {sum(v) / 1000:.2f}s" for k, v in sorted(totals.items(), key=lambda kv: -sum(kv[1]))[:8]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--kind", choices=["answer", "quicktest"], default="answer",
                        help="what the 2,000 docs are: checklist answers, or conductor-resistance quick tests")
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument("--photo-bytes", type=int, default=500_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--reconciler", action="store_true", help="run the reconciler meanwhile (as make run does)")
    parser.add_argument("--reconciler-nice", type=int, default=None, help="its niceness (default RECONCILER_NICE)")
    parser.add_argument("--reconciler-batch", type=int, default=None, help="its --batch-size (default: the command's)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the work directory (access log, reconciler log, database) and print where it is")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-gateway-"))
    store = start_syncstore(data_dir=workdir / "store")
    gunicorn = None
    try:
        port = free_port()
        env = {
            "DATA_DIR": str(workdir / "data"), "COUCHDB_URL": store.url, "COUCHDB_DB": "fieldinspect",
            "SECRET_KEY": "bench-" + uuid.uuid4().hex, "DEBUG": "0", "LOG_LEVEL": "WARNING",
        }
        setup_django(env)
        from server.accounts.models import Role
        from sync import publisher
        from sync import store as sync_store
        from tests.factories import user

        sync_store.ensure_database()
        admin = user(Role.ADMIN, username="bench-admin")
        per_round = -(-args.docs // 19)
        # One inspector per round, so that each gateway pull sees exactly that round's documents.
        inspectors = []
        for rnd in range(args.rounds):
            inspector = user(Role.INSPECTOR, username=f"bench-inspector-{rnd}")
            inspector.set_password(PASSWORD)
            inspector.save()
            inspectors.append(inspector)
        inspections = [make_inspections(inspector=inspectors[rnd], admin=admin, count=per_round)
                       for rnd in range(args.rounds)]
        publisher.publish_all_pending(full=True)
        print(f"photos: generating {args.photos} JPEGs of ~{args.photo_bytes // 1000} kB ...", flush=True)
        photos = [jpeg_of_about(args.photo_bytes, seed) for seed in range(args.photos)]

        gunicorn = subprocess.Popen(
            [str(REPO / ".venv/bin/gunicorn"), "sync.asgi:application", "--config", str(REPO / "deploy/gunicorn_dev.py"),
             "--bind", f"127.0.0.1:{port}"],
            cwd=REPO, env={**os.environ, **env}, stdout=open(workdir / "access.log", "wb"),
            stderr=open(workdir / "gunicorn.log", "wb"),
            start_new_session=True,
        )
        gateway = f"http://127.0.0.1:{port}/sync/field"

        auth = ("bench-inspector-0", PASSWORD)
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(gateway + "/", auth=auth, timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not start: {(workdir / 'gunicorn.log').read_text()[-2000:]}")
            time.sleep(0.2)

        # Warm the verified-credential cache of every worker (one argon2 check per user and worker,
        # ~0.15 s each): a tablet that syncs again and again pays it once per SYNC_CREDENTIAL_CACHE_S.
        warm = requests.Session()
        for inspector in inspectors:
            for _ in range(8):
                warm.get(gateway + "/", auth=(inspector.username, PASSWORD), timeout=10)
        reconciler = None
        lags: list[float] = []
        if args.reconciler:
            command = [str(REPO / ".venv/bin/python"), "manage.py", "reconcile", "--wait-for-store"]
            if args.reconciler_nice is not None:
                command += ["--nice", str(args.reconciler_nice)]
            if args.reconciler_batch is not None:
                command += ["--batch-size", str(args.reconciler_batch)]
            reconciler = subprocess.Popen(command, cwd=REPO, env={**os.environ, **env},
                                          stdout=open(workdir / "reconciler.log", "wb"), stderr=subprocess.STDOUT,
                                          start_new_session=True)
            # The rounds measure pushes against a reconciler in its steady state: first let it pass
            # over what the set-up published (checklists, every round's inspection docs).
            from sync.reconciler.selectors import reconciler_lag_seconds

            deadline = time.monotonic() + 120
            while reconciler_lag_seconds() != 0.0 and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(2.5)  # and its tablets-were-busy memory of the set-up to pass
        from server.dossiers.models import Answer, QuickTest

        results: dict[str, list[float]] = {"push_bare": [], "push_gw": [], "pull_bare": [], "pull_gw": []}
        counts = {}
        for rnd in range(args.rounds):
            auth = (inspectors[rnd].username, PASSWORD)
            if args.kind == "quicktest":
                docs = quicktest_docs(inspections=inspections[rnd], username=auth[0], count=args.docs)
            else:
                docs = field_docs(inspections=inspections[rnd], username=auth[0], count=args.docs, photos=photos)
            bare_db = f"{store.url}/bare-{rnd}"
            requests.put(bare_db, timeout=10)
            seed_server_docs(store_db=f"{store.url}/fieldinspect", bare_db=bare_db, inspections=inspections[rnd])
            order = ["bare", "gw"] if rnd % 2 == 0 else ["gw", "bare"]
            for side in order:
                target = Replicator(bare_db if side == "bare" else gateway, None if side == "bare" else auth)
                start = time.perf_counter()
                target.push(docs)
                results[f"push_{side}"].append(time.perf_counter() - start)
                counts[f"push_{side}_requests"] = target.requests
                if side == "gw" and reconciler is not None:
                    pushed_at, last = time.perf_counter(), [d for d in docs if d["type"] == args.kind][-1]
                    last_model = QuickTest if args.kind == "quicktest" else Answer

                    def folded() -> None:
                        from django.db import connection

                        while time.perf_counter() - pushed_at < 60:
                            if last_model.objects.filter(doc_id=last["_id"]).exists():
                                lags.append(time.perf_counter() - pushed_at)
                                break
                            time.sleep(0.05)
                        connection.close()

                    import threading

                    threading.Thread(target=folded, daemon=True).start()  # the next pushes go on meanwhile
            for side in order:
                source = Replicator(bare_db if side == "bare" else gateway, None if side == "bare" else auth)
                start = time.perf_counter()
                received = source.pull()
                results[f"pull_{side}"].append(time.perf_counter() - start)
                counts[f"pull_{side}_docs"] = received
                if source.errors:
                    print(f"  {side} pull: {len(source.errors)} docs not returned, e.g. {source.errors[:2]}", flush=True)
                counts[f"pull_{side}_requests"] = source.requests
            requests.delete(bare_db, timeout=30)
            print(f"round {rnd + 1}: " + ", ".join(f"{k} {v[-1]:.2f}s" for k, v in results.items()), flush=True)

        if reconciler is not None:
            time.sleep(5)
            print(f"  dossier lag (gateway push done → dossier has the round's last answer), reconciler at nice "
                  f"{args.reconciler_nice if args.reconciler_nice is not None else 'RECONCILER_NICE'}: "
                  + ", ".join(f"{lag:.2f}s" for lag in lags) + f" (max {max(lags or [float('nan')]):.2f}s)", flush=True)
            os.killpg(reconciler.pid, signal.SIGTERM)
            reconciler.wait(timeout=30)
        auth = (inspectors[0].username, PASSWORD)
        bare_latency = small_request_latency(f"{store.url}/fieldinspect", None, 300)
        gw_latency = small_request_latency(gateway, auth, 300)
        med = {k: statistics.median(v) for k, v in results.items()}
        print()
        print(f"documents per round: {args.docs} {args.kind}s + {args.photos} photos of ~{args.photo_bytes // 1000} kB; "
              f"{args.rounds} rounds; medians:")
        print(f"  push  bare {med['push_bare']:.2f}s  gateway {med['push_gw']:.2f}s  ratio {med['push_gw'] / med['push_bare']:.2f}x"
              f"  ({counts['push_gw_requests']} requests)")
        print(f"  pull  bare {med['pull_bare']:.2f}s  gateway {med['pull_gw']:.2f}s  ratio {med['pull_gw'] / med['pull_bare']:.2f}x"
              f"  (bare {counts['pull_bare_docs']} docs, gateway {counts['pull_gw_docs']} docs incl. checklists and"
              f" inspections; {counts['pull_gw_requests']} requests)")
        push_ratios = [g / b for g, b in zip(results["push_gw"], results["push_bare"])]
        pull_ratios = [g / b for g, b in zip(results["pull_gw"], results["pull_bare"])]
        print(f"  per-round ratios (each A/B pair in one round): push median {statistics.median(push_ratios):.2f}x "
              f"[{' '.join(f'{r:.2f}' for r in push_ratios)}], pull median {statistics.median(pull_ratios):.2f}x "
              f"[{' '.join(f'{r:.2f}' for r in pull_ratios)}]")
        print(f"  small request (_revs_diff, 1 id): bare {bare_latency * 1000:.2f} ms, gateway {gw_latency * 1000:.2f} ms,"
              f" overhead {(gw_latency - bare_latency) * 1000:.2f} ms per request")
        print_server_times(workdir / "access.log")
        from django.db.models import Count

        from sync.gateway.models import IndexedDoc

        duplicates = IndexedDoc.objects.values("seq").annotate(n=Count("id")).filter(n__gt=1).count()
        print(f"  index: {IndexedDoc.objects.count()} rows, {duplicates} duplicated sequences")
    except Exception:
        print("--- store output (tail) ---\n" + store.log()[-3000:], file=sys.stderr)
        raise
    finally:
        if gunicorn is not None:
            os.killpg(gunicorn.pid, signal.SIGTERM)
            try:
                gunicorn.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(gunicorn.pid, signal.SIGKILL)
        store.stop()
        if args.keep:
            print(f"work directory kept: {workdir}", flush=True)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
