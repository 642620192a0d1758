"""The register survey import (plan 三(一); att. 8 producers, 9 sellers, 10 business users;
contract §9): one row is one enterprise × one product category."""
from __future__ import annotations

import functools
import unicodedata
from typing import Any

from django.utils import timezone

from server.accounts import jurisdictions
from server.accounts.models import CertificationBody, Jurisdiction, Role, User

from ..choices import EnterpriseRole, ProductCategory
from ..identifiers import ccc_number_error, credit_code_error, licence_number_error
from ..models import CccCertificate, Enterprise, ProductionLicence, RegisterEntry, SalesChannel
from .runner import ChunkResult, RowError
from .spec import CellError, Column, RowSpec, text

KINDS = {"producers": EnterpriseRole.PRODUCER, "sellers": EnterpriseRole.SELLER, "users": EnterpriseRole.USER}
KIND_TITLES = {"producers": "生产企业信息表（附件8）", "sellers": "销售企业信息表（附件9）", "users": "经营性用户信息表（附件10）"}


@functools.lru_cache(maxsize=4096)
def _fold_text(value: str) -> str:
    return "".join(unicodedata.normalize("NFKC", value).split()).casefold()


def _fold(value: Any) -> str:
    if isinstance(value, str):
        return _fold_text(value)
    return "".join(unicodedata.normalize("NFKC", str(value)).split()).casefold()


_CATEGORIES = {_fold(v): v for v in ProductCategory.values} | {_fold(label): v for v, label in ProductCategory.choices}
_CHANNELS = {_fold(v): v for v in SalesChannel.values} | {_fold(label): v for v, label in SalesChannel.choices}


def _credit_code(value: Any) -> str:
    code = unicodedata.normalize("NFKC", str(value or "")).strip().upper()
    error = credit_code_error(code)
    if error:
        raise CellError(error)
    return code


def _category(value: Any) -> str:
    category = _CATEGORIES.get(_fold(value))
    if category is None:
        raise CellError(f"未知产品类别“{value}”，可填：" + "、".join(label for _, label in ProductCategory.choices))
    return category


def _channel(value: Any) -> str:
    if value is None or value == "":
        return ""
    channel = _CHANNELS.get(_fold(value))
    if channel is None:
        raise CellError(f"未知销售渠道“{value}”，可填：" + "、".join(label for _, label in SalesChannel.choices))
    return channel


def _licence(value: Any) -> str:
    number = str(value or "").strip()
    if not number:
        return ""
    error = licence_number_error(number)
    if error:
        raise CellError(error)
    return number


def _certificate(value: Any) -> str:
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError("CCC 证书编号应为 16 位数字（请以文本格式填写）")
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    number = str(value or "").strip()
    if not number:
        return ""
    error = ccc_number_error(number)
    if error:
        raise CellError(error)
    return number


def _jurisdiction_text(value: Any) -> str:
    return text(max_length=64)(value)


SPEC = RowSpec([
    Column("name", ("name", "企业名称"), text(max_length=200), required=True),
    Column("credit_code", ("credit_code", "统一社会信用代码"), _credit_code, required=True),
    Column("address", ("address", "地址"), text(max_length=300), required=True),
    Column("jurisdiction", ("jurisdiction", "行政区划代码", "辖区代码"), _jurisdiction_text, required=True),
    Column("product_category", ("product_category", "产品类别"), _category, required=True),
    Column("licence", ("licence", "生产许可证编号", "license"), _licence, header_required=False),
    Column("certificate", ("certificate", "强制性认证证书编号", "CCC证书编号"), _certificate, header_required=False),
    Column("certification_body", ("certification_body", "发证机构", "认证机构"), text(max_length=128), header_required=False),
    Column("channel", ("channel", "销售渠道"), _channel, header_required=False),
    Column("contact", ("contact", "联系人"), text(max_length=64), header_required=False),
    Column("phone", ("phone", "联系电话"), text(max_length=32), header_required=False),
])

