"""Photo processing after the fold: verification, EXIF, thumbnails, flags; bad images never crash."""
from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from server.dossiers import blobs
from server.dossiers.models import Blob, Photo, PhotoStatus
from server.dossiers.services import AttachmentMissing, TemporaryFetchError, process_pending_photos
from tests import factories
from tests.media import media_factories as mf
from tests.server.dossiers import field_docs as fd

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_dirs")]


@pytest.fixture
def inspection():
    return factories.inspection(enterprise_obj=factories.enterprise(latitude=23.54, longitude=116.37))


def _author(inspection):
    return inspection.inspectors.first().username


def _fetcher(store: dict):
    def fetch(*, doc_id, max_bytes):
        if doc_id not in store:
            raise AttachmentMissing("no attachment")
        value = store[doc_id]
        if isinstance(value, Exception):
            raise value
        return value[: max_bytes + 1]
    return fetch


def _process(inspection, data, *, sha256=None, attach=True, **kw):
    doc = fd.photo(inspection, author=_author(inspection), data=data, sha256=sha256, attach=attach, **kw)
    fd.fold(doc)
    process_pending_photos(limit=10, fetch_attachment=_fetcher({doc["_id"]: data}))
    return Photo.objects.get(doc_id=doc["_id"])


def test_good_jpeg_is_verified_with_exif_thumbnail_and_original_in_content_addressed_storage(inspection):
    data = mf.jpeg(width=800, height=400, exif=mf.make_exif(taken="2019:07:01 10:00:00", orientation=6))
    photo = _process(inspection, data, item_code="cert-2")
    assert photo.status == PhotoStatus.VERIFIED, photo.error
    sha = hashlib.sha256(data).hexdigest()
    assert photo.blob_id == sha and photo.blob.path == f"blobs/{sha[:2]}/{sha[2:4]}/{sha}"
    with default_storage.open(photo.blob.path, "rb") as handle:
        assert handle.read() == data  # original kept unchanged
    assert photo.exif["taken_at"].startswith("2019-07-01T10:00:00")
    assert photo.exif["gps"] is not None
    thumb = Image.open(default_storage.open(photo.thumbnail_path, "rb"))
    assert thumb.height > thumb.width  # EXIF orientation 6 applied
    assert photo.flags == []  # taken on the day, near the enterprise (23.54N 116.37E)


def test_photo_without_exif_taken_far_away_and_on_another_day_is_flagged(inspection):
    no_exif = _process(inspection, mf.jpeg(width=64, height=64))
    assert no_exif.status == PhotoStatus.VERIFIED and "no_exif" in no_exif.flags
    far = _process(inspection, mf.jpeg(width=64, height=48, exif=mf.make_exif(
        taken="2019:03:01 10:00:00", gps=((39.0, 54.0, 0.0), "N", (116.0, 23.0, 0.0), "E"))))
    assert "taken_far_from_inspection_date" in far.flags and "far_from_enterprise" in far.flags


def test_same_image_in_two_inspections_is_flagged_in_both(inspection):
    data = mf.jpeg(width=64, height=64, exif=mf.make_exif(taken="2019:07:01 10:00:00"))
    first = _process(inspection, data)
    other = factories.inspection()
    second = _process(other, data)
    first.refresh_from_db()
    assert "reused_across_inspections" in second.flags and "reused_across_inspections" in first.flags


@pytest.mark.parametrize(
    "make_data, reason",
    [
        (lambda: b"this is not an image at all", "not a JPEG"),
        (lambda: mf.png_header_only(width=100_000, height=100_000), "pixels"),
        (lambda: mf.jpeg(width=300, height=300, noisy=True)[:2000], "truncated"),
        (lambda: b"", "empty"),
    ],
    ids=["not-an-image", "decompression-bomb", "truncated", "empty"],
)
def test_bad_images_are_rejected_without_crashing(inspection, make_data, reason):
    data = make_data()
    photo = _process(inspection, data)
    assert photo.status == PhotoStatus.REJECTED
    assert reason in photo.error
    assert not Blob.objects.exists()


