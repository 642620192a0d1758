"""The publisher of server-made docs: formats, idempotency, hooks on commit, catching up after a
store outage, the `publish` management command."""
from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

import checklists
from server.accounts.models import Role
from server.dossiers.models import Dossier, DossierStatus
from server.registry.models import UnqualifiedProduct
from sync import publisher, store
from sync.gateway.models import IndexedDoc
from tests import factories

pytestmark = pytest.mark.django_db


def stored(doc_id: str) -> dict | None:
    response = store.session().get(store.db_url(doc_id), timeout=10)
    return response.json() if response.status_code == 200 else None


def test_checklists_are_published_once(sync_store):
    written = publisher.publish_checklists()
    assert written == len(checklists.load_all())
    assert publisher.publish_checklists() == 0
    doc = stored("checklist:wire-cable:1")
    assert doc["type"] == "checklist" and doc["category"] == "wire-cable"
    assert doc["sections"] == checklists.get("checklist:wire-cable:1")["sections"]
    assert doc["_rev"].startswith("1-")


def test_inspection_doc_format_and_status_follow_sql(sync_store):
    inspector = factories.user(Role.INSPECTOR)
    inspection = factories.inspection(inspectors=[inspector])
    assert publisher.publish_inspection(inspection.pk) == 1
    doc = stored(f"inspection:{inspection.pk}")
    enterprise = inspection.enterprise
    assert doc == {
        "_id": f"inspection:{inspection.pk}", "_rev": doc["_rev"], "type": "inspection",
        "inspection_id": str(inspection.pk), "checklist_id": "checklist:wire-cable:1",
        "product_category": "wire-cable", "domain": "production", "scheduled_for": "2019-07-01",
        "inspectors": [inspector.username],
        "enterprise": {"id": enterprise.pk, "name": enterprise.name, "credit_code": enterprise.credit_code,
                       "address": enterprise.address, "jurisdiction": "445202"},
        "status": "assigned",
    }
    assert publisher.publish_inspection(inspection.pk) == 0
    Dossier.objects.filter(pk=inspection.pk).update(status=DossierStatus.IN_PROGRESS)
    assert publisher.publish_inspection(inspection.pk) == 1
    updated = stored(f"inspection:{inspection.pk}")
    assert updated["status"] == "in_progress" and updated["_rev"].startswith("2-")


def test_changes_in_sql_are_published_on_commit(sync_store, django_capture_on_commit_callbacks):
    inspector = factories.user(Role.INSPECTOR)
    with django_capture_on_commit_callbacks(execute=True):
        inspection = factories.inspection(inspectors=[inspector])
    assert stored(f"inspection:{inspection.pk}")["status"] == "assigned"
    with django_capture_on_commit_callbacks(execute=True):
        dossier = Dossier.objects.get(pk=inspection.pk)
        dossier.status = DossierStatus.SUBMITTED
        dossier.save()
    assert stored(f"inspection:{inspection.pk}")["status"] == "submitted"
    with django_capture_on_commit_callbacks(execute=True):
        product = UnqualifiedProduct.objects.create(product_category="wire-cable", product_name="电缆", model="BV",
                                                    found_in="2019 第一轮")
    doc = stored(f"unqualified-product:{product.pk}")
    assert doc["type"] == "unqualified-product" and doc["rectified"] is False and doc["found_in"] == "2019 第一轮"
    doc_id = f"unqualified-product:{product.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        product.delete()
    assert stored(doc_id) is None
    assert IndexedDoc.objects.get(doc_id=doc_id).deleted


def test_a_failed_publish_is_logged_and_caught_up_later(sync_store, settings, django_capture_on_commit_callbacks, caplog):
    from tests.support.syncstore import free_port

    working = settings.COUCHDB_URL
    settings.COUCHDB_URL = f"http://127.0.0.1:{free_port()}"
    try:
        with django_capture_on_commit_callbacks(execute=True):
            inspection = factories.inspection()
    finally:
        settings.COUCHDB_URL = working
    assert "publish_all_pending will catch up" in caplog.text
    assert stored(f"inspection:{inspection.pk}") is None
    counts = publisher.publish_all_pending(full=True)
    assert counts["inspections"] == 1
    assert stored(f"inspection:{inspection.pk}") is not None
    assert publisher.publish_all_pending()["inspections"] == 0


