"""PUT/HEAD /api/v1/blobs/{sha256}: idempotent, verified against the name, resumable."""
from __future__ import annotations

import hashlib

import pytest
from django.core.files.storage import default_storage

from server.dossiers.models import Blob
from tests import factories
from tests.media import media_factories as mf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_dirs")]


@pytest.fixture
def client(api):
    return api(factories.user("inspector"))


def _put(client, sha, data, **headers):
    return client.generic("PUT", f"/api/v1/blobs/{sha}", data, content_type="application/octet-stream", **headers)


def test_whole_upload_is_stored_once_and_is_idempotent(client):
    data = mf.jpeg(width=64, height=64)
    sha = hashlib.sha256(data).hexdigest()
    first = _put(client, sha, data)
    assert first.status_code == 201, first.content
    assert default_storage.open(Blob.objects.get(pk=sha).path, "rb").read() == data
    again = _put(client, sha, data)
    assert again.status_code == 200
    assert Blob.objects.count() == 1


def test_bytes_that_do_not_match_the_name_are_refused(client):
    data = mf.jpeg(width=64, height=64)
    response = _put(client, "a" * 64, data)
    assert response.status_code == 400 and response.json()["field"] == "sha256"
    assert not Blob.objects.exists()


def test_not_an_image_is_415_and_not_stored(client):
    data = b"GIF89a" + b"\x00" * 100
    response = _put(client, hashlib.sha256(data).hexdigest(), data)
    assert response.status_code == 415 and not Blob.objects.exists()


def test_bad_name_is_400(client):
    assert _put(client, "xyz", b"abc").status_code == 400


def test_chunked_upload_resumes_from_the_received_offset(client):
    data = mf.jpeg(width=600, height=600, noisy=True)
    sha = hashlib.sha256(data).hexdigest()
    total = len(data)
    cut = total // 3
    assert client.head(f"/api/v1/blobs/{sha}").status_code == 404
    first = _put(client, sha, data[:cut], HTTP_CONTENT_RANGE=f"bytes 0-{cut - 1}/{total}")
    assert first.status_code == 308 and first.json()["offset"] == cut
    assert first["Range"] == f"bytes=0-{cut - 1}"
    # The link drops; the client asks where to resume.
    head = client.head(f"/api/v1/blobs/{sha}")
    assert head.status_code == 308 and head["Upload-Offset"] == str(cut)
    # A chunk that skips ahead is refused with the offset to resume from.
    gap = _put(client, sha, data[cut + 10:], HTTP_CONTENT_RANGE=f"bytes {cut + 10}-{total - 1}/{total}")
    assert gap.status_code == 416 and gap.json()["offset"] == cut
    # A re-sent overlapping chunk is fine.
    again = _put(client, sha, data[cut - 5: 2 * cut], HTTP_CONTENT_RANGE=f"bytes {cut - 5}-{2 * cut - 1}/{total}")
    assert again.status_code == 308 and again.json()["offset"] == 2 * cut
    last = _put(client, sha, data[2 * cut:], HTTP_CONTENT_RANGE=f"bytes {2 * cut}-{total - 1}/{total}")
    assert last.status_code == 201, last.content
    assert default_storage.open(Blob.objects.get(pk=sha).path, "rb").read() == data
    assert client.head(f"/api/v1/blobs/{sha}").status_code == 200


def test_chunked_upload_with_wrong_hash_is_discarded(client, settings):
    data = mf.jpeg(width=64, height=64)
    sha = "b" * 64
    response = _put(client, sha, data, HTTP_CONTENT_RANGE=f"bytes 0-{len(data) - 1}/{len(data)}")
    assert response.status_code == 400
    assert client.head(f"/api/v1/blobs/{sha}").status_code == 404


def test_declared_total_over_the_limit_is_413(client, settings):
    settings.MAX_PHOTO_BYTES = 1000
    response = _put(client, "c" * 64, b"x" * 10, HTTP_CONTENT_RANGE="bytes 0-9/5000")
    assert response.status_code == 413


def test_supervisors_cannot_upload(api):
    supervisor = api(factories.user("supervisor"))
    assert _put(supervisor, "d" * 64, b"x").status_code == 403
