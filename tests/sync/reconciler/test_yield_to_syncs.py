"""Syncs before folds (issue 13): the reconciler waits while tablets sync through the gateway, never
longer than its budget, folds in short batches while they keep syncing, and reads the next batch
from the store while it folds this one, without folding anything twice or skipping anything."""
from __future__ import annotations

import json
import threading
import time

import pytest
from django.db import connection

from server.dossiers.models import Answer, FieldRevision
from sync.gateway.activity import sync_mark
from sync.reconciler import checkpoint, processor
from sync.reconciler.processor import Reconciler
from tests import factories
from tests.server.dossiers import field_docs as fd
from tests.sync.gateway.conftest import SyncClient
from tests.sync.reconciler import store_docs


class Tablet:
    """A tablet syncing through the gateway: a replication checkpoint written every `every` s, as
    PouchDB writes one after each batch it pulls or pushes."""

    def __init__(self, user):
        self.client = SyncClient(user)
        self.rev = None

    def checkpoint(self):
        body = {"last_seq": time.monotonic()}
        if self.rev:
            body["_rev"] = self.rev
        response = self.client.put("_local/yield-test", body)
        assert response.status_code == 201, response.content
        self.rev = json.loads(response.content)["rev"]

    def sync_for(self, seconds: float, every: float = 0.03):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.checkpoint()
            time.sleep(every)


def _in_thread(fn):
    """Run the reconciler's side in a thread of its own, as the service runs; returns (result, seconds)."""
    out = {}

    def run():
        if connection.vendor == "sqlite":
            # The test database is shared-cache in-memory SQLite, which locks whole tables (no busy
            # timeout) while the tablet's thread writes; let this reader skip those locks.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA read_uncommitted = 1")
        started = time.monotonic()
        try:
            out["result"] = fn()
        finally:
            out["seconds"] = time.monotonic() - started
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


@pytest.mark.django_db(transaction=True)
def test_the_mark_moves_with_pushes_and_checkpoints_and_not_with_reads(sync_store):
    inspector = factories.user("inspector", jurisdiction="445202")
    inspection = factories.inspection(inspectors=[inspector])
    client = SyncClient(inspector)
    before = sync_mark()
    assert client.get("").status_code == 200
    client.changes(since=0)
    assert sync_mark() == before  # reading is not syncing anything to fold
    Tablet(inspector).checkpoint()
    after_checkpoint = sync_mark()
    assert after_checkpoint != before
    doc = fd.answer(inspection, "cert-2", True, author=inspector.username)
    doc["_rev"] = "1-" + "a" * 32
    assert client.push([doc]).status_code == 201
    assert sync_mark() != after_checkpoint


@pytest.mark.django_db(transaction=True)
def test_the_reconciler_waits_while_tablets_sync_and_never_longer_than_its_budget(settings, monkeypatch):
    settings.RECONCILER_QUIET_S = 0.25
    settings.RECONCILER_YIELD_MAX_S = 1.0
    settings.RECONCILER_BUSY_BATCH = 7
    monkeypatch.setattr(processor, "BUSY_MEMORY_S", 0.5)
    tablet = Tablet(factories.user("inspector", jurisdiction="445202"))
    reconciler = Reconciler(batch_size=50)

    # Nobody syncing: the first look only notes the mark; the next goes at once (well within one
    # quiet period), in a full batch.
    thread, out = _in_thread(reconciler.yield_to_syncs)
    thread.join()
    thread, out = _in_thread(reconciler.yield_to_syncs)
    thread.join()
    assert out["result"] == 50 and out["seconds"] < 0.12, out

    # A tablet syncs for longer than the budget: the fold waits the budget, then goes in short batches.
    tablet.checkpoint()
    reconciler._first_seen = None  # caught up, then a change
    thread, out = _in_thread(reconciler.yield_to_syncs)
    tablet.sync_for(1.8)
    thread.join()
    assert 0.95 <= out["seconds"] < 1.6, out
    assert out["result"] == 7

    # It stops syncing. The next look sees the checkpoints written since the last one: one quiet
    # period, still short batches; once quiet for BUSY_MEMORY_S, full batches without waiting.
    time.sleep(0.1)
    reconciler._first_seen = None
    thread, out = _in_thread(reconciler.yield_to_syncs)
    thread.join()
    assert out["seconds"] < 0.6 and out["result"] == 7, out
    time.sleep(0.6)
    thread, out = _in_thread(reconciler.yield_to_syncs)
    thread.join()
    assert out["result"] == 50 and out["seconds"] < 0.12, out


