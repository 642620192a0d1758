"""Writes for review and follow-up (issue 6). Every change writes an immutable AuditEvent.

Idempotency: a repeated request with the same content returns the row the first one made
(`created=False`) and writes no new event; a request that contradicts an earlier one, or moves a
state where it cannot go, raises `Conflict` (409).
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
from contextlib import contextmanager
from typing import Any

import checklists
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied

from server.accounts import jurisdictions
from server.accounts.models import Role, User
from server.api.errors import Conflict, FieldError
from server.credit import risk
from server.dossiers.models import Answer, DocConflict, Dossier, DossierStatus, QuickTest, Sample
from server.inspections.models import Inspection
from server.registry.choices import CertificateStatus
from server.registry.models import CccCertificate, Enterprise

from . import selectors
from .models import (
    AuditAction, AuditEvent, AuditResult, CertificationAudit, ConflictResolution, Finding, FindingSource, FlagKind,
    InspectionFlag, RectificationOrder, RectificationResult, RectificationStatus, ResolutionMode, ResolutionState,
    Review, ReviewDecision, Severity,
)

MAX_REPORT_BYTES = 20 * 1024 * 1024
_MISSING = object()


# --- shared -----------------------------------------------------------------------------------------


def audit_record(
    *, actor: User | None, action: str, subject: str, inspection: Inspection | None = None,
    from_value: Any = None, to_value: Any = None, reason: str = "",
) -> AuditEvent:
    return AuditEvent.objects.create(
        inspection=inspection, actor=actor, action=action, subject=subject,
        from_value=from_value, to_value=to_value, reason=reason or "",
    )


def check_may_review(*, actor: User, inspection: Inspection) -> None:
    """Admins, and supervisors whose jurisdiction covers the enterprise's."""
    role = actor.effective_role
    if role == Role.ADMIN:
        return
    if role == Role.SUPERVISOR and jurisdictions.covers(
        ancestor=actor.jurisdiction_id, code=inspection.enterprise.jurisdiction_id
    ):
        return
    raise PermissionDenied("只有管理员或该辖区的监管人员可以审核此检查")


def _text(value: Any, *, field: str, required: bool = False, max_length: int = 4000) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise FieldError(field, "必须是文本")
    value = value.strip()
    if "\x00" in value:
        raise FieldError(field, "不能包含空字符")
    if required and not value:
        raise FieldError(field, "不能为空")
    if len(value) > max_length:
        raise FieldError(field, f"不能超过 {max_length} 个字符")
    return value


def _choice(value: Any, *, field: str, choices) -> str:
    if not isinstance(value, str) or value not in choices.values:
        raise FieldError(field, f"取值无效 {value!r}，可选：{', '.join(choices.values)}")
    return value


