"""Resumable blob uploads: PUT /api/v1/blobs/{sha256} with optional Content-Range chunks.

Partial uploads live in DATA_DIR/uploads/<sha256>.part; the received offset is its size.
- Whole body (no Content-Range): verified against the name → 201 (new) or 200 (already stored).
- `Content-Range: bytes a-b/total`: `a` must be ≤ the received offset (a re-sent chunk overwrites from
  `a`); `a` beyond the offset → 416 with the offset. Not yet complete → 308 with `Range: bytes=0-<b>`
  and `{"offset": b+1}`; the last chunk → verified, stored → 201/200 (hash mismatch → 400, partial discarded).
- HEAD: 200 when stored (Upload-Offset = size), 308 with `Range`/`Upload-Offset` when partial, 404 otherwise.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from media.errors import PhotoError
from media.hashing import is_sha256_hex, sha256_hex
from media.verify import inspect_image

from . import blobs
from .models import Blob

_RANGE_RE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")


class UploadError(Exception):
    def __init__(self, *, status: int, field: str, message: str, offset: int | None = None):
        super().__init__(message)
        self.status, self.field, self.message, self.offset = status, field, message, offset


@dataclass
class UploadResult:
    status: int  # 200, 201 or 308
    offset: int
    total: int | None = None
    blob: Blob | None = None


def _dir() -> Path:
    path = Path(settings.DATA_DIR) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _part(sha256: str) -> Path:
    return _dir() / f"{sha256}.part"


def check_name(sha256: str) -> str:
    value = (sha256 or "").lower()
    if not is_sha256_hex(value):
        raise UploadError(status=400, field="sha256", message="sha256: the URL must name 64 hex digits")
    return value


def received_offset(*, sha256: str) -> tuple[str, int]:
    """("complete", size) | ("partial", offset) | ("none", 0)."""
    blob = Blob.objects.filter(pk=sha256).first()
    if blob is not None:
        return "complete", blob.size
    part = _part(sha256)
    if part.exists():
        return "partial", part.stat().st_size
    return "none", 0


def _finish(sha256: str, data: bytes) -> UploadResult:
    if sha256_hex(data) != sha256:
        raise UploadError(status=400, field="sha256", message="sha256: the uploaded bytes do not hash to the name")
    try:
        info = inspect_image(data=data, max_bytes=settings.MAX_PHOTO_BYTES, max_pixels=settings.MAX_PHOTO_PIXELS)
    except PhotoError as exc:
        raise UploadError(status=exc.http_status, field="file", message=exc.message) from None
    blob, created = blobs.blob_put(sha256=sha256, data=data, mime=info.mime)
    return UploadResult(status=201 if created else 200, offset=len(data), total=len(data), blob=blob)


def put_whole(*, sha256: str, stream, content_length: int | None) -> UploadResult:
    sha256 = check_name(sha256)
    existing = Blob.objects.filter(pk=sha256).first()
    limit = settings.MAX_PHOTO_BYTES
    if content_length is not None and content_length > limit:
        raise UploadError(status=413, field="file", message=f"file: {content_length} bytes is more than {limit}")
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise UploadError(status=413, field="file", message=f"file: more than {limit} bytes")
    if existing is not None:
        if sha256_hex(data) != sha256:
            raise UploadError(status=400, field="sha256", message="sha256: the uploaded bytes do not hash to the name")
        return UploadResult(status=200, offset=existing.size, total=existing.size, blob=existing)
    if not data:
        raise UploadError(status=400, field="file", message="file: the body is empty")
    result = _finish(sha256, data)
    _part(sha256).unlink(missing_ok=True)
    return result


def put_chunk(*, sha256: str, content_range: str, stream) -> UploadResult:
    sha256 = check_name(sha256)
    match = _RANGE_RE.match(content_range.strip())
    if not match:
        raise UploadError(status=400, field="Content-Range", message="Content-Range: expected 'bytes a-b/total'")
    start, end, total = (int(g) for g in match.groups())
    if end < start or end >= total:
        raise UploadError(status=400, field="Content-Range", message="Content-Range: need a ≤ b < total")
    if total > settings.MAX_PHOTO_BYTES:
        raise UploadError(status=413, field="file", message=f"file: {total} bytes is more than {settings.MAX_PHOTO_BYTES}")
    state, offset = received_offset(sha256=sha256)
    if state == "complete":
        return UploadResult(status=200, offset=offset, total=offset, blob=Blob.objects.get(pk=sha256))
    if start > offset:
        raise UploadError(status=416, field="Content-Range",
                          message=f"Content-Range: starts at {start}, but only {offset} bytes were received", offset=offset)
    length = end - start + 1
    data = stream.read(length + 1)
    if len(data) != length:
        raise UploadError(status=400, field="Content-Range",
                          message=f"Content-Range: says {length} bytes, the body has {len(data)}")
    part = _part(sha256)
    mode = "r+b" if part.exists() else "wb"
    with open(part, mode) as handle:
        handle.seek(start)
        handle.write(data)
        handle.truncate(start + length)
        handle.flush()
        os.fsync(handle.fileno())
    offset = start + length
    if offset < total:
        return UploadResult(status=308, offset=offset, total=total)
    whole = part.read_bytes()
    try:
        result = _finish(sha256, whole)
    except UploadError:
        part.unlink(missing_ok=True)
        raise
    part.unlink(missing_ok=True)
    return result
