"""Writes for enforcement cases and producer notices (moved from server.reviews and extended, contract
§12). Every change writes an immutable reviews.AuditEvent (subject `case:{id}` / `notice:{id}`; the
inspection's trail too when the case came from one) and recomputes the enterprise's risk in the same
transaction.

Idempotency: a repeat with the same content answers the row the first request made
(`created=False`); a request that contradicts an earlier one is a Conflict (409).
- opening a case: `client_key` when given; otherwise the natural key of its source (an
  inspection's finding set; a 交办函 number × enterprise; else an open case of the same source,
  enterprise, category and reason);
- a report: `client_key` when given (same key, other content: 409); without one, a report equal
  (summary and status) to the case's last report is that report, not a new one.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied

from server.accounts import jurisdictions
from server.accounts.models import Role, User
from server.api.errors import Conflict, FieldError
from server.campaigns import selectors as campaign_selectors
from server.credit import risk
from server.inspections.models import Inspection
from server.registry.choices import ProductCategory
from server.registry.models import Enterprise
from server.reviews.models import AuditAction, Finding
from server.reviews.services import (
    _choice, _date, _findings_of, _idempotency_key, _is_id, _racing_insert, _text, audit_record, check_may_review,
)

from . import report_rules
from .models import (
    CaseOutcome, CaseReport, CaseSource, CaseStatus, EnforcementCase, NoticeStatus, ProducerNotice, RecallStage,
)

_CASE_MOVES = {CaseStatus.REFERRED: {CaseStatus.FILED, CaseStatus.CLOSED}, CaseStatus.FILED: {CaseStatus.CLOSED}}


def check_may_handle(*, actor: User, jurisdiction_code: str | None) -> None:
    """Admins, and supervisors whose jurisdiction covers the case's county."""
    role = actor.effective_role
    if role == Role.ADMIN:
        return
    if role == Role.SUPERVISOR and jurisdictions.covers(ancestor=actor.jurisdiction_id, code=jurisdiction_code):
        return
    raise PermissionDenied("只有管理员或该辖区的监管人员可以办理此案件")


def _check_case(*, actor: User, case: EnforcementCase) -> None:
    if case.inspection_id is not None:
        check_may_review(actor=actor, inspection=case.inspection)
    else:
        check_may_handle(actor=actor, jurisdiction_code=case.jurisdiction_id)


def _audit(*, actor: User, case: EnforcementCase, action: str, from_value=None, to_value=None, reason: str = "") -> None:
    audit_record(actor=actor, action=action, subject=f"case:{case.pk}", inspection=case.inspection,
                 from_value=from_value, to_value=to_value, reason=reason)


def _bool(value: Any, *, field: str) -> bool:
    if value in (None, ""):
        return False
    if isinstance(value, bool):
        return value
    if value in ("true", "1", "on"):
        return True
    if value in ("false", "0", "off"):
        return False
    raise FieldError(field, "需要 true 或 false")


def _case_report(*, enterprise: Enterprise, inspection: Inspection | None, findings: list[Finding], reason: str,
                 actor: User, source: str, referral_number: str = "") -> str:
    lines = [
        "案件移送报告" if inspection is not None else "案件登记表",
        f"来源：{CaseSource(source).label}" + (f"（交办函 {referral_number}）" if referral_number else ""),
        f"企业：{enterprise.name}（统一社会信用代码 {enterprise.credit_code}）",
        f"地址：{enterprise.address}",
    ]
    if inspection is not None:
        lines += [
            f"检查：{inspection.pk}，产品类别 {inspection.get_product_category_display()}，计划日期 {inspection.scheduled_for}",
            "发现问题：",
            *[f"  {i}. [{f.get_severity_display()}] {f.item_code}：{f.description}" for i, f in enumerate(findings, 1)],
        ]
    lines += [f"移送理由：{reason}", f"移送人：{actor.full_name or actor.username}，{timezone.localdate().isoformat()}"]
    return "\n".join(lines)


