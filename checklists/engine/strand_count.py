"""Quick-test ``strand-count``: minimum number of wires of class 2 copper conductors (GB/T 3956-2008 表2).

Integers: the count is compared with the minimum as counted (the minimum itself passes, one wire
fewer fails); nothing to round."""

from __future__ import annotations

from typing import Any

from . import inputs as read
from .tables import cached_table, dec
from .verdicts import FAIL, PASS, invalid, verdict

NAME = "strand-count"
TABLE = "gbt3956-class2-wire-count"
BASIS = "GB/T 3956-2008 表2 第2种绞合导体 铜导体最少单线根数"

DESCRIPTION = {
    "title": "第2种导体单线根数",
    "category": "wire-cable",
    "standard": "GB/T 3956-2008 表2",
    "inputs": {
        "material": {"type": "choice", "options": ["copper", "aluminium"], "required": True, "description": "导体材料（只编码了铜）"},
        "cross_section_mm2": {"type": "number", "unit": "mm²", "required": True, "description": "标称截面"},
        "compacted": {"type": "boolean", "required": True, "description": "是否紧压导体"},
        "wire_count": {"type": "integer", "required": True, "description": "数得的单线根数"},
    },
    "result": {"type": "integer", "description": "单线根数"},
    "limit": {"type": "integer", "description": "最少根数"},
}


def tables() -> dict[str, Any]:
    return {"wire_count": cached_table(TABLE)}


def table_summary() -> dict[str, Any]:
    return {"copper sizes_mm2": [r["size_mm2"] for r in cached_table(TABLE)["rows"]]}


def read_inputs(inputs: Any) -> tuple:
    """The inputs, typed; raises InputError (what the gateway checks before a push is stored)."""
    data = read.check_keys(inputs, allowed=DESCRIPTION["inputs"])
    material = read.choice(data, "material", options=("copper", "aluminium"))
    return material, read.number(data, "cross_section_mm2"), read.boolean(data, "compacted"), read.integer(data, "wire_count")


def evaluate(inputs: Any) -> dict[str, Any]:
    material, size, compacted, count = read_inputs(inputs)
    if material != "copper":
        return invalid(field="inputs.material", reason="铝导体最少单线根数未编码（未经核实）", basis=BASIS)
    if size <= 0:
        return invalid(field="inputs.cross_section_mm2", reason="标称截面必须大于 0", basis=BASIS)
    if count <= 0:
        return invalid(field="inputs.wire_count", reason="单线根数必须大于 0", basis=BASIS)
    rows = cached_table(TABLE)["rows"]
    row = next((r for r in rows if dec(r["size_mm2"]) == dec(size)), None)
    if row is None:
        return invalid(field="inputs.cross_section_mm2",
                       reason=f"标称截面 {size} mm² 不在表内；表内截面：{', '.join(r['size_mm2'] for r in rows)} mm²", basis=BASIS)
    minimum = row["min_wires_compacted" if compacted else "min_wires_circular"]
    if minimum is None:
        return invalid(field="inputs.compacted", reason=f"{row['size_mm2']} mm² 没有紧压导体的最少根数", basis=BASIS)
    shape = "紧压" if compacted else "非紧压圆形"
    return verdict(
        verdict=PASS if count >= minimum else FAIL,
        result=count,
        limit=minimum,
        basis=f"{BASIS}：{row['size_mm2']} mm² {shape} 至少 {minimum} 根（来源 {row['source']}，{row['confidence']}）",
    )
