"""Quick-test ``ex-marking``: parse an explosion-proof marking such as "Ex d IIB T4 Gb" and check it.

Checks: structure ("Ex" + protection type(s) + group + T-class + EPL); gas group IIA/IIB/IIC;
T-class T1–T6; EPL Ga/Gb/Gc; and, when the place of use requires a group and T-class, that the
equipment's group ≥ the required group and its T-class number ≥ the required one.
Markings of group I (mining) and III (dust) are parsed but judged "invalid": their rules are not encoded.
"""

from __future__ import annotations

import re
from typing import Any

from . import inputs as read
from .tables import cached_table
from .verdicts import FAIL, PASS, invalid, verdict

NAME = "ex-marking"
BASIS = "GB/T 3836 防爆标志：Ex + 防爆型式 + 设备类别/气体组别 + 温度组别 + EPL（如 Ex d IIB T4 Gb）"

DESCRIPTION = {
    "title": "防爆标志核对",
    "category": "explosion-proof-electrical",
    "standard": "GB/T 3836.1 / GB/T 3836.2",
    "inputs": {
        "marking": {"type": "string", "required": True, "description": "铭牌上的防爆标志原文，如 'Ex d IIB T4 Gb'"},
        "required_group": {"type": "choice", "options": ["IIA", "IIB", "IIC"], "required": False, "description": "使用场所要求的气体组别"},
        "required_t_class": {"type": "choice", "options": ["T1", "T2", "T3", "T4", "T5", "T6"], "required": False, "description": "使用场所要求的温度组别"},
    },
    "result": {"type": "object", "description": "{parsed: {protection, group, t_class, max_surface_c, epl}, problems: [...], notes: [...]}"},
    "limit": {"type": "object", "description": "{required_group, required_t_class} 或 null"},
}

_NORMALISE = str.maketrans({"Ⅰ": "I", "Ⅱ": "II", "Ⅲ": "III", "（": "(", "）": ")", "\u3000": " "})
_PATTERN = re.compile(
    r"^\s*E\s*x\s*(?P<prot>[a-zA-Z ]*?)\s*(?P<group>III\s*[ABC]|II\s*[ABC]|III|II|I)"
    r"(?:\s*(?P<t>T\s*(?:\d{2,3}\s*°?\s*C|[1-6])))?(?:\s*(?P<epl>[GDM]\s*[abc]))?\s*$"
)


def tables() -> dict[str, Any]:
    return {"ex_marking": cached_table("ex-marking")}


def table_summary() -> dict[str, Any]:
    t = cached_table("ex-marking")
    return {"t_classes_max_surface_c": t["t_classes"], "gas_groups": t["gas_groups"], "gas_epls": t["gas_epls"]}


def _split_protection(text: str, known: set[str]) -> tuple[list[str], list[str]]:
    """Split "d e" or "de" into known protection-type codes; return (codes, unknown tokens)."""
    codes: list[str] = []
    unknown: list[str] = []
    for token in text.split():
        if token in known:
            codes.append(token)
            continue
        # compact combinations such as "de": longest known prefix first
        parts: list[str] = []
        rest = token
        while rest:
            match = next((rest[:n] for n in range(min(3, len(rest)), 0, -1) if rest[:n] in known), None)
            if match is None:
                break
            parts.append(match)
            rest = rest[len(match):]
        if rest:
            unknown.append(token)
        else:
            codes.extend(parts)
    return codes, unknown


def parse(marking: str) -> dict[str, Any] | None:
    """Parse a marking; None when it does not have the Ex structure at all."""
    table = cached_table("ex-marking")
    match = _PATTERN.match(marking.translate(_NORMALISE))
    if match is None:
        return None
    codes, unknown = _split_protection(match.group("prot"), set(table["protection_types"]))
    t_class = match.group("t").replace(" ", "") if match.group("t") else None
    return {
        "protection": codes,
        "unknown_protection": unknown,
        "group": match.group("group").replace(" ", ""),
        "t_class": t_class,
        "max_surface_c": table["t_classes"].get(t_class) if t_class else None,
        "epl": match.group("epl").replace(" ", "") if match.group("epl") else None,
    }


