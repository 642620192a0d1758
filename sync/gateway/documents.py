"""Reads of stored documents through the access index: document GET (rev, revs, open_revs, latest,
attachments — the query string is forwarded as is), attachment GET, _bulk_get and _all_docs; and
single-document PUT/DELETE (checked like a one-doc _bulk_docs).

Requested ids are filtered before forwarding; when nothing was filtered out the store's answer is
streamed through untouched."""
from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpResponse

from . import multipart
from .access import Access, all_visible_ids, visible_ids, visible_row
from .bulk_docs import store_docs
from .http import (
    GatewayError, bad_request, dumps, json_object_body, json_response, optional_object_body, parse_json, read_body,
)
from .upstream import call, json_of, stream_through


# Query parameters not forwarded to the store. `latest=true` with a revision the store does not
# hold makes pouchdb-server 4.2 throw outside its request handler and stall that database for
# every later request; the revisions asked for come from our own _changes (current leaves), so
# `latest` changes nothing for replication and is dropped.
DROPPED_PARAMS = ("latest",)


def store_query(request) -> str | None:
    raw = request.META.get("QUERY_STRING") or ""
    if not raw:
        return None
    kept = [part for part in raw.split("&") if part and part.split("=", 1)[0] not in DROPPED_PARAMS]
    return "&".join(kept) or None


def not_found(reason: str = "missing") -> GatewayError:
    return GatewayError(404, "not_found", reason)


def _forward_headers(request) -> dict[str, str]:
    accept = request.META.get("HTTP_ACCEPT")
    return {"Accept": accept} if accept else {}


def get_doc(request, access: Access, doc_id: str):
    if visible_row(access=access, doc_id=doc_id) is None:
        raise not_found()
    if "open_revs" in request.GET and "multipart/mixed" in request.META.get("HTTP_ACCEPT", ""):
        return _open_revs_multipart(request, doc_id)
    response = call(request.method, doc_id, params=store_query(request),
                    headers=_forward_headers(request), stream=True)
    return stream_through(response)


def _open_revs_multipart(request, doc_id: str):
    """open_revs as CouchDB answers its replicator (`Accept: multipart/mixed`): attachment bodies
    always included (atts_since is ignored: full bodies are always safe), as raw parts."""
    params = [(key, value) for key, value in request.GET.items()
              if key not in DROPPED_PARAMS and key not in ("attachments", "atts_since")]
    params.append(("attachments", "true"))
    response = call("GET", doc_id, params=params)
    answer = json_of(response)
    if response.status_code != 200 or not isinstance(answer, list):
        error = answer if isinstance(answer, dict) and "error" in answer else {"error": "bad_request", "reason": "open_revs"}
        return json_response(error, status=response.status_code if response.status_code >= 400 else 400)
    body, content_type = multipart.mixed_body(answer)
    if request.method == "HEAD":
        out = HttpResponse(b"", content_type=content_type)
    else:
        out = HttpResponse(body, content_type=content_type)
    out["Content-Length"] = str(len(body))
    return out


def get_attachment(request, access: Access, doc_id: str, name: str):
    if visible_row(access=access, doc_id=doc_id) is None:
        raise not_found()
    response = call(request.method, doc_id, *name.split("/"), params=store_query(request),
                    headers={"Accept": "*/*"}, stream=True)
    out = stream_through(response)
    if "Content-Length" in response.headers and request.method == "GET":
        out["Content-Length"] = response.headers["Content-Length"]
    return out


def _single_write_result(results: list[dict], doc_id: str):
    result = results[0] if results else {"id": doc_id, "error": "unknown_error", "reason": "no answer"}
    if result.get("error"):
        status = {"forbidden": 403, "conflict": 409, "bad_request": 400}.get(result["error"], 400)
        return json_response({"error": result["error"], "reason": result.get("reason", "")}, status=status)
    return json_response({"ok": True, "id": result.get("id", doc_id), "rev": result.get("rev")}, status=201)


