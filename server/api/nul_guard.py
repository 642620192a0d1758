"""Refuses NUL characters in the path and the query string before any view runs: PostgreSQL cannot
hold or even compare a text value containing one (psycopg raises DataError), so without this a
`?status=%00` would reach a query and answer 500. The answer is a 400 naming the parameter, in the
API's error shape, or CouchDB's under /sync/field/."""
from __future__ import annotations

from django.http import JsonResponse

SYNC_PREFIX = "/sync/field"
_UTF8 = {"ensure_ascii": False}


def _refused(request, field: str) -> JsonResponse:
    reason = f"{field}: 不得包含 NUL 字符 (NUL characters are not accepted)"
    if request.path_info == SYNC_PREFIX or request.path_info.startswith(SYNC_PREFIX + "/"):
        return JsonResponse({"error": "bad_request", "reason": reason}, status=400, json_dumps_params=_UTF8)
    return JsonResponse({"detail": reason, "field": field, field: [reason]}, status=400, json_dumps_params=_UTF8)


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info:
            return _refused(request, "path")
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return _refused(request, name.replace("\x00", "\\0"))
        return self.get_response(request)
