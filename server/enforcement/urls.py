"""URL patterns of enforcement: cases (the /api/v1/enforcement-cases/ URLs moved here from
server.reviews), producer notices, sampling results; supervisor pages under /ui/cases/."""
from django.urls import path

from . import api, views

api_urlpatterns = [  # mounted under /api/v1/
    path("enforcement-cases/", api.CaseListCreateApi.as_view(), name="enforcement-cases"),
    path("enforcement-cases/<int:pk>/", api.CaseDetailApi.as_view(), name="enforcement-case"),
    path("enforcement-cases/<int:pk>/status/", api.CaseStatusApi.as_view(), name="enforcement-case-status"),
    path("enforcement-cases/<int:pk>/reports/", api.CaseReportApi.as_view(), name="enforcement-case-reports"),
    path("enforcement-cases/<int:pk>/major/", api.CaseMajorApi.as_view(), name="enforcement-case-major"),
    path("enforcement-cases/<int:pk>/export.pdf", api.CasePdfApi.as_view(), name="enforcement-case-pdf"),
    path("producer-notices/", api.NoticeListCreateApi.as_view(), name="producer-notices"),
    path("producer-notices/<int:pk>/acknowledge/", api.NoticeAcknowledgeApi.as_view(), name="producer-notice-ack"),
    path("producer-notices/<int:pk>/recall/", api.NoticeRecallApi.as_view(), name="producer-notice-recall"),
    path("sampling-results/", api.SamplingListApi.as_view(), name="sampling-results"),
    path("sampling-results/import/", api.SamplingImportApi.as_view(), name="sampling-results-import"),
]
urlpatterns = [  # mounted at the site root
    path("ui/cases/", views.case_list, name="web-cases"),
    path("ui/cases/<int:pk>/", views.case_detail, name="web-case"),
    path("ui/cases/<int:pk>/reports/", views.case_report, name="web-case-report"),
]
