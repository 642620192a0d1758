"""Writing documents straight into the test sync store over HTTP (as a replicating tablet would)."""
from __future__ import annotations

import base64

from sync import store


def bulk_docs(docs: list[dict], *, new_edits: bool = True) -> list[dict]:
    body: dict = {"docs": docs}
    if not new_edits:
        body["new_edits"] = False
    response = store.session().post(store.db_url("_bulk_docs"), json=body, timeout=60)
    assert response.status_code in (201, 202), response.text
    return response.json()


def put(doc: dict) -> str:
    response = store.session().put(store.db_url(doc["_id"]), json=doc, timeout=30)
    assert response.status_code in (201, 202), response.text
    return response.json()["rev"]


def with_image(doc: dict, data: bytes, content_type: str = "image/jpeg") -> dict:
    doc = {k: v for k, v in doc.items() if k not in ("_rev", "_attachments")}
    doc["_attachments"] = {"image": {"content_type": content_type, "data": base64.b64encode(data).decode()}}
    return doc


def new_doc(doc: dict) -> dict:
    """The doc without `_rev` (a first write into the store)."""
    return {k: v for k, v in doc.items() if k != "_rev"}
