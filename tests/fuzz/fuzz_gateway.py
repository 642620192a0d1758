#!/usr/bin/env python
"""Fuzz the sync gateway over HTTP: hostile requests (tests/support/hostile.py) against a live
server this script starts itself (pouchdb-server + gunicorn as `make run` does, on free ports, with
a throw-away DATA_DIR), then a report.

    .venv/bin/python tests/fuzz/fuzz_gateway.py --seed 14 --requests 5000 [--postgres postgres://postgres@127.0.0.1:5432]

Report: requests by status and by endpoint, every 5xx with the request that caused it, requests the
server did not answer at all, and a final check that the access index and the store agree (every doc
in the store has its index row at the store's winning revision, no index row names a revision the
store lacks). Exit status 1 when any 5xx, unanswered request or disagreement was seen.
"""
from __future__ import annotations

import argparse
import collections
import random
import sys
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.support import hostile  # noqa: E402
from tests.support.live_stack import PASSWORD, LiveStack  # noqa: E402


def index_vs_store(stack: LiveStack) -> list[str]:
    from sync.gateway.models import IndexedDoc

    rows = requests.get(f"{stack.store_url}/fieldinspect/_all_docs", timeout=60).json()["rows"]
    stored = {row["id"]: row["value"]["rev"] for row in rows}
    indexed = dict(IndexedDoc.objects.filter(deleted=False).values_list("doc_id", "winning_rev"))
    problems = [f"in the store, not indexed: {doc_id} {rev}" for doc_id, rev in stored.items() if doc_id not in indexed]
    problems += [f"indexed, not in the store: {doc_id} {rev}" for doc_id, rev in indexed.items() if doc_id not in stored]
    problems += [f"revisions differ: {doc_id} store {stored[doc_id]} index {rev}"
                 for doc_id, rev in indexed.items() if doc_id in stored and stored[doc_id] != rev]
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--postgres", default=None, help="PostgreSQL server URL (a throw-away database is made)")
    args = parser.parse_args()
    rnd = random.Random(args.seed)

    stack = LiveStack(postgres=args.postgres)
    try:
        inspector = stack.inspector("fuzz-inspector")
        (inspection_id,) = stack.inspections(inspector, count=1)
        stack.publish()
        url = stack.start_web() + "/sync/field/"
        session = requests.Session()
        session.auth = (inspector.username, PASSWORD)
        ctx = hostile.Context(username=inspector.username, inspection_id=inspection_id)
        seed_docs = [hostile.valid_field_doc(random.Random(i), ctx) for i in range(6)]
        seed_docs = list({doc["_id"]: doc for doc in seed_docs}.values())
        answer = session.post(url + "_bulk_docs", json={"docs": seed_docs, "new_edits": False}, timeout=60)
        assert answer.status_code == 201 and answer.json() == [], answer.text
        ctx.known = [(doc["_id"], doc["_rev"]) for doc in seed_docs]

        by_status: collections.Counter = collections.Counter()
        by_endpoint: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        server_errors: list[str] = []
        unanswered: list[str] = []
        started = time.monotonic()
        for number in range(args.requests):
            request = hostile.hostile_request(rnd, ctx)
            target = url + request.url_path() + ("?" + request.query_string() if request.query else "")
            try:
                response = session.request(request.method, target, data=request.body, headers=request.headers,
                                           timeout=90)
                status = response.status_code
            except requests.RequestException as exc:
                unanswered.append(f"#{number} {exc.__class__.__name__} {str(exc)[:200]}: {request.describe()}")
                by_status["no answer"] += 1
                continue
            by_status[status] += 1
            by_endpoint[request.endpoint][status // 100 * 100] += 1
            if status >= 500:
                server_errors.append(f"#{number} {status} {response.text[:200]!r}\n    {request.describe()}")
            if (number + 1) % 1000 == 0:
                print(f"  {number + 1} requests, {time.monotonic() - started:.0f} s", flush=True)
        elapsed = time.monotonic() - started
        problems = index_vs_store(stack)

        print(f"\nfuzz_gateway: seed {args.seed}, {args.requests} requests in {elapsed:.0f} s "
              f"({args.requests / elapsed:.0f}/s), database {'PostgreSQL' if args.postgres else 'SQLite'}")
        print("by status: " + ", ".join(f"{status}: {count}" for status, count in sorted(by_status.items(), key=str)))
        print("by endpoint (status class: count):")
        for endpoint in sorted(by_endpoint):
            counts = by_endpoint[endpoint]
            print(f"  {endpoint:28} " + ", ".join(f"{cls}: {n}" for cls, n in sorted(counts.items())))
        print(f"5xx answers: {len(server_errors)}")
        for line in server_errors[:50]:
            print("  " + line)
        print(f"unanswered requests: {len(unanswered)}")
        for line in unanswered[:20]:
            print("  " + line)
        print(f"index vs store: {'agree' if not problems else f'{len(problems)} disagreements'} "
              f"({len(requests.get(f'{stack.store_url}/fieldinspect/_all_docs', timeout=60).json()['rows'])} docs in the store)")
        for line in problems[:20]:
            print("  " + line)
        if server_errors:
            print("\n--- server log (tail) ---\n" + stack.log("web")[-4000:])
        return 1 if server_errors or unanswered or problems else 0
    finally:
        stack.close()


if __name__ == "__main__":
    sys.exit(main())
