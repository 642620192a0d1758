"""Reads for the campaign statistics: who sees which jurisdictions, the table, the lists."""
from __future__ import annotations

from typing import Any

from rest_framework.exceptions import PermissionDenied

from server.accounts import jurisdictions
from server.accounts.models import Jurisdiction, Role, User
from server.api.errors import FieldError
from server.campaigns import selectors as campaign_selectors
from server.campaigns.models import Campaign

from . import figures
from .models import Liaison

READERS = (Role.ADMIN, Role.SUPERVISOR)


def _jurisdiction_code(value: Any, field: str = "jurisdiction") -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) != 6 or not value.isdigit():
        raise FieldError(field, "需要 6 位行政区划代码")
    if not Jurisdiction.objects.filter(code=value).exists():
        raise FieldError(field, f"未知辖区代码 '{value}'")
    return value


def campaign_get(*, code: str) -> Campaign:
    if not isinstance(code, str) or len(code) > 64:
        raise FieldError("campaign", "需要专项行动代码")
    return campaign_selectors.campaign_get(code=code)


def resolve(*, user: User, campaign: Campaign, jurisdiction: Any) -> tuple[str, set[str]]:
    """(the jurisdiction asked for, the codes counted). Supervisors: their jurisdiction (default) or
    one below it; anything outside is 403. Admins: anything (default: the campaign's)."""
    code = _jurisdiction_code(jurisdiction)
    role = user.effective_role
    if role == Role.SUPERVISOR:
        mine = user.jurisdiction_id
        code = code or mine
        if not mine or not jurisdictions.covers(ancestor=mine, code=code):
            raise PermissionDenied("只能查看本辖区的统计")
    elif role != Role.ADMIN:
        raise PermissionDenied("无权查看统计")
    code = code or campaign.jurisdiction_id
    codes = jurisdictions.descendants_of(code=code) & jurisdictions.descendants_of(code=campaign.jurisdiction_id)
    return code, codes


def campaign_statistics(*, user: User, campaign: Campaign, jurisdiction: Any) -> dict[str, Any]:
    code, codes = resolve(user=user, campaign=campaign, jurisdiction=jurisdiction)
    scope = figures.scope_of(campaign=campaign, codes=codes)
    result = figures.table(scope=scope)
    result["total"]["jurisdiction"] = code
    return {"campaign": campaign.code, "jurisdiction": code, "starts": scope.starts.isoformat(),
            "ends": scope.ends.isoformat(), **result}


def figure_records(*, user: User, campaign: Campaign, figure: Any, jurisdiction: Any,
                   product_category: Any) -> dict[str, Any]:
    if not isinstance(figure, str) or figure not in figures.BY_KEY:
        raise FieldError("figure", f"未知统计项，可选：{', '.join(figures.BY_KEY)}")
    code, codes = resolve(user=user, campaign=campaign, jurisdiction=jurisdiction)
    if product_category in (None, ""):
        product_category = None
    elif product_category not in campaign.product_categories:
        raise FieldError("product_category", f"专项行动 {campaign.code} 不含产品类别 '{product_category}'")
    scope = figures.scope_of(campaign=campaign, codes=codes)
    rows = figures.records(scope=scope, figure_key=figure, county_codes=sorted(codes), category=product_category)
    return {"campaign": campaign.code, "figure": figure, "title": figures.BY_KEY[figure].title, "jurisdiction": code,
            "product_category": product_category, "count": len(rows), "records": rows}


def liaison_dict(liaison: Liaison) -> dict[str, Any]:
    return {"id": liaison.pk, "campaign": liaison.campaign.code, "jurisdiction": liaison.jurisdiction_id,
            "jurisdiction_name": liaison.jurisdiction.name, "name": liaison.name, "department": liaison.department,
            "position": liaison.position, "phone": liaison.phone, "mobile": liaison.mobile, "email": liaison.email,
            "updated_by": liaison.updated_by.username, "updated_at": liaison.updated_at.isoformat()}


def liaisons_visible(*, user: User, campaign: Campaign):
    qs = Liaison.objects.filter(campaign=campaign).select_related("campaign", "jurisdiction", "updated_by")
    if user.effective_role == Role.SUPERVISOR:
        qs = qs.filter(jurisdiction_id__in=sorted(jurisdictions.descendants_of(code=user.jurisdiction_id or "")))
    elif user.effective_role != Role.ADMIN:
        return qs.none()
    return qs
