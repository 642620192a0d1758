"""Quick-test ``grinding-wheel-marking``: maximum operating speed marking against the speed colour stripe,
and (optionally) the marked rpm against the speed at the wheel's diameter.

The speed at the marked rpm, π × d × n / 60000, is compared on its full value (GB/T 8170-2008 §4.3,
exact rational arithmetic with π to 50 digits) with the marked maximum speed plus the project's 1 %
allowance; it is not rounded first (it used to be rounded to 0.01 m/s, which let 80.8049 m/s pass
against 80.8).
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from typing import Any

from . import inputs as read
from .compare import PI, display_against, exact, to_float
from .tables import cached_table
from .verdicts import FAIL, PASS, invalid, verdict

NAME = "grinding-wheel-marking"
TABLE = "grinding-wheel-speed-stripes"
BASIS = "GB 2494-2014 固结磨具安全要求：标注最高工作速度；速度色标按 EN 12413 / ISO 525（蓝 50、黄 60、红 80、绿 100、蓝+黄 125 m/s）"
# Project allowance, not a figure from GB 2494: the marked rpm is itself a rounded figure (makers
# round n = 60000·v/(π·d) to a convenient number), so the speed it implies may exceed the marked
# m/s by up to 1 % before it is a problem. The comparison with speed × 1.01 is on full values.
RPM_TOLERANCE = Fraction(1, 100)

DESCRIPTION = {
    "title": "砂轮最高工作速度标志与色标",
    "category": "grinding-wheel",
    "standard": "GB 2494-2014；EN 12413 速度色标",
    "inputs": {
        "max_speed_ms": {"type": "number", "unit": "m/s", "required": True, "description": "标注的最高工作线速度"},
        "stripes": {"type": "list[choice]", "options": ["blue", "yellow", "red", "green"], "required": True,
                    "description": "砂轮上的色标颜色，无色标为 []"},
        "diameter_mm": {"type": "number", "unit": "mm", "required": False, "description": "砂轮外径（与 rpm 同时提供）"},
        "rpm": {"type": "number", "unit": "r/min", "required": False, "description": "标注的最高工作转速（与 diameter_mm 同时提供）"},
    },
    "result": {"type": "object", "description": "{expected_stripes, stripes, speed_at_rpm_ms, problems, notes}"},
    "limit": {"type": "object", "description": "{max_speed_ms, expected_stripes}"},
}


def tables() -> dict[str, Any]:
    return {"speed_stripes": cached_table(TABLE)}


def table_summary() -> dict[str, Any]:
    return {str(r["max_speed_ms"]): "+".join(r["stripes"]) for r in cached_table(TABLE)["rows"]}


def read_inputs(inputs: Any) -> tuple:
    """The inputs, typed; raises InputError (what the gateway checks before a push is stored)."""
    data = read.check_keys(inputs, allowed=DESCRIPTION["inputs"])
    table = cached_table(TABLE)
    speed = read.number(data, "max_speed_ms")
    stripes = read.string_list(data, "stripes", max_items=3)
    for index, colour in enumerate(stripes):
        if colour not in table["colours"]:
            raise read.InputError(f"inputs.stripes[{index}]", f"颜色必须是 {' | '.join(table['colours'])} 之一，收到 {colour!r}")
    diameter = read.number(data, "diameter_mm", required=False)
    rpm = read.number(data, "rpm", required=False)
    if (diameter is None) != (rpm is None):
        missing = "diameter_mm" if diameter is None else "rpm"
        raise read.InputError(f"inputs.{missing}", "diameter_mm 与 rpm 须同时提供")
    return speed, stripes, diameter, rpm


def evaluate(inputs: Any) -> dict[str, Any]:
    speed, stripes, diameter, rpm = read_inputs(inputs)
    table = cached_table(TABLE)
    if speed <= 0:
        return invalid(field="inputs.max_speed_ms", reason="最高工作速度必须大于 0", basis=BASIS)
    if diameter is not None and (diameter <= 0 or rpm <= 0):
        field = "inputs.diameter_mm" if diameter <= 0 else "inputs.rpm"
        return invalid(field=field, reason="外径和转速必须大于 0", basis=BASIS)

    problems: list[str] = []
    notes: list[str] = []
    by_speed = {float(r["max_speed_ms"]): r["stripes"] for r in table["rows"]}
    expected = by_speed.get(float(speed))
    stripe_checked = False
    if expected is not None:
        stripe_checked = True
        if Counter(stripes) != Counter(expected):
            shown = "+".join(table["colours"][c] for c in stripes) or "无色标"
            problems.append(f"最高工作速度 {speed} m/s 应有色标 {'+'.join(table['colours'][c] for c in expected)}，实为 {shown}")
    elif stripes:
        match = next((r for r in table["rows"] if Counter(r["stripes"]) == Counter(stripes)), None)
        if match is not None:
            stripe_checked = True
            problems.append(f"色标 {'+'.join(table['colours'][c] for c in stripes)} 对应 {match['max_speed_ms']} m/s，与标注的 {speed} m/s 不符")
        else:
            notes.append("该色标组合不在已编码的色标表内，未核对")
    else:
        notes.append(f"{speed} m/s 不在已编码的色标表内，未核对色标")

    speed_at_rpm = None
    rpm_limit = exact(speed) * (1 + RPM_TOLERANCE)
    if diameter is not None:
        speed_at_rpm = PI * exact(diameter) * exact(rpm) / 60000
        if speed_at_rpm > rpm_limit:
            problems.append(
                f"标注转速 {rpm} r/min 在外径 {diameter} mm 时线速度为 {display_against(speed_at_rpm, rpm_limit)} m/s，"
                f"超过最高工作速度 {speed} m/s（含 1 % 转速修约余量：{to_float(rpm_limit)} m/s；全数值比较）"
            )

    result = {"stripes": stripes, "expected_stripes": expected,
              "speed_at_rpm_ms": None if speed_at_rpm is None else to_float(speed_at_rpm),
              "problems": problems, "notes": notes}
    limit = {"max_speed_ms": speed, "expected_stripes": expected, "max_speed_at_rpm_ms": to_float(rpm_limit)}
    basis = f"{BASIS}（色标来源 {table['source']}，{table['confidence']}；GB 2494-2014 是否采用同一色标未核实）"
    if not problems and not stripe_checked and speed_at_rpm is None:
        return invalid(field="inputs.max_speed_ms", reason="；".join(notes), basis=basis, limit=limit)
    return verdict(verdict=FAIL if problems else PASS, result=result, limit=limit, basis=basis)
