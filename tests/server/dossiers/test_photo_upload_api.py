"""POST /api/v1/photos/: checks the file, stores the blob and writes a photo doc for the reconciler."""
from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from server.dossiers.models import Blob
from tests import factories
from tests.media import media_factories as mf

pytestmark = pytest.mark.django_db

WRITTEN: list[dict] = []


def capture_writer(*, doc: dict) -> str:
    WRITTEN.append(doc)
    return "1-test"


@pytest.fixture(autouse=True)
def _setup(settings, media_dirs):
    settings.FIELD_DOC_WRITER = "tests.server.dossiers.test_photo_upload_api.capture_writer"
    WRITTEN.clear()


@pytest.fixture
def inspection():
    return factories.inspection()


def _post(api, user, inspection, data: bytes, name="p.jpg", **extra):
    body = {"inspection_id": str(inspection.pk), "item_code": "cert-2", "taken_at": "2019-07-01T10:00:00+08:00",
            "file": SimpleUploadedFile(name, data, content_type="image/jpeg")}
    body.update(extra)
    return api(user).post("/api/v1/photos/", body, format="multipart")


def test_good_photo_is_stored_and_written_as_a_photo_doc(api, inspection):
    data = mf.jpeg(width=64, height=64)
    response = _post(api, inspection.inspectors.first(), inspection, data)
    assert response.status_code == 201, response.content
    sha = hashlib.sha256(data).hexdigest()
    assert Blob.objects.filter(pk=sha).exists()
    [doc] = WRITTEN
    assert doc["_id"] == response.json()["id"] and doc["type"] == "photo" and doc["sha256"] == sha
    assert doc["inspection_id"] == str(inspection.pk) and doc["author"] == inspection.inspectors.first().username
    assert "_attachments" not in doc


@pytest.mark.parametrize(
    "data, status",
    [
        (b"plain text, not an image", 415),
        (mf.png_header_only(width=50_000, height=50_000), 413),
        (mf.jpeg(width=300, height=300, noisy=True)[:1500], 400),
    ],
    ids=["not-image", "bomb", "truncated"],
)
def test_bad_files_are_refused_and_nothing_is_stored(api, inspection, data, status):
    response = _post(api, inspection.inspectors.first(), inspection, data)
    assert response.status_code == status, response.content
    assert response.json()["field"] == "file"
    assert not Blob.objects.exists() and not WRITTEN


def test_file_over_the_size_limit_is_413(api, inspection, settings):
    settings.MAX_PHOTO_BYTES = 500
    response = _post(api, inspection.inspectors.first(), inspection, mf.jpeg(width=200, height=200, noisy=True))
    assert response.status_code == 413 and not Blob.objects.exists()


def test_missing_offset_in_taken_at_is_400(api, inspection):
    response = _post(api, inspection.inspectors.first(), inspection, mf.jpeg(), taken_at="2019-07-01 10:00")
    assert response.status_code == 400 and response.json()["field"] == "taken_at"


def test_unknown_item_code_is_400(api, inspection):
    response = _post(api, inspection.inspectors.first(), inspection, mf.jpeg(), item_code="nope-9")
    assert response.status_code == 400 and response.json()["field"] == "item_code"


def test_inspector_not_assigned_is_403(api, inspection):
    response = _post(api, factories.user("inspector"), inspection, mf.jpeg())
    assert response.status_code == 403 and not WRITTEN
