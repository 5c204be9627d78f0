"""Statistics of complaints for a fiscal year, as the OIT asks municipalities to publish them
(ข้อมูลเชิงสถิติเรื่องร้องเรียนการทุจริตและประพฤติมิชอบ). Facts in, counts out: no personal data."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from domain.complaints.categories import Category, ComplaintType
from domain.complaints.workflow import ComplaintMode, ComplaintStatus


@dataclass(frozen=True)
class ComplaintFacts:
    received_at: datetime
    type: ComplaintType
    category: Category
    status: ComplaintStatus
    mode: ComplaintMode
    first_answer_at: datetime | None = None
    closed_at: datetime | None = None


def fiscal_year_bounds(fiscal_year_be: int, tz: str = "Asia/Bangkok") -> tuple[datetime, datetime]:
    """[start, end) of Thai fiscal year N BE: 1 October (N-544) to 1 October (N-543), local time."""
    zone = ZoneInfo(tz)
    return datetime(fiscal_year_be - 544, 10, 1, tzinfo=zone), datetime(fiscal_year_be - 543, 10, 1, tzinfo=zone)


def fiscal_months(fiscal_year_be: int) -> list[str]:
    """"YYYY-MM" (CE) of the fiscal year's months, October to September."""
    start_year = fiscal_year_be - 544
    return [f"{start_year}-{m:02d}" for m in (10, 11, 12)] + [f"{start_year + 1}-{m:02d}" for m in range(1, 10)]


def _days(start: datetime, end: datetime | None) -> float | None:
    if end is None:
        return None
    days = (end - start).total_seconds() / 86400
    return days if days >= 0 else None  # an answer recorded before receipt is a data error: leave it out


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def complaint_statistics(
    facts: Iterable[ComplaintFacts], fiscal_year_be: int, tz: str = "Asia/Bangkok"
) -> dict[str, Any]:
    """Counts of the complaints received in fiscal year `fiscal_year_be` (BE): in total, by month
    (October..September, CE "YYYY-MM" keys), by type, category, current status and mode, and by month x
    category x status; with the medians (days, 2 decimals) from receipt to first answer and to closure.
    Every key is present, with zeros."""
    zone = ZoneInfo(tz)
    start, end = fiscal_year_bounds(fiscal_year_be, tz)
    months = fiscal_months(fiscal_year_be)
    by_month = dict.fromkeys(months, 0)
    by_type = dict.fromkeys((t.value for t in ComplaintType), 0)
    by_category = dict.fromkeys((c.value for c in Category), 0)
    by_status = dict.fromkeys((s.value for s in ComplaintStatus), 0)
    by_mode = dict.fromkeys((m.value for m in ComplaintMode), 0)
    detail = {
        month: {c.value: dict.fromkeys((s.value for s in ComplaintStatus), 0) for c in Category} for month in months
    }
    to_first_answer: list[float] = []
    to_close: list[float] = []
    total = 0
    for fact in facts:
        if fact.received_at.tzinfo is None or fact.received_at.utcoffset() is None:
            raise ValueError("ComplaintFacts.received_at must be a timezone-aware datetime")
        received = fact.received_at.astimezone(zone)
        if not start <= received < end:
            continue
        month = f"{received.year}-{received.month:02d}"
        category, status = Category(fact.category).value, ComplaintStatus(fact.status).value
        total += 1
        by_month[month] += 1
        by_type[ComplaintType(fact.type).value] += 1
        by_category[category] += 1
        by_status[status] += 1
        by_mode[ComplaintMode(fact.mode).value] += 1
        detail[month][category][status] += 1
        if (days := _days(fact.received_at, fact.first_answer_at)) is not None:
            to_first_answer.append(days)
        if (days := _days(fact.received_at, fact.closed_at)) is not None:
            to_close.append(days)
    return {
        "fiscal_year_be": fiscal_year_be,
        "total": total,
        "by_month": [{"month": month, "count": by_month[month]} for month in months],
        "by_type": by_type,
        "by_category": by_category,
        "by_status": by_status,
        "by_mode": by_mode,
        "by_month_category_status": detail,
        "median_days_to_first_answer": _median(to_first_answer),
        "median_days_to_close": _median(to_close),
    }
