"""Reads of the access index: what a user may see and write, and which documents and changes that
covers. One query for the user's inspections per request; pulls touch only the rows of the scopes
the user may see (index on (scope, seq))."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.db import connection

from server.accounts import jurisdictions
from server.accounts.models import Role
from server.inspections.models import Inspection

from .http import GatewayError
from .models import PUBLIC_SCOPE, IndexedDoc, SeqCounter


@dataclass
class Access:
    user_id: int
    username: str
    role: str
    # None: every scope (administrators). Otherwise the scopes (inspection ids and "public").
    read_scopes: set[str] | None
    # Inspections the user may push field docs for: id → checklist id.
    writable: dict[str, str] = field(default_factory=dict)
    user: object = None

    def refreshed(self) -> "Access":
        """The same user's access read again (after reading the sequence counter: see changes.py)."""
        return access_for(user=self.user)

    @property
    def read_only(self) -> bool:
        return self.role != Role.INSPECTOR

    def may_read_scope(self, scope: str) -> bool:
        return self.read_scopes is None or scope in self.read_scopes


def _uuid_text(value) -> str:
    # SQLite keeps UUIDs as 32 hex digits, PostgreSQL as uuid: both to the canonical form.
    if isinstance(value, uuid.UUID):
        return str(value)
    text = str(value)
    if len(text) == 32:
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    return text


def _assigned(user_id: int) -> dict[str, str]:
    """inspection id → checklist id of the user's assignments, in one plain query."""
    through = Inspection.inspectors.through._meta.db_table
    table = Inspection._meta.db_table
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT i.{qn('id')}, i.{qn('checklist_id')} FROM {qn(table)} i JOIN {qn(through)} t "
            f"ON t.{qn('inspection_id')} = i.{qn('id')} WHERE t.{qn('user_id')} = %s",
            [user_id],
        )
        return {_uuid_text(pk): checklist_id for pk, checklist_id in cursor.fetchall()}


def _compute(user) -> Access:
    role = user.effective_role
    if role == Role.ADMIN:
        return Access(user_id=user.pk, username=user.username, role=role, read_scopes=None)
    if role == Role.INSPECTOR:
        writable = _assigned(user.pk)
        return Access(
            user_id=user.pk, username=user.username, role=role,
            read_scopes={PUBLIC_SCOPE, *writable}, writable=writable,
        )
    if role == Role.SUPERVISOR and user.jurisdiction_id:
        codes = jurisdictions.descendants_of(code=user.jurisdiction_id)
        ids = Inspection.objects.filter(enterprise__jurisdiction__in=codes).values_list("id", flat=True)
        return Access(user_id=user.pk, username=user.username, role=role,
                      read_scopes={PUBLIC_SCOPE, *(str(pk) for pk in ids)})
    raise GatewayError(403, "forbidden", "该角色不能使用现场同步 (this role has no access to field sync)")


def access_for(*, user) -> Access:
    """What the user may see and write: one query per request, never cached. (A cached answer
    could miss an inspection just assigned and re-sequenced, and move the tablet's checkpoint past
    its documents for good.)"""
    access = _compute(user)
    access.user = user
    return access


def current_seq() -> int:
    value = SeqCounter.objects.filter(pk=1).values_list("value", flat=True).first()
    return int(value or 0)


# Scopes per query: keeps every IN list far below SQLite's parameter limit for supervisors of
# many inspections (an inspector's scopes always fit in one query).
SCOPE_CHUNK = 2000


def _scoped_querysets(access: Access):
    """Querysets that together cover what the user may see (one unless the scopes are many)."""
    if access.read_scopes is None:
        return [IndexedDoc.objects.all()]
    scopes = sorted(access.read_scopes)
    return [IndexedDoc.objects.filter(scope__in=scopes[i:i + SCOPE_CHUNK]) for i in range(0, len(scopes), SCOPE_CHUNK)]


@dataclass(frozen=True)
class DocRef:
    """What push checks need of an indexed doc."""

    doc_id: str
    doc_type: str
    scope: str


def rows_for(*, doc_ids: list[str]) -> dict[str, DocRef]:
    """Type and scope of these ids (visible or not), by id."""
    if not doc_ids:
        return {}
    return {values[0]: DocRef(*values)
            for values in IndexedDoc.objects.filter(doc_id__in=doc_ids).values_list("doc_id", "doc_type", "scope")}


def known_revisions(*, doc_ids: list[str]) -> dict[str, set[str]]:
    if not doc_ids:
        return {}
    return {doc_id: set(revs) for doc_id, revs in IndexedDoc.objects.filter(doc_id__in=doc_ids).values_list("doc_id", "revs")}


def visible_ids(*, access: Access, doc_ids: list[str]) -> set[str]:
    if not doc_ids:
        return set()
    rows = IndexedDoc.objects.filter(doc_id__in=set(doc_ids)).values_list("doc_id", "scope")
    return {doc_id for doc_id, scope in rows if access.may_read_scope(scope)}


def visible_row(*, access: Access, doc_id: str) -> IndexedDoc | None:
    row = IndexedDoc.objects.filter(doc_id=doc_id).first()
    if row is None or not access.may_read_scope(row.scope):
        return None
    return row


def changes_since(*, access: Access, since: int, upto: int, limit: int | None, doc_ids: set[str] | None = None) -> list[tuple]:
    """(seq, doc_id, winning_rev, deleted, leaves) of visible docs with since < seq <= upto, by seq."""
    found: list[tuple] = []
    for qs in _scoped_querysets(access):
        qs = qs.filter(seq__gt=since, seq__lte=upto)
        if doc_ids is not None:
            qs = qs.filter(doc_id__in=doc_ids)
        qs = qs.order_by("seq").values_list("seq", "doc_id", "winning_rev", "deleted", "leaves")
        found.extend(qs[:limit] if limit is not None else qs)
    found.sort(key=lambda row: row[0])
    return found[:limit] if limit is not None else found


def any_change_since(*, access: Access, since: int, upto: int, doc_ids: set[str] | None = None) -> bool:
    for qs in _scoped_querysets(access):
        qs = qs.filter(seq__gt=since, seq__lte=upto)
        if doc_ids is not None:
            qs = qs.filter(doc_id__in=doc_ids)
        if qs.exists():
            return True
    return False


def visible_count(*, access: Access) -> int:
    return sum(qs.filter(deleted=False).count() for qs in _scoped_querysets(access))


def all_visible_ids(*, access: Access) -> list[str]:
    return sorted(doc_id for qs in _scoped_querysets(access) for doc_id in qs.values_list("doc_id", flat=True))
