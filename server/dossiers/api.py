"""HTTP API of dossiers, photos, blobs, seal labels and samples (contract §5, §6)."""
from __future__ import annotations

import mimetypes

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse, JsonResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from media.label_sheets import render_label_pages_png, render_label_sheet_pdf
from server.accounts.models import Role
from server.api import query
from server.api.errors import FieldError
from server.api.permissions import HasRole, role_of
from server.inspections.selectors import inspection_get_visible

from . import selectors, services, uploads
from .labels import normalise_label_code
from .models import DossierStatus, LabelBatch
from .serializers import CustodyEventRequest, LabelBatchRequest, PhotoUploadRequest


class DossierListView(APIView):
    permission_classes = [HasRole.of(Role.ADMIN, Role.SUPERVISOR, Role.INSPECTOR)]

    @extend_schema(responses=dict, parameters=[
        query.param("status", enum=DossierStatus.values), query.param("jurisdiction"), query.param("product_category")])
    def get(self, request):
        qs = selectors.dossier_list_visible(
            user=request.user,
            status=request.query_params.get("status") or None,
            jurisdiction=request.query_params.get("jurisdiction") or None,
            product_category=request.query_params.get("product_category") or None,
        ).prefetch_related("inspection__inspectors")
        return Response([selectors.dossier_summary(dossier=d) for d in qs])


class DossierDetailView(APIView):
    @extend_schema(responses=dict)
    def get(self, request, inspection_id):
        dossier = selectors.dossier_get_visible(user=request.user, inspection_id=inspection_id)
        if dossier is None:
            raise NotFound("档案不存在或无权查看")
        return Response(selectors.dossier_detail(dossier=dossier, request=request))


