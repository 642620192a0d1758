"""Is anybody syncing right now? What the reconciler reads to let tablets go first
(sync/reconciler/processor.py `yield_to_syncs`).

Two things the gateway writes anyway, so the signal costs a sync nothing:
- the index counter (`SeqCounter`), which moves with every pushed batch (and every published doc);
- the newest replication checkpoint (`LocalDoc.updated_at`): PouchDB writes its `_local` checkpoint
  after every batch it pushes *or pulls*, so pulls show up too.
Both are read from SQL, shared by every gateway process and node; they are compared for change
only (a mark taken now against one taken a moment ago), never as clocks across hosts.
"""
from __future__ import annotations

from .access import current_seq
from .models import LocalDoc


def sync_mark() -> tuple:
    """A value that changes whenever a tablet pushes a batch or checkpoints a push or a pull."""
    newest = LocalDoc.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
    return current_seq(), newest
