"""Writes to the access index. Every write takes the sequence counter row under a lock
(select_for_update on PostgreSQL; SQLite's IMMEDIATE transactions serialise writers anyway), so
sequences become visible in commit order and a reader never skips one committed late."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import orjson
from django.db import connection, transaction
from django.utils import timezone

from .access import ids_condition, ids_params
from .models import IndexedDoc, SeqCounter
from .watcher import announce

REV_RE_FULL = re.compile(r"[1-9][0-9]{0,8}-[0-9a-zA-Z]{1,64}")


@dataclass
class Revision:
    """One revision the store now holds."""

    doc_id: str
    doc_type: str
    scope: str
    rev: str
    ancestors: list[str] = field(default_factory=list)  # parent first
    deleted: bool = False
    content_hash: str | None = None
    access_key: str | None = None


def rev_pos(rev: str) -> int:
    try:
        return int(rev.split("-", 1)[0])
    except ValueError:
        return 0


def winner(leaves: list[list]) -> tuple[str, bool]:
    """CouchDB's deterministic winner: non-deleted first, then the longest branch, then the
    highest revision id."""
    best = max(leaves, key=lambda leaf: (not leaf[1], rev_pos(leaf[0]), leaf[0].split("-", 1)[-1]))
    return best[0], bool(best[1])


def revisions_chain(doc: dict) -> list[str]:
    """The revision ids of a doc's `_revisions` (newest first), or just `_rev`."""
    revisions = doc.get("_revisions")
    if isinstance(revisions, dict):
        start, ids = revisions.get("start"), revisions.get("ids")
        if isinstance(start, int) and isinstance(ids, list) and all(isinstance(i, str) for i in ids):
            return [f"{start - i}-{h}" for i, h in enumerate(ids)]
    rev = doc.get("_rev")
    return [rev] if isinstance(rev, str) else []


def _lock_counter() -> SeqCounter:
    """The counter row, locked until the transaction ends (created on first use)."""
    counter = SeqCounter.objects.select_for_update().filter(pk=1).first()
    if counter is None:
        SeqCounter.objects.bulk_create([SeqCounter(pk=1, value=0)], ignore_conflicts=True)
        counter = SeqCounter.objects.select_for_update().get(pk=1)
    return counter


def _locked_counter_value(cursor) -> int:
    """The counter's value, its row locked until the transaction ends: one plain query (the hot
    path of every push), the ORM only to create the row on first use."""
    table = connection.ops.quote_name(SeqCounter._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    cursor.execute(f"SELECT value FROM {table} WHERE id = 1{lock}")
    found = cursor.fetchone()
    if found is None:
        return _lock_counter().value
    return int(found[0])


def _set_counter(cursor, value: int) -> None:
    """The last sequence handed out (the row is locked by _locked_counter_value)."""
    table = connection.ops.quote_name(SeqCounter._meta.db_table)
    cursor.execute(f"UPDATE {table} SET value = %s WHERE id = 1", [value])


def _loads(value):
    """A JSON column as read by a plain query: text on SQLite, already parsed by psycopg."""
    return orjson.loads(value) if isinstance(value, (str, bytes)) else value


def _json_text(value) -> str:
    return orjson.dumps(value).decode()


@dataclass
class _Row:
    doc_id: str
    doc_type: str
    scope: str
    winning_rev: str
    deleted: bool
    leaves: list
    revs: list
    content_hash: str
    access_key: str
    seq: int = 0


def _apply(row: _Row, rev: Revision) -> bool:
    """Fold one revision into a row; True when something a puller sees changed."""
    if not row.revs:  # a doc new to the index: its first revision (the common case of a push)
        row.leaves = [[rev.rev, rev.deleted]]
        row.revs = list(dict.fromkeys([rev.rev, *rev.ancestors]))
        row.winning_rev, row.deleted = rev.rev, rev.deleted
        if rev.content_hash is not None:
            row.content_hash = rev.content_hash
        if rev.access_key is not None:
            row.access_key = rev.access_key
        return True
    known = set(row.revs)
    changed = False
    if rev.rev not in known:
        ancestors = set(rev.ancestors)
        leaves = [leaf for leaf in row.leaves if leaf[0] not in ancestors]
        leaves.append([rev.rev, rev.deleted])
        row.leaves = leaves
        row.revs = row.revs + [r for r in [rev.rev, *rev.ancestors] if r not in known]
        changed = True
    else:
        missing = [r for r in rev.ancestors if r not in known]
        if missing:
            row.revs = row.revs + missing
    if changed:
        row.winning_rev, row.deleted = winner(row.leaves)
    if rev.content_hash is not None and row.content_hash != rev.content_hash:
        row.content_hash = rev.content_hash
        changed = True
    if rev.access_key is not None and row.access_key != rev.access_key:
        row.access_key = rev.access_key
    return changed


_COLUMNS = ("doc_id", "doc_type", "scope", "seq", "winning_rev", "deleted", "leaves", "revs", "content_hash",
            "access_key", "updated_at")


def _json_placeholder() -> str:
    return "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"


def _write_rows(new_rows: list[_Row], changed_rows: list[_Row]) -> None:
    """Plain executemany: the ORM's per-instance work would cost more than the inserts."""
    table = connection.ops.quote_name(IndexedDoc._meta.db_table)
    now = timezone.now()
    jp = _json_placeholder()
    dumps = _json_text
    with connection.cursor() as cursor:
        if new_rows and connection.vendor == "postgresql":
            # COPY: a third of an INSERT's time per batch on PostgreSQL (measured: 1.2 vs 3.7 ms per 100 rows)
            with cursor.cursor.copy(f"COPY {table} ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
                for r in new_rows:
                    copy.write_row((r.doc_id, r.doc_type, r.scope, r.seq, r.winning_rev, r.deleted, dumps(r.leaves),
                                    dumps(r.revs), r.content_hash, r.access_key, now))
        elif new_rows:
            placeholders = ", ".join([jp if c in ("leaves", "revs") else "%s" for c in _COLUMNS])
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(_COLUMNS)}) VALUES ({placeholders})",
                [(r.doc_id, r.doc_type, r.scope, r.seq, r.winning_rev, r.deleted, dumps(r.leaves), dumps(r.revs),
                  r.content_hash, r.access_key, now) for r in new_rows],
            )
        if changed_rows:
            cursor.executemany(
                f"UPDATE {table} SET seq = %s, winning_rev = %s, deleted = %s, leaves = {jp}, revs = {jp}, "
                f"content_hash = %s, access_key = %s, updated_at = %s WHERE doc_id = %s",
                [(r.seq, r.winning_rev, r.deleted, dumps(r.leaves), dumps(r.revs), r.content_hash, r.access_key, now,
                  r.doc_id) for r in changed_rows],
            )


