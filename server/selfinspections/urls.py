from django.urls import path

from . import api, views

api_urlpatterns = [  # mounted under /api/v1/
    path("self-inspections/", api.SelfInspectionListCreateApi.as_view(), name="self-inspections"),
    path("self-inspections/coverage/", api.SelfInspectionCoverageApi.as_view(), name="self-inspections-coverage"),
]
urlpatterns = [  # mounted at the site root
    path("ui/self-inspections/", views.coverage_page, name="web-self-inspection-coverage"),
    path("ui/self-inspections/export.<str:fmt>", views.coverage_export, name="web-self-inspection-coverage-export"),
]
