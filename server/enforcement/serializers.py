"""Request bodies of the enforcement endpoints (OpenAPI schemas; first-line validation: types and
lengths, each fault a 400 naming the field). The services check the meaning."""
from __future__ import annotations

from rest_framework import serializers

MAX_ID = 2**63 - 1


def _no_surrogates(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise serializers.ValidationError("包含无效的 Unicode 字符（孤立代理项）") from None


class Text(serializers.CharField):
    """A CharField refusing NUL (DRF does) and lone surrogates; blank allowed unless required."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_blank", not kwargs.get("required", False))
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 4000)
        super().__init__(**kwargs)
        self.validators.append(_no_surrogates)


class Id(serializers.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class CaseCreateRequest(serializers.Serializer):
    source = Text(max_length=20, help_text="inspection | sampling | province-referral | complaint | cross-region")
    inspection = Text(max_length=64, help_text="source inspection: the inspection's uuid")
    findings = serializers.ListField(child=Id(), required=False, max_length=500, help_text="source inspection")
    enterprise = Id(required=False, help_text="other sources: the enterprise of the register")
    product_category = Text(max_length=32)
    reason = Text(required=True, max_length=4000)
    referral_number = Text(max_length=64, help_text="province-referral: 交办函编号")
    referral_deadline = serializers.DateField(required=False, allow_null=True, help_text="province-referral: 交办期限")
    major = serializers.BooleanField(required=False, help_text="大案要案 (挂牌督办)")
    supervising_office = Text(max_length=200, help_text="督办单位, required when major")
    campaign = Text(max_length=64)
    opened_on = serializers.DateField(required=False, allow_null=True)
    client_key = Text(max_length=80, help_text="optional idempotency key (also the Idempotency-Key header)")


class CaseStatusRequest(serializers.Serializer):
    status = Text(required=True, max_length=16, help_text="filed | closed")
    case_number = Text(max_length=64)
    outcome = Text(max_length=16, help_text="penalized | no_violation | transferred (移送司法机关)")
    transferred_to = Text(max_length=200, help_text="the judicial authority receiving a transferred case")
    note = Text()


class CaseReportRequest(serializers.Serializer):
    summary = Text(required=True, max_length=20000)
    status = Text(required=True, max_length=16, help_text="referred | filed | closed (the case's status as reported)")
    client_key = Text(max_length=80)
    case_number = Text(max_length=64, help_text="when the report files the case")
    outcome = Text(max_length=16, help_text="when the report closes the case")
    transferred_to = Text(max_length=200)


class CaseMajorRequest(serializers.Serializer):
    major = serializers.BooleanField(required=True)
    supervising_office = Text(max_length=200)
    note = Text()


class NoticeCreateRequest(serializers.Serializer):
    finding = Id(required=True)
    producer_name = Text(max_length=200)
    producer = Id(required=False, allow_null=True)
    defect_description = Text(required=True)
    investigation_deadline = serializers.DateField(required=False, allow_null=True)


class NoticeAcknowledgeRequest(serializers.Serializer):
    note = Text()


class NoticeRecallRequest(serializers.Serializer):
    stage = Text(required=True, max_length=16,
                 help_text="investigating | no-defect | defect | recalling | recalled")
    note = Text(required=True)


class SamplingImportRequest(serializers.Serializer):
    file = serializers.FileField(help_text="XLSX, or CSV in UTF-8 (with or without BOM)")
    dry_run = serializers.BooleanField(required=False, default=False)