def _campaign(*, jurisdiction: str, on: dt.date, code: Any):
    if code not in (None, ""):
        if not isinstance(code, str) or len(code) > 64:
            raise FieldError("campaign", "需要专项行动代码")
    return campaign_selectors.campaign_for(jurisdiction=jurisdiction, on=on, code=code or None)


@transaction.atomic
def case_refer(*, actor: User, inspection: Inspection, findings: Any, reason: Any, major: Any = False,
               supervising_office: Any = "", campaign: Any = None, client_key: Any = "") -> tuple[EnforcementCase, bool]:
    """Refer a set of an inspection's findings to enforcement; one case (with one report) per finding set."""
    check_may_review(actor=actor, inspection=inspection)
    rows = _findings_of(inspection=inspection, ids=findings)
    reason = _text(reason, field="reason", required=True)
    major = _bool(major, field="major")
    office = _text(supervising_office, field="supervising_office", max_length=200)
    if major and not office:
        raise FieldError("supervising_office", "挂牌督办需要写明督办单位")
    key = ",".join(str(f.pk) for f in rows)
    existing = EnforcementCase.objects.filter(inspection=inspection, findings_key=key).first()
    if existing is not None:
        return existing, False
    taken = Finding.objects.filter(pk__in=[f.pk for f in rows], enforcement_cases__isnull=False).values_list("pk", flat=True)
    if taken:
        raise Conflict(f"问题 {sorted(set(taken))} 已在其他移送案件中")
    enterprise = inspection.enterprise
    today = timezone.localdate()
    try:
        with transaction.atomic():
            case = EnforcementCase.objects.create(
                inspection=inspection, findings_key=key, reason=reason, referred_by=actor,
                enterprise=enterprise, jurisdiction_id=enterprise.jurisdiction_id,
                product_category=inspection.product_category, source=CaseSource.INSPECTION, opened_on=today,
                campaign=_campaign(jurisdiction=enterprise.jurisdiction_id, on=inspection.scheduled_for, code=campaign),
                major=major, supervising_office=office, client_key=_idempotency_key(client_key),
                report_due=report_rules.first_due(opened_on=today, major=major),
                report=_case_report(enterprise=enterprise, inspection=inspection, findings=rows, reason=reason,
                                    actor=actor, source=CaseSource.INSPECTION),
            )
    except IntegrityError:
        return EnforcementCase.objects.get(inspection=inspection, findings_key=key), False
    case.findings.set(rows)
    _audit(actor=actor, case=case, action=AuditAction.CASE_REFERRED,
           to_value={"status": CaseStatus.REFERRED, "source": case.source, "findings": [f.pk for f in rows],
                     "major": major, "report_due": case.report_due.isoformat()}, reason=reason)
    risk.recompute(enterprise_id=enterprise.pk)
    return case, True


def _same_open(case: EnforcementCase, **fields) -> bool:
    return all(getattr(case, name) == value for name, value in fields.items())


