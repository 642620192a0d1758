"""The campaign's information base (信息库) of enterprises as a table: one row per enterprise with
its roles, product categories, licences and CCC certificates (plan section 三(一))."""
from __future__ import annotations

from typing import Any

from .choices import EnterpriseRole, ProductCategory
from .models import Enterprise, SalesChannel

COLUMNS = [
    ("name", "企业名称"), ("credit_code", "统一社会信用代码"), ("address", "地址"), ("jurisdiction", "辖区代码"),
    ("jurisdiction_name", "辖区"), ("roles", "经营角色"), ("product_categories", "产品类别"),
    ("licences", "生产许可证"), ("certificates", "CCC 证书（状态）"), ("channels", "销售渠道"), ("contact", "联系人"),
    ("phone", "联系电话"), ("latitude", "纬度"), ("longitude", "经度"),
]
WIDTHS = [34, 22, 40, 10, 10, 24, 40, 30, 40, 16, 10, 16, 10, 10]


def register_rows(*, enterprises) -> list[dict[str, Any]]:
    roles = dict(EnterpriseRole.choices)
    categories = dict(ProductCategory.choices)
    channels = dict(SalesChannel.choices)
    rows = []
    for enterprise in enterprises:
        enterprise: Enterprise
        rows.append({
            "name": enterprise.name,
            "credit_code": enterprise.credit_code,
            "address": enterprise.address,
            "jurisdiction": enterprise.jurisdiction_id,
            "jurisdiction_name": enterprise.jurisdiction.name,
            "roles": "、".join(roles.get(r, r) for r in enterprise.roles),
            "product_categories": "、".join(categories.get(c, c) for c in enterprise.product_categories),
            "licences": "；".join(lic.number for lic in enterprise.licences.all()),
            "certificates": "；".join(f"{c.number}（{c.get_status_display()}）" for c in enterprise.certificates.all()),
            "channels": "、".join(dict.fromkeys(channels[e.channel] for e in enterprise.register_entries.all() if e.channel)),
            "contact": enterprise.contact,
            "phone": enterprise.phone,
            "latitude": enterprise.latitude,
            "longitude": enterprise.longitude,
        })
    return rows
