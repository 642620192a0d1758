"""The fold's prepared upserts (server/dossiers/upsert.py): the values bulk_create would write, a clash
updates only the named fields (or is ignored), on SQLite and PostgreSQL alike."""
import pytest
from django.db import transaction

from server.dossiers.models import Answer, FieldRevision
from server.dossiers.upsert import Upsert
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_clash_updates_only_the_named_fields():
    inspection = factories.inspection()
    answers = Upsert(model=Answer, conflict=("doc_id",), update=("rev", "value"))
    first = Answer(doc_id="answer:x:cert-1", rev="1-a", inspection=inspection, item_code="cert-1",
                   value={"nested": [1, "二"]}, note="first", author="insp")
    answers.execute([answers.row(first)])
    stored = Answer.objects.get(doc_id="answer:x:cert-1")
    assert (stored.rev, stored.value, stored.note, stored.inspection_id) == ("1-a", {"nested": [1, "二"]}, "first",
                                                                            inspection.pk)
    again = Answer(doc_id="answer:x:cert-1", rev="2-b", inspection=inspection, item_code="cert-1", value=None,
                   note="second")
    answers.execute([answers.row(again)])
    stored.refresh_from_db()
    assert (stored.rev, stored.value, stored.note) == ("2-b", None, "first")  # note is not in `update`
    assert Answer.objects.count() == 1


def test_without_update_fields_the_row_already_there_stays_and_auto_now_add_is_set():
    inspection = factories.inspection()
    revisions = Upsert(model=FieldRevision)
    body = {"_id": "answer:x:cert-1", "value": True}
    rows = [revisions.row(FieldRevision(doc_id="answer:x:cert-1", rev="1-a", doc_type="answer",
                                        inspection=inspection, body=body, author="insp"))]
    with transaction.atomic():
        revisions.execute(rows)
        revisions.execute(rows + [revisions.row(FieldRevision(doc_id="answer:x:cert-1", rev="1-a", doc_type="answer",
                                                              inspection=inspection, body={"other": 1}))])
    stored = FieldRevision.objects.get()
    assert stored.body == body and stored.author == "insp" and stored.received_at is not None


def test_unknown_field_names_are_refused():
    with pytest.raises(ValueError, match="no fields"):
        Upsert(model=Answer, conflict=("doc_id",), update=("nope",))
