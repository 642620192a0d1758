"""Quick-test ``conductor-resistance``: DC resistance of a conductor against GB/T 3956-2008.

R20 = measured_ohm / length_m × 1000 × k_t, k_t = 254.5/(234.5+t) (Cu) or 248/(228+t) (Al).
R20 is compared with the table maximum on its full value (GB/T 8170-2008 §4.3 全数值比较法; GB/T 3956
prescribes no rounding): exact rational arithmetic, no rounding before the comparison. R20 ≤ max
passes, any excess fails (12.12 Ω/km against 12.1: fail).
"""

from __future__ import annotations

import sys
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from . import inputs as read
from .compare import display_against, exact, sign, to_float
from .tables import cached_table, dec
from .verdicts import FAIL, PASS, invalid, verdict

NAME = "conductor-resistance"
CLASSES = (1, 2, 5, 6)
TABLE_FILES = {1: "gbt3956-class1", 2: "gbt3956-class2", 5: "gbt3956-class5"}
MATERIAL_LABELS = {"copper": "铜", "aluminium": "铝"}
BASE_BASIS = "GB/T 3956-2008《电缆的导体》20 °C 导体直流电阻最大值"

DESCRIPTION = {
    "title": "导体直流电阻（20 °C 换算）",
    "category": "wire-cable",
    "standard": "GB/T 3956-2008（IEC 60228:2004）；试验方法 GB/T 3048.4-2007",
    "inputs": {
        "material": {"type": "choice", "options": ["copper", "aluminium"], "required": True, "description": "导体材料"},
        "coated": {"type": "boolean", "required": False, "required_when": "material == copper", "description": "铜导体是否镀金属（如镀锡）；铝导体只可为 false 或不填"},
        "conductor_class": {"type": "integer", "options": list(CLASSES), "required": True, "description": "导体种类（第1、2、5、6种）"},
        "cross_section_mm2": {"type": "number", "unit": "mm²", "required": True, "description": "标称截面"},
        "length_m": {"type": "number", "unit": "m", "required": True, "description": "试样长度"},
        "measured_ohm": {"type": "number", "unit": "Ω", "required": True, "description": "整段试样实测电阻"},
        "temperature_c": {"type": "number", "unit": "°C", "required": True, "description": "测量时导体温度（-20 ~ 100 °C）"},
    },
    "result": {"type": "number", "unit": "Ω/km", "description": "R20（全数值，未修约；与最大值按全数值比较法比较）"},
    "limit": {"type": "number", "unit": "Ω/km", "description": "表中最大值"},
}


def _rows(conductor_class: int) -> list[dict[str, Any]]:
    return cached_table(TABLE_FILES[conductor_class])["rows"]


def tables() -> dict[str, Any]:
    out: dict[str, Any] = {
        "temperature_correction": cached_table("temperature-correction"),
        "classes": {},
        "not_encoded": {6: "第6种导体的电阻表未编码（标准研究笔记中无单独核实的第6种数值）"},
    }
    for cls, name in TABLE_FILES.items():
        data = cached_table(name)
        out["classes"][cls] = {
            "table": f"{data['standard']} {data['table']} {data['title']}",
            "unit": data["unit"],
            "rows": [
                {k: row[k] for k in ("material", "coated", "size_mm2", "max_ohm_per_km", "source", "confidence")}
                for row in data["rows"]
            ],
        }
    return out


def table_summary() -> dict[str, Any]:
    summary = {}
    for cls, name in TABLE_FILES.items():
        data = cached_table(name)
        groups: dict[str, list[str]] = {}
        for row in data["rows"]:
            key = f"{row['material']}{'-coated' if row['coated'] else ''}"
            groups.setdefault(key, []).append(row["size_mm2"])
        summary[f"class-{cls}"] = {"table": f"{data['standard']} {data['table']} {data['title']}", "sizes_mm2": groups}
    summary["class-6"] = "未编码：返回 invalid"
    return summary


# The largest finite double: an R20 above it cannot be answered as a number (JSON has no infinity).
MAX_REPRESENTABLE = Fraction(sys.float_info.max)


def read_inputs(inputs: Any) -> tuple:
    """The inputs, typed; raises InputError (what the gateway checks before a push is stored)."""
    data = read.check_keys(inputs, allowed=DESCRIPTION["inputs"])
    material = read.choice(data, "material", options=("copper", "aluminium"))
    coated = read.boolean(data, "coated", required=(material == "copper"))
    return (material, bool(coated), read.integer(data, "conductor_class"), read.number(data, "cross_section_mm2"),
            read.number(data, "length_m"), read.number(data, "measured_ohm"), read.number(data, "temperature_c"))


