"""GET/POST _changes served from the access index, with the gateway's own sequences (opaque to
clients; the store's sequences are never used). Feeds: normal, longpoll and continuous, with
heartbeat, timeout, since (a number or "now"), limit, style=all_docs, include_docs and the
_doc_ids filter.

The counter is read before the rows: every row with seq <= counter is committed (the counter and
the rows are written in one transaction), so `last_seq` never passes over a late commit. Who may
see what is read again AFTER the counter: an inspection assigned meanwhile is re-sequenced after
its assignment commits, so either its new sequences are above the counter read, or the assignment
is already visible to the access read that follows.

Waiting (longpoll and continuous feeds) is a `Feed`: the first page is read when the request
arrives; then the feed waits until the index changes for this user. Under the ASGI server
(`sync/asgi.py`, what `make run` and production run) a waiting feed is a coroutine woken by the
process's watcher (`watcher.py`): no thread and no query while it waits. Under a plain WSGI server
(Django's test server) the same feed polls the counter every SYNC_LONGPOLL_INTERVAL_S in its thread.
At most SYNC_MAX_WAITING_FEEDS feeds wait per process; beyond it the answer is 503 with Retry-After.
A feed that times out answers the counter it last checked (no query at the timeout)."""
from __future__ import annotations

import asyncio
import threading
import time

from django.conf import settings
from django.http import StreamingHttpResponse

from .access import Access, any_change_since, changes_since, current_seq
from .http import GatewayError, dumps, json_response, optional_object_body
from .inputs import changes_query
from .upstream import call, json_of
from .watcher import Waiter, watcher

def _entry(row: tuple, all_docs: bool) -> dict:
    seq, doc_id, winning_rev, deleted, leaves = row
    if all_docs and len(leaves) > 1:
        revs = [{"rev": winning_rev}] + [{"rev": leaf[0]} for leaf in leaves if leaf[0] != winning_rev]
    else:
        revs = [{"rev": winning_rev}]
    entry = {"seq": seq, "id": doc_id, "changes": revs}
    if deleted:
        entry["deleted"] = True
    return entry


def _add_docs(entries: list[dict], conflicts: bool) -> None:
    if not entries:
        return
    params = {"include_docs": "true"}
    if conflicts:
        params["conflicts"] = "true"
    response = call("POST", "_all_docs", params=params, data=dumps({"keys": [e["id"] for e in entries]}))
    rows = {row.get("key"): row for row in (json_of(response).get("rows") or []) if isinstance(row, dict)}
    for entry in entries:
        row = rows.get(entry["id"]) or {}
        doc = row.get("doc")
        if doc is None and entry.get("deleted"):
            doc = {"_id": entry["id"], "_rev": entry["changes"][0]["rev"], "_deleted": True}
        entry["doc"] = doc


def changes(request, access: Access):
    body = optional_object_body(request) if request.method == "POST" else None
    query = changes_query(request, body)  # every parameter checked (sync/gateway/inputs.py)
    feed, all_docs, since, limit = query.feed, query.all_docs, query.since, query.limit
    include_docs, conflicts, doc_ids = query.include_docs, query.conflicts, query.doc_ids
    heartbeat_ms, timeout_ms = query.heartbeat_ms, query.timeout_ms

    upto = current_seq()
    access = access.refreshed()
    if since is None:
        since = upto
    rows = changes_since(access=access, since=since, upto=upto, limit=limit, doc_ids=doc_ids)
    if feed == "normal" or (feed == "longpoll" and rows):
        return json_response(_page(rows, upto, limit=limit, all_docs=all_docs, include_docs=include_docs,
                                   conflicts=conflicts))
    waiting = Feed(access=access, since=since, checked=upto, limit=limit, doc_ids=doc_ids, all_docs=all_docs,
                   include_docs=include_docs, conflicts=conflicts, heartbeat_ms=heartbeat_ms, timeout_ms=timeout_ms,
                   continuous=feed == "continuous")
    if waiting.continuous:
        waiting.first = waiting.emit(rows)
        if limit is not None and waiting.sent >= limit:
            waiting.first.append(dumps({"last_seq": waiting.last}) + b"\n")
            waiting.done = True
        waiting.last = max(waiting.last, upto)
    return FeedResponse(waiting)


