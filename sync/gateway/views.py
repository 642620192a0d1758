"""The sync gateway at /sync/field/: the CouchDB replication protocol for field tablets.

`handle(request, subpath)` is called by sync.middleware for every request under /sync/field/
(plain Django, no DRF, no session/CSRF). It authenticates, works out what the caller may see and
write, dispatches, and makes every failure a CouchDB-shaped JSON error (store down → 503 with
Retry-After; client mistakes → 4xx)."""
from __future__ import annotations

import logging

from django.db import DatabaseError, DataError
from django.http import HttpResponse

from . import bulk_docs, changes, documents, local_docs
from .access import access_for, current_seq, visible_count
from .auth import authenticate
from .http import GatewayError, add_cors, error_response, json_response, preflight
from .inputs import MAX_ID_LENGTH, storable_id
from .upstream import call

log = logging.getLogger(__name__)

DB_NAME = "field"


def _method_not_allowed(allowed: str) -> GatewayError:
    return GatewayError(405, "method_not_allowed", f"Only {allowed} allowed")


def _db_info(request, access):
    if request.method == "PUT":
        raise GatewayError(412, "file_exists", "The database could not be created, the file already exists.")
    if request.method not in ("GET", "HEAD"):
        raise _method_not_allowed("GET,HEAD")
    call("HEAD")  # the store answers: else 503
    seq = current_seq()
    info = {
        "db_name": DB_NAME, "doc_count": visible_count(access=access), "doc_del_count": 0,
        "update_seq": seq, "committed_update_seq": seq, "purge_seq": 0, "compact_running": False,
        "disk_format_version": 8, "instance_start_time": "0",
    }
    response = json_response(info)
    if request.method == "HEAD":
        response.content = b""  # Content-Length stays that of the GET body
    return response


def _ensure_full_commit(request, access):
    if request.method != "POST":
        raise _method_not_allowed("POST")
    return json_response({"ok": True, "instance_start_time": "0"}, status=201)


ENDPOINTS = {
    "_changes": (("GET", "POST"), changes.changes),
    "_revs_diff": (("POST",), bulk_docs.revs_diff),
    "_bulk_docs": (("POST",), bulk_docs.bulk_docs),
    "_bulk_get": (("POST",), documents.bulk_get),
    "_all_docs": (("GET", "POST"), documents.all_docs),
    "_ensure_full_commit": (("POST",), _ensure_full_commit),
}


def _by_method(request, handlers: dict, *args):
    """Call the handler of the request's method (HEAD is answered like GET: every handler set has
    a GET), else 405."""
    handler = handlers.get("GET" if request.method == "HEAD" else request.method)
    if handler is None:
        raise _method_not_allowed(",".join(["GET", "HEAD", *(m for m in handlers if m != "GET")]))
    return handler(request, *args)


def _local(request, user, local_id: str):
    if not local_id:
        raise GatewayError(400, "bad_request", "_local 文档需要 id")
    if not storable_id(local_id):
        raise GatewayError(400, "bad_request", f"_local id: 不得超过 {MAX_ID_LENGTH} 个字符，且须为有效文本")
    return _by_method(request, {"GET": local_docs.get_local, "PUT": local_docs.put_local,
                                "DELETE": local_docs.delete_local}, user, local_id)


def _dispatch(request, user, subpath: str):
    if subpath.startswith("_local/"):
        access_for(user=user)  # role check only: certifiers have no sync access
        return _local(request, user, subpath[len("_local/"):])
    access = access_for(user=user)
    if subpath == "":
        return _db_info(request, access)
    if subpath in ENDPOINTS:
        methods, view = ENDPOINTS[subpath]
        if request.method not in methods:
            raise _method_not_allowed(",".join(methods))
        return view(request, access)
    if subpath.startswith("_"):
        if subpath.startswith("_design/"):
            raise GatewayError(404, "not_found", "missing")
        raise GatewayError(400, "illegal_docid", "Only reserved document ids may start with underscore.")
    doc_id, _, attachment = subpath.partition("/")
    if attachment:
        return _by_method(request, {"GET": documents.get_attachment}, access, doc_id, attachment)
    return _by_method(request, {"GET": documents.get_doc, "PUT": documents.put_doc, "DELETE": documents.delete_doc},
                      access, doc_id)


def handle(request, subpath: str) -> HttpResponse:
    if request.method == "OPTIONS":
        return preflight(request)
    try:
        user = authenticate(request)
        response = _dispatch(request, user, subpath)
    except GatewayError as exc:
        response = error_response(exc)
    except DataError as exc:  # a value the database cannot hold or compare: the request's fault
        log.info("sync gateway refused a value on %s %s: %s", request.method, request.path, exc)
        response = json_response({"error": "bad_request", "reason": "请求中有数据库无法保存的值 (a value the database cannot hold)"},
                                 status=400)
    except DatabaseError as exc:  # e.g. a locked SQLite database under load: try again later
        log.warning("sync gateway database error on %s %s: %s", request.method, request.path, exc)
        response = json_response({"error": "service_unavailable", "reason": "数据库繁忙，请稍后重试"}, status=503,
                                 headers={"Retry-After": "5"})
    except Exception:  # noqa: BLE001 - a bug must still answer JSON
        log.exception("sync gateway failed on %s %s", request.method, request.path)
        response = json_response({"error": "internal_server_error", "reason": "网关内部错误"}, status=500)
    add_cors(request, response)
    return response
