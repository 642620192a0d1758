"""GET/POST _changes served from the access index, with the gateway's own sequences (opaque to
clients; the store's sequences are never used). Feeds: normal, longpoll and continuous, with
heartbeat, timeout, since (a number or "now"), limit, style=all_docs, include_docs and the
_doc_ids filter.

The counter is read before the rows: every row with seq <= counter is committed (the counter and
the rows are written in one transaction), so `last_seq` never passes over a late commit. Who may
see what is read again AFTER the counter: an inspection assigned meanwhile is re-sequenced after
its assignment commits, so either its new sequences are above the counter read, or the assignment
is already visible to the access read that follows."""
from __future__ import annotations

import threading
import time

from django.conf import settings
from django.http import StreamingHttpResponse

from .access import Access, any_change_since, changes_since, current_seq
from .http import dumps, json_response, optional_object_body
from .inputs import changes_query
from .upstream import call, json_of


def _poll_interval() -> float:
    return float(getattr(settings, "SYNC_LONGPOLL_INTERVAL_S", 0.25))


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

    def page(found: list[tuple], top: int) -> dict:
        entries = [_entry(row, all_docs) for row in found]
        if include_docs:
            _add_docs(entries, conflicts)
        last = found[-1][0] if (limit is not None and len(found) >= limit) else top
        return {"results": entries, "last_seq": last}

    if feed == "normal" or (feed == "longpoll" and rows):
        return json_response(page(rows, upto))
    stream = _continuous(access, since, upto, rows, limit, doc_ids, all_docs, include_docs, conflicts,
                         heartbeat_ms, timeout_ms) if feed == "continuous" else _longpoll(
        access, since, upto, limit, doc_ids, heartbeat_ms, timeout_ms, page)
    response = StreamingHttpResponse(stream, content_type="application/json")
    response["Cache-Control"] = "must-revalidate"
    return response


_stopping = threading.Event()
_waiters = 0
_waiters_lock = threading.Lock()


def end_waiting_feeds(*, timeout_s: float = 5.0) -> bool:
    """Make every longpoll and continuous feed waiting in this process answer now (as on its
    timeout: the last seq, no results) and wait until they have; True when none is left. Used by
    the tests, whose live-server threads would otherwise outlive the test; usable for a graceful stop."""
    _stopping.set()
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with _waiters_lock:
                if _waiters == 0:
                    return True
            time.sleep(0.01)
        return False
    finally:
        _stopping.clear()


def _wait_steps(heartbeat_ms: int | None, timeout_ms: int):
    """Yields "beat" when a heartbeat is due, "poll" on each poll tick, until the timeout (or
    end_waiting_feeds())."""
    global _waiters
    with _waiters_lock:
        _waiters += 1
    try:
        start = time.monotonic()
        deadline = start + timeout_ms / 1000
        beat_every = heartbeat_ms / 1000 if heartbeat_ms else None
        next_beat = start + beat_every if beat_every else None
        interval = _poll_interval()
        while not _stopping.is_set():
            now = time.monotonic()
            if now >= deadline:
                return
            wake = min(deadline, now + interval)
            if next_beat is not None:
                wake = min(wake, next_beat)
            time.sleep(max(0.0, wake - now))
            if _stopping.is_set():
                return
            now = time.monotonic()
            if next_beat is not None and now >= next_beat:
                next_beat = now + beat_every
                yield "beat"
            else:
                yield "poll"
    finally:
        with _waiters_lock:
            _waiters -= 1


def _counter_moves(access, checked, heartbeat_ms, timeout_ms):
    """While a feed waits: None for each heartbeat due, and (top, access) each time the sequence
    counter moves past what was checked, with who may see what read again after the counter."""
    for step in _wait_steps(heartbeat_ms, timeout_ms):
        if step == "beat":
            yield None
            continue
        top = current_seq()
        if top != checked:
            checked = top
            yield top, access.refreshed()


def _longpoll(access, since, upto, limit, doc_ids, heartbeat_ms, timeout_ms, page):
    checked = upto
    for moved in _counter_moves(access, upto, heartbeat_ms, timeout_ms):
        if moved is None:
            yield b"\n"
            continue
        top, access = moved
        if any_change_since(access=access, since=checked, upto=top, doc_ids=doc_ids):
            rows = changes_since(access=access, since=since, upto=top, limit=limit, doc_ids=doc_ids)
            yield dumps(page(rows, top)) + b"\n"
            return
        checked = top
    yield dumps({"results": [], "last_seq": checked}) + b"\n"


def _continuous(access, since, upto, rows, limit, doc_ids, all_docs, include_docs, conflicts, heartbeat_ms, timeout_ms):
    sent = 0
    last = since
    checked = upto

    def emit(found):
        nonlocal sent, last
        entries = [_entry(row, all_docs) for row in found]
        if include_docs:
            _add_docs(entries, conflicts)
        for entry in entries:
            sent += 1
            last = entry["seq"]
            yield dumps(entry) + b"\n"

    yield from emit(rows)
    if limit is not None and sent >= limit:
        yield dumps({"last_seq": last}) + b"\n"
        return
    last = max(last, checked)
    for moved in _counter_moves(access, upto, heartbeat_ms, timeout_ms):
        if moved is None:
            yield b"\n"
            continue
        top, access = moved
        remaining = None if limit is None else limit - sent
        yield from emit(changes_since(access=access, since=checked, upto=top, limit=remaining, doc_ids=doc_ids))
        if limit is not None and sent >= limit:
            break
        checked = top
        last = max(last, top)
    yield dumps({"last_seq": last}) + b"\n"
