"""The audit trail is immutable in the database: UPDATE and DELETE of a reviews_auditevent row are
refused by a trigger (PostgreSQL and SQLite, reviews migration 0002), whoever sends them: the ORM
bypassing the model's guard, or raw SQL. Runs on whichever database DATABASE_URL names."""
import pytest
from django.db import IntegrityError, connection, transaction

from server.reviews.models import AuditAction, AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db


def _event():
    inspection = factories.inspection()
    return AuditEvent.objects.create(inspection=inspection, action=AuditAction.REVIEW, subject=f"dossier:{inspection.pk}",
                                     from_value="submitted", to_value="approved", reason="ok")


def _refused(sql, params):
    with pytest.raises(IntegrityError) as caught:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    assert "immutable" in str(caught.value)


def test_raw_update_is_refused_and_the_row_is_unchanged():
    event = _event()
    _refused("UPDATE reviews_auditevent SET reason = %s WHERE id = %s", ["rewritten", event.pk])
    _refused("UPDATE reviews_auditevent SET to_value = NULL", [])
    event.refresh_from_db()
    assert event.reason == "ok" and event.to_value == "approved"


def test_raw_delete_is_refused_and_the_row_stays():
    event = _event()
    _refused("DELETE FROM reviews_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_orm_paths_around_the_model_guard_are_refused_too():
    event = _event()
    # QuerySet.update/delete raise in Python already; the base manager's do not, the trigger does.
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent._base_manager.filter(pk=event.pk).update(reason="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent._base_manager.filter(pk=event.pk)._raw_delete(connection.alias)
    assert AuditEvent.objects.get(pk=event.pk).reason == "ok"


def test_inserting_is_still_allowed():
    _event()
    _event()
    assert AuditEvent.objects.count() >= 2


def test_trigger_is_installed_for_this_vendor():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'reviews_auditevent'::regclass AND NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'reviews_auditevent'")
        names = {row[0] for row in cursor.fetchall()}
    assert names & {"reviews_auditevent_immutable", "reviews_auditevent_no_update"}
