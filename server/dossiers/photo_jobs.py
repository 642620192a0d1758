"""Photo processing after the fold: fetch bytes, check sha256, verify the image (media), read EXIF,
make the thumbnail, keep the original in content-addressed storage, set evidence flags.

Work per image is bounded by MAX_PHOTO_BYTES and MAX_PHOTO_PIXELS (media checks the header before
decoding, and decodes once). Every failure ends in the photo row (rejected, or retried with backoff
when the store is unreachable); nothing here raises into the reconciler.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from media.errors import PhotoError
from media.flags import FLAG_REUSED_ACROSS_INSPECTIONS, evidence_flags
from media.thumbnails import make_thumbnail
from media.verify import inspect_image
from server.inspections.models import Inspection

from . import blobs
from .models import Blob, Photo, PhotoStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


class AttachmentMissing(Exception):
    """The store has no such attachment (permanent)."""


class TemporaryFetchError(Exception):
    """The store could not be reached; try again later."""


# fetch_attachment(doc_id=, max_bytes=) -> bytes; raises AttachmentMissing / TemporaryFetchError
AttachmentFetcher = Callable[..., bytes]


def _reject(photo: Photo, reason: str) -> None:
    photo.status = PhotoStatus.REJECTED
    photo.error = reason[:2000]
    photo.processed_at = timezone.now()
    photo.save(update_fields=["status", "error", "processed_at"])


def _retry_later(photo: Photo, reason: str) -> None:
    photo.attempts += 1
    photo.error = reason[:2000]
    if photo.attempts >= MAX_ATTEMPTS:
        photo.status = PhotoStatus.REJECTED
        photo.processed_at = timezone.now()
    else:
        photo.next_attempt_at = timezone.now() + timedelta(seconds=min(600, 2 ** photo.attempts))
    photo.save(update_fields=["attempts", "error", "status", "next_attempt_at", "processed_at"])


def _flags_for(photo: Photo, info) -> list[str]:
    inspection = Inspection.objects.select_related("enterprise").get(pk=photo.inspection_id)
    enterprise = inspection.enterprise
    location = None
    if enterprise.latitude is not None and enterprise.longitude is not None:
        location = (enterprise.latitude, enterprise.longitude)
    reused = Photo.objects.filter(sha256=photo.sha256).exclude(inspection_id=photo.inspection_id).exists()
    return evidence_flags(info=info, inspection_date=inspection.scheduled_for, enterprise_location=location, reused=reused)


def process_photo(*, photo: Photo, fetch_attachment: AttachmentFetcher | None) -> Photo:
    """Process one photo row; returns it with its new status."""
    from .fold import dossier_refresh

    declared = (photo.sha256 or "").lower()
    data: bytes | None = None
    try:
        if photo.has_attachment and fetch_attachment is not None:
            data = fetch_attachment(doc_id=photo.doc_id, max_bytes=settings.MAX_PHOTO_BYTES)
        elif declared:
            blob = Blob.objects.filter(pk=declared).first()
            if blob is not None:
                data = blobs.blob_read(blob=blob)
    except AttachmentMissing as exc:
        _reject(photo, f"image: {exc}")
        return photo
    except TemporaryFetchError as exc:
        _retry_later(photo, f"image: store unavailable ({exc})")
        return photo
    except PhotoError as exc:
        _reject(photo, exc.message)
        return photo
    if data is None:
        if photo.has_attachment:
            _retry_later(photo, "image: no store connection to fetch the attachment")
        else:
            photo.status = PhotoStatus.AWAITING_BLOB
            photo.error = "image: waiting for PUT /api/v1/blobs/{sha256}"
            photo.save(update_fields=["status", "error"])
        return photo
    try:
        info = inspect_image(data=data, max_bytes=settings.MAX_PHOTO_BYTES, max_pixels=settings.MAX_PHOTO_PIXELS)
        if not declared:
            raise PhotoError(code="sha256_missing", http_status=400, message="sha256: missing in the photo doc", field="sha256")
        if info.sha256 != declared:
            raise PhotoError(code="sha256_mismatch", http_status=400, field="sha256",
                             message=f"sha256: image bytes hash to {info.sha256}, the doc says {declared}")
        thumb = make_thumbnail(data=data, max_bytes=settings.MAX_PHOTO_BYTES, max_pixels=settings.MAX_PHOTO_PIXELS)
    except PhotoError as exc:
        _reject(photo, exc.message)
        return photo
    with transaction.atomic():
        blob, _ = blobs.blob_put(sha256=info.sha256, data=data, mime=info.mime)
        photo.blob = blob
        photo.thumbnail_path = blobs.thumbnail_save(sha256=info.sha256, data=thumb)
        photo.mime = info.mime
        photo.width, photo.height = info.display_size
        photo.exif = info.exif_dict()
        photo.flags = _flags_for(photo, info)
        photo.status = PhotoStatus.VERIFIED
        photo.error = ""
        photo.processed_at = timezone.now()
        photo.save()
        if FLAG_REUSED_ACROSS_INSPECTIONS in photo.flags:
            for other in Photo.objects.filter(sha256=photo.sha256).exclude(inspection_id=photo.inspection_id):
                if FLAG_REUSED_ACROSS_INSPECTIONS not in other.flags:
                    other.flags = [*other.flags, FLAG_REUSED_ACROSS_INSPECTIONS]
                    other.save(update_fields=["flags"])
        dossier_refresh(inspection_id=str(photo.inspection_id))
    return photo


def process_pending_photos(*, limit: int = 20, fetch_attachment: AttachmentFetcher | None, budget_s: float = 5.0) -> int:
    """Process up to `limit` due photos within about `budget_s` seconds; returns how many were handled."""
    started = time.monotonic()
    now = timezone.now()
    due = list(
        Photo.objects.filter(status=PhotoStatus.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("next_attempt_at", "pk")[:limit]
    )
    done = 0
    for photo in due:
        if time.monotonic() - started > budget_s:
            break
        try:
            process_photo(photo=photo, fetch_attachment=fetch_attachment)
        except Exception as exc:  # noqa: BLE001 - no photo may stop the reconciler
            log.exception("processing %s", photo.doc_id)
            try:
                _reject(photo, f"image: processing failed ({exc.__class__.__name__})")
            except Exception:  # noqa: BLE001
                log.exception("recording failure of %s", photo.doc_id)
        done += 1
    return done
