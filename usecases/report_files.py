"""The reports as files, for the CLI, the download links, the weekly summary and the admin console:

- `render_progress_report(uow, org_id, fiscal_year, round_key, fmt)` → bytes (docx, xlsx or csv)
- `render_complaint_stats(uow, org_id, fiscal_year, fmt, deadlines)` → bytes (docx or xlsx)
- `latest_progress_report_link(uow, links, org_id)` → the signed URL of the current round's Word report
  (from storage.report_service, re-exported here)

The writers (python-docx, openpyxl: about a second of imports) are imported when a file is rendered, not
with this module, which the web app and every CLI command import.
"""

from __future__ import annotations

from datetime import date

from domain.complaints.categories import CATEGORY_NAMES_TH
from domain.complaints.workflow import DeadlinePolicy
from domain.digits import DigitStyle
from domain.reports.complaints import ComplaintStatsReport, process_steps
from domain.reports.links import ReportFormat, ReportKind, ReportTicket
from domain.reports.progress import RoundReport
from domain.reports.round_key import parse_round_key
from storage.report_data import ReportNotFound, complaint_stats_report, evidence_loader, round_report
from storage.uow import UnitOfWork
from texts import common, documents
from usecases.current_round import current_round, latest_progress_report_link, local_today
from views.rounds import round_name

__all__ = ["ReportNotFound", "complaint_stats", "current_round", "latest_progress_report_link", "local_today",
           "progress_round_report", "render_complaint_stats", "render_progress_report", "render_ticket",
           "report_file_name", "thai_file_name"]


def _round_months(round_key: int | str) -> int:
    months = round_key if isinstance(round_key, int) else parse_round_key(round_key)
    if months is None or not 1 <= months <= 12:
        raise ReportNotFound("round")
    return months


def progress_round_report(uow: UnitOfWork, org_id: int, fiscal_year: int, round_key: int | str, *,
                          today: date | None = None, digits: DigitStyle | None = None) -> RoundReport:
    """The report of a round ("6", "รอบ 6 เดือน" or 6) as a model; ReportNotFound when the year has no plan
    or no such round."""
    return round_report(uow, org_id, fiscal_year, _round_months(round_key), today or local_today(uow, org_id),
                        common.STATUS_LABELS, digits=digits)


def render_progress_report(uow: UnitOfWork, org_id: int, fiscal_year: int, round_key: int | str,
                           fmt: ReportFormat | str, *, today: date | None = None,
                           digits: DigitStyle | None = None) -> bytes:
    """The progress report of a round as Word, Excel or CSV."""
    from domain.reports.progress_docx import render_progress_docx
    from domain.reports.progress_xlsx import render_progress_csv, render_progress_xlsx

    fmt = ReportFormat(fmt)
    report = progress_round_report(uow, org_id, fiscal_year, round_key, today=today, digits=digits)
    if fmt is ReportFormat.DOCX:
        return render_progress_docx(report, evidence_loader(uow, org_id))
    if fmt is ReportFormat.XLSX:
        return render_progress_xlsx(report)
    return render_progress_csv(report)


def complaint_stats(uow: UnitOfWork, org_id: int, fiscal_year: int, deadlines: DeadlinePolicy, *,
                    today: date | None = None, digits: DigitStyle | None = None) -> ComplaintStatsReport:
    """The complaint statistics of a fiscal year as a model: counts only."""
    return complaint_stats_report(
        uow, org_id, fiscal_year, today or local_today(uow, org_id),
        category_names={c.value: name for c, name in CATEGORY_NAMES_TH.items()},
        status_names=common.COMPLAINT_STATUS_LABELS, type_names=common.COMPLAINT_TYPE_NAMES,
        steps=process_steps(deadlines.first_answer_days, deadlines.feedback_days, deadlines.close_days),
        digits=digits)


def render_complaint_stats(uow: UnitOfWork, org_id: int, fiscal_year: int, fmt: ReportFormat | str,
                           deadlines: DeadlinePolicy, *, today: date | None = None,
                           digits: DigitStyle | None = None) -> bytes:
    """The complaint statistics of a fiscal year as Word or Excel."""
    fmt = ReportFormat(fmt)
    if fmt is ReportFormat.CSV:
        raise ValueError("complaint statistics come as docx or xlsx")
    report = complaint_stats(uow, org_id, fiscal_year, deadlines, today=today, digits=digits)
    from domain.reports.complaints_docs import render_complaints_docx, render_complaints_xlsx

    return render_complaints_docx(report) if fmt is ReportFormat.DOCX else render_complaints_xlsx(report)


def render_ticket(uow: UnitOfWork, ticket: ReportTicket, deadlines: DeadlinePolicy) -> bytes:
    """The file a signed link names."""
    if ticket.kind is ReportKind.PROGRESS:
        return render_progress_report(uow, ticket.org_id, ticket.fiscal_year_be, ticket.round_months, ticket.format)
    return render_complaint_stats(uow, ticket.org_id, ticket.fiscal_year_be, ticket.format, deadlines)


def thai_file_name(ticket: ReportTicket, round_name: str | None = None) -> str:
    """The file's Thai name; a progress report's names its round as `round_name` (what the round covers,
    views.rounds.round_name), else by its months."""
    if ticket.kind is ReportKind.PROGRESS:
        name = round_name or common.ROUND_NAME.format(months=ticket.round_months)
        return documents.REPORT_FILE_PROGRESS.format(year=ticket.fiscal_year_be, round=name.replace(" ", ""),
                                                 ext=ticket.format)
    return documents.REPORT_FILE_COMPLAINTS.format(year=ticket.fiscal_year_be, ext=ticket.format)


def report_file_name(uow: UnitOfWork, ticket: ReportTicket) -> str:
    """The file's Thai name, its round named by what it covers ("…-2567-ไตรมาส2(ม.ค.–มี.ค.).docx")."""
    if ticket.kind is not ReportKind.PROGRESS:
        return thai_file_name(ticket)
    found = next((r for r in uow.plans.rounds(ticket.org_id, ticket.fiscal_year_be)
                  if r.months == ticket.round_months), None)
    return thai_file_name(ticket, round_name(found) if found is not None else None)