TEMPLATE_COLUMNS = {
    "producers": ["name", "credit_code", "address", "jurisdiction", "product_category", "licence", "certificate",
                  "certification_body", "contact", "phone"],
    "sellers": ["name", "credit_code", "address", "jurisdiction", "product_category", "channel", "contact", "phone"],
    "users": ["name", "credit_code", "address", "jurisdiction", "product_category", "contact", "phone"],
}
def example_credit_code(jurisdiction: str, seed: str) -> str:
    from ..identifiers import credit_code_check_char

    first17 = ("91" + jurisdiction + seed)[:17]
    return first17 + credit_code_check_char(first17)


EXAMPLES = {
    "producers": {"name": "揭阳市示例电线电缆有限公司", "credit_code": example_credit_code("445202", "MA4UL2X3K"), "address": "揭阳市榕城区示例路1号",
                  "jurisdiction": "445202", "product_category": "电线电缆", "licence": "(粤)XK06-001-00123",
                  "certificate": "2019010105123456", "certification_body": "", "contact": "张三", "phone": "0663-8888888"},
    "sellers": {"name": "揭阳市示例五金电器商行", "credit_code": example_credit_code("445203", "MA51PQ7R8"), "address": "揭阳市揭东区示例市场A区12号",
                "jurisdiction": "445203", "product_category": "电线电缆", "channel": "批发市场", "contact": "李四",
                "phone": "13800000000"},
    "users": {"name": "揭阳市示例建筑工程有限公司", "credit_code": example_credit_code("445281", "MA52TWY6N"), "address": "揭阳市普宁市示例大道8号",
              "jurisdiction": "445281", "product_category": "砂轮", "contact": "王五", "phone": "13900000000"},
}