def _page(found: list[tuple], top: int, *, limit, all_docs, include_docs, conflicts) -> dict:
    entries = [_entry(row, all_docs) for row in found]
    if include_docs:
        _add_docs(entries, conflicts)
    last = found[-1][0] if (limit is not None and len(found) >= limit) else top
    return {"results": entries, "last_seq": last}


# -- waiting feeds -----------------------------------------------------------------------------

_feeds: set["Feed"] = set()
_feeds_lock = threading.Lock()
_stopping = threading.Event()


def waiting_feeds() -> int:
    """Feeds waiting in this process (longpoll and continuous), for /healthz and the cap."""
    with _feeds_lock:
        return len(_feeds)


def max_waiting_feeds() -> int:
    return int(getattr(settings, "SYNC_MAX_WAITING_FEEDS", 2000))


class Feed:
    """A longpoll or continuous feed past its first page: what it has sent and checked so far.
    `check()` (database work, called in a thread) reads what changed since `checked`; the drivers
    (`sync_chunks` here, `stream` for the ASGI server) wait between checks and send heartbeats."""

    def __init__(self, *, access, since, checked, limit, doc_ids, all_docs, include_docs, conflicts, heartbeat_ms,
                 timeout_ms, continuous):
        self.access = access
        self.since = since
        self.checked = checked
        self.limit = limit
        self.doc_ids = doc_ids
        self.all_docs = all_docs
        self.include_docs = include_docs
        self.conflicts = conflicts
        self.heartbeat_s = heartbeat_ms / 1000 if heartbeat_ms else None
        self.timeout_s = timeout_ms / 1000
        self.continuous = continuous
        self.first: list[bytes] = []
        self.done = False
        self.sent = 0
        self.last = since
        self.aborted = False
        self.waiter: Waiter | None = None
        user = access.user
        self.user_id = access.user_id
        self.role = access.role
        self.covered: frozenset[str] = frozenset()
        if self.role == "supervisor" and getattr(user, "jurisdiction_id", None):
            from server.accounts import jurisdictions

            self.covered = frozenset(jurisdictions.descendants_of(code=user.jurisdiction_id))
        self._check_cap()
        self._released = True

    def _check_cap(self) -> None:
        """503 + Retry-After (PouchDB retries) when this process already holds its cap of feeds."""
        cap = max_waiting_feeds()
        with _feeds_lock:
            if len(_feeds) >= cap:
                retry = str(int(getattr(settings, "SYNC_FEED_RETRY_AFTER_S", 10)))
                raise GatewayError(503, "service_unavailable",
                                   f"等待中的同步连接已达上限 {cap}，请稍后重试 (too many waiting feeds)",
                                   headers={"Retry-After": retry})

    def start(self) -> None:
        """Counted as waiting from its first chunk on: a response no server ever iterates (a client
        gone before it started, a test that never read it) holds no place (the cap is checked when
        the feed is made)."""
        with _feeds_lock:
            _feeds.add(self)
        self._released = False

    def release(self) -> None:
        with _feeds_lock:
            _feeds.discard(self)
        self._released = True

    def abort(self) -> None:
        """Answer now, as on the timeout (end_waiting_feeds, a client gone)."""
        self.aborted = True
        if self.waiter is not None:
            self.waiter.abort()

    def emit(self, found) -> list[bytes]:
        entries = [_entry(row, self.all_docs) for row in found]
        if self.include_docs:
            _add_docs(entries, self.conflicts)
        out = []
        for entry in entries:
            self.sent += 1
            self.last = entry["seq"]
            out.append(dumps(entry) + b"\n")
        return out

    def check(self) -> list[bytes]:
        """What changed for this user since `checked` (sets `done` when the feed should end)."""
        top = current_seq()
        if top == self.checked:
            return []
        access = self.access.refreshed()
        self.access = access
        if not self.continuous:
            if any_change_since(access=access, since=self.checked, upto=top, doc_ids=self.doc_ids):
                rows = changes_since(access=access, since=self.since, upto=top, limit=self.limit, doc_ids=self.doc_ids)
                self.done = True
                return [dumps(_page(rows, top, limit=self.limit, all_docs=self.all_docs,
                                    include_docs=self.include_docs, conflicts=self.conflicts)) + b"\n"]
            self.checked = top
            return []
        remaining = None if self.limit is None else self.limit - self.sent
        out = self.emit(changes_since(access=access, since=self.checked, upto=top, limit=remaining,
                                      doc_ids=self.doc_ids))
        if self.limit is not None and self.sent >= self.limit:
            out.append(dumps({"last_seq": self.last}) + b"\n")
            self.done = True
            return out
        self.checked = top
        self.last = max(self.last, top)
        return out

    def final(self) -> bytes:
        if self.continuous:
            return dumps({"last_seq": self.last}) + b"\n"
        return dumps({"results": [], "last_seq": self.checked}) + b"\n"

    def ending(self) -> bool:
        return self.aborted or _stopping.is_set()


