"""Quick-test ``insulation-thickness``: GB/T 5023 (IEC 60227-2 §1.9) acceptance of measured thicknesses.

mean (to 2 decimals, then rounded half-up to 1 decimal) ≥ nominal AND min ≥ 0.9 × nominal − 0.1 mm.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from . import inputs as read
from .tables import cached_table, dec
from .verdicts import FAIL, PASS, invalid, verdict

NAME = "insulation-thickness"
BASIS = "GB/T 5023（IEC 60227-2 §1.9）：平均厚度 ≥ 标称值，且最薄点 ≥ 0.9 × 标称值 − 0.1 mm"

DESCRIPTION = {
    "title": "绝缘厚度",
    "category": "wire-cable",
    "standard": "GB/T 5023 / IEC 60227-2 §1.9",
    "inputs": {
        "nominal_mm": {"type": "number", "unit": "mm", "required": True, "description": "绝缘标称厚度（按产品标准表）"},
        "measurements": {"type": "list[number]", "unit": "mm", "required": True, "description": "各测量点厚度（每个切片 6 点，通常 3 个切片共 18 点）"},
    },
    "result": {"type": "object", "description": "{mean_mm, min_mm, count}；mean_mm 按先两位小数再一位小数修约"},
    "limit": {"type": "object", "description": "{mean_mm: 标称值, min_mm: 0.9×标称−0.1}"},
}


def tables() -> dict[str, Any]:
    return {"rule": cached_table("insulation-thickness")}


def table_summary() -> dict[str, Any]:
    rule = cached_table("insulation-thickness")
    return {"mean": "≥ nominal", "min": f"≥ {rule['min_factor']} × nominal − {rule['min_offset_mm']} mm"}


def evaluate(inputs: Any) -> dict[str, Any]:
    data = read.check_keys(inputs, allowed=DESCRIPTION["inputs"])
    nominal = read.number(data, "nominal_mm")
    values = read.number_list(data, "measurements")
    if nominal <= 0:
        return invalid(field="inputs.nominal_mm", reason="标称厚度必须大于 0", basis=BASIS)
    for index, value in enumerate(values):
        if value <= 0:
            return invalid(field=f"inputs.measurements[{index}]", reason="测量值必须大于 0", basis=BASIS)
    rule = cached_table("insulation-thickness")
    nominal_d = dec(nominal)
    decimals = [dec(v) for v in values]
    mean = sum(decimals) / Decimal(len(decimals))
    mean = mean.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    mean = mean.quantize(Decimal(1).scaleb(-rule["mean_decimals"]), rounding=ROUND_HALF_UP)
    minimum = min(decimals)
    min_limit = dec(rule["min_factor"]) * nominal_d - dec(rule["min_offset_mm"])
    if min_limit <= 0:
        return invalid(field="inputs.nominal_mm", reason="标称厚度过小，最薄点限值不为正", basis=BASIS)
    ok = mean >= nominal_d and minimum >= min_limit
    return verdict(
        verdict=PASS if ok else FAIL,
        result={"mean_mm": float(mean), "min_mm": float(minimum), "count": len(values),
                "mean_ok": mean >= nominal_d, "min_ok": minimum >= min_limit},
        limit={"mean_mm": float(nominal_d), "min_mm": float(min_limit)},
        basis=f"{BASIS}；标称 {nominal} mm → 最薄点限值 {min_limit} mm",
    )
