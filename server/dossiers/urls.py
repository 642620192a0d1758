"""URL patterns of this app, mounted by server/urls.py."""
from django.urls import path

from . import api

api_urlpatterns: list = [  # mounted under /api/v1/
    path("dossiers/", api.DossierListView.as_view(), name="dossier-list"),
    path("dossiers/<uuid:inspection_id>/", api.DossierDetailView.as_view(), name="dossier-detail"),
    path("photos/", api.PhotoUploadView.as_view(), name="photo-upload"),
    path("photos/<str:photo_id>/thumbnail/", api.PhotoThumbnailView.as_view(), name="dossier-photo-thumbnail"),
    path("photos/<str:photo_id>/original/", api.PhotoOriginalView.as_view(), name="dossier-photo-original"),
    path("blobs/<str:sha256>", api.BlobView.as_view(), name="blob"),
    path("blobs/<str:sha256>/", api.BlobView.as_view(), name="blob-slash"),
    path("label-batches/", api.LabelBatchListView.as_view(), name="label-batch-list"),
    path("label-batches/<int:batch_id>/", api.LabelBatchDetailView.as_view(), name="label-batch-detail"),
    path("label-batches/<int:batch_id>/sheet.pdf", api.LabelSheetPdfView.as_view(), name="label-batch-sheet-pdf"),
    path("label-batches/<int:batch_id>/sheet.png", api.LabelSheetPngView.as_view(), name="label-batch-sheet-png"),
    path("samples/<str:label_code>/", api.SampleDetailView.as_view(), name="sample-detail"),
    path("samples/<str:label_code>/custody/", api.CustodyView.as_view(), name="sample-custody"),
]
urlpatterns: list = []  # mounted at the site root
