"""Pushing field documents through _bulk_docs: schema, authorisation, refusals one by one,
deletions, conflicts kept, read-only supervisors."""
from __future__ import annotations

import uuid

import pytest

from server.accounts.models import Role
from sync import store
from sync.gateway.models import IndexedDoc
from tests import factories
from tests.sync.gateway.conftest import (
    SyncClient, answer, body_of, closeout, jpeg_bytes, photo, quicktest, sample, with_revisions,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def field(sync_store):
    inspector = factories.user(Role.INSPECTOR)
    inspection = factories.inspection(inspectors=[inspector])
    return inspector, inspection


def store_doc(doc_id: str, **params):
    response = store.session().get(store.db_url(doc_id), params=params, timeout=10)
    return response.status_code, response.json()


def test_valid_docs_of_every_type_are_stored_and_indexed(field):
    inspector, inspection = field
    docs = [answer(inspection, inspector), photo(inspection, inspector), quicktest(inspection, inspector),
            sample(inspection, inspector), closeout(inspection, inspector)]
    response = SyncClient(inspector).push(docs)
    assert response.status_code == 201
    assert body_of(response) == []
    for doc in docs:
        status, stored = store_doc(doc["_id"])
        assert status == 200 and stored["_rev"] == doc["_rev"]
        row = IndexedDoc.objects.get(doc_id=doc["_id"])
        assert row.scope == str(inspection.pk) and row.winning_rev == doc["_rev"] and row.doc_type == doc["type"]


@pytest.mark.parametrize(
    "mutate, field_named",
    [
        (lambda d, i, u: d.update(author="someone-else"), "author"),
        (lambda d, i, u: d.pop("device_id"), "device_id"),
        (lambda d, i, u: d.update(answered_at="2019-07-01T09:30:00"), "answered_at"),
        (lambda d, i, u: d.update(answered_at="yesterday"), "answered_at"),
        (lambda d, i, u: d.update(value="yes"), "value"),
        (lambda d, i, u: d.update(type="inspection"), "type"),
        (lambda d, i, u: d.update(type="memo"), "type"),
        (lambda d, i, u: d.update(_id=f"answer:{i.pk}:cert-3"), "_id"),
        (lambda d, i, u: d.update(_id=f"answer:{i.pk}:nope", item_code="nope"), "item_code"),
        (lambda d, i, u: d.update(_id="note:1"), "_id"),
    ],
)
def test_a_bad_answer_is_refused_alone_naming_the_field(field, mutate, field_named):
    inspector, inspection = field
    good = answer(inspection, inspector, item_code="cert-4", value=False)
    bad = answer(inspection, inspector)
    mutate(bad, inspection, inspector)
    response = SyncClient(inspector).push([bad, good])
    assert response.status_code == 201
    result = body_of(response)
    assert len(result) == 1
    assert result[0]["id"] == bad["_id"] and result[0]["error"] == "forbidden"
    assert field_named in result[0]["reason"]
    assert store_doc(good["_id"])[0] == 200
    assert store_doc(bad["_id"])[0] == 404


@pytest.mark.parametrize(
    "make, field_named",
    [
        (lambda i, u: quicktest(i, u, method="strand-count"), "method"),
        (lambda i, u: quicktest(i, u, item_code="cert-2"), "item_code"),
        (lambda i, u: quicktest(i, u, inputs={"material": "gold"}), "inputs"),
        (lambda i, u: quicktest(i, u, instrument="TH2512"), "instrument"),
        (lambda i, u: sample(i, u, label_code="JY-445202-000123-0"), "label_code"),
        (lambda i, u: sample(i, u, quantity=0), "quantity"),
        (lambda i, u: photo(i, u, sha256="xyz"), "sha256"),
        (lambda i, u: photo(i, u, content_type="application/pdf"), "content_type"),
        (lambda i, u: photo(i, u, data=b"%PDF-1.4 not an image at all"), "_attachments.image"),
        (lambda i, u: closeout(i, u, representative={"title": "厂长"}), "representative.name"),
        (lambda i, u: closeout(i, u, _id=f"closeout:{uuid.uuid4()}"), "_id"),
    ],
)
def test_other_types_are_checked_against_their_schema(field, make, field_named):
    inspector, inspection = field
    bad = make(inspection, inspector)
    result = body_of(SyncClient(inspector).push([bad]))
    assert [r["error"] for r in result] == ["forbidden"]
    assert field_named in result[0]["reason"]


def test_photo_larger_than_the_limit_is_refused(field, settings):
    inspector, inspection = field
    settings.MAX_PHOTO_BYTES = 1000
    bad = photo(inspection, inspector, data=jpeg_bytes((400, 400)) + b"\0" * 2000)
    result = body_of(SyncClient(inspector).push([bad]))
    assert result[0]["error"] == "forbidden" and "超过上限" in result[0]["reason"]


def test_docs_for_an_inspection_not_assigned_are_refused(field):
    inspector, _ = field
    other = factories.inspection()  # assigned to someone else
    result = body_of(SyncClient(inspector).push([answer(other, inspector)]))
    assert result[0]["error"] == "forbidden" and "inspection_id" in result[0]["reason"]


def test_supervisors_are_read_only_but_keep_checkpoints(field):
    _, inspection = field
    supervisor = factories.user(Role.SUPERVISOR, jurisdiction="445200")
    client = SyncClient(supervisor)
    result = body_of(client.push([answer(inspection, supervisor)]))
    assert result[0]["error"] == "forbidden" and "只读" in result[0]["reason"]
    assert client.put("_local/abc", {"last_seq": 3}).status_code == 201
    assert body_of(client.get("_local/abc"))["last_seq"] == 3


def test_an_assigned_inspector_may_delete_a_field_doc_and_others_may_not(field):
    inspector, inspection = field
    doc = answer(inspection, inspector)
    SyncClient(inspector).push([doc])
    stranger = factories.user(Role.INSPECTOR)
    tombstone = with_revisions({"_id": doc["_id"], "_deleted": True}, uuid.uuid4().hex, doc["_rev"].split("-")[1])
    result = body_of(SyncClient(stranger).push([tombstone]))
    assert result[0]["error"] == "forbidden"
    assert body_of(SyncClient(inspector).push([tombstone])) == []
    row = IndexedDoc.objects.get(doc_id=doc["_id"])
    assert row.deleted and row.winning_rev == tombstone["_rev"]
    assert store_doc(doc["_id"])[0] == 404


def test_server_docs_cannot_be_overwritten_or_deleted(field):
    from sync import publisher

    inspector, inspection = field
    publisher.publish_inspection(inspection.pk)
    row = IndexedDoc.objects.get(doc_id=f"inspection:{inspection.pk}")
    forged = with_revisions({"_id": row.doc_id, "_deleted": True}, uuid.uuid4().hex, row.winning_rev.split("-")[1])
    result = body_of(SyncClient(inspector).push([forged]))
    assert result[0]["error"] == "forbidden"


def test_a_doc_id_of_another_inspection_cannot_be_taken_over(field):
    inspector, inspection = field
    other_inspector = factories.user(Role.INSPECTOR)
    other = factories.inspection(inspectors=[other_inspector])
    theirs = photo(other, other_inspector)
    SyncClient(other_inspector).push([theirs])
    hijack = photo(inspection, inspector, _id=theirs["_id"])
    result = body_of(SyncClient(inspector).push([hijack]))
    assert result[0]["error"] == "forbidden" and "_id" in result[0]["reason"]


def test_two_tablets_editing_one_doc_keep_both_revisions(field):
    inspector, inspection = field
    second = factories.user(Role.INSPECTOR)
    inspection.inspectors.add(second)
    base = answer(inspection, inspector)
    SyncClient(inspector).push([base])
    root = base["_rev"].split("-")[1]
    mine = with_revisions(answer(inspection, inspector, value=False), "a" * 32, root)
    theirs = with_revisions(answer(inspection, second, value=True, note="复核"), "b" * 32, root)
    assert body_of(SyncClient(inspector).push([mine])) == []
    assert body_of(SyncClient(second).push([theirs])) == []
    status, stored = store_doc(base["_id"], conflicts="true")
    assert status == 200
    assert stored["_rev"] == "2-" + "b" * 32  # CouchDB's winner: highest rev id at equal depth
    assert stored["_conflicts"] == ["2-" + "a" * 32]
    row = IndexedDoc.objects.get(doc_id=base["_id"])
    assert sorted(leaf[0] for leaf in row.leaves) == ["2-" + "a" * 32, "2-" + "b" * 32]
    assert row.winning_rev == stored["_rev"]
    feed = SyncClient(inspector).changes(style="all_docs")
    entry = next(e for e in feed["results"] if e["id"] == base["_id"])
    assert {c["rev"] for c in entry["changes"]} == {"2-" + "a" * 32, "2-" + "b" * 32}


def test_new_edits_true_writes_get_server_revisions(field):
    inspector, inspection = field
    doc = answer(inspection, inspector)
    doc.pop("_rev")
    doc.pop("_revisions")
    result = body_of(SyncClient(inspector).push([doc], new_edits=True))
    assert result[0]["ok"] is True and result[0]["rev"].startswith("1-")
    update = dict(doc, value=False, _rev=result[0]["rev"])
    second = body_of(SyncClient(inspector).push([update], new_edits=True))
    assert second[0]["rev"].startswith("2-")
    row = IndexedDoc.objects.get(doc_id=doc["_id"])
    assert row.winning_rev == second[0]["rev"] and [leaf[0] for leaf in row.leaves] == [second[0]["rev"]]


def test_new_edits_true_with_one_id_twice_answers_each_doc_in_its_place(field):
    """The second doc of an id is written after the first, and each answer stands at its doc's
    position: the first creates, the second (no _rev) conflicts; the index holds the first."""
    inspector, inspection = field
    first = answer(inspection, inspector, item_code="cert-2", value=True)
    other = answer(inspection, inspector, item_code="cert-4", value=False)
    again = answer(inspection, inspector, item_code="cert-2", value=False)
    for doc in (first, other, again):
        doc.pop("_rev")
        doc.pop("_revisions")
    result = body_of(SyncClient(inspector).push([first, other, again], new_edits=True))
    assert [item["id"] for item in result] == [first["_id"], other["_id"], again["_id"]]
    assert result[0]["ok"] is True and result[1]["ok"] is True
    assert result[2]["error"] == "conflict"
    status, stored = store_doc(first["_id"])
    assert status == 200 and stored["_rev"] == result[0]["rev"] and stored["value"] is True
    row = IndexedDoc.objects.get(doc_id=first["_id"])
    assert row.winning_rev == result[0]["rev"] and [leaf[0] for leaf in row.leaves] == [result[0]["rev"]]


def test_single_document_put_and_delete(field):
    inspector, inspection = field
    doc = answer(inspection, inspector)
    doc.pop("_rev")
    doc.pop("_revisions")
    client = SyncClient(inspector)
    created = client.put(doc["_id"], doc)
    assert created.status_code == 201
    rev = body_of(created)["rev"]
    refused = client.put(f"answer:{inspection.pk}:cert-4", dict(doc, _id=None, item_code="cert-4", value="x"))
    assert refused.status_code == 403 and body_of(refused)["error"] == "forbidden"
    deleted = client.delete(f"{doc['_id']}?rev={rev}")
    assert deleted.status_code == 201
    assert IndexedDoc.objects.get(doc_id=doc["_id"]).deleted


def test_revs_diff_answers_from_the_index(field):
    inspector, inspection = field
    doc = with_revisions(answer(inspection, inspector), "c" * 32, "d" * 32)
    SyncClient(inspector).push([doc])
    response = SyncClient(inspector).post("_revs_diff", {
        doc["_id"]: [doc["_rev"], "1-" + "d" * 32, "3-" + "e" * 32],
        "photo:unknown": ["1-abc"],
    })
    assert body_of(response) == {doc["_id"]: {"missing": ["3-" + "e" * 32]}, "photo:unknown": {"missing": ["1-abc"]}}


def test_store_down_answers_503_and_records_nothing(field, settings):
    inspector, inspection = field
    from tests.support.syncstore import free_port

    working = settings.COUCHDB_URL
    settings.COUCHDB_URL = f"http://127.0.0.1:{free_port()}"
    try:
        response = SyncClient(inspector).push([answer(inspection, inspector)])
        assert response.status_code == 503
        assert response["Retry-After"]
        assert body_of(response)["error"] == "service_unavailable"
        assert not IndexedDoc.objects.filter(doc_type="answer").exists()
        assert SyncClient(inspector).get("").status_code == 503
    finally:
        settings.COUCHDB_URL = working


@pytest.mark.parametrize("overlap_s", [2.0, 0.0])
def test_a_doc_the_store_refuses_is_answered_and_left_out_of_the_index(field, settings, overlap_s):
    """The index rows of a replicated batch are written while the store works (or after it, with the
    overlap off); a doc the store refuses (here: an attachment stub it has no body for) is answered
    with the store's error and never indexed, and the rest of the batch is."""
    settings.SYNC_INDEX_OVERLAP_S = overlap_s
    inspector, inspection = field
    good = answer(inspection, inspector)
    stub_only = photo(inspection, inspector)
    stub_only["_attachments"]["image"] = {"content_type": "image/jpeg", "stub": True, "length": 10,
                                          "digest": "md5-AAAAAAAAAAAAAAAAAAAAAA=="}
    result = body_of(SyncClient(inspector).push([good, stub_only]))
    assert [item["id"] for item in result] == [stub_only["_id"]] and result[0].get("error")
    assert IndexedDoc.objects.filter(doc_id=good["_id"]).exists()
    assert not IndexedDoc.objects.filter(doc_id=stub_only["_id"]).exists()
    assert store_doc(good["_id"])[0] == 200 and store_doc(stub_only["_id"])[0] == 404


def test_a_store_slower_than_the_overlap_still_gets_its_batch_indexed(field, settings):
    settings.SYNC_INDEX_OVERLAP_S = 0.000001  # the store always answers later than this
    inspector, inspection = field
    docs = [answer(inspection, inspector), answer(inspection, inspector, item_code="cert-4", value=False)]
    assert body_of(SyncClient(inspector).push(docs)) == []
    assert IndexedDoc.objects.filter(doc_id__in=[d["_id"] for d in docs]).count() == 2
