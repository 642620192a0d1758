"""URL patterns of the registry, mounted by server/urls.py under /api/v1/."""
from django.urls import path

from . import api, imports_api, unqualified_api, views

api_urlpatterns = [
    path("enterprises/", api.EnterpriseListCreateApi.as_view(), name="enterprises"),
    path("enterprises/export.csv", api.EnterpriseRegisterExportApi.as_view(), {"fmt": "csv"}, name="enterprises-csv"),
    path("enterprises/export.xlsx", api.EnterpriseRegisterExportApi.as_view(), {"fmt": "xlsx"}, name="enterprises-xlsx"),
    path("enterprises/import/", imports_api.RegisterImportApi.as_view(), name="enterprises-import"),
    path("enterprises/import/template.csv", imports_api.RegisterTemplateApi.as_view(), {"fmt": "csv"},
         name="enterprises-import-template-csv"),
    path("enterprises/import/template.xlsx", imports_api.RegisterTemplateApi.as_view(), {"fmt": "xlsx"},
         name="enterprises-import-template-xlsx"),
    path("unqualified-products/import/", imports_api.UnqualifiedImportApi.as_view(), name="unqualified-products-import"),
    path("unqualified-products/import/template.csv", imports_api.UnqualifiedTemplateApi.as_view(), {"fmt": "csv"},
         name="unqualified-products-import-template-csv"),
    path("unqualified-products/import/template.xlsx", imports_api.UnqualifiedTemplateApi.as_view(), {"fmt": "xlsx"},
         name="unqualified-products-import-template-xlsx"),
    path("unqualified-products/notices/", unqualified_api.NoticeListCreateApi.as_view(), name="unqualified-notices"),
    path("unqualified-products/notices/<int:pk>/", unqualified_api.NoticeDetailApi.as_view(), name="unqualified-notice-detail"),
    path("unqualified-products/notices/<int:pk>/letter/<int:enterprise>.pdf", unqualified_api.NoticeLetterApi.as_view(),
         name="unqualified-notice-letter"),
    path("disposal-reports/", unqualified_api.DisposalReportListCreateApi.as_view(), name="disposal-reports"),
    path("operator/rectification-orders/", unqualified_api.OperatorRectificationOrdersApi.as_view(),
         name="operator-rectification-orders"),
    path("imports/progress/<str:key>/", imports_api.ImportProgressApi.as_view(), name="import-progress"),
    path("enterprises/<int:pk>/", api.EnterpriseDetailApi.as_view(), name="enterprise-detail"),
    path("enterprises/<int:pk>/licences/", api.LicenceCreateApi.as_view(), name="enterprise-licences"),
    path("enterprises/<int:pk>/certificates/", api.CertificateCreateApi.as_view(), name="enterprise-certificates"),
    path("unqualified-products/", api.UnqualifiedProductListCreateApi.as_view(), name="unqualified-products"),
]
urlpatterns = [  # supervisor pages, at the site root
    path("ui/register/", views.register_page, name="web-register"),
    path("ui/register/import/", views.register_import, name="web-register-import"),
    path("ui/unqualified/", views.unqualified_page, name="web-unqualified"),
    path("ui/unqualified/import/", views.unqualified_import, name="web-unqualified-import"),
    path("ui/unqualified/export.<str:fmt>", views.unqualified_export, name="web-unqualified-export"),
    path("ui/unqualified/disposal-reports.<str:fmt>", views.disposal_export, name="web-disposal-export"),
    path("ui/unqualified/notices/", views.notice_send, name="web-unqualified-notice-send"),
    path("ui/unqualified/notices/<int:pk>/", views.notice_detail, name="web-unqualified-notice"),
    path("ui/unqualified/notices/<int:pk>/recipients.<str:fmt>", views.notice_export, name="web-unqualified-notice-export"),
]
