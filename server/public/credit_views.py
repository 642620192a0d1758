"""GET /public/serious-dishonesty/ without sign-in: a Chinese HTML page, or JSON (`?format=json` or
`Accept: application/json`). Reads through credit_selectors (public fields only)."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .credit_selectors import serious_dishonesty_public


def _wants_json(request: HttpRequest) -> bool:
    if request.GET.get("format") == "json":
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


@require_GET
def serious_dishonesty(request: HttpRequest) -> HttpResponse:
    entries = serious_dishonesty_public()
    if _wants_json(request):
        return JsonResponse({"count": len(entries), "results": entries}, json_dumps_params={"ensure_ascii": False})
    return render(request, "public/credit_dishonesty.html", {"entries": entries})
