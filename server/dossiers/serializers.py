"""Request bodies of the dossier, photo, label and custody endpoints, for the OpenAPI schema. The
services validate the bodies and name the field at fault; these serializers describe them."""
from __future__ import annotations

from rest_framework import serializers

from .labels import MAX_BATCH
from .models import CustodyState


class LabelBatchRequest(serializers.Serializer):
    jurisdiction = serializers.RegexField(r"^[1-9][0-9]{5}$", help_text="GB/T 2260 辖区代码")
    count = serializers.IntegerField(min_value=1, max_value=MAX_BATCH)
    inspector = serializers.CharField(required=False, allow_null=True, help_text="领用封条的检查人员用户名")
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)


class CustodyEventRequest(serializers.Serializer):
    state = serializers.ChoiceField(choices=[s for s in CustodyState.values if s != CustodyState.SEALED])
    note = serializers.CharField(required=False, allow_blank=True)
    result = serializers.JSONField(required=False, help_text="state 为 result 时必填")


class PhotoUploadRequest(serializers.Serializer):
    inspection_id = serializers.UUIDField()
    item_code = serializers.CharField(required=False, allow_blank=True, max_length=40)
    taken_at = serializers.DateTimeField(required=False)
    caption = serializers.CharField(required=False, allow_blank=True)
    file = serializers.FileField(help_text="JPEG、PNG 或 WebP")
