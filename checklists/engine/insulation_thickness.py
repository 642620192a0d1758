"""Quick-test ``insulation-thickness``: GB/T 5023 (IEC 60227-2 §1.9) acceptance of measured thicknesses.

mean (to 2 decimals, then rounded half-up to 1 decimal) ≥ nominal AND min ≥ 0.9 × nominal − 0.1 mm.

The mean is rounded because IEC 60227-2 §1.9 itself says so (the one rounding GB/T 8170-2008 §4.3
allows: the standard prescribes it); that rounded mean is then compared exactly. The minimum is
compared on its full value with the exact limit 0.9 × nominal − 0.1 (0.62 mm for 0.8 mm: 0.62
passes, anything less fails).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from . import inputs as read
from .compare import display, exact, to_float
from .tables import cached_table
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


def read_inputs(inputs: Any) -> tuple:
    """The inputs, typed; raises InputError (what the gateway checks before a push is stored)."""
    data = read.check_keys(inputs, allowed=DESCRIPTION["inputs"])
    return read.number(data, "nominal_mm"), read.number_list(data, "measurements")


def evaluate(inputs: Any) -> dict[str, Any]:
    nominal, values = read_inputs(inputs)
    if nominal <= 0:
        return invalid(field="inputs.nominal_mm", reason="标称厚度必须大于 0", basis=BASIS)
    for index, value in enumerate(values):
        if value <= 0:
            return invalid(field=f"inputs.measurements[{index}]", reason="测量值必须大于 0", basis=BASIS)
    rule = cached_table("insulation-thickness")
    nominal_x = exact(nominal)
    values_x = [exact(v) for v in values]
    full_mean = sum(values_x, Fraction(0)) / len(values_x)
    mean = _standard_mean(full_mean, decimals=rule["mean_decimals"])
    minimum = min(values_x)
    min_limit = exact(rule["min_factor"]) * nominal_x - exact(rule["min_offset_mm"])
    if min_limit <= 0:
        return invalid(field="inputs.nominal_mm", reason="标称厚度过小，最薄点限值不为正", basis=BASIS)
    mean_ok = mean >= nominal_x
    min_ok = minimum >= min_limit
    return verdict(
        verdict=PASS if mean_ok and min_ok else FAIL,
        result={"mean_mm": to_float(mean), "min_mm": to_float(minimum), "count": len(values),
                "mean_ok": mean_ok, "min_ok": min_ok},
        limit={"mean_mm": to_float(nominal_x), "min_mm": to_float(min_limit)},
        basis=(f"{BASIS}；标称 {nominal} mm → 最薄点限值 {display(min_limit)} mm（全数值比较）；"
               f"平均值按 IEC 60227-2 §1.9 先算到两位小数再修约到一位小数 = {display(mean)} mm"),
    )


def _standard_mean(full_mean: Fraction, *, decimals: int) -> Fraction:
    """IEC 60227-2 §1.9: the mean computed to two decimals, then rounded half-up to `decimals`.
    Exact rational arithmetic: the half-way case (x.xx5) is recognised exactly."""
    two = _round_half_up(full_mean, 2)
    return _round_half_up(two, decimals)


def _round_half_up(value: Fraction, places: int) -> Fraction:
    scale = 10 ** places
    scaled = value * scale
    floor = scaled.numerator // scaled.denominator
    rest = scaled - floor
    return Fraction(floor + (1 if rest >= Fraction(1, 2) else 0), scale)