class FeedResponse(StreamingHttpResponse):
    """A waiting feed's response. Served by a WSGI server, it polls in its thread (`sync_chunks`);
    the ASGI entry point (sync/asgi.py) streams `response.feed` as a coroutine instead."""

    def __init__(self, feed: Feed):
        super().__init__(sync_chunks(feed), content_type="application/json")
        self.feed = feed
        self["Cache-Control"] = "must-revalidate"

    def close(self):
        self.feed.release()
        super().close()


def _poll_interval() -> float:
    return float(getattr(settings, "SYNC_LONGPOLL_INTERVAL_S", 0.25))


def sync_chunks(feed: Feed):
    """The feed in a WSGI thread: the counter is polled every SYNC_LONGPOLL_INTERVAL_S."""
    feed.start()
    try:
        yield from feed.first
        if feed.done:
            return
        start = time.monotonic()
        deadline = start + feed.timeout_s
        next_beat = start + feed.heartbeat_s if feed.heartbeat_s else None
        interval = _poll_interval()
        while not feed.ending():
            now = time.monotonic()
            if now >= deadline:
                break
            wake = min(deadline, now + interval)
            if next_beat is not None:
                wake = min(wake, next_beat)
            time.sleep(max(0.0, wake - now))
            if feed.ending():
                break
            now = time.monotonic()
            if next_beat is not None and now >= next_beat:
                next_beat = now + feed.heartbeat_s
                yield b"\n"
                continue
            yield from feed.check()
            if feed.done:
                return
        yield feed.final()
    finally:
        feed.release()


async def stream(feed: Feed, run):
    """The feed as a coroutine (ASGI): it waits on the process's watcher, and `run(fn)` runs its
    database work in a thread pool. No thread is held while it waits."""
    loop = asyncio.get_running_loop()
    waiter = Waiter(user_id=feed.user_id, role=feed.role, covered=feed.covered, checked=feed.checked, loop=loop,
                    event=asyncio.Event())
    feed.waiter = waiter
    hub = watcher()
    hub.register(waiter)
    feed.start()
    try:
        for chunk in feed.first:
            yield chunk
        if feed.done:
            return
        if feed.ending():
            waiter.abort()
        start = loop.time()
        deadline = start + feed.timeout_s
        next_beat = start + feed.heartbeat_s if feed.heartbeat_s else None
        while True:
            now = loop.time()
            if now >= deadline or waiter.aborted:
                break
            wake = deadline if next_beat is None else min(deadline, next_beat)
            woke = await waiter.wait(wake - now)
            if waiter.aborted or feed.ending():
                break
            if woke:
                waiter.clear()
                for chunk in await run(feed.check):
                    yield chunk
                if feed.done:
                    return
                hub.rechecked(waiter, feed.checked)
            if next_beat is not None and loop.time() >= next_beat:
                next_beat = loop.time() + feed.heartbeat_s
                yield b"\n"
        yield feed.final()
    finally:
        hub.unregister(waiter)
        feed.release()


def end_waiting_feeds(*, timeout_s: float = 5.0) -> bool:
    """Make every longpoll and continuous feed waiting in this process answer now (as on its
    timeout: the last seq, no results) and wait until they have; True when none is left. Used by
    the tests, whose live-server threads would otherwise outlive the test, and on shutdown."""
    _stopping.set()
    try:
        with _feeds_lock:
            feeds = list(_feeds)
        for feed in feeds:
            feed.abort()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if waiting_feeds() == 0:
                return True
            time.sleep(0.01)
        return False
    finally:
        _stopping.clear()
