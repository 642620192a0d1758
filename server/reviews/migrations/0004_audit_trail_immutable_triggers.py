"""The audit trail (reviews_auditevent) immutable in the database itself, not only in the model:
a trigger refuses every UPDATE and DELETE of a row, whoever sends it (ORM, raw SQL, psql, a
migration). PostgreSQL: a PL/pgSQL trigger function raising SQLSTATE 23001 (restrict_violation,
an IntegrityError to Django). SQLite: BEFORE UPDATE/DELETE triggers with RAISE(ABORT, …).

SQLite's DELETE is refused unless the table `reviews_audit_unlock` holds a row: SQLite has no
TRUNCATE, so Django's `flush` (used between transactional tests, and by an operator who really
means to empty a development database) deletes row by row; tests/conftest.py wraps flush in an
unlock, and an operator must insert the row on purpose. PostgreSQL's flush is TRUNCATE, which row
triggers do not see; in production REVOKE TRUNCATE from the application role (README).
"""
from django.db import migrations

TABLE = "reviews_auditevent"

POSTGRES_UP = f"""
CREATE OR REPLACE FUNCTION reviews_auditevent_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit trail rows are immutable: % on {TABLE} refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;
DROP TRIGGER IF EXISTS reviews_auditevent_immutable ON {TABLE};
CREATE TRIGGER reviews_auditevent_immutable
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION reviews_auditevent_refuse_change();
"""
POSTGRES_DOWN = f"""
DROP TRIGGER IF EXISTS reviews_auditevent_immutable ON {TABLE};
DROP FUNCTION IF EXISTS reviews_auditevent_refuse_change();
"""

SQLITE_UP = [
    "CREATE TABLE IF NOT EXISTS reviews_audit_unlock (reason TEXT NOT NULL)",
    f"""CREATE TRIGGER IF NOT EXISTS reviews_auditevent_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit trail rows are immutable: UPDATE on {TABLE} refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS reviews_auditevent_no_delete BEFORE DELETE ON {TABLE}
        WHEN NOT EXISTS (SELECT 1 FROM reviews_audit_unlock)
        BEGIN SELECT RAISE(ABORT, 'audit trail rows are immutable: DELETE on {TABLE} refused'); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS reviews_auditevent_no_update",
    "DROP TRIGGER IF EXISTS reviews_auditevent_no_delete",
    "DROP TABLE IF EXISTS reviews_audit_unlock",
]


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)
    else:  # pragma: no cover - the project runs on these two
        raise RuntimeError(f"no audit-trail trigger for database vendor {vendor!r}")


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [("reviews", "0003_audit_actions_for_cases_credit")]

    operations = [migrations.RunPython(up, down, elidable=False)]
