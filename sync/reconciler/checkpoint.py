"""The reconciler's checkpoint in SQL (one row per store database).

Several workers are safe: a worker reads a batch after the seq it saw, then locks the row
(SELECT … FOR UPDATE on PostgreSQL; SQLite serialises writers) and folds only if the stored
checkpoint is still the one it read from — otherwise another worker folded it first and the batch
is dropped. The check is an identity check on our own stored text, not an ordering of store seqs.
"""
from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.utils import timezone

from .models import Checkpoint


def checkpoint_name() -> str:
    return f"fold:{settings.COUCHDB_DB}"


def encode(seq: Any) -> str:
    return json.dumps(seq, sort_keys=True)


def decode(text: str) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def get_or_create() -> Checkpoint:
    checkpoint, _ = Checkpoint.objects.get_or_create(
        name=checkpoint_name(), defaults={"database": settings.COUCHDB_DB, "seq": encode(0)}
    )
    return checkpoint


def lock() -> Checkpoint:
    """The checkpoint row, locked for the current transaction."""
    get_or_create()
    return Checkpoint.objects.select_for_update().get(name=checkpoint_name())


def beat() -> None:
    """Tell /healthz this reconciler is alive (its lag is only trusted while the beat is fresh)."""
    get_or_create()
    Checkpoint.objects.filter(name=checkpoint_name()).update(heartbeat_at=timezone.now())


def advance(*, checkpoint: Checkpoint, seq: Any, folded: int, at_end: bool) -> None:
    now = timezone.now()
    checkpoint.heartbeat_at = now
    checkpoint.seq = encode(seq)
    checkpoint.folded_total += folded
    checkpoint.last_advanced_at = now
    checkpoint.caught_up = at_end
    checkpoint.pending_since = None if at_end else (checkpoint.pending_since or now)
    checkpoint.save()


def mark_seen(*, update_seq: Any | None = None, pending: bool) -> None:
    """Record what the feed showed: unfolded changes (pending) or nothing new."""
    checkpoint = get_or_create()
    fields = {}
    if update_seq is not None:
        fields["last_seen_update_seq"] = encode(update_seq)
    if pending and (checkpoint.caught_up or checkpoint.pending_since is None):
        # only when it changes: mid-backlog this is already recorded, and a write per batch would
        # take SQLite's write lock once more for nothing
        fields["pending_since"] = timezone.now()
        fields["caught_up"] = False
    Checkpoint.objects.filter(pk=checkpoint.pk).update(**fields) if fields else None
