"""Issuing QR seal labels and recording sample custody."""
from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied

from media.labels import SERIAL_MAX, make_label_codes, parse_label_code
from server.accounts import jurisdictions
from server.accounts.models import Jurisdiction, Role, User
from server.api.errors import Conflict, FieldError

from .models import CUSTODY_ORDER, CustodyEvent, CustodyState, Label, LabelBatch, Sample

MAX_BATCH = 4800


@transaction.atomic
def label_batch_issue(
    *, actor: User, jurisdiction: str, count: int, inspector: str | None = None, title: str = ""
) -> LabelBatch:
    role = actor.effective_role
    if role not in (Role.ADMIN, Role.SUPERVISOR):
        raise PermissionDenied("只有管理员或监管人员可以发放封条")
    if not isinstance(jurisdiction, str) or not Jurisdiction.objects.filter(pk=jurisdiction).exists():
        raise FieldError("jurisdiction", f"未知辖区 {jurisdiction!r}")
    if role == Role.SUPERVISOR and not jurisdictions.covers(ancestor=actor.jurisdiction_id, code=jurisdiction):
        raise PermissionDenied("只能为本辖区发放封条")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_BATCH:
        raise FieldError("count", f"count 必须是 1 到 {MAX_BATCH} 之间的整数")
    if not isinstance(title, str) or len(title) > 80:
        raise FieldError("title", "title 必须是不超过 80 个字符的字符串")
    inspector_user = None
    if inspector:
        inspector_user = User.objects.filter(username=inspector, role=Role.INSPECTOR, is_active=True).first()
        if inspector_user is None:
            raise FieldError("inspector", f"'{inspector}' 不是有效的检查人员")
        if not jurisdictions.covers(ancestor=jurisdiction, code=inspector_user.jurisdiction_id):
            raise FieldError("inspector", f"检查人员 '{inspector}' 不属于辖区 {jurisdiction}")
    # Serials are allocated under a lock on the jurisdiction row (PostgreSQL); SQLite serialises writers.
    Jurisdiction.objects.select_for_update().filter(pk=jurisdiction).first()
    last = Label.objects.filter(jurisdiction_id=jurisdiction).aggregate(m=Max("serial"))["m"] or 0
    if last + count > SERIAL_MAX:
        raise FieldError("count", f"辖区 {jurisdiction} 的封条序号不足（已用到 {last}）")
    codes = make_label_codes(jurisdiction=jurisdiction, first_serial=last + 1, count=count)
    batch = LabelBatch.objects.create(jurisdiction_id=jurisdiction, inspector=inspector_user, first_serial=last + 1,
                                      count=count, title=title, created_by=actor)
    try:
        Label.objects.bulk_create(
            [Label(code=code, batch=batch, jurisdiction_id=jurisdiction, serial=last + 1 + i) for i, code in enumerate(codes)]
        )
    except IntegrityError as exc:
        raise Conflict("封条序号冲突，请重试") from exc
    return batch


def _normalise(label_code: str) -> str:
    try:
        return str(parse_label_code(label_code)["code"])
    except ValueError as exc:
        raise FieldError("label_code", str(exc).removeprefix("label_code: ")) from None


@transaction.atomic
def custody_event_add(
    *, sample: Sample, actor: User, state: str, note: str = "", result: object = None
) -> CustodyEvent:
    """Append the next custody step (sealed → dispatched → received_by_lab → result); 409 otherwise."""
    if state not in CustodyState.values:
        raise FieldError("state", f"state 必须是 {' | '.join(CustodyState.values)} 之一")
    if not isinstance(note, str) or len(note) > 2000:
        raise FieldError("note", "note 必须是不超过 2000 个字符的字符串")
    sample = Sample.objects.select_for_update().get(pk=sample.pk)
    current = CUSTODY_ORDER.index(CustodyState(sample.custody_state))
    wanted = CUSTODY_ORDER.index(CustodyState(state))
    if wanted != current + 1:
        raise Conflict(f"样品当前状态为 {sample.custody_state}，不能变更为 {state}")
    if state == CustodyState.RESULT and result is None:
        raise FieldError("result", "登记检验结果时必须提供 result")
    event = CustodyEvent.objects.create(sample=sample, state=state, at=timezone.now(), actor=actor,
                                        actor_name=actor.username, note=note, result=result)
    sample.custody_state = state
    sample.save(update_fields=["custody_state"])
    return event


normalise_label_code = _normalise