def read_inputs(inputs: Any) -> tuple:
    """The inputs, typed; raises InputError (what the gateway checks before a push is stored)."""
    data = read.check_keys(inputs, allowed=DESCRIPTION["inputs"])
    marking = read.text(data, "marking")
    table = cached_table("ex-marking")
    required_group = read.choice(data, "required_group", options=table["gas_groups"], required=False)
    required_t = read.choice(data, "required_t_class", options=list(table["t_classes"]), required=False)
    return marking, required_group, required_t


def evaluate(inputs: Any) -> dict[str, Any]:
    marking, required_group, required_t = read_inputs(inputs)
    table = cached_table("ex-marking")
    limit = None
    if required_group or required_t:
        limit = {"required_group": required_group, "required_t_class": required_t}

    if not marking.strip():
        return verdict(verdict=FAIL, result={"parsed": None, "problems": ["无防爆标志（缺少 Ex 标志属失爆）"], "notes": []},
                       limit=limit, basis=BASIS)
    parsed = parse(marking)
    if parsed is None:
        problem = "防爆标志无法识别，应为 'Ex 型式 类别 温度组别 EPL'，如 'Ex d IIB T4 Gb'"
        return verdict(verdict=FAIL, result={"parsed": None, "problems": [problem], "notes": []}, limit=limit, basis=BASIS)

    problems: list[str] = []
    notes: list[str] = []
    group = parsed["group"]
    if group == "I" or group.startswith("III"):
        return invalid(field="inputs.marking",
                       reason=f"设备类别 {group}（I 类煤矿 / III 类粉尘）的核对规则未编码，本方法只核对 II 类气体防爆标志",
                       basis=BASIS, limit=limit)
    if parsed["unknown_protection"]:
        problems.append(f"无法识别的防爆型式：{', '.join(parsed['unknown_protection'])}")
    if not parsed["protection"] and not parsed["unknown_protection"]:
        problems.append("缺少防爆型式（如 d、e、ia）")
    if group not in table["gas_groups"]:
        problems.append(f"气体组别应为 {'/'.join(table['gas_groups'])}，标志为 {group}")
    if parsed["t_class"] is None:
        problems.append("缺少温度组别（T1–T6）")
    elif parsed["t_class"] not in table["t_classes"]:
        problems.append(f"II 类气体设备的温度组别应为 T1–T6，标志为 {parsed['t_class']}")
    if parsed["epl"] is None:
        notes.append("未标 EPL（Ga/Gb/Gc）；GB 3836-2010 之前的旧版标志可能没有 EPL")
    elif parsed["epl"] not in table["gas_epls"]:
        problems.append(f"II 类气体设备的 EPL 应为 {'/'.join(table['gas_epls'])}，标志为 {parsed['epl']}")

    order = table["gas_groups"]
    if required_group and group in order and order.index(group) < order.index(required_group):
        problems.append(f"设备气体组别 {group} 低于场所要求的 {required_group}")
    if required_t and parsed["t_class"] in table["t_classes"] and int(parsed["t_class"][1]) < int(required_t[1]):
        problems.append(
            f"设备温度组别 {parsed['t_class']}（最高表面温度 {parsed['max_surface_c']} °C）低于场所要求的 {required_t}"
            f"（{table['t_classes'][required_t]} °C）"
        )
    basis = BASIS + "；温度组别 T1–T6 最高表面温度 450/300/200/135/100/85 °C；组别 IIC > IIB > IIA，高组别、高温度组别号的设备可用于低要求场所"
    result = {"parsed": {k: parsed[k] for k in ("protection", "group", "t_class", "max_surface_c", "epl")},
              "problems": problems, "notes": notes}
    return verdict(verdict=FAIL if problems else PASS, result=result, limit=limit, basis=basis)