class RegisterImporter:
    spec = SPEC

    def __init__(self, *, actor: User, kind: str):
        self.actor = actor
        self.kind = kind
        self.role = str(KINDS[kind])
        self.is_admin = actor.effective_role == Role.ADMIN
        self.scope = None if self.is_admin else jurisdictions.descendants_of(code=actor.jurisdiction_id or "")
        self.jurisdictions = {code: code for code in Jurisdiction.objects.values_list("code", flat=True)}
        self.jurisdictions |= {_fold(name): code for code, name in Jurisdiction.objects.values_list("code", "name")}
        self.bodies = {b.code: b for b in CertificationBody.objects.all()} | {_fold(b.name): b for b in CertificationBody.objects.all()}
        # Compact per-import memory: the first row and a fingerprint per enterprise, the owner of each number.
        self.fingerprints: dict[str, tuple[int, int]] = {}
        self.numbers: dict[str, tuple[int, str, str]] = {}

    def _covers(self, code: str) -> bool:
        return self.scope is None or code in self.scope

    def _row_checks(self, number: int, v: dict[str, Any], existing: Enterprise | None) -> list[RowError]:
        errors: list[RowError] = []
        code = self.jurisdictions.get(v["jurisdiction"]) or self.jurisdictions.get(_fold(v["jurisdiction"]))
        if code is None:
            errors.append(RowError(number, "jurisdiction", f"未知行政区划代码“{v['jurisdiction']}”"))
        else:
            v["jurisdiction"] = code
            if not self._covers(code):
                errors.append(RowError(number, "jurisdiction", f"行政区划 {code} 不在您的辖区（{self.actor.jurisdiction_id}）内"))
        if existing is not None and not self._covers(existing.jurisdiction_id):
            errors.append(RowError(number, "credit_code",
                                   f"该企业已登记在辖区 {existing.jurisdiction_id}，不在您的辖区内"))
        if self.role == EnterpriseRole.SELLER and not v.get("channel"):
            errors.append(RowError(number, "channel", "销售企业须填写销售渠道：" + "、".join(l for _, l in SalesChannel.choices)))
        if self.role != EnterpriseRole.PRODUCER:
            for key, label in (("licence", "生产许可证编号"), ("certificate", "强制性认证证书编号")):
                if v.get(key):
                    errors.append(RowError(number, key, f"{label}只在生产企业表（producers）中填写"))
        body_name = v.get("certification_body") or ""
        v["certification_body_obj"] = None
        if body_name:
            body = self.bodies.get(body_name) or self.bodies.get(_fold(body_name))
            if body is None:
                errors.append(RowError(number, "certification_body", f"未知认证机构“{body_name}”"))
            elif not v.get("certificate"):
                errors.append(RowError(number, "certification_body", "填写发证机构时须同时填写强制性认证证书编号"))
            v["certification_body_obj"] = body
        # A hash, not the tuple: the memory this keeps per enterprise stays small (~0.2 KB).
        fingerprint = hash((v["name"], v["address"], v["jurisdiction"], v.get("contact") or "", v.get("phone") or ""))
        first = self.fingerprints.get(v["credit_code"])
        if first is None:
            self.fingerprints[v["credit_code"]] = (number, fingerprint)
        elif first[1] != fingerprint:
            errors.append(RowError(number, "credit_code",
                                   f"与第 {first[0]} 行同一企业（{v['credit_code']}）的名称、地址、辖区或联系方式不一致"))
        for key in ("licence", "certificate"):
            if v.get(key):
                owner = (v["credit_code"], v["product_category"])
                seen = self.numbers.get(f"{key}:{v[key]}")
                if seen is None:
                    self.numbers[f"{key}:{v[key]}"] = (number, *owner)
                elif seen[1:] != owner:
                    errors.append(RowError(number, key, f"编号 {v[key]} 已在第 {seen[0]} 行用于其他企业或类别"))
        return errors

    def apply(self, rows: list[tuple[int, dict[str, Any]]]) -> ChunkResult:
        out = ChunkResult()
        codes = {v["credit_code"] for _, v in rows}
        ents = {e.credit_code: e for e in Enterprise.objects.filter(credit_code__in=codes)}
        ok_rows = []
        for number, v in rows:
            errors = self._row_checks(number, v, ents.get(v["credit_code"]))
            if errors:
                out.errors.extend(errors)
            else:
                ok_rows.append((number, v))
        licence_numbers = [v["licence"] for _, v in ok_rows if v.get("licence")]
        cert_numbers = [v["certificate"] for _, v in ok_rows if v.get("certificate")]
        licences = {lic.number: lic for lic in ProductionLicence.objects.filter(number__in=licence_numbers).select_related("enterprise")}
        certs = {c.number: c for c in CccCertificate.objects.filter(number__in=cert_numbers).select_related("enterprise")}
        entries = {
            (e.enterprise_id, e.role, e.product_category): e
            for e in RegisterEntry.objects.filter(enterprise__credit_code__in=codes, role=self.role)
        }

        now = timezone.now()
        new_ents: dict[str, Enterprise] = {}
        dirty: dict[str, Enterprise] = {}
        outcomes: list[tuple[int, dict[str, Any], str]] = []
        for number, v in ok_rows:
            code = v["credit_code"]
            enterprise = ents.get(code) or new_ents.get(code)
            changed = False
            state = "unchanged"
            if enterprise is None:
                enterprise = Enterprise(
                    name=v["name"], credit_code=code, address=v["address"], jurisdiction_id=v["jurisdiction"],
                    roles=[self.role], product_categories=[v["product_category"]], contact=v.get("contact") or "",
                    phone=v.get("phone") or "",
                )
                new_ents[code] = enterprise
                state = "created"
            else:
                for attr, value in (("name", v["name"]), ("address", v["address"]), ("jurisdiction_id", v["jurisdiction"]),
                                    ("contact", v.get("contact") or None), ("phone", v.get("phone") or None)):
                    if value is not None and getattr(enterprise, attr) != value:
                        setattr(enterprise, attr, value)
                        changed = True
                if self.role not in enterprise.roles:
                    enterprise.roles = [*enterprise.roles, self.role]
                    changed = True
                if v["product_category"] not in enterprise.product_categories:
                    enterprise.product_categories = [*enterprise.product_categories, v["product_category"]]
                    changed = True
                if changed and enterprise.pk is not None:
                    enterprise.updated_at = now
                    dirty[code] = enterprise
            for key, existing_map, label in (("licence", licences, "许可证"), ("certificate", certs, "证书")):
                number_value = v.get(key)
                if not number_value:
                    continue
                held = existing_map.get(number_value)
                if held is not None and (held.enterprise.credit_code != code or held.product_category != v["product_category"]):
                    out.errors.append(RowError(number, key, f"{label} {number_value} 已登记在其他企业或类别下（{held.enterprise.name}）"))
                    state = "error"
                if key == "certificate" and held is not None and v.get("certification_body_obj") is not None \
                        and held.certification_body_id not in (None, v["certification_body_obj"].pk):
                    out.errors.append(RowError(number, "certification_body", f"证书 {number_value} 已登记为其他发证机构"))
                    state = "error"
            outcomes.append((number, v, state if state != "unchanged" or not changed else "updated"))

        if new_ents:
            Enterprise.objects.bulk_create(list(new_ents.values()), batch_size=500)
        if dirty:
            Enterprise.objects.bulk_update(
                list(dirty.values()),
                ["name", "address", "jurisdiction", "contact", "phone", "roles", "product_categories", "updated_at"],
                batch_size=500,
            )
        by_code = {**ents, **new_ents}
        new_entries: list[RegisterEntry] = []
        changed_entries: list[RegisterEntry] = []
        new_licences: list[ProductionLicence] = []
        new_certs: list[CccCertificate] = []
        touched_enterprises: set[int] = set()
        for number, v, state in outcomes:
            if state == "error":
                continue
            enterprise = by_code[v["credit_code"]]
            row_changed = state != "unchanged"
            key = (enterprise.pk, self.role, v["product_category"])
            entry = entries.get(key)
            if entry is None:
                entry = RegisterEntry(enterprise=enterprise, role=self.role, product_category=v["product_category"],
                                      channel=v.get("channel") or "")
                entries[key] = entry
                new_entries.append(entry)
                row_changed = True
            elif v.get("channel") and entry.channel != v["channel"]:
                entry.channel = v["channel"]
                entry.updated_at = now
                changed_entries.append(entry)
                row_changed = True
            if v.get("licence") and v["licence"] not in licences:
                lic = ProductionLicence(enterprise=enterprise, number=v["licence"], product_category=v["product_category"])
                licences[v["licence"]] = lic
                lic.enterprise = enterprise
                new_licences.append(lic)
                row_changed = True
            if v.get("certificate"):
                held = certs.get(v["certificate"])
                body = v.get("certification_body_obj")
                if held is None:
                    cert = CccCertificate(enterprise=enterprise, number=v["certificate"], product_category=v["product_category"],
                                          certification_body=body)
                    certs[v["certificate"]] = cert
                    new_certs.append(cert)
                    row_changed = True
                elif body is not None and held.certification_body_id is None:
                    held.certification_body = body
                    held.save(update_fields=["certification_body"])
                    row_changed = True
            if state == "created":
                out.created += 1
            elif row_changed:
                out.updated += 1
                if enterprise.pk is not None and v["credit_code"] not in dirty and v["credit_code"] not in new_ents:
                    touched_enterprises.add(enterprise.pk)
            else:
                out.unchanged += 1
        if new_entries:
            RegisterEntry.objects.bulk_create(new_entries, batch_size=500)
        if changed_entries:
            RegisterEntry.objects.bulk_update(changed_entries, ["channel", "updated_at"], batch_size=500)
        if new_licences:
            ProductionLicence.objects.bulk_create(new_licences, batch_size=500)
        if new_certs:
            CccCertificate.objects.bulk_create(new_certs, batch_size=500)
        if touched_enterprises:
            Enterprise.objects.filter(pk__in=touched_enterprises).update(updated_at=now)
        return out