def test_hash_mismatch_is_rejected(inspection):
    data = mf.jpeg(width=64, height=64)
    photo = _process(inspection, data, sha256="0" * 64)
    assert photo.status == PhotoStatus.REJECTED and "sha256" in photo.error
    assert not Blob.objects.exists()


def test_a_bad_photo_does_not_stop_the_next_one(inspection):
    bad = fd.photo(inspection, author=_author(inspection), data=b"GIF89a....")
    good_data = mf.jpeg(width=32, height=32)
    good = fd.photo(inspection, author=_author(inspection), data=good_data)
    fd.fold(bad, good)
    process_pending_photos(limit=10, fetch_attachment=_fetcher({bad["_id"]: b"GIF89a....", good["_id"]: good_data}))
    assert Photo.objects.get(doc_id=bad["_id"]).status == PhotoStatus.REJECTED
    assert Photo.objects.get(doc_id=good["_id"]).status == PhotoStatus.VERIFIED


def test_store_unavailable_is_retried_later(inspection):
    data = mf.jpeg(width=32, height=32)
    doc = fd.photo(inspection, author=_author(inspection), data=data)
    fd.fold(doc)
    process_pending_photos(limit=10, fetch_attachment=_fetcher({doc["_id"]: TemporaryFetchError("down")}))
    photo = Photo.objects.get(doc_id=doc["_id"])
    assert photo.status == PhotoStatus.PENDING and photo.attempts == 1 and photo.next_attempt_at is not None


def test_photo_doc_without_attachment_waits_for_the_blob_then_is_verified_from_it(inspection):
    data = mf.jpeg(width=40, height=30, exif=mf.make_exif(taken="2019:07:01 09:00:00"))
    doc = fd.photo(inspection, author=_author(inspection), data=data, attach=False)
    fd.fold(doc)
    process_pending_photos(limit=10, fetch_attachment=_fetcher({}))
    assert Photo.objects.get(doc_id=doc["_id"]).status == PhotoStatus.AWAITING_BLOB
    blobs.blob_put(sha256=hashlib.sha256(data).hexdigest(), data=data)
    assert Photo.objects.get(doc_id=doc["_id"]).status == PhotoStatus.PENDING
    process_pending_photos(limit=10, fetch_attachment=_fetcher({}))
    assert Photo.objects.get(doc_id=doc["_id"]).status == PhotoStatus.VERIFIED


def test_verified_photo_completes_a_photo_required_item(inspection):
    author = _author(inspection)
    fd.fold(fd.answer(inspection, "cert-2", True, author=author))
    from server.dossiers.models import Dossier

    assert "photo" in Dossier.objects.get(pk=inspection.pk).completeness["details"]["cert-2"]
    _process(inspection, mf.jpeg(width=32, height=32), item_code="cert-2")
    assert "cert-2" not in Dossier.objects.get(pk=inspection.pk).completeness["details"]


def test_thumbnail_is_small_jpeg(inspection):
    photo = _process(inspection, mf.jpeg(width=2000, height=1000))
    thumb = Image.open(io.BytesIO(default_storage.open(photo.thumbnail_path, "rb").read()))
    assert thumb.format == "JPEG" and max(thumb.size) <= 320


def test_an_unexpected_failure_while_fetching_rejects_that_photo_only(inspection):
    data = mf.jpeg(width=32, height=32)
    doc = fd.photo(inspection, author=_author(inspection), data=data)
    fd.fold(doc)

    def broken(*, doc_id, max_bytes):
        raise RuntimeError("boom")

    assert process_pending_photos(limit=10, fetch_attachment=broken) == 1
    photo = Photo.objects.get(doc_id=doc["_id"])
    assert photo.status == PhotoStatus.REJECTED and "RuntimeError" in photo.error
