from django.urls import path

from . import api

api_urlpatterns = [
    path("inspections/", api.InspectionListCreateApi.as_view(), name="inspections"),
    path("inspections/<uuid:pk>/", api.InspectionDetailApi.as_view(), name="inspection-detail"),
]
urlpatterns: list = []
