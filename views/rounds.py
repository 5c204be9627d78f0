"""A reporting round's name as every surface shows it (LINE, console, CLI): it says what it covers. A round
from the fiscal year's start is "รอบ 6 เดือน"; one that covers only part of the year says which months
("ไตรมาส 2 (ม.ค.–มี.ค.)", "รอบ 12 เดือน (เฉพาะ เม.ย.–ก.ย.)", "เดือน ม.ค.")."""

from __future__ import annotations

from datetime import date

from domain.fiscal import MONTHS_SHORT
from storage.plan_models import ReportingRound
from texts import common


def _span_months(start: date, end: date) -> int:
    return (end.year * 12 + end.month) - (start.year * 12 + start.month) + 1


def period_name(months: int, start: date, end: date) -> str:
    """The name of a round ending `months` months into the fiscal year and running from `start` to `end`."""
    span = _span_months(start, end)
    first, last = MONTHS_SHORT[start.month - 1], MONTHS_SHORT[end.month - 1]
    if span == 1:
        return common.ROUND_NAME_MONTH.format(month=first)
    if span >= months:  # from the year's first day: cumulative
        return common.ROUND_NAME.format(months=months)
    if span == 3 and months % 3 == 0:
        return common.ROUND_NAME_QUARTER.format(quarter=months // 3, start=first, end=last)
    return common.ROUND_NAME_PART.format(months=months, start=first, end=last)


def round_name(rnd: ReportingRound) -> str:
    return period_name(rnd.months, rnd.start_date, rnd.end_date)
