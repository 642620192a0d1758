"""The reconciler: folds the store's _changes into SQL dossiers (commcare-hq pillow shape:
feed → processor, checkpoint in SQL, errors table with retry).

A batch of changes, their fold and the checkpoint's advance commit in one SQL transaction, so a
crash mid-batch leaves the checkpoint where it was and a replay changes nothing (revisions are
recorded once per (doc_id, rev); current-state rows are set from the winning revision). A change
that fails is recorded in ChangeError and retried with backoff; it never blocks the others.
"""
from __future__ import annotations

import importlib
import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.utils import timezone

from server.dossiers.services import (
    FieldChange,
    apply_fold,
    fold_field_docs,
    is_field_doc,
    prepare_fold,
    process_pending_photos,
)
from sync import store

from . import checkpoint, feed
from .models import ChangeError, ChangeErrorState

log = logging.getLogger("sync.reconciler")

MAX_ERROR_ATTEMPTS = 10


def _hook(module_name: str, function_name: str):
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    return getattr(module, function_name, None)


def _run_hook(module_name: str, function_name: str) -> None:
    """Run one periodic job; its failures are logged and never stop folding."""
    hook = _hook(module_name, function_name)
    if hook is None:
        return
    started = time.perf_counter()
    try:
        hook()
    except Exception:  # noqa: BLE001
        log.exception("%s.%s failed", module_name, function_name)
    log.debug("%s.%s took %.3f s", module_name, function_name, time.perf_counter() - started)


def tune_connection() -> None:
    """A larger page cache for the reconciler's SQLite connection: folding inserts into indexes keyed by
    random doc ids, and SQLite's default 2 MB cache makes the cost per doc grow with the table."""
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -131072")  # KiB: 128 MB


