"""The reconciler against a real sync store: folding, replay, crash mid-batch, conflicts, photos,
the errors table, lag and several workers."""
from __future__ import annotations

import threading
import time

import pytest

from server.dossiers import fold as fold_module
from server.dossiers.models import Answer, DocConflict, Dossier, FieldRevision, Photo, PhotoStatus
from sync.reconciler import checkpoint, feed, selectors
from sync.reconciler.models import ChangeError, ChangeErrorState, Checkpoint
from sync.reconciler.processor import Reconciler
from tests import factories
from tests.media import media_factories as mf
from tests.server.dossiers import field_docs as fd
from tests.sync.reconciler import store_docs

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_dirs")]


@pytest.fixture
def inspection():
    return factories.inspection(inspectors=[factories.user("inspector", jurisdiction="445202")])


def _author(inspection) -> str:
    return inspection.inspectors.first().username


def _answers(inspection, n: int) -> list[dict]:
    codes = ["cert-1", "cert-2", "cert-3", "cert-4", "mark-1", "mark-2", "mark-3"]
    values = {"cert-1": "ccc", "cert-3": "2019010101000001"}
    return [store_docs.new_doc(fd.answer(inspection, c, values.get(c, True), author=_author(inspection)))
            for c in codes[:n]]


def _snapshot():
    return (
        sorted(FieldRevision.objects.values_list("doc_id", "rev", "body")),
        sorted(Answer.objects.values_list("doc_id", "rev", "value", "author")),
        sorted(Dossier.objects.values_list("inspection_id", "status", "completeness")),
        sorted(DocConflict.objects.values_list("doc_id", "winning_rev")),
    )


def test_folds_pushed_docs_and_skips_server_docs(sync_store, inspection):
    store_docs.bulk_docs(_answers(inspection, 4) + [{"_id": "checklist:x:1", "type": "checklist"}])
    reconciler = Reconciler(batch_size=3)
    reconciler.run_until_caught_up()
    assert Answer.objects.filter(inspection=inspection).count() == 4
    assert FieldRevision.objects.count() == 4
    assert Dossier.objects.get(pk=inspection.pk).status == "in_progress"
    assert selectors.reconciler_lag_seconds() == 0.0


def test_the_risk_of_folded_quick_tests_is_stored_once_caught_up(sync_store, inspection):
    """Quick tests folded over several batches mark the enterprise; the reconciler's job recomputes its
    risk once, with every failed test as a signal."""
    from server.credit.models import RiskPending, RiskProfile

    def quicktest(ohm):
        return store_docs.new_doc(fd.quicktest(inspection, author=_author(inspection), inputs={
            "material": "copper", "coated": False, "conductor_class": 1, "cross_section_mm2": 2.5,
            "length_m": 10, "measured_ohm": ohm, "temperature_c": 20}))

    failing = [quicktest(0.08 + 0.001 * k) for k in range(5)]  # 8.0 Ω/km and up > 7.41: fail
    store_docs.bulk_docs(failing + [quicktest(0.07)])
    Reconciler(batch_size=2).run_until_caught_up()
    stored = RiskProfile.objects.get(enterprise=inspection.enterprise)
    assert sorted(s["source"] for s in stored.signals) == sorted(d["_id"] for d in failing)
    assert (stored.score, stored.risk_class) == (50, "C")
    assert not RiskPending.objects.exists()


def test_replay_from_the_start_changes_nothing(sync_store, inspection):
    store_docs.bulk_docs(_answers(inspection, 5))
    Reconciler(batch_size=2).run_until_caught_up()
    before = _snapshot()
    Checkpoint.objects.update(seq=checkpoint.encode(0))  # forget the checkpoint: every change again
    Reconciler(batch_size=2).run_until_caught_up()
    assert _snapshot() == before


def test_crash_mid_batch_then_restart_gives_the_same_dossier_without_duplicates(sync_store, inspection, monkeypatch):
    docs = _answers(inspection, 6)
    store_docs.bulk_docs(docs)
    original = fold_module._apply

    calls = {"n": 0}

    def crashing_apply(items):
        original(items)  # rows are written inside the batch transaction ...
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("killed mid-batch")  # ... and the process dies before commit

    monkeypatch.setattr(fold_module, "_apply", crashing_apply)
    reconciler = Reconciler(batch_size=3)
    with pytest.raises(KeyboardInterrupt):
        reconciler.run_until_caught_up()
    # First batch committed with its checkpoint; the second rolled back entirely.
    assert FieldRevision.objects.count() == 3
    monkeypatch.setattr(fold_module, "_apply", original)
    Reconciler(batch_size=3).run_until_caught_up()
    assert FieldRevision.objects.count() == 6
    assert Answer.objects.count() == 6
    assert sorted(FieldRevision.objects.values_list("doc_id", flat=True)) == sorted(d["_id"] for d in docs)


