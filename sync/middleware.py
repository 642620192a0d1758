"""Hook for the sync gateway: requests under /sync/field/ are answered by the gateway before the
session, CSRF and message middleware run (replication clients carry no cookies or CSRF tokens)."""
from __future__ import annotations

from django.http import JsonResponse
from django.utils.module_loading import import_string

GATEWAY_PREFIX = "/sync/field"
SESSION_PATH = "/_session"


class SyncGatewayMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._handler = None

    def __call__(self, request):
        path = request.path_info
        if path == GATEWAY_PREFIX or path.startswith(GATEWAY_PREFIX + "/"):
            if self._handler is None:
                try:
                    self._handler = import_string("sync.gateway.views.handle")
                except ImportError:
                    return self.get_response(request)
            return self._handler(request, path[len(GATEWAY_PREFIX):].lstrip("/"))
        if path == SESSION_PATH:
            # CouchDB's replicator asks the host root for a cookie session first; a JSON 404 tells it
            # to use Basic auth (anything else there would stop the replication).
            return JsonResponse({"error": "not_found", "reason": "cookie sessions are not offered: use Basic or Token"},
                                status=404)
        return self.get_response(request)
