"""Bulk upserts whose values are prepared before the write transaction.

The reconciler computes a batch's rows before it takes SQL's write lock (`fold.prepare_fold`) and
then only runs statements while holding it. Django's `bulk_create` would compile its SQL and prepare
every value inside the transaction (about half the time the lock was held on SQLite) and, on
PostgreSQL, sends each column as a text array for UNNEST, which psycopg escapes value by value (most
of the fold's time there). Here a row is prepared once with the fields' own `get_db_prep_save` (the
same values `bulk_create` would send), and one `INSERT … ON CONFLICT … DO UPDATE | DO NOTHING`
statement, the same SQL on SQLite (3.24 and later) and PostgreSQL, runs for every row.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models


@dataclass(frozen=True)
class Upsert:
    """INSERT into `model`'s table: every concrete field but the auto primary key. `conflict`: the
    unique columns whose clash updates `update` from the new row; no `update`: the clash is ignored
    (the row already there stays)."""

    model: type[models.Model]
    conflict: tuple[str, ...] = ()
    update: tuple[str, ...] = ()
    fields: tuple[models.Field, ...] = field(init=False)

    def __post_init__(self) -> None:
        # every column but the auto-increment key (isinstance AutoField holds for BigAutoField too)
        concrete = tuple(f for f in self.model._meta.concrete_fields if not isinstance(f, models.AutoField))
        object.__setattr__(self, "fields", concrete)
        names = {f.name for f in concrete}
        unknown = (set(self.conflict) | set(self.update)) - names
        if unknown:
            raise ValueError(f"{self.model.__name__} has no fields {sorted(unknown)}")

    def row(self, obj: models.Model) -> list[Any]:
        """The statement's parameters for one unsaved instance (auto_now fields set, as on save)."""
        conn = connections[DEFAULT_DB_ALIAS]  # the proxy `connection` costs a thread-local lookup per use
        return [f.get_db_prep_save(f.pre_save(obj, add=True), conn) for f in self.fields]

    @functools.cached_property
    def _sql(self) -> str:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in self.fields)
        one = "(" + ", ".join(["%s"] * len(self.fields)) + ")"
        sql = f"INSERT INTO {quote(self.model._meta.db_table)} ({columns}) VALUES {one}"
        if not self.update:
            return sql + " ON CONFLICT DO NOTHING"
        by_name = {f.name: f for f in self.fields}
        target = ", ".join(quote(by_name[name].column) for name in self.conflict)
        sets = ", ".join(f"{quote(by_name[name].column)} = EXCLUDED.{quote(by_name[name].column)}"
                         for name in self.update)
        return sql + f" ON CONFLICT ({target}) DO UPDATE SET {sets}"

    def execute(self, rows: list[list[Any]]) -> None:
        """Write prepared rows (`row`): one statement, run for each row (SQLite reuses the prepared
        statement; psycopg pipelines them)."""
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(self._sql, rows)