@transaction.atomic
def case_open(
    *, actor: User, source: Any, enterprise: Any, product_category: Any, reason: Any, referral_number: Any = "",
    referral_deadline: Any = None, major: Any = False, supervising_office: Any = "", campaign: Any = None,
    opened_on: Any = None, client_key: Any = "",
) -> tuple[EnforcementCase, bool]:
    """Open a case that did not come from an inspection's findings: a sampling result, a province
    referral (交办函 number and deadline), a complaint, or a referral from another region."""
    source = _choice(source, field="source", choices=CaseSource)
    if source == CaseSource.INSPECTION:
        raise FieldError("inspection", "来源为监督检查的案件需要 inspection 和 findings")
    if not _is_id(enterprise):
        raise FieldError("enterprise", "需要企业编号（整数）")
    enterprise_obj = Enterprise.objects.filter(pk=enterprise).first()
    if enterprise_obj is None:
        raise FieldError("enterprise", f"企业 {enterprise} 不存在")
    check_may_handle(actor=actor, jurisdiction_code=enterprise_obj.jurisdiction_id)
    product_category = _choice(product_category, field="product_category", choices=ProductCategory)
    reason = _text(reason, field="reason", required=True)
    referral_number = _text(referral_number, field="referral_number", max_length=64)
    deadline = _date(referral_deadline, field="referral_deadline") if referral_deadline not in (None, "") else None
    if source == CaseSource.PROVINCE_REFERRAL:
        if not referral_number:
            raise FieldError("referral_number", "省局交办案件需要交办函编号")
        if deadline is None:
            raise FieldError("referral_deadline", "省局交办案件需要交办期限")
    elif referral_number or deadline:
        raise FieldError("referral_number", "只有省局交办案件填写交办函编号和期限")
    major = _bool(major, field="major")
    office = _text(supervising_office, field="supervising_office", max_length=200)
    if major and not office:
        raise FieldError("supervising_office", "挂牌督办需要写明督办单位")
    today = timezone.localdate()
    opened = _date(opened_on, field="opened_on") if opened_on not in (None, "") else today
    if opened > today:
        raise FieldError("opened_on", "登记日期不能晚于今天")
    key = _idempotency_key(client_key)
    fields = {"source": source, "enterprise_id": enterprise_obj.pk, "product_category": product_category, "reason": reason,
              "referral_number": referral_number, "referral_deadline": deadline}
    existing = None
    if key:
        existing = EnforcementCase.objects.filter(client_key=key).first()
    elif referral_number:
        existing = EnforcementCase.objects.filter(referral_number=referral_number, enterprise=enterprise_obj).first()
    else:
        existing = EnforcementCase.objects.filter(
            **{k: v for k, v in fields.items() if k not in ("referral_number", "referral_deadline")}, inspection=None,
        ).exclude(status=CaseStatus.CLOSED).first()
    if existing is not None:
        if _same_open(existing, **fields):
            return existing, False
        raise Conflict(f"案件 #{existing.pk} 已登记（内容不同）")
    campaign_obj = _campaign(jurisdiction=enterprise_obj.jurisdiction_id, on=opened, code=campaign)
    with _racing_insert():
        case = EnforcementCase.objects.create(
            findings_key="", enterprise=enterprise_obj, jurisdiction_id=enterprise_obj.jurisdiction_id,
            product_category=product_category, campaign=campaign_obj, source=source, referral_number=referral_number,
            referral_deadline=deadline, opened_on=opened, reason=reason, major=major, supervising_office=office,
            client_key=key, referred_by=actor,
            report_due=report_rules.first_due(opened_on=opened, major=major, referral_deadline=deadline),
            report=_case_report(enterprise=enterprise_obj, inspection=None, findings=[], reason=reason, actor=actor,
                                source=source, referral_number=referral_number),
        )
    _audit(actor=actor, case=case, action=AuditAction.CASE_REFERRED,
           to_value={"status": CaseStatus.REFERRED, "source": source, "referral_number": referral_number or None,
                     "referral_deadline": deadline.isoformat() if deadline else None, "major": major,
                     "report_due": case.report_due.isoformat()}, reason=reason)
    risk.recompute(enterprise_id=enterprise_obj.pk)
    return case, True


def _apply_status(*, case: EnforcementCase, status: str, case_number: str, outcome: str, note: str,
                  transferred_to: str) -> dict | None:
    """Moves a locked case's status (or recognises the same move again: None). Raises on a bad move."""
    if status == CaseStatus.FILED and not (case_number or case.case_number):
        raise FieldError("case_number", "立案需要立案号")
    if status == CaseStatus.CLOSED:
        outcome = _choice(outcome, field="outcome", choices=CaseOutcome)
        if outcome == CaseOutcome.TRANSFERRED and not transferred_to:
            raise FieldError("transferred_to", "移送司法机关需要写明接收机关")
    elif outcome not in (None, ""):
        raise FieldError("outcome", "只有结案时填写处理结果")
    if case.status == status:
        if (status == CaseStatus.FILED and case_number in ("", case.case_number)) or (
            status == CaseStatus.CLOSED and case.outcome == outcome
        ) or status == CaseStatus.REFERRED:
            return None
        raise Conflict(f"案件 #{case.pk} 已是“{CaseStatus(status).label}”")
    if status not in _CASE_MOVES.get(case.status, set()):
        raise Conflict(f"案件 #{case.pk} 不能从“{CaseStatus(case.status).label}”变为“{CaseStatus(status).label}”")
    before = {"status": case.status, "report_due": case.report_due.isoformat() if case.report_due else None}
    case.status = status
    if case_number:
        case.case_number = case_number
    if status == CaseStatus.CLOSED:
        case.outcome, case.outcome_note = outcome, note
        case.transferred_to = transferred_to if outcome == CaseOutcome.TRANSFERRED else ""
        case.closed_on = timezone.localdate()
        case.report_due = None
    return before


