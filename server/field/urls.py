from django.urls import path, re_path

from . import api, views

api_urlpatterns = [  # mounted under /api/v1/
    path("quicktests/tables/", api.QuickTestTablesApi.as_view(), name="quicktest-tables"),
]
urlpatterns = [  # mounted at the site root
    path("field/", views.index, name="field-app"),
    path("field/sw.js", views.service_worker, name="field-sw"),
    path("field/manifest.webmanifest", views.manifest, name="field-manifest"),
    re_path(r"^field/assets/(?P<name>[A-Za-z0-9._-]+)$", views.asset, name="field-asset"),
]