def _photo_file(request, photo_id: str, *, original: bool):
    photo = selectors.photo_get_visible(user=request.user, photo_id=photo_id)
    if photo is None or photo.status != "verified":
        raise NotFound("照片不存在或无权查看")
    path = photo.blob.path if original else photo.thumbnail_path
    if not path or not default_storage.exists(path):
        raise NotFound("照片文件不存在")
    content_type = (photo.mime or "application/octet-stream") if original else "image/jpeg"
    response = FileResponse(default_storage.open(path, "rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    if original:
        ext = mimetypes.guess_extension(content_type) or ""
        response["Content-Disposition"] = f'inline; filename="{photo.sha256}{ext}"'
    return response


class PhotoThumbnailView(APIView):
    @extend_schema(responses={(200, "image/jpeg"): OpenApiTypes.BINARY})
    def get(self, request, photo_id):
        return _photo_file(request, photo_id, original=False)


class PhotoOriginalView(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, photo_id):
        return _photo_file(request, photo_id, original=True)


class PhotoUploadView(APIView):
    parser_classes = [MultiPartParser, FormParser]
    # Only inspectors upload (the service checks the assignment): other roles are refused before the
    # body is read or the inspection looked up.
    permission_classes = [HasRole.of(Role.INSPECTOR)]

    @extend_schema(request={"multipart/form-data": PhotoUploadRequest}, responses={201: dict})
    def post(self, request):
        data = request.data
        body = services.photo_upload(
            actor=request.user,
            inspection_id=data.get("inspection_id"),
            item_code=data.get("item_code") or "",
            taken_at=data.get("taken_at") or "",
            upload=request.FILES.get("file"),
            caption=data.get("caption") or "",
        )
        return Response(body, status=status.HTTP_201_CREATED)


def _upload_error(exc: uploads.UploadError) -> JsonResponse:
    body = {"detail": exc.message, "field": exc.field}
    response = JsonResponse(body, status=exc.status, json_dumps_params={"ensure_ascii": False})
    if exc.offset is not None:
        response["Upload-Offset"] = str(exc.offset)
        body["offset"] = exc.offset
        response.content = JsonResponse(body).content
        if exc.offset:
            response["Range"] = f"bytes=0-{exc.offset - 1}"
    return response


class BlobView(APIView):
    """PUT /api/v1/blobs/{sha256} (whole or Content-Range chunks) and HEAD for the received offset.

    200 stored (already had it / finished), 201 stored now, 308 partial (`Range: bytes=0-<last>`,
    `Upload-Offset`), 400 hash mismatch or bad range, 413 too large, 415 not an image, 416 a chunk
    starting past the received offset (answer carries the offset).
    """

    parser_classes: list = []
    permission_classes = [HasRole.of(Role.ADMIN, Role.INSPECTOR)]

    @extend_schema(exclude=True)
    def head(self, request, sha256):
        try:
            name = uploads.check_name(sha256)
        except uploads.UploadError as exc:
            return _upload_error(exc)
        state, offset = uploads.received_offset(sha256=name)
        response = HttpResponse(status={"complete": 200, "partial": 308, "none": 404}[state])
        response["Upload-Offset"] = str(offset)
        if offset:
            response["Range"] = f"bytes=0-{offset - 1}"
        return response

    @extend_schema(request={"application/octet-stream": OpenApiTypes.BINARY}, responses={200: dict, 201: dict, 308: dict})
    def put(self, request, sha256):
        raw = request._request
        content_range = raw.headers.get("Content-Range")
        length = raw.headers.get("Content-Length")
        try:
            if content_range:
                result = uploads.put_chunk(sha256=sha256, content_range=content_range, stream=raw)
            else:
                result = uploads.put_whole(sha256=sha256, stream=raw,
                                           content_length=int(length) if length and length.isdigit() else None)
        except uploads.UploadError as exc:
            return _upload_error(exc)
        body = {"sha256": sha256.lower(), "offset": result.offset, "complete": result.status != 308}
        if result.total is not None:
            body["size"] = result.total
        response = JsonResponse(body, status=result.status)
        response["Upload-Offset"] = str(result.offset)
        if result.status == 308 and result.offset:
            response["Range"] = f"bytes=0-{result.offset - 1}"
        return response


def _batch_body(request, batch: LabelBatch) -> dict:
    codes = list(batch.labels.order_by("serial").values_list("code", flat=True))
    base = f"/api/v1/label-batches/{batch.pk}/"
    return {
        "id": batch.pk,
        "jurisdiction": batch.jurisdiction_id,
        "inspector": batch.inspector.username if batch.inspector_id else None,
        "count": batch.count,
        "title": batch.title,
        "codes": codes,
        "created_at": batch.created_at.isoformat(),
        "sheet_pdf_url": request.build_absolute_uri(base + "sheet.pdf"),
        "sheet_png_url": request.build_absolute_uri(base + "sheet.png"),
    }


class LabelBatchListView(APIView):
    permission_classes = [HasRole.of(Role.ADMIN, Role.SUPERVISOR)]

    @extend_schema(request=LabelBatchRequest, responses={201: dict})
    def post(self, request):
        data = request.data if isinstance(request.data, dict) else {}
        if not isinstance(request.data, dict):
            raise FieldError("body", "请求体必须是 JSON 对象")
        count = data.get("count")
        batch = services.label_batch_issue(
            actor=request.user,
            jurisdiction=data.get("jurisdiction"),
            count=count,
            inspector=data.get("inspector") or None,
            title=data.get("title") or "",
        )
        return Response(_batch_body(request, batch), status=status.HTTP_201_CREATED)


def _visible_batch(request, batch_id) -> LabelBatch:
    from server.accounts import jurisdictions

    batch = LabelBatch.objects.select_related("inspector").filter(pk=batch_id).first()
    user = request.user
    role = role_of(user)
    if batch is None:
        raise NotFound("封条批次不存在")
    if role == Role.ADMIN:
        return batch
    if role == Role.SUPERVISOR and jurisdictions.covers(ancestor=user.jurisdiction_id, code=batch.jurisdiction_id):
        return batch
    if role == Role.INSPECTOR and batch.inspector_id == user.pk:
        return batch
    raise NotFound("封条批次不存在")


class LabelBatchDetailView(APIView):
    @extend_schema(responses=dict)
    def get(self, request, batch_id):
        return Response(_batch_body(request, _visible_batch(request, batch_id)))


def _sheet_title(batch: LabelBatch) -> str:
    return batch.title or f"抽样封条 {batch.jurisdiction_id} 批次 {batch.pk}"


class LabelSheetPdfView(APIView):
    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, batch_id):
        batch = _visible_batch(request, batch_id)
        codes = list(batch.labels.order_by("serial").values_list("code", flat=True))
        pdf = render_label_sheet_pdf(codes=codes, title=_sheet_title(batch))
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="labels-{batch.pk}.pdf"'
        return response


class LabelSheetPngView(APIView):
    """One A4 page (24 labels) per request: `?page=N` (1-based)."""

    @extend_schema(responses={(200, "image/png"): OpenApiTypes.BINARY}, parameters=[query.param("page", int)])
    def get(self, request, batch_id):
        batch = _visible_batch(request, batch_id)
        codes = list(batch.labels.order_by("serial").values_list("code", flat=True))
        page = query.integer(request, "page", minimum=1, maximum=10_000) or 1
        chunk = codes[(page - 1) * 24: page * 24]
        if not chunk:
            raise FieldError("page", f"page 超出范围（共 {(len(codes) + 23) // 24} 页）")
        png = render_label_pages_png(codes=chunk, title=_sheet_title(batch))[0]
        return HttpResponse(png, content_type="image/png")


def _sample(request, label_code):
    code = normalise_label_code(label_code)
    sample = selectors.sample_get_visible(user=request.user, label_code=code)
    if sample is None:
        raise NotFound("样品不存在或无权查看")
    return sample


class SampleDetailView(APIView):
    @extend_schema(responses=dict)
    def get(self, request, label_code):
        return Response(selectors.sample_detail(sample=_sample(request, label_code)))


class CustodyView(APIView):
    """POST {"state": "dispatched" | "received_by_lab" | "result", "note", "result"} — admin, certifier
    (laboratory/certification body) or a supervisor of the inspection's jurisdiction."""

    permission_classes = [HasRole.of(Role.ADMIN, Role.SUPERVISOR, Role.CERTIFIER)]

    @extend_schema(responses=dict)
    def get(self, request, label_code):
        return Response(selectors.custody_of(sample=_sample(request, label_code)))

    @extend_schema(request=CustodyEventRequest, responses={201: dict})
    def post(self, request, label_code):
        sample = _sample(request, label_code)
        if not isinstance(request.data, dict):
            raise FieldError("body", "请求体必须是 JSON 对象")
        if role_of(request.user) == Role.SUPERVISOR and inspection_get_visible(
            user=request.user, inspection_id=sample.inspection_id
        ) is None:
            raise PermissionDenied()
        services.custody_event_add(
            sample=sample, actor=request.user, state=request.data.get("state"),
            note=request.data.get("note") or "", result=request.data.get("result"),
        )
        sample.refresh_from_db()
        return Response(selectors.sample_detail(sample=sample), status=status.HTTP_201_CREATED)
