"""Reporting rounds of a fiscal year: "รอบ ๖ เดือน" covers October to March and is due a few days after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from domain.digits import MONTHS_SHORT
from texts import common

DEFAULT_ROUND_MONTHS = (6, 12)
DEFAULT_DUE_DAYS = 7


@dataclass(frozen=True)
class RoundPeriod:
    months: int  # months since the fiscal year began, at the round's end (3, 6, 9, 12; 1..12 monthly)
    start: date
    end: date
    due: date


def _month_start(fiscal_year_be: int, months_in: int) -> date:
    """The first day of the month `months_in` months after the fiscal year began (1 Oct)."""
    first_year_ce = fiscal_year_be - 544
    month_index = 9 + months_in  # October is index 9 (0-based)
    return date(first_year_ce + month_index // 12, month_index % 12 + 1, 1)


def round_periods(fiscal_year_be: int, months: list[int] | tuple[int, ...] = DEFAULT_ROUND_MONTHS,
                  due_days: int = DEFAULT_DUE_DAYS) -> list[RoundPeriod]:
    """Rounds ending `months` months into the fiscal year; each starts where the previous ended."""
    ends = sorted({m for m in months if 1 <= m <= 12}) or list(DEFAULT_ROUND_MONTHS)
    periods = []
    previous = 0
    for m in ends:
        start = _month_start(fiscal_year_be, previous)
        end = _month_start(fiscal_year_be, m) - timedelta(days=1)
        periods.append(RoundPeriod(m, start, end, end + timedelta(days=due_days)))
        previous = m
    return periods


def _span_months(start: date, end: date) -> int:
    return (end.year * 12 + end.month) - (start.year * 12 + start.month) + 1


def round_label(months: int, start: date, end: date) -> str:
    """A round's name as every surface shows it (LINE, console, CLI, reports, public pages): it says what it
    covers. A round from the fiscal year's start is "รอบ 6 เดือน"; one that covers only part of the year
    says which months ("ไตรมาส 2 (ม.ค.–มี.ค.)", "รอบ 12 เดือน (เฉพาะ เม.ย.–ก.ย.)", "เดือน ม.ค.")."""
    span = _span_months(start, end)
    first, last = MONTHS_SHORT[start.month - 1], MONTHS_SHORT[end.month - 1]
    if span == 1:
        return common.ROUND_NAME_MONTH.format(month=first)
    if span >= months:  # from the year's first day: cumulative
        return common.ROUND_NAME.format(months=months)
    if span == 3 and months % 3 == 0:
        return common.ROUND_NAME_QUARTER.format(quarter=months // 3, start=first, end=last)
    return common.ROUND_NAME_PART.format(months=months, start=first, end=last)


def current_round(periods: list[RoundPeriod], today: date) -> RoundPeriod | None:
    """The round a report sent today belongs to: the first whose report is not yet past due (a report
    sent in the days after a round closes still counts for it); after the last, the last."""
    if not periods:
        return None
    for period in periods:
        if today <= period.due:
            return period
    return periods[-1]


def covering_round(periods: list[RoundPeriod], day: date) -> RoundPeriod:
    """The round whose span holds `day`. Rounds run on from the fiscal year's first day, but they may stop
    before its last (a plan monitored only at six months): a later day belongs to the last round, as a
    report sent then does in current_round."""
    return next((period for period in periods if day <= period.end), periods[-1])


ROUND_SCHEMES: dict[str, tuple[int, ...]] = {
    "quarterly": (3, 6, 9, 12),       # 31 Dec, 31 Mar, 30 Jun, 30 Sep
    "six-monthly": (6, 12),
    "yearly": (12,),
    "monthly": tuple(range(1, 13)),   # procurement summaries
}
PLAN_SCHEME = "plan"  # the months of the plan's monitoring column, else six-monthly


def scheme_months(scheme: str, plan_months: list[int] | tuple[int, ...] = ()) -> tuple[int, ...]:
    """The round ends of a scheme; the plan scheme takes the plan's monitoring months."""
    if scheme == PLAN_SCHEME:
        return tuple(sorted({m for m in plan_months if 1 <= m <= 12})) or DEFAULT_ROUND_MONTHS
    try:
        return ROUND_SCHEMES[scheme]
    except KeyError:
        raise ValueError(f"unknown round scheme {scheme!r}") from None