def test_conflicting_revisions_from_the_store_are_kept_until_resolved(sync_store, inspection):
    doc = store_docs.new_doc(fd.answer(inspection, "cert-2", True, author=_author(inspection)))
    rev = store_docs.put(doc)
    # A second tablet edited the same doc offline: replicated in with new_edits=false.
    store_docs.bulk_docs([dict(doc, _rev="1-ffffffffffffffffffffffffffffffff", value=False, author="other-tablet")],
                         new_edits=False)
    Reconciler().run_until_caught_up()
    conflict = DocConflict.objects.get(doc_id=doc["_id"])
    assert {r["value"] for r in conflict.revisions} == {True, False}
    assert FieldRevision.objects.filter(doc_id=doc["_id"]).count() == 2
    # Resolution: delete the losing revision in the store; the next fold closes the conflict.
    losing = [r["rev"] for r in conflict.revisions if not r["winning"]][0]
    response = store_docs.store.session().delete(store_docs.store.db_url(doc["_id"]), params={"rev": losing}, timeout=10)
    assert response.status_code in (200, 202), response.text
    Reconciler().run_until_caught_up()
    assert not DocConflict.objects.filter(doc_id=doc["_id"]).exists()
    assert rev  # the first write's rev may or may not be the winner; both were kept


def test_photo_attachments_are_processed_and_bad_ones_do_not_block_others(sync_store, inspection):
    good = mf.jpeg(width=120, height=80, exif=mf.make_exif(taken="2019:07:01 10:00:00"))
    bad = b"\xff\xd8\xff" + b"\x00" * 500  # claims JPEG, is not
    good_doc = store_docs.with_image(fd.photo(inspection, author=_author(inspection), data=good, item_code="cert-2"), good)
    bad_doc = store_docs.with_image(fd.photo(inspection, author=_author(inspection), data=bad), bad)
    mismatch_doc = store_docs.with_image(fd.photo(inspection, author=_author(inspection), data=good, sha256="e" * 64), good)
    store_docs.bulk_docs([bad_doc, mismatch_doc, good_doc] + _answers(inspection, 2))
    Reconciler().run_until_caught_up()
    assert Photo.objects.get(doc_id=good_doc["_id"]).status == PhotoStatus.VERIFIED
    assert Photo.objects.get(doc_id=bad_doc["_id"]).status == PhotoStatus.REJECTED
    assert "sha256" in Photo.objects.get(doc_id=mismatch_doc["_id"]).error
    assert Answer.objects.count() == 2


def test_a_failing_change_goes_to_the_error_table_and_is_retried(sync_store, inspection, monkeypatch):
    docs = _answers(inspection, 3)
    store_docs.bulk_docs(docs)
    failing = docs[1]["_id"]
    original = fold_module._prepare

    def flaky(change, inspection_obj, inspection_id):
        if change.doc_id == failing:
            raise fold_module.FoldError("item_code: simulated failure")
        return original(change, inspection_obj, inspection_id)

    monkeypatch.setattr(fold_module, "_prepare", flaky)
    reconciler = Reconciler()
    reconciler.run_until_caught_up()
    error = ChangeError.objects.get(doc_id=failing)
    assert error.state == ChangeErrorState.PENDING and "simulated" in error.error
    assert Answer.objects.count() == 2  # the others were folded; the checkpoint moved on
    monkeypatch.setattr(fold_module, "_prepare", original)
    ChangeError.objects.update(next_attempt_at=error.created_at)  # due now
    assert reconciler.retry_errors() == 1
    assert ChangeError.objects.get(doc_id=failing).state == ChangeErrorState.RESOLVED
    assert Answer.objects.count() == 3


def test_unknown_inspection_is_recorded_not_blocking(sync_store, inspection):
    import uuid

    stray = store_docs.new_doc(fd.answer(inspection, "cert-2", True, author=_author(inspection)))
    stray["inspection_id"] = str(uuid.uuid4())
    stray["_id"] = f"answer:{stray['inspection_id']}:cert-2"
    store_docs.bulk_docs([stray] + _answers(inspection, 1))
    Reconciler().run_until_caught_up()
    assert ChangeError.objects.get(doc_id=stray["_id"]).state == ChangeErrorState.PENDING
    assert Answer.objects.count() == 1


def test_deleting_a_doc_in_the_store_removes_it_from_the_dossier(sync_store, inspection):
    doc = store_docs.new_doc(fd.answer(inspection, "cert-2", True, author=_author(inspection)))
    rev = store_docs.put(doc)
    Reconciler().run_until_caught_up()
    store_docs.store.session().delete(store_docs.store.db_url(doc["_id"]), params={"rev": rev}, timeout=10)
    Reconciler().run_until_caught_up()
    assert not Answer.objects.filter(doc_id=doc["_id"]).exists()
    assert FieldRevision.objects.filter(doc_id=doc["_id"], deleted=True).count() == 1


def test_lag_is_positive_while_changes_wait_and_zero_when_caught_up(sync_store, inspection):
    assert selectors.reconciler_lag_seconds() is None
    Reconciler().run_until_caught_up()
    assert selectors.reconciler_lag_seconds() == 0.0
    store_docs.bulk_docs(_answers(inspection, 1))
    checkpoint.mark_seen(pending=True)
    time.sleep(0.05)
    assert selectors.reconciler_lag_seconds() > 0
    Reconciler().run_until_caught_up()
    assert selectors.reconciler_lag_seconds() == 0.0


