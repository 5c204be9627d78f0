"""The progress report as an Excel workbook (a summary sheet, then one row per measure × unit) and as CSV
(the same rows, UTF-8 with a BOM so that Excel opens Thai correctly). Texts come from chats and plan files:
in the CSV one that a spreadsheet would take for a formula starts with ' (OWASP's advice against CSV
injection); the workbook's cells are typed as strings, which no spreadsheet evaluates."""

from __future__ import annotations

import csv
import io

from domain.digits import ARABIC
from domain.reports import excel
from domain.reports.progress import RoundReport
from domain.reports.progress_table import Cell, detail_rows, issue_summaries
from texts import documents

DETAIL_WIDTHS = (7, 9, 28, 40, 45, 22, 18, 8, 50, 35, 14, 8, 10)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _summary(workbook: excel.Workbook, report: RoundReport) -> None:
    ws = excel.sheet(workbook, documents.SUMMARY_SHEET, (48, 14, 14, 14, 16))
    period = documents.ROUND_PERIOD.format(start=ARABIC.date(report.round.start, short=False),
                                        end=ARABIC.date(report.round.end, short=False))
    for line, font in ((report.title, excel.TITLE), (report.subtitle, excel.TITLE), (report.org_name, excel.BOLD),
                       (period, excel.TEXT),
                       (documents.AS_OF.format(date=ARABIC.date(report.as_of, short=False)), excel.TEXT)):
        ws.append(excel.styled(ws, [line], font))
    ws.append([])
    figures = {"measures": len(report.measures), "expected": report.expected, "reported": report.reported,
               "missing": report.expected - report.reported}
    for key, label in documents.SUMMARY_ROWS.items():
        ws.append(excel.styled(ws, [label, figures[key]]))
    ws.append([])
    ws.append(excel.styled(ws, [documents.SUMMARY_BY_STATUS], excel.BOLD))
    for status, count in report.status_counts().items():
        ws.append(excel.styled(ws, [status, count]))
    ws.append([])
    ws.append(excel.styled(ws, [documents.SUMMARY_BY_ISSUE], excel.BOLD))
    ws.append(excel.styled(ws, documents.SUMMARY_ISSUE_COLUMNS, excel.BOLD, fill=excel.HEADER_FILL))
    for issue in issue_summaries(report):
        ws.append(excel.styled(ws, [issue.name, issue.measures, issue.expected, issue.reported, issue.percent]))


def render_progress_xlsx(report: RoundReport) -> bytes:
    workbook = excel.new_workbook()
    _summary(workbook, report)
    return excel.save(workbook, [excel.BulkSheet(documents.DETAIL_SHEET, documents.DETAIL_COLUMNS, detail_rows(report),
                                                 DETAIL_WIDTHS)])


def csv_cell(value: Cell) -> Cell:
    """A text a spreadsheet would read as a formula (or as one after a tab or CR) gets a leading '."""
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def render_progress_csv(report: RoundReport) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_cell(label) for label in documents.DETAIL_COLUMNS])
    writer.writerows([csv_cell(value) for value in row] for row in detail_rows(report))
    return out.getvalue().encode("utf-8-sig")
