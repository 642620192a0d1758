"""Taking SQLite's write lock promptly for the gateway's small writes (a `_local` checkpoint).

SQLite has one writer at a time. A writer that finds the lock taken waits in SQLite's busy handler,
which retries after 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 … ms: when the reconciler folds a
batch (tens of ms) and pauses before the next one (syncs before folds, sync/reconciler/processor.py),
a tablet's checkpoint that was waiting often sleeps through the pause and waits for the next fold
too. `write_promptly` retries every 2 ms instead, so the write goes in as soon as the lock is free.
On PostgreSQL (row locks, no global write lock) it simply runs the write.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.db import OperationalError, connection

T = TypeVar("T")

RETRY_EVERY_S = 0.002


def write_promptly(write: Callable[[], T]) -> T:
    """Run `write` (one statement in autocommit, or one `transaction.atomic()` block: on SQLite the
    lock is taken before anything is written, so a refused attempt changed nothing) until it gets
    the write lock, for at most the database's own busy timeout."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return write()
    timeout_s = float(settings.DATABASES["default"].get("OPTIONS", {}).get("timeout", 5))
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout = 0")
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                return write()
            except OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
            time.sleep(RETRY_EVERY_S)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {int(timeout_s * 1000)}")
