from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from server.accounts import api as accounts_api
from server.inspections import api as inspections_api
from server.registry import api as registry_api

api_v1 = [
    path("auth/token/", accounts_api.TokenApi.as_view(), name="auth-token"),
    path("accounts/", accounts_api.AccountListCreateApi.as_view(), name="accounts"),
    path("accounts/me/", accounts_api.MeApi.as_view(), name="accounts-me"),
    path("enterprises/", registry_api.EnterpriseListCreateApi.as_view(), name="enterprises"),
    path("enterprises/<int:pk>/", registry_api.EnterpriseDetailApi.as_view(), name="enterprise-detail"),
    path("enterprises/<int:pk>/licences/", registry_api.LicenceCreateApi.as_view(), name="enterprise-licences"),
    path("enterprises/<int:pk>/certificates/", registry_api.CertificateCreateApi.as_view(), name="enterprise-certificates"),
    path("inspections/", inspections_api.InspectionListCreateApi.as_view(), name="inspections"),
    path("inspections/<uuid:pk>/", inspections_api.InspectionDetailApi.as_view(), name="inspection-detail"),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    # The sync gateway, /healthz and the store-facing parts live in the `sync` package.
    path("", include("sync.urls")),
]

handler400 = "server.api.errors.handler400"
handler403 = "server.api.errors.handler403"
handler404 = "server.api.errors.handler404"
handler500 = "server.api.errors.handler500"
