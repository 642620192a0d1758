"""Root URLs: each app keeps its own `api_urlpatterns` (under /api/v1/) and `urlpatterns`."""
from importlib import import_module

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

APPS = [
    "accounts", "registry", "inspections", "dossiers", "reviews", "campaigns", "selfinspections", "draws",
    "enforcement", "credit", "statistics", "public", "field", "web",
]
_modules = [import_module(f"server.{app}.urls") for app in APPS]

api_v1 = [pattern for module in _modules for pattern in module.api_urlpatterns]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    *[pattern for module in _modules for pattern in module.urlpatterns],
    # /healthz and the sync gateway (/sync/field/, dispatched early by sync.middleware).
    path("", include("sync.urls")),
]

handler400 = "server.api.errors.handler400"
handler403 = "server.api.errors.handler403"
handler404 = "server.api.errors.handler404"
handler500 = "server.api.errors.handler500"