def test_an_incremental_pass_renders_only_rows_changed_since_it_last_looked(sync_store, monkeypatch):
    """The reconciler runs a pass every few seconds, each looking at rows updated within a margin
    (60 s): a row whose update times did not move since the last pass is not rendered again."""
    inspections = [factories.inspection() for _ in range(3)]
    publisher.publish_all_pending(full=True)
    rendered = []
    real_doc = publisher.inspection_doc

    def counting_doc(inspection):
        rendered.append(inspection.pk)
        return real_doc(inspection)

    monkeypatch.setattr(publisher, "inspection_doc", counting_doc)
    assert publisher.publish_all_pending()["inspections"] == 0
    assert rendered == []  # all three are within the margin, none changed since
    Dossier.objects.filter(pk=inspections[1].pk).update(status=DossierStatus.IN_PROGRESS, updated_at=timezone.now())
    assert publisher.publish_all_pending()["inspections"] == 1
    assert rendered == [inspections[1].pk]
    assert stored(f"inspection:{inspections[1].pk}")["status"] == "in_progress"
    assert publisher.publish_all_pending()["inspections"] == 0 and rendered == [inspections[1].pk]
    publisher.publish_all_pending(full=True)  # a full pass renders everything again
    assert sorted(rendered[1:]) == sorted(i.pk for i in inspections)


def test_a_pass_remembers_only_rows_the_next_pass_can_see(sync_store):
    """After a full pass, rows last updated before the margin are not kept in memory (a city's full
    register of inspections would be)."""
    import datetime as dt

    from server.inspections.models import Inspection
    from server.registry.models import Enterprise

    old, recent = factories.inspection(), factories.inspection()
    day_ago = timezone.now() - dt.timedelta(days=1)
    Inspection.objects.filter(pk=old.pk).update(updated_at=day_ago)
    Dossier.objects.filter(pk=old.pk).update(updated_at=day_ago)
    Enterprise.objects.filter(pk=old.enterprise_id).update(updated_at=day_ago)
    publisher.publish_all_pending(full=True)
    assert recent.pk in publisher._state["stamps"] and old.pk not in publisher._state["stamps"]
    assert stored(f"inspection:{old.pk}") is not None  # published all the same


def test_a_lost_index_is_rebuilt_from_the_store_revision(sync_store):
    inspection = factories.inspection()
    publisher.publish_inspection(inspection.pk)
    IndexedDoc.objects.all().delete()
    Dossier.objects.filter(pk=inspection.pk).update(status=DossierStatus.IN_PROGRESS)
    assert publisher.publish_inspection(inspection.pk) == 1
    doc = stored(f"inspection:{inspection.pk}")
    assert doc["status"] == "in_progress" and doc["_rev"].startswith("2-")
    assert IndexedDoc.objects.get(doc_id=doc["_id"]).winning_rev == doc["_rev"]


def test_publish_command_is_idempotent(sync_store, capsys):
    factories.inspection()
    call_command("publish")
    first = capsys.readouterr().out
    assert "checklists: 6" in first and "inspections: 1" in first
    call_command("publish")
    assert "checklists: 0, inspections: 0" in capsys.readouterr().out


def test_revisions_are_indexed_against_their_own_docs_whatever_the_order_of_the_stores_answer(sync_store, monkeypatch):
    """pouchdb-server does not always answer _bulk_docs in request order (a CI run caught checklist
    revisions swapped in the index): the publisher matches answers by id. Here the real store's
    answer is handed over reversed."""
    real_call = publisher.call

    class Reversed:
        def __init__(self, response):
            self.status_code = response.status_code
            self._data = response.json()

        def json(self):
            return list(reversed(self._data)) if isinstance(self._data, list) else self._data

    def reversing_call(method, *parts, **kwargs):
        response = real_call(method, *parts, **kwargs)
        return Reversed(response) if parts == ("_bulk_docs",) else response

    monkeypatch.setattr(publisher, "call", reversing_call)
    assert publisher.publish_checklists() == len(checklists.load_all()) > 1
    for row in IndexedDoc.objects.filter(doc_type="checklist"):
        assert stored(row.doc_id)["_rev"] == row.winning_rev
