"""POST /api/v1/photos/ — the photo path for clients without a sync library.

Flow: the file is checked (media) and stored as a blob; then a `photo` field doc (no attachment,
`sha256` naming the blob) is written into the sync store through the function named by
`settings.FIELD_DOC_WRITER` (server never imports sync). The reconciler folds that doc like any
tablet's and verifies the photo from the blob, so the reconciler stays the only writer of field data.
"""
from __future__ import annotations

import uuid

from django.conf import settings
from django.utils.dateparse import parse_datetime
from django.utils.module_loading import import_string
from rest_framework import exceptions

from media.errors import PhotoError
from media.verify import inspect_image
from server.accounts.models import Role, User
from server.api.errors import FieldError
from server.inspections.models import Inspection

from . import blobs
from .completeness import checklist_items


class PhotoRejected(exceptions.APIException):
    def __init__(self, *, status_code: int, field: str, message: str, code: str):
        self.status_code = status_code
        super().__init__({"detail": message, "field": field, "code": code})


class StoreUnavailableError(exceptions.APIException):
    status_code = 503
    default_detail = "同步存储不可用，请稍后重试 (sync store unavailable)"


def _writer():
    return import_string(settings.FIELD_DOC_WRITER)


def photo_upload(
    *, actor: User, inspection_id: str, item_code: str, taken_at: str, upload, caption: str = "", device_id: str = "api"
) -> dict:
    try:
        inspection_uuid = uuid.UUID(str(inspection_id))
    except (ValueError, TypeError):
        raise FieldError("inspection_id", f"{inspection_id!r} 不是有效的检查编号") from None
    inspection = Inspection.objects.filter(pk=inspection_uuid).first()
    if inspection is None:
        raise FieldError("inspection_id", f"检查 {inspection_id} 不存在")
    if actor.effective_role != Role.INSPECTOR or not inspection.inspectors.filter(pk=actor.pk).exists():
        raise exceptions.PermissionDenied("只有被指派的检查人员可以上传本次检查的照片")
    item_code = (item_code or "").strip()
    if item_code and item_code not in {i["code"] for i in checklist_items(inspection.checklist_id)}:
        raise FieldError("item_code", f"检查项 {item_code!r} 不在检查表 {inspection.checklist_id} 中")
    moment = None
    try:
        moment = parse_datetime(taken_at or "")
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise FieldError("taken_at", "taken_at 必须是带时区偏移的 ISO 8601 时间，如 2019-07-01T10:00:00+08:00")
    if upload is None:
        raise FieldError("file", "缺少文件 file")
    limit = settings.MAX_PHOTO_BYTES
    if getattr(upload, "size", 0) and upload.size > limit:
        raise PhotoRejected(status_code=413, field="file", code="too_large", message=f"file: {upload.size} 字节超过上限 {limit}")
    data = upload.read(limit + 1)
    try:
        info = inspect_image(data=data, max_bytes=limit, max_pixels=settings.MAX_PHOTO_PIXELS)
    except PhotoError as exc:
        raise PhotoRejected(status_code=exc.http_status, field=exc.field, code=exc.code, message=exc.message) from None
    blobs.blob_put(sha256=info.sha256, data=data, mime=info.mime)
    doc_id = f"photo:{uuid.uuid4()}"
    doc = {
        "_id": doc_id,
        "type": "photo",
        "inspection_id": str(inspection.pk),
        "author": actor.username,
        "device_id": device_id,
        "item_code": item_code,
        "taken_at": taken_at,
        "sha256": info.sha256,
        "caption": caption or "",
    }
    try:
        rev = _writer()(doc=doc)
    except Exception as exc:  # noqa: BLE001 - the blob is kept (content-addressed); the doc was not written
        raise StoreUnavailableError() from exc
    return {"id": doc_id, "rev": rev, "sha256": info.sha256, "inspection_id": str(inspection.pk),
            "item_code": item_code, "taken_at": taken_at, "status": "pending"}
