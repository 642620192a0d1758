"""The penalty-exemption rule for disposal reports, plan 三(三)2, written once.

Plan text: 各级市场监管部门对事先如实向市场监管部门报告不合格商品处置情况及数据或对经营者在被检查或
被举报前已主动停止销售不合格商品，并且未造成危害的，可免予行政处罚。

Each rule below is (code, test, reason when it decides); they are applied in order and the first
that decides gives the answer. Dates are calendar days (Asia/Shanghai).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .models import PenaltyExemption


@dataclass(frozen=True)
class Facts:
    reported_on: dt.date  # the operator reported the disposal to the bureau
    stopped_sale_on: dt.date | None  # the operator stopped selling the product
    harm_caused: bool
    found_on: dt.date | None  # the first inspection of this operator that found the product
    complaint_on: dt.date | None  # the first complaint (举报) naming the product at this operator


@dataclass(frozen=True)
class Decision:
    exemption: str
    reason: str
    rule: str


def own_act_on(facts: Facts) -> dt.date:
    """The operator's own first act: reporting, or stopping the sale, whichever came first."""
    return min(d for d in (facts.reported_on, facts.stopped_sale_on) if d is not None)


RULES = [
    # 并且未造成危害的: the exemption needs that no harm was caused, whatever the timing.
    ("harm", lambda f: f.harm_caused,
     "已造成危害，不符合方案三(三)2“并且未造成危害的”免罚条件"),
    # 在被检查……前: the report or the stop must come before the inspection that found the product.
    # An act on the very day of that inspection cannot be shown to precede it, so it does not count.
    ("after-inspection", lambda f: f.found_on is not None and own_act_on(f) >= f.found_on,
     "报告或停止销售不早于发现该产品的检查（{found_on}），不属于“被检查前”主动处置"),
    # 或被举报前: likewise before any complaint naming the product.
    ("after-complaint", lambda f: f.complaint_on is not None and own_act_on(f) >= f.complaint_on,
     "报告或停止销售不早于针对该产品的举报（{complaint_on}），不属于“被举报前”主动处置"),
    # Otherwise: reported (事先如实报告) or stopped selling (主动停止销售) first, and no harm: exempt.
    ("own-act-first", lambda f: True,
     "经营者于 {own_act_on} 主动报告或停止销售，早于任何发现该产品的检查和举报，且未造成危害，"
     "依方案三(三)2 可免予行政处罚"),
]


def decide(facts: Facts) -> Decision:
    for code, test, reason in RULES:
        if test(facts):
            exemption = PenaltyExemption.ELIGIBLE if code == "own-act-first" else PenaltyExemption.NOT_ELIGIBLE
            text = reason.format(found_on=facts.found_on, complaint_on=facts.complaint_on, own_act_on=own_act_on(facts))
            return Decision(exemption=exemption, reason=text, rule=code)
    raise AssertionError("the last rule always decides")
