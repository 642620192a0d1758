"""Reads of stored documents through the access index: document GET (rev, revs, open_revs, latest,
attachments — the query string is forwarded as is), attachment GET, _bulk_get and _all_docs; and
single-document PUT/DELETE (checked like a one-doc _bulk_docs).

Requested ids are filtered before forwarding; when nothing was filtered out the store's answer is
streamed through untouched."""
from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse

from . import inputs, multipart
from .access import Access, all_visible_ids, visible_ids, visible_row
from .bulk_docs import store_docs
from .http import GatewayError, bad_request, dumps, json_response, read_body
from .upstream import call, json_of, stream_through

# Query parameters forwarded to the store, each checked by inputs.forwarded_doc_params; any other is
# dropped. `latest=true` is never forwarded: with a revision the store does not hold it makes
# pouchdb-server 4.2 throw outside its request handler and stall that database for every later
# request; the revisions asked for come from our own _changes (current leaves), so `latest` changes
# nothing for replication.
DOC_PARAMS = ("rev", "revs", "revs_info", "open_revs", "conflicts", "deleted_conflicts", "attachments",
              "att_encoding_info", "atts_since", "local_seq", "meta")
ATTACHMENT_PARAMS = ("rev",)
BULK_GET_PARAMS = ("revs", "attachments", "att_encoding_info")
ALL_DOCS_PARAMS = ("include_docs", "conflicts", "attachments", "att_encoding_info", "descending", "limit", "skip",
                   "update_seq")


def not_found(reason: str = "missing") -> GatewayError:
    return GatewayError(404, "not_found", reason)


def _forward_headers(request) -> dict[str, str]:
    accept = request.META.get("HTTP_ACCEPT")
    return {"Accept": accept} if accept else {}


def get_doc(request, access: Access, doc_id: str):
    params = inputs.forwarded_doc_params(request, allowed=DOC_PARAMS)
    if visible_row(access=access, doc_id=doc_id) is None:
        raise not_found()
    if "open_revs" in request.GET and "multipart/mixed" in request.META.get("HTTP_ACCEPT", ""):
        return _open_revs_multipart(request, doc_id, params)
    response = call(request.method, doc_id, params=params or None,
                    headers=_forward_headers(request), stream=True)
    return stream_through(response)