_READ_CHUNK = 500  # ids per query: far below every SQLite's parameter limit


def _read_rows(cursor, ids: list[str]) -> dict[str, _Row]:
    table = connection.ops.quote_name(IndexedDoc._meta.db_table)
    rows: dict[str, _Row] = {}
    for start in range(0, len(ids), _READ_CHUNK):
        chunk = ids[start:start + _READ_CHUNK]
        cursor.execute(
            f"SELECT doc_id, doc_type, scope, winning_rev, deleted, leaves, revs, content_hash, access_key "
            f"FROM {table} WHERE {ids_condition('doc_id', len(chunk))}", ids_params(chunk))
        for doc_id, doc_type, scope, winning_rev, deleted, leaves, revs, content_hash, access_key in cursor.fetchall():
            rows[doc_id] = _Row(doc_id, doc_type, scope, winning_rev, bool(deleted), _loads(leaves), _loads(revs),
                                content_hash, access_key)
    return rows


def record(*, revisions: list[Revision]) -> int:
    """Fold revisions the store accepted into the index; returns how many docs changed."""
    if not revisions:
        return 0
    ids = list(dict.fromkeys(r.doc_id for r in revisions))
    # No savepoint inside a caller's transaction (bulk_docs writes the index in one while the store
    # works): a failure here fails that transaction anyway.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        counter = _locked_counter_value(cursor)  # before reading the rows: writers of the same docs queue here
        existing = _read_rows(cursor, ids)
        new_rows: dict[str, _Row] = {}
        changed: dict[str, _Row] = {}
        for rev in revisions:
            row = existing.get(rev.doc_id) or new_rows.get(rev.doc_id)
            if row is None:
                row = _Row(rev.doc_id, rev.doc_type, rev.scope, rev.rev, False, [], [], "", "")
                new_rows[rev.doc_id] = row
            if _apply(row, rev):
                changed[rev.doc_id] = row
        if not changed:
            return 0
        first = counter + 1
        _set_counter(cursor, counter + len(changed))
        for offset, row in enumerate(changed.values()):
            row.seq = first + offset
        _write_rows([row for doc_id, row in new_rows.items() if doc_id in changed],
                    [row for doc_id, row in changed.items() if doc_id not in new_rows])
        announce(cursor, frm=counter, to=counter + len(changed), scopes={row.scope for row in changed.values()})
        return len(changed)


def resequence_scope(*, scope: str) -> int:
    """Give every doc of a scope a new sequence, so that users who gained access to it (an
    inspector assigned later, a supervisor of a new jurisdiction) receive them on their next pull."""
    with transaction.atomic(), connection.cursor() as cursor:
        counter = _locked_counter_value(cursor)
        rows = list(IndexedDoc.objects.filter(scope=scope).order_by("seq").only("pk", "seq"))
        if not rows:
            return 0
        first = counter + 1
        _set_counter(cursor, counter + len(rows))
        for offset, row in enumerate(rows):
            row.seq = first + offset
        IndexedDoc.objects.bulk_update(rows, ["seq"], batch_size=500)
        announce(cursor, frm=counter, to=counter + len(rows), scopes={scope})
        return len(rows)
