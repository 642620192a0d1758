"""Reads of reconciler state (used by /healthz)."""
from __future__ import annotations

from django.utils import timezone

from .checkpoint import checkpoint_name
from .models import ChangeError, ChangeErrorState, Checkpoint


# A running reconciler beats every 5 s (processor.HEARTBEAT_EVERY_S); past this, "caught up" is stale.
STALE_AFTER_S = 30.0


def reconciler_lag_seconds() -> float | None:
    """0 when the last read reached the end of the store's feed and the reconciler is alive;
    otherwise seconds since unfolded changes were first seen (or since the checkpoint last
    advanced), or, for a reconciler that stopped beating, seconds since its last beat.
    None before the first run."""
    checkpoint = Checkpoint.objects.filter(name=checkpoint_name()).first()
    if checkpoint is None:
        return None
    if checkpoint.caught_up:
        beat = checkpoint.heartbeat_at or checkpoint.updated_at
        silent = (timezone.now() - beat).total_seconds() if beat else 0.0
        return 0.0 if silent <= STALE_AFTER_S else silent
    since = checkpoint.pending_since or checkpoint.last_advanced_at or checkpoint.updated_at
    if since is None:
        return None
    return max(0.0, (timezone.now() - since).total_seconds())


def pending_error_count() -> int:
    return ChangeError.objects.filter(state=ChangeErrorState.PENDING).count()
