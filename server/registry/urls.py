"""URL patterns of the registry, mounted by server/urls.py under /api/v1/."""
from django.urls import path

from . import api

api_urlpatterns = [
    path("enterprises/", api.EnterpriseListCreateApi.as_view(), name="enterprises"),
    path("enterprises/export.csv", api.EnterpriseRegisterExportApi.as_view(), {"fmt": "csv"}, name="enterprises-csv"),
    path("enterprises/export.xlsx", api.EnterpriseRegisterExportApi.as_view(), {"fmt": "xlsx"}, name="enterprises-xlsx"),
    path("enterprises/<int:pk>/", api.EnterpriseDetailApi.as_view(), name="enterprise-detail"),
    path("enterprises/<int:pk>/licences/", api.LicenceCreateApi.as_view(), name="enterprise-licences"),
    path("enterprises/<int:pk>/certificates/", api.CertificateCreateApi.as_view(), name="enterprise-certificates"),
    path("unqualified-products/", api.UnqualifiedProductListCreateApi.as_view(), name="unqualified-products"),
]
urlpatterns: list = []
