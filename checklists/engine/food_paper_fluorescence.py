"""Quick-test ``food-paper-fluorescence``: on-site UV screening for fluorescent substances (GB 4806.8-2016)."""

from __future__ import annotations

from typing import Any

from . import inputs as read
from .tables import cached_table
from .verdicts import FAIL, PASS, verdict

NAME = "food-paper-fluorescence"

DESCRIPTION = {
    "title": "荧光性物质现场筛查（254 nm / 365 nm 紫外灯）",
    "category": "food-paper-packaging",
    "standard": "GB 4806.8-2016 表3；检验方法 GB 31604.47",
    "inputs": {
        "positive_254nm": {"type": "boolean", "required": True, "description": "254 nm 下是否可见荧光"},
        "positive_365nm": {"type": "boolean", "required": True, "description": "365 nm 下是否可见荧光"},
    },
    "result": {"type": "object", "description": "{254nm, 365nm}: 阴性 | 阳性"},
    "limit": {"type": "string", "description": "254 nm 与 365 nm 下均为阴性"},
}


def tables() -> dict[str, Any]:
    return {"food_paper": cached_table("food-paper")}


def table_summary() -> dict[str, Any]:
    f = cached_table("food-paper")["fluorescence"]
    return {"wavelengths_nm": f["wavelengths_nm"], "requirement": f["requirement"]}


def read_inputs(inputs: Any) -> tuple:
    """The inputs, typed; raises InputError (what the gateway checks before a push is stored)."""
    data = read.check_keys(inputs, allowed=DESCRIPTION["inputs"])
    return read.boolean(data, "positive_254nm"), read.boolean(data, "positive_365nm")


def evaluate(inputs: Any) -> dict[str, Any]:
    p254, p365 = read_inputs(inputs)
    label = {True: "阳性", False: "阴性"}
    positive = p254 or p365
    basis = "GB 4806.8-2016 表3 荧光性物质：254 nm 及 365 nm 均应为阴性（GB 31604.47）"
    if positive:
        basis += "；现场筛查阳性，应抽样送实验室按 GB 31604.47 检验"
    return verdict(
        verdict=FAIL if positive else PASS,
        result={"254nm": label[p254], "365nm": label[p365]},
        limit="254 nm 与 365 nm 下均为阴性",
        basis=basis,
    )