def _date(value: Any, *, field: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise FieldError(field, "需要日期 YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise FieldError(field, f"日期格式无效 {value!r}，需要 YYYY-MM-DD") from None


@contextmanager
def _racing_insert():
    """A unique-key race with a concurrent identical request: 409, and a retry then gets the
    idempotent answer (instead of an IntegrityError escaping as a 500)."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        raise Conflict("同一请求正在并发处理，请稍后重试") from None


def _is_id(value: Any) -> bool:
    """A positive integer primary key that fits a 64-bit column."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def _idempotency_key(value: Any) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or len(value) > 80 or "\x00" in value:
        raise FieldError("idempotency_key", "必须是不超过 80 个字符的文本")
    return value


# --- review -----------------------------------------------------------------------------------------


@transaction.atomic
def dossier_review(*, actor: User, inspection: Inspection, decision: Any, comment: Any = "") -> tuple[Review, bool]:
    """Approve or return a dossier. Returns (review, created)."""
    check_may_review(actor=actor, inspection=inspection)
    decision = _choice(decision, field="decision", choices=ReviewDecision)
    comment = _text(comment, field="comment", required=decision == ReviewDecision.RETURN)
    dossier = Dossier.objects.select_for_update().get(pk=inspection.pk)
    target = DossierStatus.APPROVED if decision == ReviewDecision.APPROVE else DossierStatus.RETURNED
    last = Review.objects.filter(inspection=inspection).order_by("-created_at", "-id").first()
    if dossier.status == target and last is not None and last.decision == decision:
        return last, False  # a retry of the decision already taken
    if decision == ReviewDecision.APPROVE:
        if dossier.status != DossierStatus.SUBMITTED:
            raise Conflict(f"档案状态为“{DossierStatus(dossier.status).label}”，只有已提交的档案可以通过")
        open_ids = selectors.open_conflict_doc_ids(inspection_id=inspection.pk)
        if open_ids:
            raise Conflict(f"档案仍有未解决的冲突：{', '.join(open_ids)}")
    elif dossier.status not in (DossierStatus.SUBMITTED, DossierStatus.INCOMPLETE):
        raise Conflict(f"档案状态为“{DossierStatus(dossier.status).label}”，不能退回")
    before = dossier.status
    review = Review.objects.create(
        inspection=inspection, decision=decision, comment=comment, reviewer=actor, from_status=before, to_status=target,
    )
    dossier.status = target
    dossier.save(update_fields=["status", "updated_at"])  # post_save: the publisher re-sends the inspection doc
    audit_record(
        actor=actor, action=AuditAction.REVIEW, subject=f"dossier:{inspection.pk}", inspection=inspection,
        from_value={"status": before}, to_value={"status": target, "decision": decision}, reason=comment,
    )
    return review, True


# --- conflicts --------------------------------------------------------------------------------------


@transaction.atomic
def conflict_resolve(
    *, actor: User, inspection: Inspection, doc_id: Any, rev: Any = None, value: Any = _MISSING, comment: Any = "",
) -> tuple[ConflictResolution, bool]:
    """Record a supervisor's resolution of one conflicted doc: keep revision `rev`, or write `value`
    (answers only) on top of the winning revision. sync.resolutions writes it to the store."""
    check_may_review(actor=actor, inspection=inspection)
    doc_id = _text(doc_id, field="doc_id", required=True, max_length=200)
    comment = _text(comment, field="comment")
    conflict = DocConflict.objects.filter(inspection=inspection, doc_id=doc_id).first()
    if conflict is None:
        raise FieldError("doc_id", f"检查中没有处于冲突状态的文档 {doc_id}")
    known = [r.get("rev") for r in conflict.revisions if r.get("rev")]
    has_rev, has_value = rev not in (None, ""), value is not _MISSING
    if has_rev == has_value:
        raise FieldError("rev", "需要且只能提供 rev（选定修订）或 value（录入新值）之一")
    if has_rev:
        if not isinstance(rev, str) or rev not in known:
            raise FieldError("rev", f"修订 {rev!r} 不是该文档的冲突修订之一：{', '.join(known)}")
        mode, base_rev, new_value = ResolutionMode.CHOOSE_REVISION, rev, None
    else:
        if conflict.doc_type != "answer":
            raise FieldError("value", "只有检查项答案可以录入新值，其他文档请选定一个修订")
        item_code = doc_id.rsplit(":", 1)[-1]
        doc = checklists.get(inspection.checklist_id)
        item = checklists.find_item(doc, item_code) if doc else None
        if item is not None:
            problem = checklists.validate_answer_value(item=item, value=value)
            if problem:
                raise FieldError("value", problem)
        mode, base_rev, new_value = ResolutionMode.ENTER_VALUE, conflict.winning_rev, value

    for earlier in ConflictResolution.objects.filter(
        doc_id=doc_id, state__in=[ResolutionState.PENDING, ResolutionState.APPLIED]
    ).order_by("-id"):
        if set(known) <= set(earlier.known_revs):
            if earlier.mode == mode and earlier.chosen_rev == base_rev and earlier.value == new_value:
                return earlier, False
            raise Conflict(f"文档 {doc_id} 的冲突已由 {earlier.resolved_by.username} 处理")
    resolution = ConflictResolution.objects.create(
        inspection=inspection, doc_id=doc_id, mode=mode, chosen_rev=base_rev, value=new_value,
        known_revs=known, comment=comment, resolved_by=actor,
    )
    audit_record(
        actor=actor, action=AuditAction.CONFLICT_RESOLVED, subject=doc_id, inspection=inspection,
        from_value={"revisions": [
            {"rev": r.get("rev"), "value": r.get("value"), "author": r.get("author")} for r in conflict.revisions
        ]},
        to_value={"rev": base_rev} if mode == ResolutionMode.CHOOSE_REVISION else {"value": new_value, "base_rev": base_rev},
        reason=comment,
    )
    return resolution, True


def resolution_mark_applied(*, resolution: ConflictResolution, new_rev: str, deleted_revs: list[str]) -> None:
    resolution.state = ResolutionState.APPLIED
    resolution.new_rev = new_rev
    resolution.deleted_revs = deleted_revs
    resolution.applied_at = timezone.now()
    resolution.error = ""
    resolution.save(update_fields=["state", "new_rev", "deleted_revs", "applied_at", "error", "attempts"])
    audit_record(
        actor=resolution.resolved_by, action=AuditAction.CONFLICT_APPLIED, subject=resolution.doc_id,
        inspection=resolution.inspection, from_value={"revs": resolution.known_revs},
        to_value={"rev": new_rev, "deleted": deleted_revs}, reason=f"冲突处理 #{resolution.pk} 已写入同步库",
    )


def resolution_mark_failed(*, resolution: ConflictResolution, error: str) -> None:
    resolution.state = ResolutionState.FAILED
    resolution.error = error[:2000]
    resolution.save(update_fields=["state", "error", "attempts"])
    audit_record(
        actor=resolution.resolved_by, action=AuditAction.CONFLICT_FAILED, subject=resolution.doc_id,
        inspection=resolution.inspection, from_value={"revs": resolution.known_revs}, to_value=None, reason=error[:2000],
    )


# --- findings ---------------------------------------------------------------------------------------


def _finding_source(*, inspection: Inspection, source_doc_id: str) -> tuple[str, str | None]:
    """(source kind, item_code of the source doc) after checking the doc belongs to the inspection."""
    if not source_doc_id:
        return FindingSource.OTHER, None
    prefix = source_doc_id.split(":", 1)[0]
    model = {"answer": Answer, "quicktest": QuickTest, "sample": Sample}.get(prefix)
    if model is None:
        raise FieldError("source_doc_id", "来源必须是 answer:、quicktest: 或 sample: 文档")
    row = model.objects.filter(inspection=inspection, doc_id=source_doc_id).first()
    if row is None:
        raise FieldError("source_doc_id", f"检查中没有文档 {source_doc_id}")
    return FindingSource(prefix), getattr(row, "item_code", None)


@transaction.atomic
def finding_create(
    *, actor: User, inspection: Inspection, item_code: Any, severity: Any, description: Any,
    source_doc_id: Any = "", idempotency_key: Any = "",
) -> tuple[Finding, bool]:
    check_may_review(actor=actor, inspection=inspection)
    item_code = _text(item_code, field="item_code", required=True, max_length=64)
    severity = _choice(severity, field="severity", choices=Severity)
    description = _text(description, field="description", required=True)
    source_doc_id = _text(source_doc_id, field="source_doc_id", max_length=200)
    key = _idempotency_key(idempotency_key)
    doc = checklists.get(inspection.checklist_id)
    if doc is not None and checklists.find_item(doc, item_code) is None:
        raise FieldError("item_code", f"检查表 {inspection.checklist_id} 中没有检查项 {item_code}")
    source, source_item = _finding_source(inspection=inspection, source_doc_id=source_doc_id)
    if source_item and source_item != item_code:
        raise FieldError("item_code", f"来源文档属于检查项 {source_item}，不是 {item_code}")
    existing = None
    if key:
        existing = Finding.objects.filter(inspection=inspection, idempotency_key=key).first()
    if existing is None:
        existing = Finding.objects.filter(inspection=inspection, item_code=item_code, source_doc_id=source_doc_id).first()
    if existing is not None:
        if (existing.severity, existing.description, existing.item_code, existing.source_doc_id) == (
            severity, description, item_code, source_doc_id
        ):
            return existing, False
        raise Conflict(f"该检查项已登记问题 #{existing.pk}（内容不同）")
    with _racing_insert():
        finding = Finding.objects.create(
            inspection=inspection, item_code=item_code, severity=severity, description=description, source=source,
            source_doc_id=source_doc_id, idempotency_key=key, created_by=actor,
        )
    audit_record(
        actor=actor, action=AuditAction.FINDING_CREATED, subject=f"finding:{finding.pk}", inspection=inspection,
        to_value={"item_code": item_code, "severity": severity, "source_doc_id": source_doc_id}, reason=description,
    )
    risk.recompute(enterprise_id=inspection.enterprise_id)
    return finding, True


def _findings_of(*, inspection: Inspection, ids: Any, field: str = "findings") -> list[Finding]:
    if not isinstance(ids, list) or not ids or len(ids) > 500 or not all(_is_id(i) for i in ids):
        raise FieldError(field, "需要问题编号列表（整数）")
    found = {f.pk: f for f in Finding.objects.filter(inspection=inspection, pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise FieldError(field, f"检查中没有问题 {missing}")
    return [found[i] for i in sorted(set(ids))]


@transaction.atomic
def rectification_issue(
    *, actor: User, inspection: Inspection, findings: Any, requirements: Any, deadline: Any,
) -> tuple[RectificationOrder, bool]:
    check_may_review(actor=actor, inspection=inspection)
    rows = _findings_of(inspection=inspection, ids=findings)
    requirements = _text(requirements, field="requirements", required=True)
    deadline = _date(deadline, field="deadline")
    existing = RectificationOrder.objects.filter(inspection=inspection).first()
    if existing is not None:
        same = (
            sorted(f.pk for f in existing.findings.all()) == [f.pk for f in rows]
            and existing.deadline == deadline and existing.requirements == requirements
        )
        if same:
            return existing, False
        raise Conflict(f"该检查已下达责令限期改正 #{existing.pk}")
    if deadline < timezone.localdate():
        raise FieldError("deadline", "整改期限不能早于今天")
    with _racing_insert():
        order = RectificationOrder.objects.create(
            inspection=inspection, requirements=requirements, deadline=deadline, issued_by=actor,
        )
    order.findings.set(rows)
    audit_record(
        actor=actor, action=AuditAction.RECTIFICATION_ISSUED, subject=f"rectification:{order.pk}",
        inspection=inspection, to_value={"deadline": deadline.isoformat(), "findings": [f.pk for f in rows]},
        reason=requirements,
    )
    risk.recompute(enterprise_id=inspection.enterprise_id)
    return order, True


@transaction.atomic
def rectification_close(*, actor: User, order: RectificationOrder, result: Any, note: Any = "") -> tuple[RectificationOrder, bool]:
    check_may_review(actor=actor, inspection=order.inspection)
    result = _choice(result, field="result", choices=RectificationResult)
    note = _text(note, field="note")
    order = RectificationOrder.objects.select_for_update().get(pk=order.pk)
    if order.status == RectificationStatus.CLOSED:
        if order.result == result:
            return order, False
        raise Conflict(f"责令限期改正 #{order.pk} 已结案（{RectificationResult(order.result).label}）")
    order.status, order.result, order.closure_note = RectificationStatus.CLOSED, result, note
    order.closed_by, order.closed_at = actor, timezone.now()
    order.save()
    audit_record(
        actor=actor, action=AuditAction.RECTIFICATION_CLOSED, subject=f"rectification:{order.pk}",
        inspection=order.inspection, from_value={"status": RectificationStatus.ISSUED},
        to_value={"status": RectificationStatus.CLOSED, "result": result}, reason=note,
    )
    risk.recompute(enterprise_id=order.inspection.enterprise_id)
    return order, True


# --- certification audits --------------------------------------------------------------------------

_RESULT_STATUS = {
    AuditResult.MAINTAINED: CertificateStatus.VALID,
    AuditResult.SUSPENDED: CertificateStatus.SUSPENDED,
    AuditResult.REVOKED: CertificateStatus.REVOKED,
    AuditResult.CANCELLED: CertificateStatus.CANCELLED,
}
_FLAG_FOR = {AuditResult.SUSPENDED: FlagKind.CERTIFICATE_SUSPENDED, AuditResult.REVOKED: FlagKind.CERTIFICATE_REVOKED}
_TERMINAL = {CertificateStatus.REVOKED, CertificateStatus.CANCELLED}


def _report_bytes(report: Any) -> tuple[bytes, str] | None:
    """An uploaded file, or {"name", "content_base64"} / a bare base64 string."""
    if report in (None, ""):
        return None
    if hasattr(report, "read"):
        if getattr(report, "size", 0) > MAX_REPORT_BYTES:
            raise FieldError("report", f"报告文件不能超过 {MAX_REPORT_BYTES // (1024 * 1024)} MB")
        return report.read(), getattr(report, "name", "report")
    name = "report.pdf"
    if isinstance(report, dict):
        name = _text(report.get("name") or name, field="report.name", max_length=200)
        report = report.get("content_base64")
    if not isinstance(report, str):
        raise FieldError("report", "需要文件上传或 base64 编码的内容")
    if len(report) > MAX_REPORT_BYTES * 4 // 3 + 4:
        raise FieldError("report", f"报告文件不能超过 {MAX_REPORT_BYTES // (1024 * 1024)} MB")
    try:
        data = base64.b64decode(report, validate=True)
    except (binascii.Error, ValueError):
        raise FieldError("report", "base64 编码无效") from None
    if not data:
        raise FieldError("report", "报告文件为空")
    return data, name


@transaction.atomic
def certification_audit_create(
    *, actor: User, certificate_number: Any, enterprise: Any, product_category: Any, result: Any,
    findings: Any = "", audit_date: Any, report: Any = None,
) -> tuple[CertificationAudit, bool]:
    if actor.effective_role != Role.CERTIFIER or not actor.certification_body_id:
        raise PermissionDenied("只有认证机构人员可以登记认证审查")
    certificate_number = _text(certificate_number, field="certificate", required=True, max_length=40)
    certificate = CccCertificate.objects.select_for_update().filter(number=certificate_number).first()
    if certificate is None:
        raise FieldError("certificate", f"证书 {certificate_number} 不存在")
    if certificate.certification_body_id != actor.certification_body_id:
        raise PermissionDenied("只能登记本机构颁发的证书")
    if isinstance(enterprise, str) and enterprise.isdigit():
        enterprise = int(enterprise)
    elif isinstance(enterprise, str) and enterprise == certificate.enterprise.credit_code:
        enterprise = certificate.enterprise_id  # the unified social credit code names it too
    if not isinstance(enterprise, int) or isinstance(enterprise, bool) or enterprise != certificate.enterprise_id:
        raise FieldError("enterprise", f"证书 {certificate_number} 不属于企业 {enterprise}")
    if product_category != certificate.product_category:
        raise FieldError("category", f"证书 {certificate_number} 的产品类别是 {certificate.product_category}")
    result = _choice(result, field="result", choices=AuditResult)
    findings = _text(findings, field="findings", max_length=20000)
    audit_date = _date(audit_date, field="date")
    if audit_date > timezone.localdate():
        raise FieldError("date", "审查日期不能晚于今天")
    report_file = _report_bytes(report)
    existing = CertificationAudit.objects.filter(certificate=certificate, audit_date=audit_date, result=result).first()
    if existing is not None:
        return existing, False
    before = certificate.status
    after = _RESULT_STATUS[AuditResult(result)]
    if before in _TERMINAL:
        raise Conflict(f"证书 {certificate.number} 已{CertificateStatus(before).label}，不能再登记审查结论")
    audit = CertificationAudit(
        certificate=certificate, enterprise=certificate.enterprise, product_category=certificate.product_category,
        result=result, findings=findings, audit_date=audit_date, created_by=actor,
        certificate_status_before=before, certificate_status_after=after,
    )
    if report_file is not None:
        data, name = report_file
        audit.report_sha256 = hashlib.sha256(data).hexdigest()
        audit.report_name = name[-200:]
        audit.report.save(f"{audit.report_sha256}", ContentFile(data), save=False)
    with _racing_insert():
        audit.save()
    if before != after:
        certificate.status = after
        certificate.save(update_fields=["status"])
    audit_record(
        actor=actor, action=AuditAction.CERTIFICATION_AUDIT, subject=f"certificate:{certificate.number}",
        from_value={"status": before}, to_value={"status": after, "result": result}, reason=findings,
    )
    flag_kind = _FLAG_FOR.get(AuditResult(result))
    if flag_kind:
        for inspection in selectors.open_inspections_of(enterprise_id=certificate.enterprise_id):
            InspectionFlag.objects.create(inspection=inspection, kind=flag_kind, certificate=certificate, audit=audit)
            audit_record(
                actor=actor, action=AuditAction.CERTIFICATE_FLAG, subject=f"dossier:{inspection.pk}",
                inspection=inspection, to_value={"flag": flag_kind, "certificate": certificate.number},
                reason=f"认证审查：证书 {certificate.number} {AuditResult(result).label}",
            )
    risk.recompute(enterprise_id=certificate.enterprise_id)
    return audit, True
