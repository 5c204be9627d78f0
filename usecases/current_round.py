"""Links to the current round's report, for the weekly summary, the admin console and "ขอรายงาน":
`latest_progress_report_link(uow, links, org_id)` gives the signed URL of its Word file."""

from __future__ import annotations

from datetime import date, datetime

from domain.fiscal import fiscal_year_of, local_date
from domain.reports.links import ReportFormat, ReportKind, ReportLinks, ReportTicket
from storage.clock import utcnow
from storage.report_data import organisation
from storage.uow import UnitOfWork


def local_today(uow: UnitOfWork, org_id: int, now: datetime | None = None) -> date:
    """Today (or `now`'s day) in the organisation's time zone, as stored for it."""
    return local_date(now or utcnow(), organisation(uow, org_id).timezone)


def current_round(uow: UnitOfWork, org_id: int, today: date) -> tuple[int, int] | None:
    """(fiscal year, round months) of the round reports go to today, per the current plan; None without a
    plan or rounds."""
    plan = uow.plans.current_plan(org_id, fiscal_year_of(today))
    if plan is None:
        return None
    rnd = uow.plans.round_for(org_id, plan.fiscal_year_be, today)
    return (plan.fiscal_year_be, rnd.months) if rnd is not None else None


def latest_progress_report_link(uow: UnitOfWork, links: ReportLinks, org_id: int, now: datetime | None = None,
                                fmt: ReportFormat = ReportFormat.DOCX) -> str | None:
    """The signed URL of the current round's progress report (None when there is no plan yet)."""
    now = now or utcnow()
    found = current_round(uow, org_id, local_today(uow, org_id, now))
    if found is None:
        return None
    year, months = found
    return links.link(ReportTicket(org_id, ReportKind.PROGRESS, year, months, fmt), now).url
