"""When a case's next progress report is due (一案一报, plan 三(七)). The rule, written once, as data
with the reason beside each number. `report_due` is set when a case opens and moved by each report;
a case is overdue when today is past its `report_due` (the report is due and missing)."""
from __future__ import annotations

import datetime as dt

RULES = {
    # Days from the case's opening to its first report.
    "first_report_days": {
        # 大案要案 "要立即报市局执法监督科" (plan 三(七)): the next day.
        "major": 1,
        # Ordinary cases: within 15 days, so the city hears of every case within half a month.
        "ordinary": 15,
    },
    # Days from one report to the next while the case is open.
    "interval_days": {
        # 挂牌督办 cases are followed twice a month by the supervising office (plan 五(二)).
        "major": 15,
        # Every open case reports at least monthly ("按时报送案件查处情况").
        "ordinary": 30,
    },
    # A province referral (交办函) must also be reported by the letter's deadline ("根据交办要求"):
    # the due date is never later than the letter's deadline while that deadline is still ahead.
    "referral_deadline_caps_due": True,
}


def _kind(*, major: bool) -> str:
    return "major" if major else "ordinary"


def _cap(due: dt.date, *, after: dt.date, referral_deadline: dt.date | None) -> dt.date:
    if RULES["referral_deadline_caps_due"] and referral_deadline is not None and referral_deadline >= after:
        return min(due, referral_deadline)
    return due


def first_due(*, opened_on: dt.date, major: bool, referral_deadline: dt.date | None = None) -> dt.date:
    due = opened_on + dt.timedelta(days=RULES["first_report_days"][_kind(major=major)])
    return _cap(due, after=opened_on, referral_deadline=referral_deadline)


def next_due(*, reported_on: dt.date, major: bool, closed: bool, referral_deadline: dt.date | None = None) -> dt.date | None:
    """None once the case is closed (its closing report is its last)."""
    if closed:
        return None
    due = reported_on + dt.timedelta(days=RULES["interval_days"][_kind(major=major)])
    return _cap(due, after=reported_on + dt.timedelta(days=1), referral_deadline=referral_deadline)