def put_doc(request, access: Access, doc_id: str):
    content_type = request.META.get("CONTENT_TYPE", "")
    if multipart.is_multipart(content_type, "related"):  # CouchDB's replicator: a doc with its attachments
        doc = multipart.parse_related(read_body(request), content_type)
    else:
        doc = json_object_body(request)
    doc["_id"] = doc_id
    if request.GET.get("rev"):
        doc["_rev"] = request.GET["rev"]
    new_edits = request.GET.get("new_edits", "true") != "false"
    results = store_docs(access=access, docs=[doc], new_edits=new_edits)
    if not new_edits and not results:
        return json_response({"ok": True, "id": doc_id, "rev": doc.get("_rev")}, status=201)
    return _single_write_result(results, doc_id)


def delete_doc(request, access: Access, doc_id: str):
    rev = request.GET.get("rev")
    if not rev:
        raise GatewayError(409, "conflict", "Document update conflict: rev 参数必填")
    results = store_docs(access=access, docs=[{"_id": doc_id, "_rev": rev, "_deleted": True}], new_edits=True)
    return _single_write_result(results, doc_id)


def _bulk_get_timeout() -> float:
    """_bulk_get gets a shorter timeout than other store calls: when the store stalls on it, the
    503 makes PouchDB fall back to single-document GETs instead of failing the replication."""
    return min(float(settings.COUCHDB_TIMEOUT_S), float(getattr(settings, "SYNC_BULK_GET_TIMEOUT_S", 10.0)))


def bulk_get(request, access: Access):
    raw = read_body(request)
    body = parse_json(raw)
    if not isinstance(body, dict) or not isinstance(body.get("docs"), list):
        raise bad_request("docs: 必须是 [{\"id\", \"rev\"}] 数组")
    requested = body["docs"]
    for position, item in enumerate(requested):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise bad_request(f"docs[{position}].id: 必填字符串")
    allowed = visible_ids(access=access, doc_ids=[item["id"] for item in requested])
    query = store_query(request)
    if len(allowed) and all(item["id"] in allowed for item in requested):
        response = call("POST", "_bulk_get", params=query, data=raw, stream=True, timeout=_bulk_get_timeout())
        return stream_through(response)
    kept = [item for item in requested if item["id"] in allowed]
    store_results: list = []
    if kept:
        payload = dict(body)
        payload["docs"] = kept
        response = call("POST", "_bulk_get", params=query, data=dumps(payload), timeout=_bulk_get_timeout())
        store_results = list(json_of(response).get("results") or [])
    results = []
    for item in requested:
        if item["id"] in allowed:
            if store_results:
                results.append(store_results.pop(0))
            continue
        results.append({"id": item["id"], "docs": [{"error": {
            "id": item["id"], "rev": item.get("rev", "undefined"), "error": "not_found", "reason": "missing"}}]})
    return json_response({"results": results})


def all_docs(request, access: Access):
    keys = None
    if request.method == "POST":
        keys = optional_object_body(request).get("keys")
    elif "keys" in request.GET:
        try:
            keys = json.loads(request.GET["keys"])
        except ValueError:
            raise bad_request("keys: 不是有效的 JSON 数组") from None
    if keys is not None and (not isinstance(keys, list) or not all(isinstance(k, str) for k in keys)):
        raise bad_request("keys: 必须是字符串数组")
    params = {k: v for k, v in request.GET.items() if k not in ("keys", "key", "startkey", "endkey", "start_key", "end_key")}
    explicit = keys is not None
    if keys is None:
        keys = all_visible_ids(access=access)
    allowed = visible_ids(access=access, doc_ids=keys)
    kept = [key for key in keys if key in allowed]
    if len(kept) == len(keys):
        response = call("POST", "_all_docs", params=params, data=dumps({"keys": kept}), stream=True)
        return stream_through(response)
    response = call("POST", "_all_docs", params=params, data=dumps({"keys": kept}))
    data = json_of(response)
    rows = {row.get("key"): row for row in data.get("rows") or [] if isinstance(row, dict)}
    out_rows = [rows.get(key, {"key": key, "error": "not_found"}) if key in allowed else {"key": key, "error": "not_found"}
                for key in keys]
    if not explicit:
        out_rows = [row for row in out_rows if "error" not in row]
    return json_response({"total_rows": len(out_rows), "offset": 0, "rows": out_rows})
