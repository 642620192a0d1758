"""Quick-test ``un-packaging-mark``: parse a UN packaging mark and check it against the packing group
of the goods and the performance-test levels (drop, leakproofness, hydraulic pressure).

Liquids:  UN 1A1/X1.5/250/19/CN/xxxx   (performance letter + max relative density / hydraulic kPa / year / country / maker)
Solids:   UN 4G/Y25/S/24/CN/xxxx       (performance letter + max gross mass kg / S / year / country / maker)

Every test level is a minimum compared on the full value (GB/T 8170-2008 §4.3): the level itself
passes, anything below fails. The one rounding is the standard's own: a liquid's relative density
d > 1.2 is rounded UP to the first decimal before the drop height d × 1.5/1.0/0.67 m is computed
(ADR 6.1.5.3.5 / UN Model Regulations 6.1.5.3.5); the measured drop height is not rounded.
"""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, Decimal
from typing import Any

from . import inputs as read
from .compare import at_least, exact
from .tables import cached_table, dec
from .verdicts import FAIL, PASS, invalid, verdict

NAME = "un-packaging-mark"
TABLE = "un-packaging"
PACKING_GROUPS = ("I", "II", "III")
BASIS = ("GB 19269-2009 / GB 12463-2009（联合国《规章范本》、ADR 6.1.5）：包装性能等级 X/Y/Z 覆盖 I/II/III 类；"
         "跌落 1.8/1.2/0.8 m；气密（防泄漏）30/20/20 kPa 保压 5 min；I 类液压 ≥ 250 kPa")

DESCRIPTION = {
    "title": "危险货物包装 UN 标记与性能试验等级",
    "category": "hazchem-packaging",
    "standard": "GB 19269-2009、GB 12463-2009；ADR 6.1.5",
    "inputs": {
        "mark": {"type": "string", "required": True, "description": "包装上的 UN 标记原文，如 'UN 1A1/X1.5/250/19/CN/xxx'"},
        "packing_group": {"type": "choice", "options": list(PACKING_GROUPS), "required": True, "description": "所装危险货物的包装类别"},
        "drop_height_m": {"type": "number", "unit": "m", "required": False, "description": "跌落试验高度（试验报告或现场）"},
        "leakproof_kpa": {"type": "number", "unit": "kPa", "required": False, "description": "气密（防泄漏）试验压力，仅液体包装"},
        "leakproof_minutes": {"type": "number", "unit": "min", "required": False, "description": "气密试验保压时间"},
        "relative_density": {"type": "number", "required": False, "description": "以水代替试验时所装液体的相对密度；> 1.2 时跌落高度 = d（向上取一位小数）× 1.5/1.0/0.67 m"},
    },
    "result": {"type": "object", "description": "{parsed, checks: [{test, measured, required, ok}], problems}"},
    "limit": {"type": "object", "description": "{packing_groups_covered, drop_height_m, leakproof_kpa, hydraulic_kpa}"},
}

_PREFIX = re.compile(r"^\s*(?:UN|U\s*/\s*N|u\s*n)\s*", re.IGNORECASE)
_CODE = re.compile(r"^(?P<type>[1-7])(?P<materials>[A-Z]{1,2})(?P<category>\d)?(?P<suffix>[UVW])?$")
_PERF = re.compile(r"^(?P<letter>[XYZ])\s*(?P<value>\d+(?:\.\d+)?)$")


def tables() -> dict[str, Any]:
    return {"un_packaging": cached_table(TABLE)}


def table_summary() -> dict[str, Any]:
    t = cached_table(TABLE)
    return {"performance_letters": {k: v["covers"] for k, v in t["performance_letters"].items()},
            "drop_height_m": t["drop_height_m"], "leakproof_kpa": t["leakproof_kpa"], "hydraulic_min_kpa": t["hydraulic_min_kpa"]}


def parse(mark: str) -> tuple[dict[str, Any] | None, list[str]]:
    """Parse a UN mark: (parsed, problems). parsed is None when the mark cannot be read."""
    table = cached_table(TABLE)
    text = mark.replace("／", "/").strip()
    prefix = _PREFIX.match(text)
    if prefix is None:
        return None, ["UN 标记应以联合国包装符号（UN）开头"]
    fields = [f.strip() for f in text[prefix.end():].split("/")]
    if len(fields) < 5:
        return None, ["UN 标记字段不全，应为 '包装代码/性能等级+密度或毛重/液压或S/年份/国别/生产厂'"]
    problems: list[str] = []
    code = _CODE.match(fields[0].replace(" ", ""))
    if code is None:
        return None, [f"包装代码 {fields[0]!r} 无法识别（应如 1A1、3H1、4G）"]
    for letter in code.group("materials"):
        if letter not in table["materials"]:
            problems.append(f"包装代码中的材料字母 {letter} 不在代码表内")
    perf = _PERF.match(fields[1].replace(" ", ""))
    if perf is None:
        return None, problems + [f"性能等级字段 {fields[1]!r} 无法识别（应为 X/Y/Z 加相对密度或最大毛重）"]
    if fields[2].upper() == "S":
        kind = "solid"
        hydraulic = None
    elif fields[2].isdigit():
        kind = "liquid"
        hydraulic = int(fields[2])
    else:
        return None, problems + [f"第三字段 {fields[2]!r} 应为液压试验压力（kPa）或 S（固体）"]
    year = fields[3]
    if not re.fullmatch(r"\d{2}|\d{4}", year):
        problems.append(f"生产年份 {year!r} 应为两位或四位数字")
    country = fields[4]
    if not re.fullmatch(r"[A-Z]{1,3}", country):
        problems.append(f"国别代码 {country!r} 应为 1–3 个大写字母（中国为 CN）")
    parsed = {
        "code": fields[0].replace(" ", ""),
        "type": table["types"][code.group("type")],
        "materials": [table["materials"].get(m, m) for m in code.group("materials")],
        "performance_letter": perf.group("letter"),
        "kind": kind,
        "relative_density" if kind == "liquid" else "gross_mass_kg": float(perf.group("value")),
        "hydraulic_kpa": hydraulic,
        "year": year,
        "country": country,
        "manufacturer": "/".join(fields[5:]) or None,
    }
    if not parsed["manufacturer"]:
        problems.append("缺少生产厂代号")
    return parsed, problems


