"""POST /api/v1/photos/ through the real writer: the photo doc lands in the store, in the gateway's
access index (so the inspection's tablets pull it) and, once folded, in the dossier."""
from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sync.reconciler.processor import Reconciler
from tests import factories
from tests.media import media_factories as mf
from tests.sync.gateway.conftest import SyncClient

pytestmark = pytest.mark.django_db


def test_uploaded_photo_reaches_tablets_and_the_dossier(api, sync_store, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    inspection = factories.inspection()
    inspector = inspection.inspectors.first()
    data = mf.jpeg(width=64, height=48)
    response = api(inspector).post(
        "/api/v1/photos/",
        {"inspection_id": str(inspection.pk), "item_code": "cert-2", "taken_at": "2019-07-01T10:00:00+08:00",
         "file": SimpleUploadedFile("p.jpg", data, content_type="image/jpeg")},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    photo_id = response.json()["id"]

    pulled = SyncClient(inspector).changes(style="all_docs")
    assert photo_id in {row["id"] for row in pulled["results"]}
    outsider = factories.user("inspector", jurisdiction="445281")
    assert photo_id not in {row["id"] for row in SyncClient(outsider).changes()["results"]}

    Reconciler(batch_size=100, poll_s=0.1).run_until_caught_up()
    dossier = api(inspector).get(f"/api/v1/dossiers/{inspection.pk}/").json()
    [photo] = [p for p in dossier["photos"] if p["id"] == photo_id]
    assert photo["sha256"] == hashlib.sha256(data).hexdigest()
