"""Review of dossiers, conflict resolutions, findings and their follow-up, certification audits and
an immutable audit trail (issue 6).

Closed state sets are TextChoices with a DB CheckConstraint each. Rows of `AuditEvent`, `Review`
and `CertificationAudit` are immutable: saving an existing row or deleting one raises.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from server.inspections.models import Inspection
from server.registry.models import CccCertificate, Enterprise


class ImmutableRowError(Exception):
    """An attempt to change or delete a row of an append-only table."""


class _ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: D401
        raise ImmutableRowError(f"{self.model.__name__} rows are immutable")

    def delete(self):
        raise ImmutableRowError(f"{self.model.__name__} rows are immutable")


class ImmutableModel(models.Model):
    """Rows are written once. Updates and deletes raise ImmutableRowError."""

    objects = _ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRowError(f"{type(self).__name__} rows are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRowError(f"{type(self).__name__} rows are immutable")


def _choice_check(field: str, choices: type[models.TextChoices], name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


# --- audit trail ----------------------------------------------------------------------------------


class AuditAction(models.TextChoices):
    REVIEW = "review", "审核"
    CONFLICT_RESOLVED = "conflict_resolved", "解决冲突"
    CONFLICT_APPLIED = "conflict_applied", "冲突处理已写入同步库"
    CONFLICT_FAILED = "conflict_failed", "冲突处理写入失败"
    FINDING_CREATED = "finding_created", "登记问题"
    RECTIFICATION_ISSUED = "rectification_issued", "责令限期改正"
    RECTIFICATION_CLOSED = "rectification_closed", "整改结案"
    CASE_REFERRED = "case_referred", "移送执法"
    CASE_STATUS = "case_status", "案件进展"
    NOTICE_SENT = "notice_sent", "通知生产者"
    NOTICE_ACKNOWLEDGED = "notice_acknowledged", "生产者已确认"
    CERTIFICATION_AUDIT = "certification_audit", "认证机构审查"
    CERTIFICATE_FLAG = "certificate_flag", "证书状态标记"
    # issue 12: cases, sampling follow-up, credit, statistics contacts
    CASE_REPORT = "case_report", "案件进展报告"
    CASE_MAJOR = "case_major", "挂牌督办"
    NOTICE_RECALL = "notice_recall", "召回监督"
    SAMPLING_IMPORTED = "sampling_imported", "抽查结果导入"
    DISHONESTY_LISTED = "dishonesty_listed", "列入严重失信名单"
    DISHONESTY_REMOVED = "dishonesty_removed", "移出严重失信名单"
    LIAISON_SET = "liaison_set", "联络员信息"


class AuditEvent(ImmutableModel):
    """Who changed what, when, from which value to which, and why. Append-only."""

    inspection = models.ForeignKey(
        Inspection, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_events", verbose_name="检查"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="操作人"
    )
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    action = models.CharField("动作", max_length=32, choices=AuditAction.choices)
    subject = models.CharField("对象", max_length=200)  # e.g. "dossier:<uuid>", "answer:<…>", "finding:12"
    from_value = models.JSONField("原值", null=True, blank=True)
    to_value = models.JSONField("新值", null=True, blank=True)
    reason = models.TextField("理由", blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = verbose_name_plural = "审计记录"
        constraints = [_choice_check("action", AuditAction, "audit_action_valid")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.subject}"


# --- review ---------------------------------------------------------------------------------------


class ReviewDecision(models.TextChoices):
    APPROVE = "approve", "通过"
    RETURN = "return", "退回"


class Review(ImmutableModel):
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="reviews", verbose_name="检查")
    decision = models.CharField("结论", max_length=8, choices=ReviewDecision.choices)
    comment = models.TextField("意见", blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="审核人")
    from_status = models.CharField("原状态", max_length=16)
    to_status = models.CharField("新状态", max_length=16)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = verbose_name_plural = "审核"
        constraints = [
            _choice_check("decision", ReviewDecision, "review_decision_valid"),
            models.CheckConstraint(
                condition=~Q(decision=ReviewDecision.RETURN) | ~Q(comment=""), name="review_return_has_comment"
            ),
        ]


# --- conflicts ------------------------------------------------------------------------------------


class ResolutionMode(models.TextChoices):
    CHOOSE_REVISION = "rev", "选定修订"
    ENTER_VALUE = "value", "录入新值"


class ResolutionState(models.TextChoices):
    PENDING = "pending", "待写入"
    APPLIED = "applied", "已写入"
    FAILED = "failed", "写入失败"


class ConflictResolution(models.Model):
    """A supervisor's choice for one conflicted field doc; written to the store by
    sync.resolutions as a new revision on top of `base_rev` that deletes every other leaf."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="conflict_resolutions")
    doc_id = models.CharField("文档", max_length=200, db_index=True)
    mode = models.CharField("方式", max_length=8, choices=ResolutionMode.choices)
    chosen_rev = models.CharField("选定修订", max_length=80, blank=True)
    value = models.JSONField("录入值", null=True, blank=True)
    known_revs = models.JSONField("当时的冲突修订", default=list)  # every leaf the supervisor saw
    comment = models.TextField("说明", blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField("写入状态", max_length=8, choices=ResolutionState.choices, default=ResolutionState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    applied_at = models.DateTimeField(null=True, blank=True)
    new_rev = models.CharField("新修订", max_length=80, blank=True)
    deleted_revs = models.JSONField(default=list)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = verbose_name_plural = "冲突处理"
        constraints = [
            _choice_check("mode", ResolutionMode, "resolution_mode_valid"),
            _choice_check("state", ResolutionState, "resolution_state_valid"),
            models.CheckConstraint(
                condition=~Q(mode=ResolutionMode.CHOOSE_REVISION) | ~Q(chosen_rev=""), name="resolution_rev_has_rev"
            ),
        ]


# --- findings and follow-up -----------------------------------------------------------------------


class Severity(models.TextChoices):
    MINOR = "minor", "轻微"
    MAJOR = "major", "一般"
    CRITICAL = "critical", "严重"


class FindingSource(models.TextChoices):
    ANSWER = "answer", "检查项"
    QUICKTEST = "quicktest", "快检"
    SAMPLE = "sample", "抽样"
    OTHER = "other", "其他"


class Finding(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="findings", verbose_name="检查")
    item_code = models.CharField("检查项", max_length=64)
    severity = models.CharField("严重程度", max_length=8, choices=Severity.choices)
    description = models.TextField("问题描述")
    source = models.CharField("来源", max_length=12, choices=FindingSource.choices, default=FindingSource.ANSWER)
    source_doc_id = models.CharField("来源文档", max_length=200, blank=True)
    idempotency_key = models.CharField(max_length=80, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = verbose_name_plural = "问题"
        constraints = [
            _choice_check("severity", Severity, "finding_severity_valid"),
            _choice_check("source", FindingSource, "finding_source_valid"),
            models.UniqueConstraint(
                fields=["inspection", "item_code", "source_doc_id"], name="finding_natural_key"
            ),
            models.UniqueConstraint(
                fields=["inspection", "idempotency_key"], condition=~Q(idempotency_key=""),
                name="finding_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_code} {self.get_severity_display()}"


class RectificationStatus(models.TextChoices):
    ISSUED = "issued", "整改中"
    CLOSED = "closed", "已结案"


class RectificationResult(models.TextChoices):
    RECTIFIED = "rectified", "已整改"
    NOT_RECTIFIED = "not_rectified", "逾期未整改"


class RectificationOrder(models.Model):
    """责令限期改正通知: one per inspection."""

    inspection = models.OneToOneField(Inspection, on_delete=models.PROTECT, related_name="rectification_order")
    findings = models.ManyToManyField(Finding, related_name="rectification_orders")
    requirements = models.TextField("整改要求")
    deadline = models.DateField("整改期限")
    status = models.CharField("状态", max_length=8, choices=RectificationStatus.choices, default=RectificationStatus.ISSUED)
    result = models.CharField("结论", max_length=16, choices=RectificationResult.choices, blank=True)
    closure_note = models.TextField("结案说明", blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "责令限期改正"
        constraints = [
            _choice_check("status", RectificationStatus, "rectification_status_valid"),
            models.CheckConstraint(
                condition=Q(result="") | Q(result__in=RectificationResult.values), name="rectification_result_valid"
            ),
            models.CheckConstraint(
                condition=(Q(status=RectificationStatus.ISSUED) & Q(result=""))
                | (Q(status=RectificationStatus.CLOSED) & ~Q(result="")),
                name="rectification_closed_has_result",
            ),
        ]


# --- certification audits -------------------------------------------------------------------------


class AuditResult(models.TextChoices):
    MAINTAINED = "maintained", "保持"
    SUSPENDED = "suspended", "暂停"
    REVOKED = "revoked", "撤销"
    CANCELLED = "cancelled", "注销"


class CertificationAudit(ImmutableModel):
    certificate = models.ForeignKey(CccCertificate, on_delete=models.PROTECT, related_name="audits")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="certification_audits")
    product_category = models.CharField("产品类别", max_length=32)
    result = models.CharField("结论", max_length=12, choices=AuditResult.choices)
    findings = models.TextField("审查发现", blank=True)
    audit_date = models.DateField("审查日期")
    certificate_status_before = models.CharField(max_length=16)
    certificate_status_after = models.CharField(max_length=16)
    report = models.FileField("审查报告", upload_to="certification-audits/", blank=True)
    report_name = models.CharField(max_length=200, blank=True)
    report_sha256 = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-audit_date", "-id"]
        verbose_name = verbose_name_plural = "认证审查"
        constraints = [
            _choice_check("result", AuditResult, "certification_audit_result_valid"),
            models.UniqueConstraint(fields=["certificate", "audit_date", "result"], name="certification_audit_natural_key"),
        ]


class FlagKind(models.TextChoices):
    CERTIFICATE_SUSPENDED = "certificate_suspended", "CCC 证书已暂停"
    CERTIFICATE_REVOKED = "certificate_revoked", "CCC 证书已撤销"


class InspectionFlag(models.Model):
    """A warning on an open inspection, raised when the enterprise's certificate is suspended or
    revoked by a certification body."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField("类型", max_length=32, choices=FlagKind.choices)
    certificate = models.ForeignKey(CccCertificate, on_delete=models.PROTECT, related_name="+")
    audit = models.ForeignKey(CertificationAudit, on_delete=models.PROTECT, related_name="flags")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = verbose_name_plural = "检查提示"
        constraints = [
            _choice_check("kind", FlagKind, "inspection_flag_kind_valid"),
            models.UniqueConstraint(fields=["inspection", "audit"], name="inspection_flag_once_per_audit"),
        ]