def relax_commit() -> None:
    """PostgreSQL: let this fold transaction's COMMIT return before its WAL is flushed to disk (about
    7 ms a batch here). Safe for a fold alone: the checkpoint's advance is in the same transaction, so
    a database crash that loses the last commits loses their checkpoint too, and those changes are
    folded again (a replay changes nothing). The database stays consistent either way (PostgreSQL
    docs, "Asynchronous Commit"). SQLite already runs with synchronous=NORMAL in WAL mode."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO off")


class Reconciler:
    def __init__(self, *, batch_size: int = 1000, poll_s: float = 2.0, photo_limit: int = 10,
                 photo_budget_s: float = 2.0, publish_every_s: float = 5.0, retry_every_s: float = 5.0,
                 index_check_every_s: float | None = None):
        self.batch_size = batch_size
        self.poll_s = poll_s
        self.photo_limit = photo_limit
        self.photo_budget_s = photo_budget_s
        self.publish_every_s = publish_every_s
        self.retry_every_s = retry_every_s
        self.stop_event = threading.Event()
        self._tuned = False
        self.timings = {"feed_s": 0.0, "fold_s": 0.0}
        self.folded = 0
        self.read = 0
        self._started = time.monotonic()
        self._last_publish = 0.0
        self.index_check_every_s = float(index_check_every_s if index_check_every_s is not None
                                         else getattr(settings, "GATEWAY_INDEX_CHECK_S", 30.0))
        self._last_index_check = 0.0
        self._last_retry = 0.0
        self._last_report = time.monotonic()
        self._last_report_folded = 0
        self._first_seen: float | None = None  # when the oldest change not yet folded was first seen
        self._mark = None  # the gateway's sync activity mark at the last look (yield_to_syncs)
        self._busy_at = float("-inf")  # when tablets were last seen syncing
        self._last_hold_s = 0.0  # how long the last fold held its transaction
        self._reader: ThreadPoolExecutor | None = None
        self._ahead: tuple[str, Future] | None = None  # the next batch, read while this one folds
        self.yielded_s = 0.0  # time spent letting tablets' syncs go first (tests, reports)

    # --- folding -----------------------------------------------------------------------------
    def _changes_for(self, results: list[dict]) -> list[FieldChange]:
        changes = []
        for row in results:
            doc = row.get("doc")
            if doc is None:
                if row.get("deleted"):
                    doc = {"_id": row.get("id"), "_rev": (row.get("changes") or [{}])[0].get("rev"), "_deleted": True}
                else:
                    continue
            conflict_docs = []
            if doc.get("_conflicts") and is_field_doc(doc):
                conflict_docs = feed.fetch_revisions(doc_id=doc["_id"], revs=list(doc["_conflicts"]))
            changes.append(FieldChange(doc=doc, conflict_docs=conflict_docs, seq=row.get("seq")))
        return changes

    def yield_to_syncs(self) -> int:
        """Syncs before folds; returns how many changes the next batch may fold.

        While tablets are syncing (the gateway's index counter or its newest replication checkpoint
        moved since the last look: sync/gateway/activity.py), wait until they have been quiet for
        RECONCILER_QUIET_S: a fold reads the store and holds SQL's write lock (all of SQLite), the
        two things a push or a pull is waiting on. While tablets keep syncing (or did within
        BUSY_MEMORY_S), batches are short (RECONCILER_BUSY_BATCH), and while they sync each batch
        first pauses as long as the last one held the lock: a tablet's checkpoint or push that
        arrived during that transaction (the gateway retries for the lock every 2 ms:
        sync/gateway/sqlite_lock.py) finds it free instead of losing it to the next one. But once the oldest
        change not yet folded was first seen RECONCILER_YIELD_MAX_S ago, no more waits or pauses
        until the reconciler has caught up: the dossier lag stays bounded under a steady stream of
        syncs (by that, plus the time to fold)."""
        from sync.gateway.activity import sync_mark

        quiet = float(getattr(settings, "RECONCILER_QUIET_S", 0.15))
        if quiet <= 0:
            return self.batch_size
        budget = float(getattr(settings, "RECONCILER_YIELD_MAX_S", 1.5))
        started = time.monotonic()
        if self._first_seen is None:
            self._first_seen = started
        deadline = self._first_seen + budget
        mark = sync_mark()
        busy, self._mark = self._mark is not None and mark != self._mark, mark
        while busy and time.monotonic() < deadline:
            self._busy_at = time.monotonic()
            if self.stop_event.wait(min(quiet, max(0.0, deadline - time.monotonic()))):
                break
            mark = sync_mark()
            busy, self._mark = mark != self._mark, mark
        if busy:  # still syncing: short batches, each after a pause as long as the last one held the lock
            self._busy_at = time.monotonic()
            self.stop_event.wait(min(quiet, self._last_hold_s, max(0.0, deadline - time.monotonic())))
        self.yielded_s += time.monotonic() - started
        log.debug("gave way to syncing tablets for %.3f s (still syncing: %s)", time.monotonic() - started, busy)
        if time.monotonic() - self._busy_at < BUSY_MEMORY_S:
            return min(self.batch_size, int(getattr(settings, "RECONCILER_BUSY_BATCH", 150)))
        return self.batch_size

    def fold_once(self, *, wait_s: float = 0.0, yield_to_syncs: bool = False) -> int:
        """Read and fold one batch. Returns the number of feed rows read (0: nothing new).
        `yield_to_syncs` (the service's loop): let tablets' syncs go first (`yield_to_syncs`)."""
        if not self._tuned:
            tune_connection()
            self._tuned = True
        cp = checkpoint.get_or_create()
        since_text = cp.seq
        if wait_s > 0 and not feed.wait_for_change(since=checkpoint.decode(since_text), wait_s=wait_s,
                                                   stop_event=self.stop_event):
            return 0
        limit = self.yield_to_syncs() if yield_to_syncs else self.batch_size
        started = time.perf_counter()
        batch = self._read(since_text, limit)
        if not batch.at_end:
            self._read_ahead(checkpoint.encode(batch.last_seq), limit)
        if batch.at_end:
            self._first_seen = None  # caught up: the next change may wait for tablets again
        if not batch.results:
            with transaction.atomic():
                locked = checkpoint.lock()
                if locked.seq == since_text and (not locked.caught_up or locked.pending_since):
                    locked.caught_up, locked.pending_since = True, None
                    locked.save(update_fields=["caught_up", "pending_since", "updated_at"])
            return 0
        checkpoint.mark_seen(pending=True)
        changes = self._changes_for(batch.results)
        # Verdicts and rows are computed before the transaction: on SQLite it holds the write lock
        # (all of the database, transaction_mode IMMEDIATE) that tablets' pushes and checkpoints wait
        # for, and a reconciler at low CPU priority must not hold it while it computes.
        prepared = prepare_fold(changes=changes)
        read_done = time.perf_counter()
        self.timings["feed_s"] += read_done - started
        with transaction.atomic():
            relax_commit()
            locked = checkpoint.lock()
            if locked.seq != since_text:
                return 0  # another worker folded this batch first
            outcome = apply_fold(prepared=prepared)
            self._record_errors(outcome.errors, changes)
            self._resolve_errors([c.doc_id for c in changes if c.doc_id not in outcome.errors])
            checkpoint.advance(checkpoint=locked, seq=batch.last_seq, folded=outcome.applied, at_end=batch.at_end)
        self._last_hold_s = time.perf_counter() - read_done
        log.debug("folded %d changes: read and prepared in %.3f s, held the write transaction %.3f s",
                  len(batch.results), read_done - started, self._last_hold_s)
        self.timings["fold_s"] += self._last_hold_s
        self.folded += outcome.applied
        self.read += len(batch.results)
        return len(batch.results)

    # --- reading ahead: the store read of the next batch overlaps this batch's fold ----------------
    def _read(self, since_text: str, limit: int) -> feed.ChangesBatch:
        """The batch after `since_text`: the one read ahead if it starts there (cut to `limit`:
        every row carries its own seq, a valid place to continue from), else read now."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead[0] == since_text:
            batch = ahead[1].result()  # StoreUnavailable propagates as from a direct read
            if len(batch.results) > limit and batch.results[limit - 1].get("seq") is not None:
                rows = batch.results[:limit]
                return feed.ChangesBatch(results=rows, last_seq=rows[-1]["seq"], at_end=False)
            return batch
        if ahead is not None:
            ahead[1].cancel()
        return feed.read_changes(since=checkpoint.decode(since_text), limit=limit)

    def _read_ahead(self, since_text: str, limit: int) -> None:
        if self._reader is None:
            self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reconciler-read")
        self._ahead = (since_text, self._reader.submit(feed.read_changes, since=checkpoint.decode(since_text),
                                                       limit=limit))

    def close(self) -> None:
        """Stop reading ahead (the service calls it when it stops)."""
        self._ahead = None
        if self._reader is not None:
            self._reader.shutdown(wait=False, cancel_futures=True)
            self._reader = None

    def _record_errors(self, errors: dict[str, str], changes: list[FieldChange]) -> None:
        if not errors:
            return
        by_id = {c.doc_id: c for c in changes}
        now = timezone.now()
        for doc_id, reason in errors.items():
            change = by_id.get(doc_id)
            log.warning("change %s failed: %s", doc_id, reason)
            existing = ChangeError.objects.filter(doc_id=doc_id).first()
            rev = change.rev if change else ""
            seq = checkpoint.encode(change.seq) if change else ""
            if existing is None:
                ChangeError.objects.create(doc_id=doc_id, rev=rev, seq=seq, error=reason[:4000],
                                           next_attempt_at=now + timedelta(seconds=2))
            else:
                attempts = existing.attempts + (1 if existing.rev == rev else 0)
                ChangeError.objects.filter(pk=existing.pk).update(
                    rev=rev, seq=seq, error=reason[:4000], attempts=max(1, attempts),
                    state=ChangeErrorState.PENDING if attempts < MAX_ERROR_ATTEMPTS else ChangeErrorState.DEAD,
                    next_attempt_at=now + timedelta(seconds=min(3600, 2 ** attempts)),
                )

    def _resolve_errors(self, doc_ids: list[str]) -> None:
        if doc_ids and ChangeError.objects.filter(state=ChangeErrorState.PENDING).exists():
            ChangeError.objects.filter(doc_id__in=doc_ids, state=ChangeErrorState.PENDING).update(
                state=ChangeErrorState.RESOLVED)

    def retry_errors(self, *, limit: int = 50) -> int:
        """Fold again the current revision of docs whose change failed; returns how many were tried."""
        due = list(ChangeError.objects.filter(state=ChangeErrorState.PENDING, next_attempt_at__lte=timezone.now())
                   .order_by("next_attempt_at")[:limit])
        for error in due:
            doc = feed.fetch_doc(doc_id=error.doc_id)
            if doc is None:
                ChangeError.objects.filter(pk=error.pk).update(state=ChangeErrorState.RESOLVED)
                continue
            conflict_docs = feed.fetch_revisions(doc_id=doc["_id"], revs=list(doc.get("_conflicts") or []))
            change = FieldChange(doc=doc, conflict_docs=conflict_docs)
            with transaction.atomic():
                outcome = fold_field_docs(changes=[change])
            if error.doc_id in outcome.errors:
                attempts = error.attempts + 1
                ChangeError.objects.filter(pk=error.pk).update(
                    attempts=attempts, error=outcome.errors[error.doc_id][:4000], rev=change.rev,
                    state=ChangeErrorState.DEAD if attempts >= MAX_ERROR_ATTEMPTS else ChangeErrorState.PENDING,
                    next_attempt_at=timezone.now() + timedelta(seconds=min(3600, 2 ** attempts)),
                )
            else:
                ChangeError.objects.filter(pk=error.pk).update(state=ChangeErrorState.RESOLVED)
        return len(due)

    # --- other work of each loop ------------------------------------------------------------------
    def process_photos(self) -> int:
        return process_pending_photos(limit=self.photo_limit, fetch_attachment=feed.fetch_attachment,
                                      budget_s=self.photo_budget_s)

    def run_hooks(self, *, force: bool = False) -> None:
        """The periodic jobs that share the reconciler's process: recomputing the risk of enterprises
        whose quick tests were folded, publishing server docs, checking the gateway's access index
        against the store, applying conflict resolutions."""
        now = time.monotonic()
        _run_hook("server.credit.risk", "refresh_some")
        if force or now - self._last_publish >= self.publish_every_s:
            self._last_publish = now
            _run_hook("sync.publisher", "publish_all_pending")
        due = now - self._last_index_check >= self.index_check_every_s
        # The index check reads everything the store took since the last one: it waits until the
        # folds have caught up and tablets have been quiet a moment (syncs before folds), unless it
        # is four periods late.
        idle = self._first_seen is None and now - self._busy_at >= BUSY_MEMORY_S
        if force or (due and idle) or now - self._last_index_check >= 4 * self.index_check_every_s:
            self._last_index_check = now
            _run_hook("sync.gateway.repair", "repair_from_checkpoint")
        _run_hook("sync.resolutions", "apply_pending_resolutions")

    def report(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_report < 10:
            return
        span = max(now - self._last_report, 1e-6)
        rate = (self.folded - self._last_report_folded) / span
        log.info("reconciler: folded %d docs (%d feed rows) in total, %.0f docs/s over the last %.0f s; "
                 "%.1f s given way to syncing tablets in total", self.folded, self.read, rate, span, self.yielded_s)
        self._last_report, self._last_report_folded = now, self.folded

    # --- loops ---------------------------------------------------------------------------------
    def run_until_caught_up(self) -> int:
        """Fold until the feed is empty, then process photos and retry errors once (tests, --once)."""
        self.run_hooks(force=True)
        total = 0
        while True:
            read = self.fold_once()
            total += read
            if read == 0:
                break
        _run_hook("server.credit.risk", "refresh_stale")  # all that is due (tests, --once)
        while self.process_photos():
            pass
        self.retry_errors()
        self.report(force=True)
        self.close()
        return total

    def run_forever(self) -> None:
        backoff = 0.5
        last_read = 0
        last_beat = 0.0
        last_jobs = 0.0
        while not self.stop_event.is_set():
            try:
                if time.monotonic() - last_beat >= HEARTBEAT_EVERY_S:
                    checkpoint.beat()
                    last_beat = time.monotonic()
                # Folds first: between batches of a backlog, the periodic jobs run at most every
                # JOBS_IN_BACKLOG_EVERY_S (publishing alone can take a few hundred ms, time the
                # dossier lag budget of 2 s cannot spare, and the moments tablets are quiet are
                # best spent folding).
                if not last_read or time.monotonic() - last_jobs >= JOBS_IN_BACKLOG_EVERY_S:
                    self.run_hooks()
                    self.process_photos()  # bounded: photo_limit images within photo_budget_s
                    last_jobs = time.monotonic()
                idle = not last_read
                last_read = self.fold_once(wait_s=0 if last_read else self.poll_s, yield_to_syncs=True)
                if idle and last_read:
                    last_jobs = time.monotonic()  # a backlog begins: the jobs ran just before it
                if time.monotonic() - self._last_retry >= self.retry_every_s:
                    self._last_retry = time.monotonic()
                    self.retry_errors()
                self.report()
                backoff = 0.5
            except store.StoreUnavailable as exc:
                log.warning("sync store unavailable (%s); retrying in %.1f s", exc, backoff)
                self.stop_event.wait(backoff)
                backoff = min(backoff * 2, 30.0)
                last_read = 0
            except DatabaseError:
                log.exception("database error; retrying in %.1f s", backoff)
                # A restarted or unreachable database leaves this thread's connection broken for good
                # (no request cycle here runs Django's health check): drop it, the next query reconnects.
                connections.close_all()
                self.stop_event.wait(backoff)
                backoff = min(backoff * 2, 30.0)
                last_read = 0
            except Exception:  # noqa: BLE001 - never die on an unexpected error; log and back off
                log.exception("reconciler loop failed; retrying in %.1f s", backoff)
                self.stop_event.wait(backoff)
                backoff = min(backoff * 2, 30.0)
                last_read = 0
        self.report(force=True)
        self.close()
        connections.close_all()  # this thread's sessions: a stopped reconciler holds none open


HEARTBEAT_EVERY_S = 5.0
JOBS_IN_BACKLOG_EVERY_S = 5.0
# Tablets synced this recently: fold in short batches (yield_to_syncs). A sync is a run of batches a
# few tens of ms apart, with gaps of a second or so between a tablet's pull and its push.
BUSY_MEMORY_S = 2.0


def wait_for_store(*, stop_event: threading.Event | None = None, max_wait_s: float | None = None) -> bool:
    started = time.monotonic()
    delay = 0.25
    while True:
        problem = store.ping()
        if problem is None or "HTTP 404" in problem:
            try:
                store.ensure_database()
                return True
            except store.StoreUnavailable as exc:
                problem = str(exc)
        if max_wait_s is not None and time.monotonic() - started > max_wait_s:
            return False
        log.info("waiting for the sync store (%s)", problem)
        if stop_event is not None:
            if stop_event.wait(delay):
                return False
        else:
            time.sleep(delay)
        delay = min(delay * 2, 5.0)