@transaction.atomic
def case_update(
    *, actor: User, case: EnforcementCase, status: Any, case_number: Any = "", outcome: Any = "", note: Any = "",
    transferred_to: Any = "",
) -> tuple[EnforcementCase, bool]:
    """referred → filed (立案, needs case_number) → closed (结案, needs outcome; `transferred` = 移送司法机关,
    needs `transferred_to`); referred → closed. Closing clears report_due."""
    _check_case(actor=actor, case=case)
    status = _choice(status, field="status", choices=CaseStatus)
    case_number = _text(case_number, field="case_number", max_length=64)
    note = _text(note, field="note")
    transferred_to = _text(transferred_to, field="transferred_to", max_length=200)
    case = EnforcementCase.objects.select_for_update().get(pk=case.pk)
    before = _apply_status(case=case, status=status, case_number=case_number, outcome=outcome, note=note,
                           transferred_to=transferred_to)
    if before is None:
        return case, False
    case.save()
    _audit(actor=actor, case=case, action=AuditAction.CASE_STATUS, from_value=before,
           to_value={"status": status, "case_number": case.case_number, "outcome": case.outcome,
                     "transferred_to": case.transferred_to or None}, reason=note)
    risk.recompute(enterprise_id=case.enterprise_id)
    return case, True


@transaction.atomic
def case_report_add(
    *, actor: User, case: EnforcementCase, summary: Any, status: Any, client_key: Any = "", case_number: Any = "",
    outcome: Any = "", transferred_to: Any = "",
) -> tuple[CaseReport, bool]:
    """A progress report (一案一报). `status` is the case's status as reported: the current one, or a
    legal next one (then the case moves with it, as POST …/status/ would). The report moves
    `report_due` to the next due date (report_rules) or clears it when the case is closed."""
    _check_case(actor=actor, case=case)
    summary = _text(summary, field="summary", required=True, max_length=20000)
    status = _choice(status, field="status", choices=CaseStatus)
    key = _idempotency_key(client_key)
    case_number = _text(case_number, field="case_number", max_length=64)
    transferred_to = _text(transferred_to, field="transferred_to", max_length=200)
    case = EnforcementCase.objects.select_for_update().get(pk=case.pk)
    if key:
        earlier = CaseReport.objects.filter(case=case, client_key=key).first()
        if earlier is not None:
            if (earlier.summary, earlier.status) == (summary, status):
                return earlier, False
            raise Conflict(f"报告键 {key} 已用于案件 #{case.pk} 的另一份报告")
    else:
        last = CaseReport.objects.filter(case=case).order_by("-reported_at", "-id").first()
        if last is not None and (last.summary, last.status) == (summary, status) and not last.client_key:
            return last, False
    if case.status == CaseStatus.CLOSED and status == CaseStatus.CLOSED and CaseReport.objects.filter(
        case=case, status=CaseStatus.CLOSED
    ).exists():
        raise Conflict(f"案件 #{case.pk} 已结案并已报告")
    due_before = case.report_due
    moved = None
    if status != case.status:
        moved = _apply_status(case=case, status=status, case_number=case_number, outcome=outcome, note=summary,
                              transferred_to=transferred_to)
    today = timezone.localdate()
    case.report_due = report_rules.next_due(
        reported_on=today, major=case.major, closed=case.status == CaseStatus.CLOSED,
        referral_deadline=case.referral_deadline,
    )
    case.save()
    with _racing_insert():
        report = CaseReport.objects.create(
            case=case, summary=summary, status=status, reported_on=today, due_before=due_before,
            due_after=case.report_due, client_key=key, reported_by=actor,
        )
    if moved is not None:
        _audit(actor=actor, case=case, action=AuditAction.CASE_STATUS, from_value=moved,
               to_value={"status": case.status, "case_number": case.case_number, "outcome": case.outcome,
                         "transferred_to": case.transferred_to or None}, reason=summary)
    _audit(actor=actor, case=case, action=AuditAction.CASE_REPORT,
           from_value={"report_due": due_before.isoformat() if due_before else None},
           to_value={"report": report.pk, "status": status,
                     "report_due": case.report_due.isoformat() if case.report_due else None}, reason=summary)
    if moved is not None:
        risk.recompute(enterprise_id=case.enterprise_id)
    return report, True


