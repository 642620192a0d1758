"""manage.py sync_index: revisions that reached the store around the gateway (a restore, a direct
replication, a gateway killed between the store's answer and its index write) are indexed, with
the gateway's scopes, so that the users who may see them pull them; nothing else changes."""
from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from server.accounts.models import Role
from sync import publisher, store
from sync.gateway.models import IndexedDoc
from tests import factories
from tests.sync.gateway.conftest import SyncClient, answer, body_of, rev, with_revisions

pytestmark = pytest.mark.django_db


@pytest.fixture
def field(sync_store):
    inspector = factories.user(Role.INSPECTOR)
    other = factories.user(Role.INSPECTOR)
    inspection = factories.inspection(inspectors=[inspector])
    publisher.publish_all_pending(full=True)
    return inspector, other, inspection


def write_around_the_gateway(docs: list[dict]) -> None:
    response = store.session().post(store.db_url("_bulk_docs"), json={"docs": docs, "new_edits": False}, timeout=10)
    assert response.status_code == 201 and response.json() == []


def sync_index(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("sync_index", *args, stdout=out)
    except SystemExit as exc:
        return int(exc.code), out.getvalue()
    return 0, out.getvalue()


def test_docs_written_around_the_gateway_are_indexed_and_pulled_by_who_may_see_them(field):
    inspector, other, inspection = field
    through_gateway = answer(inspection, inspector, item_code="cert-4", value=False)
    assert body_of(SyncClient(inspector).push([through_gateway])) == []
    around = answer(inspection, inspector)
    conflicting = with_revisions(dict(around, value=False), "b" * 32)  # a second leaf of the same doc
    write_around_the_gateway([around, conflicting])
    assert not IndexedDoc.objects.filter(doc_id=around["_id"]).exists()
    assert around["_id"] not in {e["id"] for e in SyncClient(inspector).changes()["results"]}

    status, output = sync_index("--check")
    assert status == 1 and "1 docs behind" in output and not IndexedDoc.objects.filter(doc_id=around["_id"]).exists()

    status, output = sync_index()
    assert status == 0 and "1 docs repaired" in output
    row = IndexedDoc.objects.get(doc_id=around["_id"])
    assert row.scope == str(inspection.pk) and row.doc_type == "answer"
    assert sorted(leaf[0] for leaf in row.leaves) == sorted([around["_rev"], conflicting["_rev"]])
    pulled = {e["id"]: e for e in SyncClient(inspector).changes(style="all_docs")["results"]}
    assert len(pulled[around["_id"]]["changes"]) == 2
    assert around["_id"] not in {e["id"] for e in SyncClient(other).changes()["results"]}
    unknown = rev(1)
    diff = body_of(SyncClient(inspector).post("_revs_diff", {around["_id"]: [around["_rev"], unknown]}))
    assert diff == {around["_id"]: {"missing": [unknown]}}

    untouched = IndexedDoc.objects.get(doc_id=through_gateway["_id"])
    status, output = sync_index("--check")
    assert status == 0 and "0 docs behind" in output
    assert sync_index()[0] == 0
    again = IndexedDoc.objects.get(doc_id=through_gateway["_id"])
    assert (again.seq, again.winning_rev) == (untouched.seq, untouched.winning_rev)


def test_store_down_is_a_clear_error(settings):
    settings.COUCHDB_URL = "http://127.0.0.1:9"
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="sync store unavailable"):
        call_command("sync_index", stdout=io.StringIO())


def test_the_reconciler_heals_the_index_on_its_own_and_keeps_a_checkpoint(field):
    from sync.reconciler.models import Checkpoint
    from sync.reconciler.processor import Reconciler

    inspector, _, inspection = field
    around = answer(inspection, inspector)
    write_around_the_gateway([around])
    Reconciler(index_check_every_s=0).run_until_caught_up()
    assert IndexedDoc.objects.get(doc_id=around["_id"]).scope == str(inspection.pk)
    assert around["_id"] in {e["id"] for e in SyncClient(inspector).changes()["results"]}
    first = Checkpoint.objects.get(name__startswith="gateway-index:").seq
    later = answer(inspection, inspector, item_code="cert-4", value=False)
    write_around_the_gateway([later])
    Reconciler(index_check_every_s=0).run_until_caught_up()
    assert IndexedDoc.objects.filter(doc_id=later["_id"]).exists()
    assert Checkpoint.objects.get(name__startswith="gateway-index:").seq != first
