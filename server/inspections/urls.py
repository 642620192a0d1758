from django.urls import path

from . import api, checklists_api

api_urlpatterns = [
    path("inspections/", api.InspectionListCreateApi.as_view(), name="inspections"),
    path("inspections/<uuid:pk>/", api.InspectionDetailApi.as_view(), name="inspection-detail"),
    path("checklists/", checklists_api.ChecklistListApi.as_view(), name="checklists"),
    path("checklists/<str:checklist_id>/", checklists_api.ChecklistDetailApi.as_view(), name="checklist-detail"),
    path("quicktests/methods/", checklists_api.QuickTestMethodsApi.as_view(), name="quicktest-methods"),
    path("quicktests/evaluate/", checklists_api.EvaluateApi.as_view(), name="quicktest-evaluate"),
]
urlpatterns: list = []
