"""Writes for dossiers (HackSoft style: keyword-only functions). Implementations live in small
modules named for what they hold; this module is the one place callers import from."""
from __future__ import annotations

from .blobs import blob_put, thumbnail_save
from .fold import (
    FieldChange,
    FoldError,
    FoldOutcome,
    PreparedFold,
    apply_fold,
    dossier_refresh,
    fold_field_docs,
    is_field_doc,
    prepare_fold,
)
from .labels import custody_event_add, label_batch_issue
from .photo_jobs import AttachmentMissing, TemporaryFetchError, process_pending_photos, process_photo
from .photo_upload import photo_upload

__all__ = [
    "AttachmentMissing",
    "FieldChange",
    "FoldError",
    "FoldOutcome",
    "PreparedFold",
    "TemporaryFetchError",
    "apply_fold",
    "blob_put",
    "custody_event_add",
    "dossier_refresh",
    "fold_field_docs",
    "is_field_doc",
    "label_batch_issue",
    "photo_upload",
    "prepare_fold",
    "process_pending_photos",
    "process_photo",
    "thumbnail_save",
]
