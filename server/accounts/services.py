"""Writes for accounts: users, jurisdictions, certification bodies."""
from __future__ import annotations

import csv
import io

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from server.api.errors import FieldError
from server.registry.models import Enterprise

from . import jurisdictions
from .models import CertificationBody, Jurisdiction, Role, User


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: str,
    jurisdiction: str | None = None,
    certification_body: str | None = None,
    full_name: str = "",
    email: str = "",
    enterprise: int | None = None,
) -> User:
    if role not in Role.values:
        raise FieldError("role", f"未知角色 '{role}'，可选：{', '.join(Role.values)}")
    if User.objects.filter(username=username).exists():
        raise FieldError("username", f"用户名 '{username}' 已存在")
    jur = None
    body = None
    if role in (Role.SUPERVISOR, Role.INSPECTOR):
        if not jurisdiction:
            raise FieldError("jurisdiction", "监管人员和检查人员必须属于一个辖区")
        jur = Jurisdiction.objects.filter(code=jurisdiction).first()
        if jur is None:
            raise FieldError("jurisdiction", f"未知辖区代码 '{jurisdiction}'")
    elif jurisdiction:
        jur = Jurisdiction.objects.filter(code=jurisdiction).first()
        if jur is None:
            raise FieldError("jurisdiction", f"未知辖区代码 '{jurisdiction}'")
    if role == Role.CERTIFIER:
        if not certification_body:
            raise FieldError("certification_body", "认证机构人员必须属于一个认证机构")
        body = CertificationBody.objects.filter(code=certification_body).first()
        if body is None:
            raise FieldError("certification_body", f"未知认证机构 '{certification_body}'")
    company = None
    if role == Role.ENTERPRISE:
        if not enterprise:
            raise FieldError("enterprise", "企业用户必须绑定一个企业 (enterprise)")
        company = Enterprise.objects.filter(pk=enterprise).first()
        if company is None:
            raise FieldError("enterprise", f"未知企业 {enterprise}")
        jur = company.jurisdiction
    elif enterprise:
        raise FieldError("enterprise", "只有企业用户 (role enterprise) 绑定企业")
    user = User(
        username=username, role=role, jurisdiction=jur, certification_body=body, enterprise=company,
        full_name=full_name, email=email, is_staff=(role == Role.ADMIN),
    )
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise FieldError("password", "；".join(exc.messages)) from exc
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def jurisdictions_load_csv(*, text: str) -> int:
    """Load or update jurisdictions from CSV rows `code,name,parent_code` (parent may be empty).
    Parents may appear after children; returns the number of rows applied."""
    rows = [r for r in csv.reader(io.StringIO(text)) if r and not r[0].startswith("#")]
    if rows and rows[0][0].strip().lower() == "code":
        rows = rows[1:]
    parsed: list[tuple[str, str, str | None]] = []
    for number, row in enumerate(rows, start=1):
        if len(row) < 2:
            raise FieldError(f"row {number}", "每行需要 code,name[,parent_code]")
        code, name = row[0].strip(), row[1].strip()
        parent = row[2].strip() if len(row) > 2 and row[2].strip() else None
        if not (len(code) == 6 and code.isdigit() and code[0] != "0"):
            raise FieldError(f"row {number}", f"'{code}' 不是六位 GB/T 2260 代码")
        parsed.append((code, name, parent))
    for code, name, _ in parsed:
        Jurisdiction.objects.update_or_create(code=code, defaults={"name": name})
    known = set(Jurisdiction.objects.values_list("code", flat=True))
    for number, (code, _, parent) in enumerate(parsed, start=1):
        if parent is not None and parent not in known:
            raise FieldError(f"row {number}", f"上级代码 '{parent}' 不存在")
        Jurisdiction.objects.filter(code=code).update(parent_id=parent)
    transaction.on_commit(jurisdictions.invalidate_cache)
    return len(parsed)
