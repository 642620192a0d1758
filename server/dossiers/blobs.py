"""Content-addressed storage of original photos behind Django's storage API (default_storage).

Originals are kept byte for byte at `blobs/ab/cd/<sha256>`; thumbnails at `thumbs/ab/cd/<sha256>.jpg`.
"""
from __future__ import annotations

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from media.hashing import is_sha256_hex, sha256_hex

from .models import Blob, Photo, PhotoStatus


def blob_path(*, sha256: str) -> str:
    return f"blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def thumbnail_path(*, sha256: str) -> str:
    return f"thumbs/{sha256[:2]}/{sha256[2:4]}/{sha256}.jpg"


def _save_exact(path: str, data: bytes) -> None:
    """Write under exactly `path` (storage backends rename on collision; content-addressed → same bytes)."""
    if default_storage.exists(path):
        return
    saved = default_storage.save(path, ContentFile(data))
    if saved != path:  # raced with another writer: keep the canonical one
        default_storage.delete(saved)


def blob_put(*, sha256: str, data: bytes, mime: str = "") -> tuple[Blob, bool]:
    """Store verified bytes under their hash. Returns (blob, created). ValueError when the hash differs."""
    sha256 = sha256.lower()
    if not is_sha256_hex(sha256):
        raise ValueError("sha256: expected 64 hex digits")
    if sha256_hex(data) != sha256:
        raise ValueError("sha256: the bytes do not hash to the name")
    existing = Blob.objects.filter(pk=sha256).first()
    if existing is not None and default_storage.exists(existing.path):
        return existing, False
    path = blob_path(sha256=sha256)
    _save_exact(path, data)
    try:
        with transaction.atomic():
            blob, created = Blob.objects.get_or_create(sha256=sha256, defaults={"size": len(data), "mime": mime, "path": path})
    except IntegrityError:
        blob, created = Blob.objects.get(pk=sha256), False
    # Photo docs that were waiting for these bytes can now be processed.
    Photo.objects.filter(sha256=sha256, status=PhotoStatus.AWAITING_BLOB).update(status=PhotoStatus.PENDING, next_attempt_at=None)
    return blob, created


def blob_read(*, blob: Blob) -> bytes:
    with default_storage.open(blob.path, "rb") as handle:
        return handle.read()


def thumbnail_save(*, sha256: str, data: bytes) -> str:
    path = thumbnail_path(sha256=sha256)
    _save_exact(path, data)
    return path