def _open_revs_multipart(request, doc_id: str, checked: list[tuple[str, str]]):
    """open_revs as CouchDB answers its replicator (`Accept: multipart/mixed`): attachment bodies
    always included (atts_since is ignored: full bodies are always safe), as raw parts."""
    params = [(key, value) for key, value in checked if key not in ("attachments", "atts_since")]
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
    params = inputs.forwarded_doc_params(request, allowed=ATTACHMENT_PARAMS)
    if visible_row(access=access, doc_id=doc_id) is None:
        raise not_found()
    response = call(request.method, doc_id, *name.split("/"), params=params or None,
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
    media_type = inputs.check_content_type(request, also=("multipart/related",))
    rev = inputs.query_rev(request)
    new_edits = inputs.query_bool(request, "new_edits", True)
    if media_type == "multipart/related":  # CouchDB's replicator: a doc with its attachments
        doc = multipart.parse_related(read_body(request), request.META.get("CONTENT_TYPE", ""))
    else:
        doc = inputs.json_object(request)
    doc["_id"] = doc_id
    if rev:
        doc["_rev"] = rev
    results = store_docs(access=access, docs=[doc], new_edits=new_edits)
    if not new_edits and not results:
        return json_response({"ok": True, "id": doc_id, "rev": doc.get("_rev")}, status=201)
    return _single_write_result(results, doc_id)


def delete_doc(request, access: Access, doc_id: str):
    rev = inputs.query_rev(request)
    if not rev:
        raise GatewayError(409, "conflict", "Document update conflict: rev 参数必填")
    results = store_docs(access=access, docs=[{"_id": doc_id, "_rev": rev, "_deleted": True}], new_edits=True)
    return _single_write_result(results, doc_id)


def _bulk_get_timeout() -> float:
    """_bulk_get gets a shorter timeout than other store calls: when the store stalls on it, the
    503 makes PouchDB fall back to single-document GETs instead of failing the replication."""
    return min(float(settings.COUCHDB_TIMEOUT_S), float(getattr(settings, "SYNC_BULK_GET_TIMEOUT_S", 10.0)))


def _bulk_get_item(item) -> tuple[dict | None, dict | None]:
    """(what is sent to the store, None) for a well-formed request item; (None, its error answer)
    for one that names an id the gateway could never hold or a malformed revision."""
    doc_id = item["id"]
    rev = item.get("rev")
    if not inputs.storable_id(doc_id):
        return None, _bulk_get_error(doc_id, rev, "not_found", "missing")
    if rev is not None and not inputs.valid_rev(rev):
        return None, _bulk_get_error(doc_id, rev, "bad_request", "Invalid rev format")
    sent = {"id": doc_id}
    if rev is not None:
        sent["rev"] = rev
    atts_since = item.get("atts_since")
    if atts_since is not None:
        if not isinstance(atts_since, list) or len(atts_since) > inputs.MAX_REVS or not all(
                inputs.valid_rev(r) for r in atts_since):
            return None, _bulk_get_error(doc_id, rev, "bad_request", "atts_since: 必须是修订号数组")
        sent["atts_since"] = atts_since
    return sent, None


def _bulk_get_error(doc_id, rev, error: str, reason: str) -> dict:
    shown_rev = rev if isinstance(rev, str) else "undefined"
    return {"id": doc_id, "docs": [{"error": {"id": doc_id, "rev": shown_rev, "error": error, "reason": reason}}]}


def bulk_get(request, access: Access):
    params = inputs.forwarded_doc_params(request, allowed=BULK_GET_PARAMS)
    body = inputs.json_object(request)
    if not isinstance(body.get("docs"), list):
        raise bad_request("docs: 必须是 [{\"id\", \"rev\"}] 数组")
    requested = body["docs"]
    inputs.item_count(requested, "docs")
    for position, item in enumerate(requested):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise bad_request(f"docs[{position}].id: 必填字符串")
    checked = [_bulk_get_item(item) for item in requested]
    allowed = visible_ids(access=access, doc_ids=[sent["id"] for sent, _ in checked if sent is not None])
    kept = [sent for sent, _ in checked if sent is not None and sent["id"] in allowed]
    if kept and len(kept) == len(requested):
        response = call("POST", "_bulk_get", params=params or None, data=dumps({"docs": kept}), stream=True,
                        timeout=_bulk_get_timeout())
        return stream_through(response)
    store_results: list = []
    if kept:
        response = call("POST", "_bulk_get", params=params or None, data=dumps({"docs": kept}),
                        timeout=_bulk_get_timeout())
        answer = json_of(response)
        store_results = list((answer.get("results") if isinstance(answer, dict) else None) or [])
    results = []
    for item, (sent, error) in zip(requested, checked):
        if sent is not None and sent["id"] in allowed:
            if store_results:
                results.append(store_results.pop(0))
            continue
        results.append(error or _bulk_get_error(item["id"], item.get("rev"), "not_found", "missing"))
    return json_response({"results": results})


def all_docs(request, access: Access):
    params = inputs.forwarded_doc_params(request, allowed=ALL_DOCS_PARAMS)
    keys = None
    if request.method == "POST":
        keys = inputs.json_object(request, optional=True).get("keys")
    elif "keys" in request.GET:
        keys = inputs.json_param(request, "keys")
    if keys is not None and (not isinstance(keys, list) or not all(isinstance(k, str) for k in keys)):
        raise bad_request("keys: 必须是字符串数组")
    if keys is not None:
        inputs.item_count(keys, "keys")
    explicit = keys is not None
    if keys is None:
        keys = all_visible_ids(access=access)
    allowed = visible_ids(access=access, doc_ids=keys)
    kept = [key for key in keys if key in allowed]
    if len(kept) == len(keys):
        response = call("POST", "_all_docs", params=params or None, data=dumps({"keys": kept}), stream=True)
        return stream_through(response)
    response = call("POST", "_all_docs", params=params or None, data=dumps({"keys": kept}))
    data = json_of(response)
    data = data if isinstance(data, dict) else {}
    rows = {row.get("key"): row for row in data.get("rows") or [] if isinstance(row, dict)}
    out_rows = [rows.get(key, {"key": key, "error": "not_found"}) if key in allowed else {"key": key, "error": "not_found"}
                for key in keys]
    if not explicit:
        out_rows = [row for row in out_rows if "error" not in row]
    return json_response({"total_rows": len(out_rows), "offset": 0, "rows": out_rows})
