"""Report downloads: the progress report of a round (Word, Excel, CSV) and the complaint statistics of a
fiscal year (Word, Excel), made by usecases.report_files from the data as it is now. Each download is in the
audit log."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Response, g, render_template, request

from bot.console.blueprint import access, blueprint, error_page, org_id, roles, services, this_fiscal_year
from domain.fiscal import fiscal_year_of, local_date
from domain.reports.links import FORMATS_BY_KIND, ReportFormat, ReportKind, ReportTicket
from storage.models import Role
from texts import chat, console
from usecases.report_files import (
    ReportNotFound,
    render_complaint_stats,
    render_progress_report,
    report_file_name,
    thai_file_name,
)
from views.rounds import round_name


def _first_year() -> int:
    with services().uow() as uow:
        org = uow.people.organisation_by_id(org_id())
        assert org is not None
        return fiscal_year_of(local_date(org.created_at, org.timezone))


@blueprint.get("/reports")
@roles(Role.ADMIN)
def reports() -> Any:
    svc = services()
    with svc.uow() as uow:
        years = uow.plans.fiscal_years(org_id())
        rounds = [(f"{year}-{r.months}", console.CONSOLE_REPORT_ROUND.format(year=year, round=round_name(r)))
                  for year in years for r in uow.plans.rounds(org_id(), year)]
    this_year = this_fiscal_year()
    complaint_years = list(range(this_year, min(_first_year(), this_year) - 1, -1))
    return render_template("console/reports.html", rounds=rounds, complaint_years=complaint_years,
                           progress_formats=[(f.value, chat.REPORT_FORMAT_HINTS[f.value])
                                             for f in FORMATS_BY_KIND[ReportKind.PROGRESS]],
                           complaint_formats=[(f.value, chat.COMPLAINT_FORMAT_HINTS[f.value])
                                              for f in FORMATS_BY_KIND[ReportKind.COMPLAINTS]])


def _format(kind: ReportKind) -> ReportFormat | None:
    try:
        fmt = ReportFormat(request.args.get("format", ""))
    except ValueError:
        return None
    return fmt if fmt in FORMATS_BY_KIND[kind] else None


def _file(ticket: ReportTicket, data: bytes, name: str) -> Response:
    response = Response(data, content_type=ticket.format.content_type)  # as is: mimetype= adds a charset
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ticket.file_name()}\"; filename*=UTF-8''{quote(name)}")
    return response


def _audit(ticket: ReportTicket) -> None:
    with services().uow() as uow:
        uow.audit.record(org_id(), access().actor, "report.download", g.console_now,
                         f"report:{ticket.kind.value}:{ticket.fiscal_year_be}", round=ticket.round_months or None,
                         format=ticket.format.value)
        uow.commit()


@blueprint.get("/reports/progress")
@roles(Role.ADMIN)
def report_progress() -> Any:
    fmt = _format(ReportKind.PROGRESS)
    year, _, months = request.args.get("round", "").partition("-")
    if fmt is None or not year.isdigit() or not months.isdigit():
        return error_page(400, console.CONSOLE_REPORT_CHOOSE)
    ticket = ReportTicket(org_id(), ReportKind.PROGRESS, int(year), int(months), fmt)
    try:
        with services().uow() as uow:
            data = render_progress_report(uow, org_id(), ticket.fiscal_year_be, ticket.round_months, fmt)
            name = report_file_name(uow, ticket)
    except ReportNotFound:
        return error_page(404, console.CONSOLE_REPORT_NOT_FOUND)
    _audit(ticket)
    return _file(ticket, data, name)


@blueprint.get("/reports/complaints")
@roles(Role.ADMIN)
def report_complaints() -> Any:
    fmt = _format(ReportKind.COMPLAINTS)
    year = request.args.get("year", "")
    if fmt is None or not year.isdigit() or not 2500 <= int(year) <= 2700:
        return error_page(400, console.CONSOLE_REPORT_CHOOSE)
    ticket = ReportTicket(org_id(), ReportKind.COMPLAINTS, int(year), 0, fmt)
    svc = services()
    try:
        with svc.uow() as uow:
            data = render_complaint_stats(uow, org_id(), ticket.fiscal_year_be, fmt, svc.complaints.policy)
    except ReportNotFound:
        return error_page(404, console.CONSOLE_REPORT_NOT_FOUND)
    _audit(ticket)
    return _file(ticket, data, thai_file_name(ticket))