@pytest.mark.django_db(transaction=True)
def test_the_reconciler_goes_as_soon_as_the_tablets_are_quiet(settings):
    settings.RECONCILER_QUIET_S = 0.1
    settings.RECONCILER_YIELD_MAX_S = 3.0
    tablet = Tablet(factories.user("inspector", jurisdiction="445202"))
    reconciler = Reconciler(batch_size=50)
    thread, out = _in_thread(reconciler.yield_to_syncs)  # notes the mark
    thread.join()
    tablet.checkpoint()
    reconciler._first_seen = None
    thread, out = _in_thread(reconciler.yield_to_syncs)
    tablet.sync_for(0.4)
    thread.join()
    # waited while the tablet synced (0.4 s) and about one quiet period after, not the 3 s budget
    assert 0.35 <= out["seconds"] < 1.0, out


@pytest.mark.django_db
@pytest.mark.usefixtures("media_dirs")
def test_reading_ahead_folds_every_change_once_even_when_the_next_batch_is_cut_short(sync_store):
    inspection = factories.inspection(inspectors=[factories.user("inspector", jurisdiction="445202")])
    author = inspection.inspectors.first().username
    codes = ["cert-1", "cert-2", "cert-3", "cert-4", "mark-1", "mark-2", "mark-3", "prod-1", "prod-2", "trade-1",
             "use-1", "end-1"]
    store_docs.bulk_docs([store_docs.new_doc(fd.answer(inspection, code, True, author=author)) for code in codes])
    reconciler = Reconciler(batch_size=5)
    assert reconciler.fold_once() == 5
    assert reconciler._ahead is not None  # the next 5 are being read while these folded
    reconciler.batch_size = 2  # e.g. tablets started syncing: the batch read ahead is cut to 2
    assert reconciler.fold_once() == 2
    assert FieldRevision.objects.count() == 7
    stored = checkpoint.get_or_create().seq
    assert reconciler._ahead is not None and reconciler._ahead[0] == stored  # read on from the cut
    reconciler.batch_size = 5
    while reconciler.fold_once():
        pass
    reconciler.close()
    assert sorted(Answer.objects.values_list("item_code", flat=True)) == sorted(codes)
    assert FieldRevision.objects.count() == len(codes)


@pytest.mark.django_db
@pytest.mark.usefixtures("media_dirs")
def test_a_batch_read_ahead_from_a_checkpoint_that_moved_on_is_dropped(sync_store):
    inspection = factories.inspection(inspectors=[factories.user("inspector", jurisdiction="445202")])
    author = inspection.inspectors.first().username
    codes = ["cert-1", "cert-2", "cert-3", "cert-4", "mark-1", "mark-2"]
    store_docs.bulk_docs([store_docs.new_doc(fd.answer(inspection, code, True, author=author)) for code in codes])
    first, other = Reconciler(batch_size=2), Reconciler(batch_size=2)
    assert first.fold_once() == 2
    assert other.fold_once() == 2  # another worker folds the batch `first` read ahead
    assert first.fold_once() == 2  # `first` drops its read-ahead and reads from the checkpoint
    assert FieldRevision.objects.count() == 6
    assert sorted(Answer.objects.values_list("item_code", flat=True)) == sorted(codes)
    first.close()
    other.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("media_dirs")
def test_the_periodic_jobs_wait_until_a_backlog_is_folded(sync_store, settings, monkeypatch):
    """Folds first: the jobs (publishing, risk, resolutions, photos) run before a backlog and after it,
    not between its batches, unless it lasts longer than JOBS_IN_BACKLOG_EVERY_S."""
    settings.RECONCILER_QUIET_S = 0  # no tablets here: no waiting for them
    inspection = factories.inspection(inspectors=[factories.user("inspector", jurisdiction="445202")])
    author = inspection.inspectors.first().username
    codes = ["cert-1", "cert-2", "cert-3", "cert-4", "mark-1", "mark-2", "mark-3", "prod-1"]
    reconciler = Reconciler(batch_size=2, poll_s=0.2)
    folded_at_jobs: list[int] = []
    monkeypatch.setattr(reconciler, "run_hooks", lambda **kw: folded_at_jobs.append(reconciler.folded))

    def run():
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA read_uncommitted = 1")
        try:
            reconciler.run_forever()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        time.sleep(0.5)  # idle: the jobs run on every turn of the loop
        idle_runs = len(folded_at_jobs)
        assert idle_runs >= 1 and set(folded_at_jobs) == {0}
        store_docs.bulk_docs([store_docs.new_doc(fd.answer(inspection, code, True, author=author)) for code in codes])
        deadline = time.monotonic() + 20
        while reconciler.folded < len(codes) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.6)  # caught up and idle again
    finally:
        reconciler.stop_event.set()
        thread.join(timeout=30)
    assert reconciler.folded == len(codes)
    # four batches of two: the jobs ran before the first and after the last, never in between
    assert [n for n in folded_at_jobs if 0 < n < len(codes)] == [], folded_at_jobs
    assert folded_at_jobs[-1] == len(codes)