@transaction.atomic
def case_set_major(*, actor: User, case: EnforcementCase, major: Any, supervising_office: Any = "",
                   note: Any = "") -> tuple[EnforcementCase, bool]:
    """挂牌督办 (major = true, with the supervising office) or lifted (false). A case becoming major
    reports by the major rule's first-report date if that comes sooner."""
    _check_case(actor=actor, case=case)
    major = _bool(major, field="major")
    office = _text(supervising_office, field="supervising_office", max_length=200)
    note = _text(note, field="note")
    if major and not office:
        raise FieldError("supervising_office", "挂牌督办需要写明督办单位")
    case = EnforcementCase.objects.select_for_update().get(pk=case.pk)
    if case.major == major and (not major or case.supervising_office == office):
        return case, False
    if case.status == CaseStatus.CLOSED:
        raise Conflict(f"案件 #{case.pk} 已结案")
    before = {"major": case.major, "supervising_office": case.supervising_office or None}
    case.major, case.supervising_office = major, office if major else ""
    if major:
        due = report_rules.first_due(opened_on=timezone.localdate(), major=True, referral_deadline=case.referral_deadline)
        case.report_due = min(case.report_due, due) if case.report_due else due
    case.save()
    _audit(actor=actor, case=case, action=AuditAction.CASE_MAJOR, from_value=before,
           to_value={"major": major, "supervising_office": office or None}, reason=note)
    return case, True


# --- producer notices ---------------------------------------------------------------------------------


def _producer(producer: Any) -> Enterprise | None:
    if producer in (None, ""):
        return None
    if not _is_id(producer):
        raise FieldError("producer", "需要企业编号")
    producer_obj = Enterprise.objects.filter(pk=producer).first()
    if producer_obj is None:
        raise FieldError("producer", f"企业 {producer} 不存在")
    return producer_obj


@transaction.atomic
def notice_send(
    *, actor: User, finding: Finding, producer_name: Any = "", producer: Any = None, defect_description: Any,
    investigation_deadline: Any = None,
) -> tuple[ProducerNotice, bool]:
    """Notify the producer of a suspected defect found in a finding (one notice per finding)."""
    check_may_review(actor=actor, inspection=finding.inspection)
    defect_description = _text(defect_description, field="defect_description", required=True)
    producer_obj = _producer(producer)
    producer_name = _text(producer_name, field="producer_name", max_length=200) or (producer_obj.name if producer_obj else "")
    if not producer_name:
        raise FieldError("producer_name", "需要生产者名称或企业编号")
    deadline = (_date(investigation_deadline, field="investigation_deadline")
                if investigation_deadline not in (None, "") else None)
    existing = ProducerNotice.objects.filter(finding=finding).first()
    if existing is not None:
        if existing.producer_name == producer_name and existing.defect_description == defect_description:
            return existing, False
        raise Conflict(f"问题 #{finding.pk} 已发出缺陷通知 #{existing.pk}")
    with _racing_insert():
        notice = ProducerNotice.objects.create(
            finding=finding, producer=producer_obj, producer_name=producer_name,
            defect_description=defect_description, sent_by=actor, investigation_deadline=deadline,
        )
    audit_record(
        actor=actor, action=AuditAction.NOTICE_SENT, subject=f"notice:{notice.pk}", inspection=finding.inspection,
        to_value={"producer": producer_name, "finding": finding.pk,
                  "investigation_deadline": deadline.isoformat() if deadline else None}, reason=defect_description,
    )
    return notice, True


