"""Reads of the access index: what a user may see and write, and which documents and changes that
covers. Who may see and write what is read per request, only as far as the request needs (see
Access); pulls touch only the rows of the scopes the user may see (index on (scope, seq)); reads by
doc id are plain SQL (the push hot path)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

import orjson
from django.db import connection

from server.accounts import jurisdictions
from server.accounts.models import Role
from server.inspections.models import Inspection

from .http import GatewayError
from .inputs import storable_id
from .models import PUBLIC_SCOPE, IndexedDoc, SeqCounter


_UNSET = object()


class Access:
    """What one user may see and write, read lazily: a push reads only the assignments of the
    inspections its batch names, a pull reads the user's scopes, a checkpoint write reads nothing.
    Nothing is cached between requests (a cached answer could miss an inspection just assigned
    and re-sequenced, and move the tablet's checkpoint past its documents for good)."""

    def __init__(self, *, user, role: str):
        self.user = user
        self.user_id: int = user.pk
        self.username: str = user.username
        self.role = role
        self._read_scopes = _UNSET
        self._writable: dict[str, str] = {}  # inspection id -> checklist id, as far as read
        self._looked_up: set[str] = set()  # inspection ids asked about (assigned or not)
        self._all_writable = role != Role.INSPECTOR  # nothing to read for other roles

    def refreshed(self) -> "Access":
        """The same user's access read again (after reading the sequence counter: see changes.py)."""
        return access_for(user=self.user)

    @property
    def read_only(self) -> bool:
        return self.role != Role.INSPECTOR

    @property
    def read_scopes(self) -> set[str] | None:
        """None: every scope (administrators). Otherwise the scopes (inspection ids and "public")."""
        if self._read_scopes is _UNSET:
            self._read_scopes = _read_scopes(self)
        return self._read_scopes

    def may_read_scope(self, scope: str) -> bool:
        scopes = self.read_scopes
        return scopes is None or scope in scopes

    @property
    def writable(self) -> dict[str, str]:
        """Every inspection the user may push field docs for: id -> checklist id."""
        if not self._all_writable:
            self._writable = _assigned(self.user_id)
            self._all_writable = True
        return self._writable

    def prefetch_writable(self, inspection_ids) -> None:
        """Read, in one query, which of these inspections are assigned to the user."""
        wanted = {i for i in inspection_ids if isinstance(i, str)} - self._looked_up
        if self._all_writable or not wanted:
            return
        self._writable.update(_assigned(self.user_id, only=wanted))
        self._looked_up |= wanted

    def checklist_for_write(self, inspection_id) -> str | None:
        """The checklist of an inspection the user may push for, else None."""
        if not isinstance(inspection_id, str):
            return None
        if not self._all_writable and inspection_id not in self._looked_up:
            self.prefetch_writable([inspection_id])
        return self._writable.get(inspection_id)


def _uuid_text(value) -> str:
    # SQLite keeps UUIDs as 32 hex digits, PostgreSQL as uuid: both to the canonical form.
    if isinstance(value, uuid.UUID):
        return str(value)
    text = str(value)
    if len(text) == 32:
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    return text


def _assigned(user_id: int, *, only: set[str] | None = None) -> dict[str, str]:
    """inspection id -> checklist id of the user's assignments (of `only`, when given), in one
    plain query."""
    through = Inspection.inspectors.through._meta.db_table
    table = Inspection._meta.db_table
    qn = connection.ops.quote_name
    sql = (f"SELECT i.{qn('id')}, i.{qn('checklist_id')} FROM {qn(table)} i JOIN {qn(through)} t "
           f"ON t.{qn('inspection_id')} = i.{qn('id')} WHERE t.{qn('user_id')} = %s")
    params: list = [user_id]
    if only is not None:
        pk_field = Inspection._meta.pk
        ids = []
        for text in only:
            try:
                value = uuid.UUID(text)
            except (ValueError, AttributeError, TypeError):
                continue
            if str(value) == text:  # only the canonical spelling names an inspection
                ids.append(pk_field.get_db_prep_value(value, connection))
        if not ids:
            return {}
        sql += f" AND t.{qn('inspection_id')} IN ({', '.join(['%s'] * len(ids))})"
        params.extend(ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {_uuid_text(pk): checklist_id for pk, checklist_id in cursor.fetchall()}


def _read_scopes(access: Access) -> set[str] | None:
    if access.role == Role.ADMIN:
        return None
    if access.role == Role.INSPECTOR:
        return {PUBLIC_SCOPE, *access.writable}
    codes = jurisdictions.descendants_of(code=access.user.jurisdiction_id)
    ids = Inspection.objects.filter(enterprise__jurisdiction__in=codes).values_list("id", flat=True)
    return {PUBLIC_SCOPE, *(str(pk) for pk in ids)}


def access_for(*, user) -> Access:
    """The user's access (read lazily, see Access); 403 for roles without field sync."""
    role = user.effective_role
    if role in (Role.ADMIN, Role.INSPECTOR) or (role == Role.SUPERVISOR and user.jurisdiction_id):
        return Access(user=user, role=role)
    raise GatewayError(403, "forbidden", "该角色不能使用现场同步 (this role has no access to field sync)")


def current_seq() -> int:
    """The last sequence handed out. Plain SQL: every process's watcher reads it ten times a second
    on SQLite, and the ORM's query building cost about 15 times the query itself."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {connection.ops.quote_name(SeqCounter._meta.db_table)} WHERE id = 1")
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None else 0


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


_ID_CHUNK = 500  # ids per plain query: far below every SQLite's parameter limit


def storable_ids(doc_ids) -> list[str]:
    """The ids that can be in the index, once each: an id with a NUL character or a lone surrogate
    cannot (the gateway refuses such docs, and the database cannot even compare with one), so it is
    never looked up; nor is one longer than any id the gateway stores."""
    return [doc_id for doc_id in dict.fromkeys(doc_ids) if storable_id(doc_id)]


def _by_ids(columns: str, doc_ids) -> list[tuple]:
    """Plain-query read of index rows by doc id (the push hot path: no ORM query building)."""
    table = connection.ops.quote_name(IndexedDoc._meta.db_table)
    ids = storable_ids(doc_ids)
    found: list[tuple] = []
    with connection.cursor() as cursor:
        for start in range(0, len(ids), _ID_CHUNK):
            chunk = ids[start:start + _ID_CHUNK]
            cursor.execute(f"SELECT {columns} FROM {table} WHERE {ids_condition('doc_id', len(chunk))}",
                           ids_params(chunk))
            found.extend(cursor.fetchall())
    return found


def ids_condition(column: str, count: int) -> str:
    """`column IN (…)`; on PostgreSQL `= ANY(%s)` with one array parameter (a hundred parameters cost
    more to send and plan than the lookup itself)."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)"
    return f"{column} IN ({', '.join(['%s'] * count)})"


def ids_params(ids: list[str]) -> list:
    return [list(ids)] if connection.vendor == "postgresql" else list(ids)


def rows_for(*, doc_ids: list[str]) -> dict[str, DocRef]:
    """Type and scope of these ids (visible or not), by id."""
    if not doc_ids:
        return {}
    return {values[0]: DocRef(*values) for values in _by_ids("doc_id, doc_type, scope", doc_ids)}


def known_revisions(*, doc_ids: list[str]) -> dict[str, set[str]]:
    if not doc_ids:
        return {}
    return {doc_id: set(orjson.loads(revs) if isinstance(revs, (str, bytes)) else revs)
            for doc_id, revs in _by_ids("doc_id, revs", doc_ids)}


def visible_ids(*, access: Access, doc_ids: list[str]) -> set[str]:
    doc_ids = storable_ids(doc_ids)
    if not doc_ids:
        return set()
    rows = IndexedDoc.objects.filter(doc_id__in=doc_ids).values_list("doc_id", "scope")
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
            qs = qs.filter(doc_id__in=storable_ids(doc_ids))
        qs = qs.order_by("seq").values_list("seq", "doc_id", "winning_rev", "deleted", "leaves")
        found.extend(qs[:limit] if limit is not None else qs)
    found.sort(key=lambda row: row[0])
    return found[:limit] if limit is not None else found


def any_change_since(*, access: Access, since: int, upto: int, doc_ids: set[str] | None = None) -> bool:
    for qs in _scoped_querysets(access):
        qs = qs.filter(seq__gt=since, seq__lte=upto)
        if doc_ids is not None:
            qs = qs.filter(doc_id__in=storable_ids(doc_ids))
        if qs.exists():
            return True
    return False


def visible_count(*, access: Access) -> int:
    return sum(qs.filter(deleted=False).count() for qs in _scoped_querysets(access))


def all_visible_ids(*, access: Access) -> list[str]:
    return sorted(doc_id for qs in _scoped_querysets(access) for doc_id in qs.values_list("doc_id", flat=True))
