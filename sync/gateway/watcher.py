"""One watcher per process: learns that the access index changed and wakes exactly the waiting
feeds (longpoll/continuous `_changes`) of the users who may see what changed.

Waiting costs no thread and no query: a waiting feed is a `Waiter` (an asyncio event and who is
waiting), registered here. One daemon thread per process learns of index commits:
- PostgreSQL: `LISTEN fieldinspect_index`; every index write (`index.record`,
  `index.resequence_scope`) sends `pg_notify` in its own transaction (delivered at commit, to every
  process on the database), with the sequences it took and the scopes it touched;
- SQLite: one read of the sequence counter every SYNC_WATCH_INTERVAL_S (and, when it moved, one
  read of the scopes of the new sequences).
For the scopes touched, it reads who may see them (the inspectors assigned; the enterprise's
jurisdiction, for supervisors): two small queries per batch of commits, however many feeds wait.
It then wakes admins' feeds, every feed for `public` docs, inspectors assigned to a touched
inspection and supervisors whose jurisdiction covers it. Who may see what is read after the
commit, so an inspection assigned while its inspector waits wakes that inspector too.

A woken feed reads the counter and the user's access again and queries the index itself; a feed
woken for nothing (e.g. a `doc_ids` filter) goes back to waiting. A feed registers with the counter
it read before its first query; events the watcher handled after that counter are replayed to it
at registration (a short history), so no commit falls between the first query and the wait.
"""
from __future__ import annotations

import asyncio
import collections
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field

import orjson
from django.conf import settings
from django.db import close_old_connections, connection

from .models import PUBLIC_SCOPE

log = logging.getLogger(__name__)

CHANNEL = "fieldinspect_index"
_PAYLOAD_MAX = 7000  # pg_notify takes < 8000 bytes; beyond it the watcher reads the scopes itself
_HISTORY = 512


def announce(cursor, *, frm: int, to: int, scopes) -> None:
    """Called by index writes inside their transaction: on PostgreSQL, tell every process's watcher
    at commit (NOTIFY is transactional). SQLite's watchers poll the counter instead."""
    if connection.vendor != "postgresql":
        return
    scopes = sorted(set(scopes))
    payload = orjson.dumps({"from": frm, "to": to, "scopes": scopes}).decode()
    if len(payload.encode()) > _PAYLOAD_MAX:
        payload = orjson.dumps({"from": frm, "to": to}).decode()
    cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, payload])


@dataclass
class Event:
    """Commits with sequences in (frm, to]; scopes touched, and who may see them."""

    frm: int
    to: int
    public: bool = False
    everyone: bool = False  # e.g. after a lost LISTEN connection: every feed checks once
    inspectors: set[int] = field(default_factory=set)
    jurisdictions: set[str] = field(default_factory=set)


@dataclass(eq=False)
class Waiter:
    """One waiting feed. `wake()` may be called from any thread."""

    user_id: int
    role: str
    covered: frozenset[str]  # supervisors: the jurisdiction codes they see (their own and below)
    checked: int
    loop: asyncio.AbstractEventLoop | None = None
    event: asyncio.Event | None = None
    aborted: bool = False

    def wake(self) -> None:
        loop, event = self.loop, self.event
        if loop is None or event is None:
            return
        try:
            loop.call_soon_threadsafe(event.set)
        except RuntimeError:  # its loop is closed: the feed is gone
            pass

    def abort(self) -> None:
        self.aborted = True
        self.wake()

    async def wait(self, timeout: float) -> bool:
        """True when woken (or aborted), False on timeout."""
        assert self.event is not None
        if self.event.is_set():
            return True
        try:
            await asyncio.wait_for(self.event.wait(), timeout=max(0.0, timeout))
        except asyncio.TimeoutError:
            return False
        return True

    def clear(self) -> None:
        if self.event is not None:
            self.event.clear()


