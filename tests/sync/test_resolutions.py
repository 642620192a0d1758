"""Conflict resolutions written to a real sync store (pouchdb-server)."""
import json
import uuid

import pytest

import sync.store
from server.accounts.models import Role
from server.dossiers.models import DocConflict
from server.reviews import services
from server.reviews.models import AuditAction, AuditEvent, ConflictResolution, ResolutionState
from sync.resolutions import apply_pending_resolutions, read_attachment
from tests import factories

pytestmark = pytest.mark.django_db


def store_post(path, body):
    response = sync.store.session().post(sync.store.db_url(path), data=json.dumps(body),
                                         headers={"Content-Type": "application/json"}, timeout=10)
    assert response.status_code in (200, 201), response.text
    return response.json()


def store_get(doc_id, **params):
    response = sync.store.session().get(sync.store.db_url(doc_id), params=params,
                                        headers={"Accept": "application/json"}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def make_conflict(inspection, item_code="mark-1", values=(True, False)):
    """Two tablets wrote the same answer doc offline: two leaf revisions in the store."""
    doc_id = f"answer:{inspection.pk}:{item_code}"
    docs = []
    for n, value in enumerate(values):
        docs.append({"_id": doc_id, "_rev": f"1-{uuid.uuid4().hex}", "type": "answer", "inspection_id": str(inspection.pk),
                     "item_code": item_code, "value": value, "note": "", "author": f"insp{n}", "device_id": f"tab{n}",
                     "answered_at": "2019-07-01T10:00:00+08:00"})
    store_post("_bulk_docs", {"docs": docs, "new_edits": False})
    winner = store_get(doc_id, conflicts="true")
    assert len(winner["_conflicts"]) == len(values) - 1
    revs = [winner["_rev"], *winner["_conflicts"]]
    by_rev = {d["_rev"]: d for d in docs}
    # what the reconciler folds into SQL
    DocConflict.objects.create(
        doc_id=doc_id, doc_type="answer", inspection=inspection, winning_rev=winner["_rev"],
        revisions=[{"rev": r, "winning": r == winner["_rev"], "author": by_rev[r]["author"], "value": by_rev[r]["value"],
                    "body": by_rev[r]} for r in revs],
    )
    return doc_id, winner["_rev"], winner["_conflicts"][0]


def live_leaves(doc_id):
    leaves = store_get(doc_id, open_revs="all")
    return [e["ok"] for e in leaves if "ok" in e and not e["ok"].get("_deleted")]


@pytest.fixture
def ctx(sync_store):
    inspection = factories.inspection()
    supervisor = factories.user(Role.SUPERVISOR, jurisdiction="445202")
    return inspection, supervisor


def test_choosing_the_losing_revision_makes_it_the_only_leaf(ctx):
    inspection, supervisor = ctx
    doc_id, winning, losing = make_conflict(inspection)
    chosen_value = next(r["value"] for r in DocConflict.objects.get().revisions if r["rev"] == losing)
    resolution, _ = services.conflict_resolve(actor=supervisor, inspection=inspection, doc_id=doc_id, rev=losing)
    assert apply_pending_resolutions() == 1
    doc = store_get(doc_id, conflicts="true")
    assert "_conflicts" not in doc
    assert doc["_rev"].startswith("2-") and doc["value"] == chosen_value and doc["author"]
    assert doc["resolution"]["id"] == resolution.pk and doc["resolution"]["by"] == supervisor.username
    assert [leaf["_rev"] for leaf in live_leaves(doc_id)] == [doc["_rev"]]
    # the new revision descends from the chosen one, the other branch ends in a deletion
    history = store_get(doc_id, revs="true")["_revisions"]
    assert history["start"] == 2 and history["ids"][1] == losing.split("-", 1)[1]
    all_leaves = store_get(doc_id, open_revs="all")
    deleted = [e["ok"] for e in all_leaves if e.get("ok", {}).get("_deleted")]
    assert len(deleted) == 1
    resolution.refresh_from_db()
    assert (resolution.state, resolution.new_rev, resolution.deleted_revs) == (ResolutionState.APPLIED, doc["_rev"], [winning])
    assert AuditEvent.objects.filter(action=AuditAction.CONFLICT_APPLIED, subject=doc_id).count() == 1
    assert apply_pending_resolutions() == 0
    # the gateway's access index knows the new winner and the deleted leaf (tablets pull them)
    from sync.gateway.models import IndexedDoc

    row = IndexedDoc.objects.get(doc_id=doc_id)
    assert row.winning_rev == doc["_rev"] and not row.deleted and row.scope == str(inspection.pk)
    assert sorted(deleted for _, deleted in row.leaves) == [False, True]


def test_entered_value_is_written_on_top_of_the_winner(ctx):
    inspection, supervisor = ctx
    doc_id, winning, losing = make_conflict(inspection, values=(True, False, True))
    services.conflict_resolve(actor=supervisor, inspection=inspection, doc_id=doc_id, value=False, comment="复核")
    assert apply_pending_resolutions() == 1
    doc = store_get(doc_id, conflicts="true")
    assert "_conflicts" not in doc and doc["value"] is False
    history = store_get(doc_id, revs="true")["_revisions"]
    assert history["ids"][1] == winning.split("-", 1)[1]
    assert len(live_leaves(doc_id)) == 1


def test_a_revision_that_is_gone_fails_cleanly(ctx):
    inspection, supervisor = ctx
    doc_id, winning, losing = make_conflict(inspection)
    resolution, _ = services.conflict_resolve(actor=supervisor, inspection=inspection, doc_id=doc_id, rev=losing)
    # meanwhile a tablet extended the losing branch: the chosen revision is no longer a leaf
    body = store_get(doc_id, rev=losing)
    body["note"] = "tablet edit"
    store_post("_bulk_docs", {"docs": [body]})
    assert apply_pending_resolutions() == 0
    resolution.refresh_from_db()
    assert resolution.state == ResolutionState.FAILED and losing in resolution.error
    assert AuditEvent.objects.filter(action=AuditAction.CONFLICT_FAILED).count() == 1
    assert len(live_leaves(doc_id)) == 2  # nothing was written


def test_a_retry_after_a_lost_bookkeeping_write_recognises_its_own_revision(ctx):
    inspection, supervisor = ctx
    doc_id, winning, losing = make_conflict(inspection)
    resolution, _ = services.conflict_resolve(actor=supervisor, inspection=inspection, doc_id=doc_id, rev=winning)
    assert apply_pending_resolutions() == 1
    new_rev = store_get(doc_id)["_rev"]
    ConflictResolution.objects.filter(pk=resolution.pk).update(state=ResolutionState.PENDING, new_rev="")
    assert apply_pending_resolutions() == 1
    resolution.refresh_from_db()
    assert resolution.state == ResolutionState.APPLIED and resolution.new_rev == new_rev
    assert store_get(doc_id)["_rev"] == new_rev
    from sync.gateway.models import IndexedDoc

    IndexedDoc.objects.filter(doc_id=doc_id).delete()  # as if the crash came before the index write
    ConflictResolution.objects.filter(pk=resolution.pk).update(state=ResolutionState.PENDING, new_rev="")
    assert apply_pending_resolutions() == 1
    row = IndexedDoc.objects.get(doc_id=doc_id)
    assert row.winning_rev == new_rev and len(row.leaves) == 2


def test_store_down_keeps_the_resolution_pending(ctx, settings):
    inspection, supervisor = ctx
    doc_id, winning, losing = make_conflict(inspection)
    resolution, _ = services.conflict_resolve(actor=supervisor, inspection=inspection, doc_id=doc_id, rev=losing)
    from tests.support.syncstore import free_port

    good = settings.COUCHDB_URL
    settings.COUCHDB_URL = f"http://127.0.0.1:{free_port()}"
    settings.COUCHDB_TIMEOUT_S = 2
    assert apply_pending_resolutions() == 0
    resolution.refresh_from_db()
    assert resolution.state == ResolutionState.PENDING and resolution.attempts == 1 and resolution.error
    settings.COUCHDB_URL = good
    assert apply_pending_resolutions() == 1
    assert len(live_leaves(doc_id)) == 1


def test_read_attachment(ctx):
    inspection, _ = ctx
    import base64

    doc_id = f"closeout:{inspection.pk}"
    store_post("_bulk_docs", {"docs": [{"_id": doc_id, "type": "closeout", "_attachments": {"signature": {
        "content_type": "image/png", "data": base64.b64encode(b"\x89PNG fake").decode()}}}]})
    assert read_attachment(doc_id=doc_id, name="signature") == b"\x89PNG fake"
    assert read_attachment(doc_id=doc_id, name="nothing") is None


def test_a_replica_holding_both_revisions_converges_after_replication(ctx):
    """A tablet that replicated the conflict earlier ends with the same single winner."""
    inspection, supervisor = ctx
    doc_id, winning, losing = make_conflict(inspection)
    replica = f"{sync.store.base_url()}/tablet-{uuid.uuid4().hex[:8]}"
    session = sync.store.session()
    assert session.put(replica, timeout=10).status_code in (201, 202)
    try:
        def replicate():
            response = session.post(f"{sync.store.base_url()}/_replicate", timeout=30,
                                    json={"source": sync.store.db_url(), "target": replica})
            assert response.status_code in (200, 201), response.text

        replicate()
        before = session.get(f"{replica}/{doc_id}", params={"conflicts": "true"}, timeout=10).json()
        assert before["_conflicts"] == [losing]
        services.conflict_resolve(actor=supervisor, inspection=inspection, doc_id=doc_id, rev=losing)
        assert apply_pending_resolutions() == 1
        replicate()
        after = session.get(f"{replica}/{doc_id}", params={"conflicts": "true"}, timeout=10).json()
        assert "_conflicts" not in after
        assert after["_rev"] == store_get(doc_id)["_rev"] and after["value"] == store_get(doc_id)["value"]
    finally:
        session.delete(replica, timeout=10)


def test_an_unexpected_error_is_retried_then_marked_failed(ctx, monkeypatch):
    inspection, supervisor = ctx
    doc_id, winning, losing = make_conflict(inspection)
    resolution, _ = services.conflict_resolve(actor=supervisor, inspection=inspection, doc_id=doc_id, rev=losing)
    import sync.resolutions as resolutions

    def broken(doc_id):
        raise ValueError("garbled answer")

    monkeypatch.setattr(resolutions, "_leaves", broken)
    for attempt in range(1, resolutions.MAX_ATTEMPTS + 1):
        assert apply_pending_resolutions() == 0
        resolution.refresh_from_db()
        expected = ResolutionState.FAILED if attempt == resolutions.MAX_ATTEMPTS else ResolutionState.PENDING
        assert resolution.state == expected and "garbled answer" in resolution.error


def test_with_the_reconciler_a_resolution_closes_the_conflict_in_the_dossier(ctx, api, settings, tmp_path):
    """Tablet conflict → reconciler shows it → supervisor resolves over the API → the reconciler's
    loop writes it to the store and folds the result: conflict gone, chosen value shown."""
    from server.dossiers.models import Answer, Dossier
    from sync.reconciler.processor import Reconciler
    from tests.server.dossiers import field_docs as fd
    from tests.sync.reconciler import store_docs

    settings.MEDIA_ROOT = tmp_path / "media"
    inspection, supervisor = ctx
    author = inspection.inspectors.first().username
    doc = store_docs.new_doc(fd.answer(inspection, "cert-2", True, author=author))
    store_docs.put(doc)
    store_docs.bulk_docs([dict(doc, _rev="1-ffffffffffffffffffffffffffffffff", value=False)], new_edits=False)
    Reconciler().run_until_caught_up()
    conflict = DocConflict.objects.get(doc_id=doc["_id"])
    chosen = next(r["rev"] for r in conflict.revisions if r["value"] is False)

    client = api(supervisor)
    response = client.post(f"/api/v1/dossiers/{inspection.pk}/conflicts/resolve/", {"doc_id": doc["_id"], "rev": chosen},
                           format="json")
    assert response.status_code == 201, response.content
    Reconciler().run_until_caught_up()  # its hooks apply the resolution; then it folds the new revisions
    Reconciler().run_until_caught_up()
    assert not DocConflict.objects.filter(doc_id=doc["_id"]).exists()
    assert Answer.objects.get(doc_id=doc["_id"]).value is False
    assert ConflictResolution.objects.get().state == ResolutionState.APPLIED
    body = client.get(f"/api/v1/dossiers/{inspection.pk}/").json()
    assert body["conflicts"] == [] and body["review"]["conflict_resolutions"][0]["state"] == "applied"
    Dossier.objects.filter(pk=inspection.pk).update(status="submitted")
    review = client.post(f"/api/v1/dossiers/{inspection.pk}/review/", {"decision": "approve"}, format="json")
    assert review.status_code == 201


# --- real tablets ------------------------------------------------------------------------------------

@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_tablets_converge_on_the_supervisors_choice(gateway, api, settings, tmp_path):
    from sync import publisher
    from sync.reconciler.processor import Reconciler
    from tests.support.tablet import Tablet

    settings.MEDIA_ROOT = tmp_path / "media"
    alice, bob = (factories.user(Role.INSPECTOR, jurisdiction="445202") for _ in range(2))
    inspection = factories.inspection(enterprise_obj=factories.enterprise("445202"), inspectors=[alice, bob])
    supervisor = factories.user(Role.SUPERVISOR, jurisdiction="445200")
    publisher.publish_all_pending(full=True)
    doc_id = f"answer:{inspection.pk}:cert-2"
    base = {"_id": doc_id, "type": "answer", "inspection_id": str(inspection.pk), "item_code": "cert-2", "value": True,
            "note": "", "answered_at": "2019-07-01T09:30:00+08:00", "author": alice.username, "device_id": "tablet-a"}

    def auth(user):
        return (user.username, factories.PASSWORD)

    with Tablet.start(name="alice-tablet") as tablet_a, Tablet.start(name="bob-tablet") as tablet_b:
        tablet_a.put(base)
        tablet_a.push(gateway, auth=auth(alice))
        tablet_b.pull(gateway, auth=auth(bob))
        tablet_a.put(dict(tablet_a.get(doc_id), value=False, note="甲"))
        tablet_b.put(dict(tablet_b.get(doc_id), value=False, note="乙", author=bob.username, device_id="tablet-b"))
        tablet_a.push(gateway, auth=auth(alice))
        tablet_b.push(gateway, auth=auth(bob))
        Reconciler().run_until_caught_up()
        conflict = DocConflict.objects.get(doc_id=doc_id)
        bobs = next(r["rev"] for r in conflict.revisions if r["author"] == bob.username)

        response = api(supervisor).post(f"/api/v1/dossiers/{inspection.pk}/conflicts/resolve/",
                                        {"doc_id": doc_id, "rev": bobs, "comment": "以乙为准"}, format="json")
        assert response.status_code == 201, response.content
        Reconciler().run_until_caught_up()
        Reconciler().run_until_caught_up()
        assert not DocConflict.objects.filter(doc_id=doc_id).exists()
        final = store_get(doc_id)
        for tablet, user in ((tablet_a, alice), (tablet_b, bob)):
            tablet.pull(gateway, auth=auth(user))
            local = tablet.get(doc_id, conflicts=True)
            assert not local.get("_conflicts"), local
            assert (local["_rev"], local["note"]) == (final["_rev"], "乙")