def test_a_second_worker_never_folds_a_batch_twice(sync_store, inspection, monkeypatch):
    store_docs.bulk_docs(_answers(inspection, 4))
    first, second = Reconciler(batch_size=10), Reconciler(batch_size=10)
    real_read = feed.read_changes

    def read_then_lose_the_race(**kwargs):
        batch = real_read(**kwargs)
        monkeypatch.setattr(feed, "read_changes", real_read)
        second.fold_once()  # the other worker folds the same batch first
        return batch

    monkeypatch.setattr(feed, "read_changes", read_then_lose_the_race)
    assert first.fold_once() == 0  # stale checkpoint: dropped
    assert second.folded == 4 and first.folded == 0
    assert FieldRevision.objects.count() == 4


def test_sequences_are_passed_back_opaquely():
    assert feed.since_param("12-g1AAAAB4eJzLYWBgYMpgTmHgz8tPSTV0MDQy") == "12-g1AAAAB4eJzLYWBgYMpgTmHgz8tPSTV0MDQy"
    assert feed.since_param(42) == "42"
    assert checkpoint.decode(checkpoint.encode("3-abc")) == "3-abc"
    assert checkpoint.decode(checkpoint.encode(7)) == 7


@pytest.mark.django_db(transaction=True)
def test_pushed_doc_shows_in_the_dossier_api_within_5_seconds(sync_store, api):
    from django.db import connection

    # The contract's jurisdictions are back after the flush: tests/conftest.py `_contract_jurisdictions`.
    inspection = factories.inspection(inspectors=[factories.user("inspector", jurisdiction="445202")])
    if connection.vendor == "sqlite":
        # The test database is shared-cache in-memory SQLite, which locks whole tables (no busy
        # timeout) while the reconciler's thread writes; let this reader skip those locks.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA read_uncommitted = 1")
    reconciler = Reconciler(poll_s=1.0)
    thread = threading.Thread(target=reconciler.run_forever, daemon=True)
    thread.start()
    try:
        time.sleep(0.5)
        client = api(factories.user("admin"))
        doc = store_docs.new_doc(fd.answer(inspection, "cert-2", False, author=_author(inspection)))
        pushed = time.monotonic()
        store_docs.put(doc)
        seen = None
        while time.monotonic() - pushed < 5:
            body = client.get(f"/api/v1/dossiers/{inspection.pk}/").json()
            if body["answers"] and body["status"] == "in_progress":  # reads may be uncommitted
                seen = time.monotonic() - pushed
                break
            time.sleep(0.1)
        assert seen is not None and seen < 5, "pushed doc did not reach the dossier within 5 s"
        assert body["answers"][0]["value"] is False and body["status"] == "in_progress"
    finally:
        reconciler.stop_event.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


def test_posted_photo_flows_through_the_store_and_the_reconciler(sync_store, api, inspection):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = mf.jpeg(width=64, height=64, exif=mf.make_exif(taken="2019:07:01 10:00:00"))
    response = api(inspection.inspectors.first()).post("/api/v1/photos/", {
        "inspection_id": str(inspection.pk), "item_code": "cert-2", "taken_at": "2019-07-01T10:00:00+08:00",
        "file": SimpleUploadedFile("p.jpg", data, content_type="image/jpeg")}, format="multipart")
    assert response.status_code == 201, response.content
    photo_id = response.json()["id"]
    assert feed.fetch_doc(doc_id=photo_id)["sha256"] == response.json()["sha256"]
    Reconciler().run_until_caught_up()
    photo = Photo.objects.get(doc_id=photo_id)
    assert photo.status == PhotoStatus.VERIFIED and not photo.has_attachment  # verified from the blob


def test_management_command_once(sync_store, inspection):
    from django.core.management import call_command

    store_docs.bulk_docs(_answers(inspection, 2))
    call_command("reconcile", "--once")
    assert Answer.objects.count() == 2


def test_healthz_shows_the_lag(sync_store, inspection, api):
    store_docs.bulk_docs(_answers(inspection, 1))
    Reconciler().run_until_caught_up()
    body = api().get("/healthz").json()
    assert body["reconciler_lag_s"] == 0


@pytest.mark.django_db(transaction=True)  # the fold's transaction is the outermost one, as in the service
def test_on_postgresql_a_fold_commits_without_waiting_for_its_wal_flush(sync_store, inspection, monkeypatch):
    """Asynchronous commit for the fold transaction only (a lost commit loses its checkpoint with it)."""
    from django.db import connection

    from sync.reconciler import processor

    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL setting")
    seen = []
    original = processor.apply_fold

    def apply_and_look(**kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            seen.append(cursor.fetchone()[0])
        return original(**kwargs)

    monkeypatch.setattr(processor, "apply_fold", apply_and_look)
    store_docs.bulk_docs(_answers(inspection, 2))
    Reconciler(batch_size=5).run_until_caught_up()
    assert seen and set(seen) == {"off"}
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"  # SET LOCAL: the connection's other work is untouched
    assert Answer.objects.filter(inspection=inspection).count() == 2
