"""Reading the store's _changes feed (include_docs, style=all_docs, conflicts, heartbeat).

Sequences are opaque (ints on pouchdb-server, strings on CouchDB 3): they are only passed back to
the store as `since`, never compared or computed with.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import requests
from django.conf import settings

from sync import store

log = logging.getLogger(__name__)


@dataclass
class ChangesBatch:
    results: list[dict]
    last_seq: Any
    at_end: bool  # the feed has nothing more right now (as far as this read could tell)
    pending: int | None = None
    extras: dict = field(default_factory=dict)


def since_param(seq: Any) -> str:
    if seq is None:
        return "0"
    if isinstance(seq, str):
        return seq
    return json.dumps(seq)


def read_changes(*, since: Any, limit: int) -> ChangesBatch:
    """One read of up to `limit` changes after `since`, with docs and conflicts (feed=normal).

    Raises store.StoreUnavailable when the store does not answer.
    """
    params = {
        "since": since_param(since),
        "limit": str(limit),
        "include_docs": "true",
        "style": "all_docs",
        "conflicts": "true",
    }
    try:
        response = store.session().get(store.db_url("_changes"), params=params, timeout=settings.COUCHDB_TIMEOUT_S)
    except requests.RequestException as exc:
        raise store.StoreUnavailable(f"_changes: {exc.__class__.__name__}") from exc
    if response.status_code != 200:
        raise store.StoreUnavailable(f"_changes: HTTP {response.status_code} {response.text[:200]}")
    try:
        body = json.loads(response.content)
    except ValueError as exc:
        raise store.StoreUnavailable("_changes: unreadable answer") from exc
    results = body.get("results") or []
    pending = body.get("pending")
    at_end = (pending == 0) if isinstance(pending, int) else len(results) < limit
    return ChangesBatch(results=results, last_seq=body.get("last_seq", since), at_end=at_end, pending=pending)


def wait_for_change(*, since: Any, wait_s: float, stop_event=None) -> bool:
    """Long-poll the feed (with heartbeats) until something changes after `since`, `wait_s` passes or
    `stop_event` is set. True when the store answered (a change is there to read).

    pouchdb-server ignores the longpoll `timeout`, so the wait is bounded here: the heartbeat
    newlines let us check the deadline while the request is open, then the connection is dropped.
    """
    params = {"feed": "longpoll", "since": since_param(since), "limit": "1", "heartbeat": "500",
              "timeout": str(max(1, int(wait_s * 1000)))}
    deadline = time.monotonic() + wait_s
    try:
        # identity encoding: a gzip-compressed answer would hold the heartbeats back in the compressor.
        with store.session().get(store.db_url("_changes"), params=params, stream=True,
                                 headers={"Accept-Encoding": "identity"},
                                 timeout=(settings.COUCHDB_TIMEOUT_S, 10)) as response:
            if response.status_code != 200:
                raise store.StoreUnavailable(f"_changes: HTTP {response.status_code}")
            for _chunk in response.iter_content(chunk_size=None):
                if time.monotonic() > deadline or (stop_event is not None and stop_event.is_set()):
                    return False
            return True
    except requests.RequestException as exc:
        raise store.StoreUnavailable(f"_changes: {exc.__class__.__name__}") from exc


def fetch_revisions(*, doc_id: str, revs: list[str]) -> list[dict]:
    """Bodies of the given revisions of one doc (missing ones left out)."""
    if not revs:
        return []
    try:
        response = store.session().get(
            store.db_url(doc_id),
            params={"open_revs": json.dumps(revs)},
            headers={"Accept": "application/json"},
            timeout=settings.COUCHDB_TIMEOUT_S,
        )
    except requests.RequestException as exc:
        raise store.StoreUnavailable(f"open_revs: {exc.__class__.__name__}") from exc
    if response.status_code != 200:
        raise store.StoreUnavailable(f"open_revs {doc_id}: HTTP {response.status_code}")
    return [row["ok"] for row in response.json() if isinstance(row, dict) and "ok" in row]


def fetch_doc(*, doc_id: str) -> dict | None:
    """The current winning revision with `_conflicts`; None when the doc does not exist."""
    try:
        response = store.session().get(store.db_url(doc_id), params={"conflicts": "true"},
                                       timeout=settings.COUCHDB_TIMEOUT_S)
    except requests.RequestException as exc:
        raise store.StoreUnavailable(f"GET {doc_id}: {exc.__class__.__name__}") from exc
    if response.status_code == 404:
        body = response.json() if response.content else {}
        if body.get("reason") == "deleted":
            return None
        return None
    if response.status_code != 200:
        raise store.StoreUnavailable(f"GET {doc_id}: HTTP {response.status_code}")
    return response.json()


def update_seq() -> Any:
    try:
        response = store.session().get(store.db_url(), timeout=settings.COUCHDB_TIMEOUT_S)
    except requests.RequestException as exc:
        raise store.StoreUnavailable(str(exc)) from exc
    if response.status_code != 200:
        raise store.StoreUnavailable(f"HTTP {response.status_code}")
    return response.json().get("update_seq")


def fetch_attachment(*, doc_id: str, max_bytes: int, name: str = "image") -> bytes:
    """Attachment bytes, read in chunks and cut off above `max_bytes` (media then answers too_large)."""
    from server.dossiers.photo_jobs import AttachmentMissing, TemporaryFetchError

    try:
        response = store.session().get(store.db_url(doc_id, name), stream=True, timeout=settings.COUCHDB_TIMEOUT_S)
    except requests.RequestException as exc:
        raise TemporaryFetchError(exc.__class__.__name__) from exc
    with response:
        if response.status_code == 404:
            raise AttachmentMissing(f"attachment {name!r} of {doc_id} is not in the store")
        if response.status_code != 200:
            raise TemporaryFetchError(f"HTTP {response.status_code}")
        chunks, size = [], 0
        try:
            for chunk in response.iter_content(chunk_size=256 * 1024):
                chunks.append(chunk)
                size += len(chunk)
                if size > max_bytes:
                    break
        except requests.RequestException as exc:
            raise TemporaryFetchError(exc.__class__.__name__) from exc
    return b"".join(chunks)
