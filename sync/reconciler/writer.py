"""Writing a server-made field doc into the store (settings.FIELD_DOC_WRITER points here).

Used by POST /api/v1/photos/ so that the reconciler stays the only writer of field data into dossiers:
the API stores the blob and writes the photo doc; the reconciler folds it like any tablet's doc. The
new revision is also recorded in the gateway's access index, so the inspection's tablets pull it.
"""
from __future__ import annotations

import requests
from django.conf import settings

from sync import store
from sync.gateway import index
from sync.gateway.validation import inspection_of


def write_field_doc(*, doc: dict) -> str:
    """PUT a new doc; returns its rev. Raises store.StoreUnavailable when the store refuses or is down."""
    try:
        response = store.session().put(store.db_url(doc["_id"]), json=doc, timeout=settings.COUCHDB_TIMEOUT_S)
    except requests.RequestException as exc:
        raise store.StoreUnavailable(f"PUT {doc['_id']}: {exc.__class__.__name__}") from exc
    if response.status_code not in (201, 202):
        raise store.StoreUnavailable(f"PUT {doc['_id']}: HTTP {response.status_code} {response.text[:200]}")
    rev = response.json()["rev"]
    index.record(revisions=[
        index.Revision(doc_id=doc["_id"], doc_type=str(doc.get("type", "")), scope=inspection_of(doc) or "", rev=rev,
                       ancestors=[doc["_rev"]] if doc.get("_rev") else [])
    ])
    return rev