# Out of physical range above this: no liquid is denser (mercury 13.6); a larger figure is a typo.
MAX_RELATIVE_DENSITY = 100


def _ceil_1(value: Decimal) -> Decimal:
    """The standard's rounding of the relative density: up to the first decimal (1.21 → 1.3)."""
    return value.quantize(Decimal("0.1"), rounding=ROUND_CEILING)


def read_inputs(inputs: Any) -> tuple:
    """The inputs, typed; raises InputError (what the gateway checks before a push is stored)."""
    data = read.check_keys(inputs, allowed=DESCRIPTION["inputs"])
    mark = read.text(data, "mark")
    group = read.choice(data, "packing_group", options=PACKING_GROUPS)
    return (mark, group, read.number(data, "drop_height_m", required=False),
            read.number(data, "leakproof_kpa", required=False), read.number(data, "leakproof_minutes", required=False),
            read.number(data, "relative_density", required=False))


def evaluate(inputs: Any) -> dict[str, Any]:
    mark, group, drop, leak, leak_min, density = read_inputs(inputs)
    for name, value in (("drop_height_m", drop), ("leakproof_kpa", leak), ("leakproof_minutes", leak_min), ("relative_density", density)):
        if value is not None and value <= 0:
            return invalid(field=f"inputs.{name}", reason="必须大于 0", basis=BASIS)
    if density is not None and density > MAX_RELATIVE_DENSITY:
        return invalid(field="inputs.relative_density",
                       reason=f"相对密度超出物理范围（不得大于 {MAX_RELATIVE_DENSITY}）", basis=BASIS)
    table = cached_table(TABLE)
    if not mark.strip():
        return verdict(verdict=FAIL, result={"parsed": None, "checks": [], "problems": ["包装无 UN 标记"]}, limit=None, basis=BASIS)
    parsed, problems = parse(mark)
    if parsed is None:
        return verdict(verdict=FAIL, result={"parsed": None, "checks": [], "problems": problems}, limit=None, basis=BASIS)

    letter = table["performance_letters"][parsed["performance_letter"]]
    level = letter["tested_as"]
    if group not in letter["covers"]:
        problems.append(f"性能等级 {parsed['performance_letter']} 只适用于 {'/'.join(letter['covers'])} 类包装，不能盛装 {group} 类包装的危险货物")
    checks: list[dict[str, Any]] = []
    limit: dict[str, Any] = {"packing_groups_covered": letter["covers"]}

    required_drop = dec(table["drop_height_m"][level])
    d = dec(density) if density is not None else None
    if d is not None and exact(d) > exact(table["drop_density_threshold"]):
        required_drop = _ceil_1(d) * dec(table["drop_density_factor"][level])
    limit["drop_height_m"] = float(required_drop)
    if drop is not None:
        ok = at_least(drop, required_drop)
        checks.append({"test": "drop", "measured": drop, "required": float(required_drop), "ok": ok})
        if not ok:
            problems.append(f"跌落高度 {drop} m 低于 {level} 类要求的 {required_drop} m")

    if parsed["kind"] == "liquid":
        required_leak = table["leakproof_kpa"][level]
        limit["leakproof_kpa"] = required_leak
        hyd_min = table["hydraulic_min_kpa"].get(level)
        if hyd_min is not None:
            limit["hydraulic_kpa"] = hyd_min
            ok = at_least(parsed["hydraulic_kpa"], hyd_min)
            checks.append({"test": "hydraulic", "measured": parsed["hydraulic_kpa"], "required": hyd_min, "ok": ok})
            if not ok:
                problems.append(f"标记的液压试验压力 {parsed['hydraulic_kpa']} kPa 低于 {level} 类要求的 {hyd_min} kPa")
        if leak is not None:
            ok = at_least(leak, required_leak)
            checks.append({"test": "leakproof", "measured": leak, "required": required_leak, "ok": ok})
            if not ok:
                problems.append(f"气密试验压力 {leak} kPa 低于 {level} 类要求的 {required_leak} kPa")
        if leak_min is not None:
            ok = at_least(leak_min, table["leakproof_minutes"])
            checks.append({"test": "leakproof_minutes", "measured": leak_min, "required": table["leakproof_minutes"], "ok": ok})
            if not ok:
                problems.append(f"气密试验保压 {leak_min} min 少于 {table['leakproof_minutes']} min")
    elif leak is not None or leak_min is not None:
        field = "inputs.leakproof_kpa" if leak is not None else "inputs.leakproof_minutes"
        return invalid(field=field, reason="气密（防泄漏）试验只适用于盛装液体的包装，该标记为固体包装（S）", basis=BASIS)

    result = {"parsed": parsed, "checks": checks, "problems": problems}
    return verdict(verdict=FAIL if problems else PASS, result=result, limit=limit, basis=BASIS)
