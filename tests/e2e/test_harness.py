"""The tablet harness against the BARE dev sync store (pouchdb-server, no Django): proves that
PouchDB tablets push, pull, sync live, keep conflicts, carry attachments and resume from their
checkpoint, so that the end-to-end tests through the gateway can trust the harness."""
from __future__ import annotations

import base64
import hashlib
import re
import time
import uuid
from collections.abc import Iterator

import pytest
import requests

from tests.support.syncstore import SyncStore, start_syncstore
from tests.support.tablet import Tablet, TabletError

pytestmark = pytest.mark.e2e

# A real 1×1 PNG.
PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SyncStore]:
    with start_syncstore(data_dir=tmp_path_factory.mktemp("bare-syncstore")) as running:
        yield running


@pytest.fixture
def db_url(store: SyncStore) -> Iterator[str]:
    url = f"{store.url}/harness-{uuid.uuid4().hex[:10]}"
    assert requests.put(url, timeout=10).status_code == 201
    yield url
    requests.delete(url, timeout=10)


@pytest.fixture
def tablet_a() -> Iterator[Tablet]:
    with Tablet.start(name="tablet-a") as tablet:
        yield tablet


@pytest.fixture
def tablet_b() -> Iterator[Tablet]:
    with Tablet.start(name="tablet-b") as tablet:
        yield tablet


def answer(n: int, **extra: object) -> dict[str, object]:
    return {
        "_id": f"answer:insp-1:item-{n:03d}",
        "type": "answer",
        "inspection_id": "insp-1",
        "author": "insp1",
        "device_id": "tablet-a",
        "item_code": f"item-{n:03d}",
        "value": n,
        "answered_at": "2019-06-03T10:00:00+08:00",
        **extra,
    }


