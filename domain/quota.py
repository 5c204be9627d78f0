"""Will the month's LINE message quota last? A projection from what was used so far this month.

LINE counts a push per recipient. When the projection runs past the limit, the least important reminders
are held back (the earliest advance notices, then repeated overdue notices); when even what is queued now
would not fit, only the notices on and right around the due day go. Complaint messages are never held
back: they are not reminders.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

TIGHT_SHARE = 0.9  # projected use above 90% of the limit: hold back what matters least


@dataclass(frozen=True)
class QuotaLevel:
    name: str  # ok | tight | critical
    limit: int | None
    used: int
    projected: int
    drop_below_rank: int  # reminder stages ranked below this are held back

    @property
    def tight(self) -> bool:
        return self.name != "ok"

    def drops(self, rank: int) -> bool:
        return rank < self.drop_below_rank


def quota_level(limit: int | None, used: int, waiting: int, needed_now: int, today: date) -> QuotaLevel:
    """`used`: this month's consumption so far; `waiting`: pushes queued and not yet sent; `needed_now`:
    the pushes this run would add."""
    if limit is None:
        return QuotaLevel("ok", None, used, used + waiting + needed_now, 0)
    days = calendar.monthrange(today.year, today.month)[1]
    elapsed = max(1, today.day)
    rate = (used + waiting) / elapsed
    projected = round(used + waiting + needed_now + rate * (days - elapsed))
    if used + waiting + needed_now > limit:
        return QuotaLevel("critical", limit, used, projected, 4)
    if projected > limit * TIGHT_SHARE:
        return QuotaLevel("tight", limit, used, projected, 3)
    return QuotaLevel("ok", limit, used, projected, 0)