def _touches(event: Event, waiter: Waiter) -> bool:
    if event.everyone or event.public or waiter.role == "admin":
        return True
    if waiter.role == "inspector":
        return waiter.user_id in event.inspectors
    if waiter.role == "supervisor":
        return not waiter.covered.isdisjoint(event.jurisdictions)
    return False


def _readers(scopes: set[str]) -> tuple[set[int], set[str]]:
    """The inspectors assigned to these inspections and their enterprises' jurisdictions."""
    from server.inspections.models import Inspection

    ids = []
    for scope in scopes:
        try:
            ids.append(uuid.UUID(scope))
        except (ValueError, AttributeError, TypeError):
            continue
    if not ids:
        return set(), set()
    through = Inspection.inspectors.through
    inspectors = set(through.objects.filter(inspection_id__in=ids).values_list("user_id", flat=True))
    codes = set(Inspection.objects.filter(pk__in=ids).values_list("enterprise__jurisdiction_id", flat=True))
    return inspectors, {c for c in codes if c}


def event_for(frm: int, to: int, scopes: set[str] | None) -> Event:
    """An event with its readers resolved (scopes None: read them from the index)."""
    if scopes is None:
        from .models import IndexedDoc

        scopes = set(IndexedDoc.objects.filter(seq__gt=frm, seq__lte=to).values_list("scope", flat=True).distinct())
    inspectors, codes = _readers(scopes - {PUBLIC_SCOPE})
    return Event(frm=frm, to=to, public=PUBLIC_SCOPE in scopes, inspectors=inspectors, jurisdictions=codes)


