"""Helpers for the gateway tests: a sync client signed in by HTTP Basic, field doc builders."""
from __future__ import annotations

import base64
import json
import uuid

from django.test import Client

from tests import factories


class SyncClient:
    """Django test client speaking to /sync/field/ as one user."""

    def __init__(self, user=None, *, password: str = factories.PASSWORD, token: str | None = None):
        self.client = Client()
        self.headers: dict[str, str] = {}
        if token is not None:
            self.headers["HTTP_AUTHORIZATION"] = f"Token {token}"
        elif user is not None:
            raw = base64.b64encode(f"{user.username}:{password}".encode()).decode()
            self.headers["HTTP_AUTHORIZATION"] = f"Basic {raw}"

    def get(self, path: str = "", **extra):
        return self.client.get(f"/sync/field/{path}", **self.headers, **extra)

    def post(self, path: str, body, **extra):
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return self.client.post(f"/sync/field/{path}", data=data, content_type="application/json",
                                **self.headers, **extra)

    def put(self, path: str, body, **extra):
        return self.client.put(f"/sync/field/{path}", data=json.dumps(body), content_type="application/json",
                               **self.headers, **extra)

    def delete(self, path: str, **extra):
        return self.client.delete(f"/sync/field/{path}", **self.headers, **extra)

    def push(self, docs: list[dict], *, new_edits: bool = False):
        return self.post("_bulk_docs", {"docs": docs, "new_edits": new_edits})

    def changes(self, **params):
        query = "&".join(f"{k}={v}" for k, v in params.items())
        response = self.get(f"_changes?{query}")
        assert response.status_code == 200, response.content
        return json.loads(b"".join(response.streaming_content) if response.streaming else response.content)


def body_of(response):
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return json.loads(raw)


def rev(n: int = 1, seed: str | None = None) -> str:
    return f"{n}-{(seed or uuid.uuid4().hex)[:32]}"


def with_revisions(doc: dict, *hashes: str) -> dict:
    """Set _rev and _revisions from newest-first hashes."""
    start = len(hashes)
    doc["_rev"] = f"{start}-{hashes[0]}"
    doc["_revisions"] = {"start": start, "ids": list(hashes)}
    return doc


def answer(inspection, user, item_code: str = "cert-2", value=True, **overrides) -> dict:
    doc = {
        "_id": f"answer:{inspection.pk}:{item_code}", "type": "answer", "inspection_id": str(inspection.pk),
        "item_code": item_code, "value": value, "note": "", "answered_at": "2019-07-01T09:30:00+08:00",
        "author": user.username, "device_id": "tablet-1",
    }
    doc.update(overrides)
    if "_rev" not in doc:
        with_revisions(doc, uuid.uuid4().hex)
    return doc



def jpeg_bytes(size: tuple[int, int] = (32, 24)) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def photo(inspection, user, data: bytes | None = None, content_type: str = "image/jpeg", **overrides) -> dict:
    import hashlib

    data = jpeg_bytes() if data is None else data
    doc = {
        "_id": f"photo:{uuid.uuid4()}", "type": "photo", "inspection_id": str(inspection.pk), "item_code": "mark-1",
        "taken_at": "2019-07-01T09:31:00+08:00", "sha256": hashlib.sha256(data).hexdigest(), "caption": "铭牌",
        "author": user.username, "device_id": "tablet-1",
        "_attachments": {"image": {"content_type": content_type, "data": base64.b64encode(data).decode()}},
    }
    doc.update(overrides)
    if "_rev" not in doc:
        with_revisions(doc, uuid.uuid4().hex)
    return doc


def quicktest(inspection, user, **overrides) -> dict:
    doc = {
        "_id": f"quicktest:{uuid.uuid4()}", "type": "quicktest", "inspection_id": str(inspection.pk),
        "item_code": "cr-1", "method": "conductor-resistance",
        "inputs": {"material": "copper", "coated": False, "conductor_class": 1, "cross_section_mm2": 2.5,
                   "length_m": 100, "measured_ohm": 0.7, "temperature_c": 20},
        "instrument": {"model": "TH2512", "serial": "A1"}, "measured_at": "2019-07-01T10:00:00+08:00",
        "author": user.username, "device_id": "tablet-1",
    }
    doc.update(overrides)
    if "_rev" not in doc:
        with_revisions(doc, uuid.uuid4().hex)
    return doc


def sample(inspection, user, label_code: str | None = None, **overrides) -> dict:
    from media.labels import make_label_code

    label_code = label_code or make_label_code(jurisdiction="445202", serial=int(uuid.uuid4().int % 999_999) + 1)
    doc = {
        "_id": f"sample:{label_code}", "type": "sample", "inspection_id": str(inspection.pk), "label_code": label_code,
        "product": {"name": "聚氯乙烯绝缘电缆", "model": "BV 2.5", "batch": "20190601", "brand": "揭阳牌",
                    "manufacturer": "揭阳市测试电缆有限公司", "production_date": "2019-06-01", "scanned_code": ""},
        "quantity": 2, "unit": "卷", "sealed_at": "2019-07-01T11:00:00+08:00", "photo_ids": [],
        "author": user.username, "device_id": "tablet-1",
    }
    doc.update(overrides)
    if "_rev" not in doc:
        with_revisions(doc, uuid.uuid4().hex)
    return doc


def closeout(inspection, user, **overrides) -> dict:
    doc = {
        "_id": f"closeout:{inspection.pk}", "type": "closeout", "inspection_id": str(inspection.pk),
        "finished_at": "2019-07-01T12:00:00+08:00", "summary": "现场检查完毕",
        "representative": {"name": "张三", "title": "厂长"}, "author": user.username, "device_id": "tablet-1",
    }
    doc.update(overrides)
    if "_rev" not in doc:
        with_revisions(doc, uuid.uuid4().hex)
    return doc
