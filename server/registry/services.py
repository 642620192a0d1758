"""Writes for the registry. `actor` is the signed-in user; role and jurisdiction are checked here
so that every entry point (API, admin actions, commands) gets the same rules."""
from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from rest_framework.exceptions import PermissionDenied

from server.accounts import jurisdictions
from server.accounts.models import CertificationBody, Jurisdiction, Role, User
from server.api.errors import FieldError

from .choices import EnterpriseRole, ProductCategory
from .identifiers import ccc_number_error, credit_code_error, licence_number_error
from .matching import product_key
from .models import CccCertificate, Enterprise, ProductionLicence, UnqualifiedProduct


def _check_may_manage(*, actor: User, jurisdiction_code: str) -> None:
    role = actor.effective_role
    if role == Role.ADMIN:
        return
    if role == Role.SUPERVISOR and jurisdictions.covers(ancestor=actor.jurisdiction_id, code=jurisdiction_code):
        return
    raise PermissionDenied("只有管理员或该辖区的监管人员可以管理该企业")


def _clean_list(*, field: str, values, allowed: list[str]) -> list[str]:
    if not isinstance(values, list) or not values:
        raise FieldError(field, "应为非空列表")
    cleaned: list[str] = []
    for value in values:
        if value not in allowed:
            raise FieldError(field, f"未知取值 '{value}'，可选：{', '.join(allowed)}")
        if value not in cleaned:
            cleaned.append(value)
    return cleaned


def _jurisdiction(code: str) -> Jurisdiction:
    jur = Jurisdiction.objects.filter(code=code).first()
    if jur is None:
        raise FieldError("jurisdiction", f"未知辖区代码 '{code}'")
    return jur


@transaction.atomic
def enterprise_create(
    *,
    actor: User,
    name: str,
    credit_code: str,
    address: str,
    jurisdiction: str,
    roles: list[str],
    product_categories: list[str],
    latitude: float | None = None,
    longitude: float | None = None,
) -> Enterprise:
    jur = _jurisdiction(jurisdiction)
    _check_may_manage(actor=actor, jurisdiction_code=jur.code)
    credit_code = credit_code.strip().upper()
    error = credit_code_error(credit_code)
    if error:
        raise FieldError("credit_code", error)
    if Enterprise.objects.filter(credit_code=credit_code).exists():
        raise FieldError("credit_code", f"统一社会信用代码 {credit_code} 已登记")
    if (latitude is None) != (longitude is None):
        raise FieldError("latitude" if latitude is None else "longitude", "经纬度须同时提供")
    enterprise = Enterprise(
        name=name.strip(),
        credit_code=credit_code,
        address=address.strip(),
        jurisdiction=jur,
        roles=_clean_list(field="roles", values=roles, allowed=EnterpriseRole.values),
        product_categories=_clean_list(field="product_categories", values=product_categories, allowed=ProductCategory.values),
        latitude=latitude,
        longitude=longitude,
    )
    try:
        with transaction.atomic():
            enterprise.save()
    except IntegrityError as exc:  # a concurrent create of the same code
        raise FieldError("credit_code", f"统一社会信用代码 {credit_code} 已登记") from exc
    return enterprise


@transaction.atomic
def enterprise_update(*, actor: User, enterprise: Enterprise, **changes) -> Enterprise:
    _check_may_manage(actor=actor, jurisdiction_code=enterprise.jurisdiction_id)
    if "jurisdiction" in changes:
        jur = _jurisdiction(changes.pop("jurisdiction"))
        _check_may_manage(actor=actor, jurisdiction_code=jur.code)
        enterprise.jurisdiction = jur
    if "roles" in changes:
        enterprise.roles = _clean_list(field="roles", values=changes.pop("roles"), allowed=EnterpriseRole.values)
    if "product_categories" in changes:
        enterprise.product_categories = _clean_list(
            field="product_categories", values=changes.pop("product_categories"), allowed=ProductCategory.values
        )
    for field in ("name", "address", "latitude", "longitude"):
        if field in changes:
            setattr(enterprise, field, changes.pop(field))
    if changes:
        raise FieldError(next(iter(changes)), "该字段不可修改")
    enterprise.save()
    return enterprise


@transaction.atomic
def licence_add(
    *, actor: User, enterprise: Enterprise, number: str, product_category: str, valid_until: date | None = None
) -> ProductionLicence:
    _check_may_manage(actor=actor, jurisdiction_code=enterprise.jurisdiction_id)
    number = number.strip()
    error = licence_number_error(number)
    if error:
        raise FieldError("number", error)
    if product_category not in ProductCategory.values:
        raise FieldError("product_category", f"未知产品类别 '{product_category}'")
    existing = ProductionLicence.objects.filter(number=number).first()
    if existing is not None:
        if existing.enterprise_id == enterprise.id and existing.product_category == product_category:
            return existing  # a retry of the same request
        raise FieldError("number", f"许可证 {number} 已登记在其他企业或类别下")
    return ProductionLicence.objects.create(
        enterprise=enterprise, number=number, product_category=product_category, valid_until=valid_until
    )


@transaction.atomic
def certificate_add(
    *,
    actor: User,
    enterprise: Enterprise,
    number: str,
    product_category: str,
    certification_body: str | None = None,
    valid_until: date | None = None,
) -> CccCertificate:
    _check_may_manage(actor=actor, jurisdiction_code=enterprise.jurisdiction_id)
    number = number.strip()
    error = ccc_number_error(number)
    if error:
        raise FieldError("number", error)
    if product_category not in ProductCategory.values:
        raise FieldError("product_category", f"未知产品类别 '{product_category}'")
    body = None
    if certification_body:
        body = CertificationBody.objects.filter(code=certification_body).first()
        if body is None:
            raise FieldError("certification_body", f"未知认证机构 '{certification_body}'")
    existing = CccCertificate.objects.filter(number=number).first()
    if existing is not None:
        if existing.enterprise_id == enterprise.id and existing.product_category == product_category:
            return existing
        raise FieldError("number", f"证书 {number} 已登记在其他企业或类别下")
    return CccCertificate.objects.create(
        enterprise=enterprise, number=number, product_category=product_category,
        certification_body=body, valid_until=valid_until,
    )


@transaction.atomic
def unqualified_product_create(
    *,
    actor: User,
    product_category: str,
    product_name: str,
    model: str = "",
    brand: str = "",
    manufacturer: str = "",
    batch: str = "",
    found_in: str = "",
    rectified: bool = False,
) -> UnqualifiedProduct:
    if actor.effective_role not in (Role.ADMIN, Role.SUPERVISOR):
        raise PermissionDenied("只有管理员或监管人员可以登记不合格产品")
    if product_category not in ProductCategory.values:
        raise FieldError("product_category", f"未知产品类别 '{product_category}'")
    if not product_name.strip():
        raise FieldError("product_name", "不能为空")
    return UnqualifiedProduct.objects.create(
        product_category=product_category,
        product_name=product_name.strip(),
        model=model.strip(),
        brand=brand.strip(),
        manufacturer=manufacturer.strip(),
        batch=batch.strip(),
        found_in=found_in.strip(),
        rectified=rectified,
        match_key=product_key(manufacturer=manufacturer, model=model),
    )


def unqualified_product_keep_key(*, product: UnqualifiedProduct) -> None:
    """Bring the match key up to date after an edit (admin)."""
    product.match_key = product_key(manufacturer=product.manufacturer, model=product.model)