class Watcher:
    """The process's registry of waiting feeds and its one watching thread (started on first use)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: set[Waiter] = set()
        self._history: collections.deque[Event] = collections.deque(maxlen=_HISTORY)
        self._seen: int | None = None  # highest sequence handled
        self._complete_from: int | None = None  # history holds every event after this sequence
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.mode = ""
        self.events_handled = 0
        self.queries = 0  # queries the watching thread made (tests check idle cost)

    # -- registry ----------------------------------------------------------------------------

    @property
    def waiting(self) -> int:
        with self._lock:
            return len(self._waiters)

    def register(self, waiter: Waiter) -> None:
        """Add a waiter that read the counter at `waiter.checked`; wake it at once if a handled
        event after that touches it (or the history does not reach back that far)."""
        self.ensure_started()
        with self._lock:
            self._waiters.add(waiter)
            if self._seen is None or self._seen <= waiter.checked:
                return
            if self._complete_from is None or waiter.checked < self._complete_from:
                waiter.wake()
                return
            for event in self._history:
                if event.to > waiter.checked and _touches(event, waiter):
                    waiter.wake()
                    return

    def unregister(self, waiter: Waiter) -> None:
        with self._lock:
            self._waiters.discard(waiter)

    def rechecked(self, waiter: Waiter, checked: int) -> None:
        """A woken waiter checked up to `checked` and waits again: replay what came after."""
        with self._lock:
            waiter.checked = checked
            if self._seen is None or self._seen <= checked:
                return
            if self._complete_from is None or checked < self._complete_from:
                waiter.wake()
                return
            for event in self._history:
                if event.to > checked and _touches(event, waiter):
                    waiter.wake()
                    return

    def wake_all(self, *, abort: bool = False) -> None:
        with self._lock:
            waiters = list(self._waiters)
        for waiter in waiters:
            waiter.abort() if abort else waiter.wake()

    def dispatch(self, event: Event) -> int:
        """Record a handled event and wake the waiters it touches; returns how many were woken."""
        woken = 0
        with self._lock:
            if self._seen is None:
                self._seen = event.frm
                self._complete_from = event.frm
            if event.frm > self._seen:  # a gap (e.g. a lost connection): history incomplete before it
                self._complete_from = event.frm
            if len(self._history) == self._history.maxlen:
                self._complete_from = max(self._complete_from or 0, self._history[0].to)
            self._history.append(event)
            self._seen = max(self._seen, event.to)
            waiters = list(self._waiters)
            self.events_handled += 1
        for waiter in waiters:
            if _touches(event, waiter):
                waiter.wake()
                woken += 1
        return woken

    # -- the watching thread -------------------------------------------------------------------

    def ensure_started(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="sync-index-watcher", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=5)
        self._thread = None

    def _run(self) -> None:
        mode = getattr(settings, "SYNC_FEED_WATCH", "auto")
        if mode == "auto":
            mode = "listen" if connection.vendor == "postgresql" else "poll"
        self.mode = mode
        backoff = 0.5
        while not self._stop.is_set():
            try:
                if mode == "listen":
                    self._listen()
                else:
                    self._poll()
                backoff = 0.5
            except Exception:  # noqa: BLE001 - the watcher must outlive database hiccups
                log.exception("sync index watcher failed; retrying in %.1f s", backoff)
                try:
                    connection.close()
                except Exception:  # noqa: BLE001
                    pass
                # Something may have been missed meanwhile: every feed checks once.
                self._everyone()
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)
        try:
            connection.close()
        except Exception:  # noqa: BLE001
            pass

    def _counter(self) -> int:
        from .access import current_seq

        self.queries += 1
        return current_seq()

    def _everyone(self) -> None:
        with self._lock:
            seen = self._seen
        if seen is None:
            return
        self.dispatch(Event(frm=seen, to=seen, everyone=True))

    def _poll(self) -> None:
        interval = float(getattr(settings, "SYNC_WATCH_INTERVAL_S", 0.1))
        seen = self._counter()
        with self._lock:
            if self._seen is None:
                self._seen = self._complete_from = seen
            else:
                seen = self._seen
        self._everyone()  # feeds registered before this thread knew the counter check once
        while not self._stop.wait(interval):
            top = self._counter()
            if top > seen:
                self.queries += 3
                self.dispatch(event_for(frm=seen, to=top, scopes=None))
                seen = top

    def _listen(self) -> None:
        import psycopg

        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        params.pop("prepare_threshold", None)
        with psycopg.connect(**params, autocommit=True) as listener:
            listener.execute(f"LISTEN {CHANNEL}")
            top = self._counter()  # after LISTEN: nothing committed later is missed
            with self._lock:
                if self._seen is None:
                    self._seen = self._complete_from = top
            self._everyone()  # feeds registered before (or while the connection was lost) check once
            while not self._stop.is_set():
                pending = []
                for note in listener.notifies(timeout=1.0, stop_after=1):
                    pending.append(note)
                if not pending:
                    continue
                for note in listener.notifies(timeout=0.01, stop_after=200):  # drain a burst
                    pending.append(note)
                self._handle_notes(pending)

    def _handle_notes(self, notes) -> None:
        frm = to = None
        scopes: set[str] | None = set()
        for note in notes:
            try:
                data = orjson.loads(note.payload)
                a, b = int(data["from"]), int(data["to"])
            except (ValueError, KeyError, TypeError):
                continue
            frm = a if frm is None else min(frm, a)
            to = b if to is None else max(to, b)
            if scopes is not None:
                if isinstance(data.get("scopes"), list):
                    scopes.update(s for s in data["scopes"] if isinstance(s, str))
                else:
                    scopes = None
        if frm is None:
            return
        with self._lock:
            seen = self._seen
        if seen is not None and to <= seen:
            return
        close_old_connections()
        self.queries += 2 if scopes is not None else 3
        self.dispatch(event_for(frm=frm if seen is None else min(frm, seen), to=to, scopes=scopes))


_watcher: Watcher | None = None
_watcher_lock = threading.Lock()


def watcher() -> Watcher:
    global _watcher
    if _watcher is None:
        with _watcher_lock:
            if _watcher is None:
                _watcher = Watcher()
    return _watcher


def reset_watcher() -> None:
    """Stop and forget the process's watcher (tests that switch databases)."""
    global _watcher
    with _watcher_lock:
        if _watcher is not None:
            _watcher.stop()
        _watcher = None


def now() -> float:
    return time.monotonic()
