"""A self-inspection report's status and `late` mark (contract §10), written once.

- clean: no item found a problem.
- rectified: problems, and the rectification was completed on or before its deadline.
- overdue: problems, and the deadline has passed without the rectification completed by it
  (completed after the deadline counts as overdue too: it was not done in time).
- rectifying: problems, not completed, deadline not yet passed (or no deadline given yet).
- late: submitted after the campaign's `self-inspection-report` deadline (plan 三(三)1: 8月25日前).

`overdue` depends on today's date: `status_on(..., today=)` is computed at read time by every
selector and API answer; the stored column is kept true by `services.refresh_overdue()`, which
the selectors run before they read (so code that reads the column directly, e.g. statistics, sees
the current value after any read of this app, or after `manage.py selfinspections_refresh`).
"""
from __future__ import annotations

import datetime as dt

from .models import SelfInspectionStatus


def status_on(*, problems: int, deadline: dt.date | None, completed_on: dt.date | None, today: dt.date) -> str:
    if problems == 0:
        return SelfInspectionStatus.CLEAN
    if completed_on is not None:
        if deadline is None or completed_on <= deadline:
            return SelfInspectionStatus.RECTIFIED
        return SelfInspectionStatus.OVERDUE
    if deadline is not None and deadline < today:
        return SelfInspectionStatus.OVERDUE
    return SelfInspectionStatus.RECTIFYING


def is_late(*, submitted_on: dt.date, report_deadline: dt.date | None) -> bool:
    return report_deadline is not None and submitted_on > report_deadline
