"""URL patterns of review and follow-up, mounted by server/urls.py under /api/v1/."""
from django.urls import path

from . import api

api_urlpatterns = [
    path("dossiers/export.csv", api.DossierListCsvApi.as_view(), name="dossiers-export-csv"),
    path("dossiers/export.xlsx", api.DossierListXlsxApi.as_view(), name="dossiers-export-xlsx"),
    path("dossiers/<uuid:pk>/review/", api.DossierReviewApi.as_view(), name="dossier-review"),
    path("dossiers/<uuid:pk>/conflicts/resolve/", api.ConflictResolveApi.as_view(), name="dossier-conflict-resolve"),
    path("dossiers/<uuid:pk>/audit-trail/", api.AuditTrailApi.as_view(), name="dossier-audit-trail"),
    path("dossiers/<uuid:pk>/finding-candidates/", api.FindingCandidatesApi.as_view(), name="dossier-finding-candidates"),
    path("dossiers/<uuid:pk>/export.pdf", api.DossierPdfApi.as_view(), name="dossier-export-pdf"),
    path("dossiers/<uuid:pk>/export.zip", api.DossierZipApi.as_view(), name="dossier-export-zip"),
    path("findings/", api.FindingListCreateApi.as_view(), name="findings"),
    path("rectification-orders/", api.RectificationListCreateApi.as_view(), name="rectification-orders"),
    path("rectification-orders/<int:pk>/close/", api.RectificationCloseApi.as_view(), name="rectification-close"),
    path("certification-audits/", api.CertificationAuditListCreateApi.as_view(), name="certification-audits"),
    path("certification-audits/<int:pk>/report/", api.CertificationAuditReportApi.as_view(), name="certification-audit-report"),
]
urlpatterns: list = []  # mounted at the site root