def _check_notice(*, actor: User, notice: ProducerNotice) -> None:
    if notice.finding_id is not None:
        check_may_review(actor=actor, inspection=notice.finding.inspection)
    elif notice.producer_id is not None:
        check_may_handle(actor=actor, jurisdiction_code=notice.producer.jurisdiction_id)
    elif actor.effective_role != Role.ADMIN:
        raise PermissionDenied("只有管理员可以处理未关联登记企业的通知")


def _notice_inspection(notice: ProducerNotice):
    return notice.finding.inspection if notice.finding_id is not None else None


@transaction.atomic
def notice_acknowledge(*, actor: User, notice: ProducerNotice, note: Any = "") -> tuple[ProducerNotice, bool]:
    _check_notice(actor=actor, notice=notice)
    note = _text(note, field="note")
    if notice.status == NoticeStatus.ACKNOWLEDGED:
        return notice, False
    notice.status, notice.acknowledged_at = NoticeStatus.ACKNOWLEDGED, timezone.now()
    notice.save(update_fields=["status", "acknowledged_at"])
    audit_record(
        actor=actor, action=AuditAction.NOTICE_ACKNOWLEDGED, subject=f"notice:{notice.pk}",
        inspection=_notice_inspection(notice), from_value={"status": NoticeStatus.SENT},
        to_value={"status": NoticeStatus.ACKNOWLEDGED}, reason=note,
    )
    return notice, True


# Recall supervision moves forward only (plan 三(五): investigation, then the defect decision, then
# the recall the bureau supervises).
_RECALL_NEXT = {
    RecallStage.NOTIFIED: {RecallStage.INVESTIGATING, RecallStage.NO_DEFECT, RecallStage.DEFECT},
    RecallStage.INVESTIGATING: {RecallStage.NO_DEFECT, RecallStage.DEFECT},
    RecallStage.DEFECT: {RecallStage.RECALLING, RecallStage.RECALLED},
    RecallStage.RECALLING: {RecallStage.RECALLED},
}


@transaction.atomic
def notice_recall_update(*, actor: User, notice: ProducerNotice, stage: Any, note: Any = "") -> tuple[ProducerNotice, bool]:
    """Record the producer's investigation and the recall supervision on the notice."""
    _check_notice(actor=actor, notice=notice)
    stage = _choice(stage, field="stage", choices=RecallStage)
    note = _text(note, field="note", required=True)
    notice = ProducerNotice.objects.select_for_update().get(pk=notice.pk)
    if notice.recall_stage == stage:
        if notice.recall_note.rstrip().endswith(note):
            return notice, False
        raise Conflict(f"通知 #{notice.pk} 已是“{RecallStage(stage).label}”")
    if stage not in _RECALL_NEXT.get(notice.recall_stage, set()):
        raise Conflict(f"通知 #{notice.pk} 不能从“{RecallStage(notice.recall_stage).label}”变为“{RecallStage(stage).label}”")
    before = notice.recall_stage
    now = timezone.now()
    notice.recall_stage = stage
    notice.recall_note = (notice.recall_note + "\n" if notice.recall_note else "") + \
        f"{timezone.localtime(now):%Y-%m-%d} {RecallStage(stage).label}：{note}"
    notice.recall_updated_at = now
    notice.save(update_fields=["recall_stage", "recall_note", "recall_updated_at"])
    audit_record(
        actor=actor, action=AuditAction.NOTICE_RECALL, subject=f"notice:{notice.pk}",
        inspection=_notice_inspection(notice), from_value={"recall_stage": before},
        to_value={"recall_stage": stage}, reason=note,
    )
    return notice, True