def store_doc(db_url: str, doc_id: str, **params: str) -> dict:
    response = requests.get(f"{db_url}/{doc_id}", params=params, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_push_from_one_tablet_and_pull_into_another(db_url: str, tablet_a: Tablet, tablet_b: Tablet) -> None:
    docs = [answer(n) for n in range(5)]
    tablet_a.bulk_docs(docs)

    pushed = tablet_a.push(db_url)

    assert pushed["error"] is None
    assert pushed["result"]["status"] == "complete"
    assert pushed["result"]["docs_written"] == 5
    assert pushed["result"]["doc_write_failures"] == 0
    assert store_doc(db_url, "answer:insp-1:item-003")["value"] == 3

    pulled = tablet_b.pull(db_url)

    assert pulled["result"]["docs_written"] == 5
    assert sorted(tablet_b.doc_ids()) == sorted(d["_id"] for d in docs)
    assert tablet_b.get("answer:insp-1:item-004")["value"] == 4


def test_attachment_round_trip(db_url: str, tablet_a: Tablet, tablet_b: Tablet) -> None:
    sha = hashlib.sha256(PNG_1X1).hexdigest()
    tablet_a.put({"_id": "photo:p1", "type": "photo", "inspection_id": "insp-1", "sha256": sha})
    tablet_a.put_attachment("photo:p1", "image", PNG_1X1, content_type="image/png")

    assert tablet_a.push(db_url)["result"]["docs_written"] == 1

    served = requests.get(f"{db_url}/photo:p1/image", timeout=10)
    assert served.status_code == 200
    assert served.headers["Content-Type"].startswith("image/png")
    assert served.content == PNG_1X1

    tablet_b.pull(db_url)
    assert tablet_b.get_attachment("photo:p1", "image") == PNG_1X1
    inline = tablet_b.get("photo:p1", attachments=True)["_attachments"]["image"]
    assert base64.b64decode(inline["data"]) == PNG_1X1
    assert inline["content_type"] == "image/png"


def test_conflicting_edits_keep_both_revisions_in_the_store(db_url: str, tablet_a: Tablet, tablet_b: Tablet) -> None:
    tablet_a.put(answer(1))
    tablet_a.push(db_url)
    tablet_b.pull(db_url)

    base = tablet_a.get("answer:insp-1:item-001")
    rev_a = tablet_a.put({**base, "value": "from A"})["rev"]
    rev_b = tablet_b.put({**base, "value": "from B"})["rev"]
    assert rev_a != rev_b

    assert tablet_a.push(db_url)["result"]["docs_written"] == 1
    assert tablet_b.push(db_url)["result"]["docs_written"] == 1

    stored = store_doc(db_url, "answer:insp-1:item-001", conflicts="true")
    assert {stored["_rev"], *stored["_conflicts"]} == {rev_a, rev_b}
    leaves = requests.get(
        f"{db_url}/answer:insp-1:item-001",
        params={"open_revs": "all"},
        headers={"Accept": "application/json"},
        timeout=10,
    ).json()
    assert sorted(leaf["ok"]["value"] for leaf in leaves) == ["from A", "from B"]

    # The conflict travels back to tablets too.
    tablet_a.pull(db_url)
    assert set(tablet_a.get("answer:insp-1:item-001", conflicts=True)["_conflicts"]) == (
        {rev_a, rev_b} - {tablet_a.get("answer:insp-1:item-001")["_rev"]}
    )


def test_live_sync_delivers_docs_both_ways_within_seconds(db_url: str, tablet_a: Tablet) -> None:
    rep_id = tablet_a.live_sync_start(db_url)
    try:
        tablet_a.wait_for_event(rep_id, event="paused", timeout=10)

        written = requests.put(f"{db_url}/inspection:i-9", json={"type": "inspection", "status": "assigned"}, timeout=10)
        assert written.status_code == 201
        started = time.monotonic()
        arrived = tablet_a.wait_for_doc("inspection:i-9", timeout=5)
        assert arrived["_rev"] == written.json()["rev"]
        assert time.monotonic() - started < 5

        tablet_a.put(answer(7))
        deadline = time.monotonic() + 5
        while requests.get(f"{db_url}/answer:insp-1:item-007", timeout=5).status_code != 200:
            assert time.monotonic() < deadline, "live push did not reach the store within 5 s"
            time.sleep(0.1)
    finally:
        stopped = tablet_a.live_sync_stop(rep_id)

    events = [e["event"] for e in stopped["events"]]
    assert "change" in events
    assert stopped["done"] is True
    pulled = [d["_id"] for e in stopped["events"] if e["event"] == "change" for d in e["docs"]]
    assert "inspection:i-9" in pulled and "answer:insp-1:item-007" in pulled


def test_denied_docs_are_reported_and_the_rest_of_the_batch_is_stored(db_url: str, tablet_a: Tablet) -> None:
    validate = (
        "function (newDoc) { if (newDoc.author !== 'insp1') "
        "{ throw({forbidden: 'author must be insp1'}); } }"
    )
    assert requests.put(f"{db_url}/_design/rules", json={"validate_doc_update": validate}, timeout=10).ok
    tablet_a.bulk_docs([answer(1), answer(2, author="someone-else"), answer(3)])

    pushed = tablet_a.push(db_url)

    assert pushed["result"]["docs_written"] == 2
    assert pushed["result"]["doc_write_failures"] == 1
    assert [d["id"] for d in pushed["denied"]] == ["answer:insp-1:item-002"]
    assert pushed["denied"][0]["name"] == "forbidden"
    assert "author must be insp1" in pushed["denied"][0]["message"]
    assert requests.get(f"{db_url}/answer:insp-1:item-002", timeout=10).status_code == 404
    assert requests.get(f"{db_url}/answer:insp-1:item-003", timeout=10).status_code == 200


def test_headers_are_sent_and_auth_failures_are_reported(db_url: str, tablet_a: Tablet) -> None:
    tablet_a.put(answer(1))
    bad_basic = "Basic " + base64.b64encode(b"nobody:wrong").decode()

    with_headers = tablet_a.push(db_url, headers={"Authorization": bad_basic})
    with_auth = tablet_a.push(db_url, auth=("nobody", "wrong"))

    for outcome in (with_headers, with_auth):
        assert outcome["error"]["status"] == 401
        assert outcome["error"]["name"] == "unauthorized"
    assert requests.get(f"{db_url}/answer:insp-1:item-001", timeout=10).status_code == 404


def _changes_requests_since(store: SyncStore, db_url: str, start: int) -> list[str]:
    db_name = db_url.rsplit("/", 1)[1]
    lines = store.log().splitlines()[start:]
    found = []
    for line in lines:
        match = re.search(rf"GET /{re.escape(db_name)}/_changes\?(\S*)", line)
        if match:
            found.append(match.group(1))
    return found


def test_interrupted_pull_resumes_from_its_checkpoint(store: SyncStore, db_url: str, tablet_a: Tablet) -> None:
    total = 120
    response = requests.post(f"{db_url}/_bulk_docs", json={"docs": [answer(n) for n in range(total)]}, timeout=30)
    assert response.status_code == 201

    log_start = len(store.log().splitlines())
    rep_id = tablet_a.replication_start(
        direction="from", url=db_url, options={"batch_size": 10}, cancel_after_docs=30
    )
    first = tablet_a.replication_wait(rep_id, timeout=30)
    got_first = len(tablet_a.doc_ids())
    assert first["result"]["status"] == "cancelled"
    assert 30 <= got_first < total

    time.sleep(0.5)  # the store's request log is written asynchronously
    log_middle = len(store.log().splitlines())
    second = tablet_a.pull(db_url, options={"batch_size": 10})

    assert second["result"]["status"] == "complete"
    assert second["result"]["docs_written"] == total - got_first
    assert len(tablet_a.doc_ids()) == total
    # Resumed, not restarted: the second run's first _changes request starts at the checkpoint.
    time.sleep(0.5)
    first_run = _changes_requests_since(store, db_url, log_start)[: 1]
    second_run = _changes_requests_since(store, db_url, log_middle)
    assert first_run and "since=0" in first_run[0]
    since = int(re.search(r"since=(\d+)", second_run[0]).group(1))
    assert since >= 20


def test_interrupted_push_resumes_and_writes_only_the_rest(db_url: str, tablet_a: Tablet) -> None:
    total = 120
    tablet_a.bulk_docs([answer(n) for n in range(total)])

    rep_id = tablet_a.replication_start(direction="to", url=db_url, options={"batch_size": 10}, cancel_after_docs=30)
    first = tablet_a.replication_wait(rep_id, timeout=30)
    in_store = requests.get(db_url, timeout=10).json()["doc_count"]
    assert first["result"]["status"] == "cancelled"
    assert 30 <= in_store < total

    second = tablet_a.push(db_url, options={"batch_size": 10})

    assert second["result"]["docs_written"] == total - in_store
    assert requests.get(db_url, timeout=10).json()["doc_count"] == total
    checkpoints = requests.get(f"{db_url}/_all_docs", timeout=10)  # _local docs are not listed
    assert checkpoints.json()["total_rows"] == total


def test_a_failing_command_names_the_error_and_the_tablet_keeps_working(tablet_a: Tablet) -> None:
    with pytest.raises(TabletError) as raised:
        tablet_a.get("no-such-doc")
    assert raised.value.status == 404
    assert tablet_a.put({"_id": "still-alive"})["ok"] is True
