"""Request bodies of the review and follow-up endpoints, for the OpenAPI schema (contract §7: every
endpoint that takes a body shows it, so generated clients and fuzzers see what it takes).

These describe the bodies; the services validate them and answer 400 naming the field at fault
(the messages users already rely on), so the views do not run these serializers. Enforcement-case
bodies are not here: those endpoints move to server/enforcement (issue 12).
"""
from __future__ import annotations

from rest_framework import serializers

from .models import AuditResult, RectificationResult, ReviewDecision, Severity


class DossierReviewRequest(serializers.Serializer):
    decision = serializers.ChoiceField(choices=ReviewDecision.choices)
    comment = serializers.CharField(required=False, allow_blank=True, help_text="退回时必填")


class ConflictResolveRequest(serializers.Serializer):
    doc_id = serializers.CharField(max_length=200, help_text="冲突文档的 _id")
    rev = serializers.CharField(required=False, help_text="保留的修订号；与 value 二选一")
    value = serializers.JSONField(required=False, help_text="答案的新值（只用于 answer 文档）；与 rev 二选一")
    comment = serializers.CharField(required=False, allow_blank=True)


class FindingCreateRequest(serializers.Serializer):
    inspection = serializers.UUIDField()
    item_code = serializers.CharField(max_length=40)
    severity = serializers.ChoiceField(choices=Severity.choices)
    description = serializers.CharField()
    source_doc_id = serializers.CharField(required=False, allow_blank=True, max_length=200)
    idempotency_key = serializers.CharField(required=False, allow_blank=True, max_length=100,
                                            help_text="也可用请求头 Idempotency-Key")


class RectificationIssueRequest(serializers.Serializer):
    inspection = serializers.UUIDField()
    findings = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1)
    requirements = serializers.CharField()
    deadline = serializers.DateField()


class RectificationCloseRequest(serializers.Serializer):
    result = serializers.ChoiceField(choices=RectificationResult.choices)
    note = serializers.CharField(required=False, allow_blank=True)


class NoticeCreateRequest(serializers.Serializer):
    finding = serializers.IntegerField(min_value=1)
    producer = serializers.IntegerField(required=False, allow_null=True, help_text="企业信息库中的生产者编号")
    producer_name = serializers.CharField(required=False, allow_blank=True)
    defect_description = serializers.CharField()


class NoticeAcknowledgeRequest(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True)


class CertificationReportBase64(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    content_base64 = serializers.CharField()


class CertificationAuditCreateRequest(serializers.Serializer):
    certificate = serializers.CharField(max_length=40, help_text="CCC 证书编号（也接受 certificate_number）")
    enterprise = serializers.IntegerField(min_value=1)
    category = serializers.CharField(help_text="产品类别代码（也接受 product_category）")
    result = serializers.ChoiceField(choices=AuditResult.choices)
    findings = serializers.CharField(required=False, allow_blank=True)
    date = serializers.DateField()
    report = CertificationReportBase64(required=False, help_text="JSON 时为 {name, content_base64}；multipart 时为文件")
    report_base64 = serializers.CharField(required=False)
    report_name = serializers.CharField(required=False, max_length=200)
