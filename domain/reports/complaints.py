"""The complaint statistics of a fiscal year as published (ข้อมูลเชิงสถิติเรื่องร้องเรียน): counts by type,
status, month × category and month × category × status, the medians and the handling process. Built
from `domain.complaints.stats.complaint_statistics`: counts only, nothing about any person or complaint."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from domain.digits import BE_OFFSET, MONTHS_FULL, MONTHS_SHORT
from domain.fiscal import fiscal_year_bounds
from domain.reports.progress import ReportOptions
from texts import documents


@dataclass(frozen=True)
class MonthStats:
    key: str  # "2023-10"
    label: str  # "ต.ค. 2566"
    full_label: str  # "ตุลาคม 2566"
    total: int
    by_category: tuple[int, ...]  # in the order of ComplaintStatsReport.categories
    detail: tuple[tuple[int, ...], ...]  # [category][status]


@dataclass(frozen=True)
class ComplaintStatsReport:
    org_name: str
    fiscal_year_be: int
    as_of: date
    total: int
    categories: tuple[str, ...]
    statuses: tuple[str, ...]
    by_type: tuple[tuple[str, int], ...]
    by_status: tuple[tuple[str, int], ...]
    by_category: tuple[tuple[str, int], ...]
    months: tuple[MonthStats, ...]
    median_days_to_first_answer: float | None
    median_days_to_close: float | None
    process_steps: tuple[str, ...]
    options: ReportOptions = field(default_factory=ReportOptions)

    @property
    def title(self) -> str:
        return documents.COMPLAINTS_TITLE

    @property
    def subtitle(self) -> str:
        return documents.COMPLAINTS_SUBTITLE.format(year=self.fiscal_year_be)

    @property
    def period(self) -> tuple[date, date]:
        return fiscal_year_bounds(self.fiscal_year_be)

    @property
    def medians_line(self) -> str:
        def show(value: float | None) -> str:
            return documents.COMPLAINTS_NO_MEDIAN if value is None else f"{value:g}"

        return documents.COMPLAINTS_MEDIANS.format(first=show(self.median_days_to_first_answer),
                                                close=show(self.median_days_to_close))


def process_steps(first_answer_days: int, feedback_days: int, close_days: int) -> tuple[str, ...]:
    """The handling process as the organisation runs it (its deadline settings filled in)."""
    return tuple(step.format(first_answer=first_answer_days, feedback=feedback_days, close=close_days)
                 for step in documents.PROCESS_STEPS)


def _month_labels(key: str) -> tuple[str, str]:
    year, month = (int(part) for part in key.split("-"))
    return f"{MONTHS_SHORT[month - 1]} {year + BE_OFFSET}", f"{MONTHS_FULL[month - 1]} {year + BE_OFFSET}"


def assemble_complaint_stats(
    stats: Mapping[str, Any],
    *,
    org_name: str,
    as_of: date,
    category_names: Mapping[str, str],
    status_names: Mapping[str, str],
    type_names: Mapping[str, str],
    steps: tuple[str, ...],
    options: ReportOptions | None = None,
) -> ComplaintStatsReport:
    """`stats` is what `complaint_statistics` returns; the names map its keys to Thai."""
    category_keys = list(stats["by_category"])
    status_keys = list(stats["by_status"])
    detail = stats["by_month_category_status"]
    months = []
    for row in stats["by_month"]:
        key = row["month"]
        short, full = _month_labels(key)
        per_category = tuple(tuple(detail[key][c][s] for s in status_keys) for c in category_keys)
        months.append(MonthStats(key, short, full, row["count"], tuple(sum(c) for c in per_category), per_category))
    return ComplaintStatsReport(
        org_name=org_name,
        fiscal_year_be=stats["fiscal_year_be"],
        as_of=as_of,
        total=stats["total"],
        categories=tuple(category_names.get(c, c) for c in category_keys),
        statuses=tuple(status_names.get(s, s) for s in status_keys),
        by_type=tuple((type_names.get(t, t), n) for t, n in stats["by_type"].items()),
        by_status=tuple((status_names.get(s, s), n) for s, n in stats["by_status"].items()),
        by_category=tuple((category_names.get(c, c), n) for c, n in stats["by_category"].items()),
        months=tuple(months),
        median_days_to_first_answer=stats["median_days_to_first_answer"],
        median_days_to_close=stats["median_days_to_close"],
        process_steps=steps,
        options=options or ReportOptions(),
    )
