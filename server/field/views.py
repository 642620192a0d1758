"""Serves the built field app (fieldapp/dist, built by `make`) under /field/.

index.html, the manifest and the service worker are answered with `Cache-Control: no-cache` so a
new build is seen on the next visit; the service worker gets `Service-Worker-Allowed: /field/`
(its scope); hashed assets under /field/assets/ are immutable for a year.
"""
from __future__ import annotations

import mimetypes

from django.http import FileResponse, Http404, HttpResponse
from django.views.decorators.http import require_safe

from .selectors import dist_dir

NO_CACHE = "no-cache, max-age=0, must-revalidate"
TYPES = {".js": "text/javascript; charset=utf-8", ".webmanifest": "application/manifest+json",
         ".svg": "image/svg+xml", ".css": "text/css; charset=utf-8", ".html": "text/html; charset=utf-8",
         ".png": "image/png", ".json": "application/json"}


def _file(relative: str, *, cache: str):
    root = dist_dir().resolve()
    path = (root / relative).resolve()
    if root not in path.parents or not path.is_file():
        if not (root / "index.html").is_file():
            return HttpResponse("现场检查应用尚未构建：请运行 make（fieldapp/dist 不存在）", status=503,
                                content_type="text/plain; charset=utf-8")
        raise Http404("文件不存在")
    content_type = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    response = FileResponse(path.open("rb"), content_type=content_type)
    response["Cache-Control"] = cache
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
def index(request):
    response = _file("index.html", cache=NO_CACHE)
    response["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; style-src 'self'; "
        "script-src 'self'; connect-src 'self'; worker-src 'self'; manifest-src 'self'"
    )
    return response


@require_safe
def service_worker(request):
    response = _file("sw.js", cache=NO_CACHE)
    response["Service-Worker-Allowed"] = "/field/"
    return response


@require_safe
def manifest(request):
    return _file("manifest.webmanifest", cache=NO_CACHE)


@require_safe
def asset(request, name: str):
    return _file(f"assets/{name}", cache="public, max-age=31536000, immutable")