def evaluate(inputs: Any) -> dict[str, Any]:
    material, coated, conductor_class, size, length, measured, temperature = read_inputs(inputs)

    if conductor_class not in CLASSES:
        return invalid(field="inputs.conductor_class", reason=f"导体种类 {conductor_class} 不在 GB/T 3956 表内（只有第1、2、5、6种）", basis=BASE_BASIS)
    if conductor_class not in TABLE_FILES:
        return invalid(
            field="inputs.conductor_class",
            reason=f"第{conductor_class}种导体的电阻表未编码（数值未经核实），无法判定",
            basis=BASE_BASIS,
        )
    if material == "aluminium" and coated:
        return invalid(field="inputs.coated", reason="GB/T 3956 无镀金属铝导体的电阻值", basis=BASE_BASIS)
    if size <= 0:
        return invalid(field="inputs.cross_section_mm2", reason="标称截面必须大于 0", basis=BASE_BASIS)
    if length <= 0:
        return invalid(field="inputs.length_m", reason="试样长度必须大于 0", basis=BASE_BASIS)
    if measured <= 0:
        return invalid(field="inputs.measured_ohm", reason="实测电阻必须大于 0", basis=BASE_BASIS)
    correction = cached_table("temperature-correction")
    t_min, t_max = correction["valid_range_c"]["min"], correction["valid_range_c"]["max"]
    if not t_min <= temperature <= t_max:
        return invalid(
            field="inputs.temperature_c",
            reason=f"导体温度 {temperature} °C 超出温度修正公式适用范围 {t_min} ~ {t_max} °C",
            basis=BASE_BASIS + "；温度修正 GB/T 3956-2008 附录B",
        )

    data_table = cached_table(TABLE_FILES[conductor_class])
    table_name = f"GB/T 3956-2008 {data_table['table']}"
    row = next(
        (
            r for r in data_table["rows"]
            if r["material"] == material and bool(r["coated"]) == coated and dec(r["size_mm2"]) == dec(size)
        ),
        None,
    )
    if row is None:
        sizes = [r["size_mm2"] for r in data_table["rows"] if r["material"] == material and bool(r["coated"]) == coated]
        label = f"第{conductor_class}种导体 {MATERIAL_LABELS[material]} {'镀金属' if coated else '不镀金属'}"
        if not sizes:
            reason = f"{table_name}（{data_table['title']}）没有{label}的数值"
            field = "inputs.material"
        else:
            reason = f"标称截面 {size} mm² 不在{table_name}（{label}）内；表内截面：{', '.join(sizes)} mm²"
            field = "inputs.cross_section_mm2"
        return invalid(field=field, reason=reason, basis=f"{table_name} {data_table['title']}")

    coefficients = correction["materials"][material]
    k_t = exact(coefficients["numerator"]) / (exact(coefficients["offset"]) + exact(temperature))
    r20 = exact(measured) / exact(length) * 1000 * k_t
    limit = exact(row["max_ohm_per_km"])
    if r20 > MAX_REPRESENTABLE:
        # measured / length beyond any double: no conductor, an input out of physical range (§5)
        return invalid(field="inputs.measured_ohm", reason="实测电阻与试样长度之比超出物理范围（R20 无法表示）",
                       basis=BASE_BASIS)
    outcome = PASS if r20 <= limit else FAIL
    k_formula = f"{coefficients['numerator']}/({coefficients['offset']}+t)"
    # Display only: k_t to 4 decimals and R20 to 10 significant digits in the text; the verdict
    # above compared the exact values, and the sign printed is that comparison's.
    k_shown = Decimal(k_t.numerator) / Decimal(k_t.denominator)
    basis = (
        f"{table_name} {data_table['title']} {MATERIAL_LABELS[material]} {'镀金属' if coated else '不镀金属'} "
        f"{row['size_mm2']} mm²：20 °C 最大 {row['max_ohm_per_km']} Ω/km"
        f"（来源 {row['source']}，{row['confidence']}）；"
        f"R20 = 实测电阻 / 长度 × 1000 × k_t，k_t = {k_formula} ≈ {k_shown.quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP)}"
        f"（t = {temperature} °C，GB/T 3956-2008 附录B）；"
        f"R20 = {display_against(r20, limit)} Ω/km {sign(r20, limit)} {row['max_ohm_per_km']} Ω/km"
        f"（全数值比较法，GB/T 8170-2008 4.3，未修约）"
    )
    return verdict(verdict=outcome, result=to_float(r20), limit=to_float(limit), basis=basis)
