"""The complaint statistics as a Word file and as an Excel workbook. Counts only."""

from __future__ import annotations

from collections.abc import Sequence

from domain.digits import ARABIC
from domain.reports import excel, word
from domain.reports.complaints import ComplaintStatsReport
from texts import documents


def _count_table(rows: Sequence[tuple[str, int]], header: tuple[str, str], digits: word.Digits
                 ) -> tuple[list[int], list[str]]:
    widths = [int(word.TEXT_WIDTH * 0.45), int(word.TEXT_WIDTH * 0.15)]
    xml = [word.row_xml([word.cell_xml([word.paragraph_xml(h, bold=True, center=True)], w, fill=word.HEADING_FILL)
                         for h, w in zip(header, widths, strict=True)], header=True, cant_split=True)]
    xml += [word.row_xml([word.cell_xml([word.paragraph_xml(digits(name))], widths[0]),
                          word.cell_xml([word.paragraph_xml(digits(str(count)), center=True)], widths[1])],
                         cant_split=True) for name, count in rows]
    return widths, xml


def _grid_widths(first: Sequence[float], columns: int) -> list[int]:
    fixed = [int(word.TEXT_WIDTH * share) for share in first]
    rest = word.TEXT_WIDTH - sum(fixed)
    return fixed + [rest // columns] * columns


def _header_row(names: Sequence[str], widths: Sequence[int]) -> str:
    return word.row_xml([word.cell_xml([word.paragraph_xml(name, bold=True, center=True)], width,
                                       fill=word.HEADING_FILL) for name, width in zip(names, widths, strict=True)],
                        header=True, cant_split=True)


def _number_cells(values: Sequence[int], widths: Sequence[int], digits: word.Digits) -> list[str]:
    return [word.cell_xml([word.paragraph_xml(digits(str(v)), center=True)], w)
            for v, w in zip(values, widths, strict=True)]


def _months_table(report: ComplaintStatsReport, digits: word.Digits) -> tuple[list[int], list[str]]:
    widths = _grid_widths((0.12,), len(report.categories) + 1)
    rows = [_header_row([documents.COMPLAINTS_MONTH, *report.categories, documents.COMPLAINTS_TOTAL_COLUMN], widths)]
    for month in report.months:
        rows.append(word.row_xml([word.cell_xml([word.paragraph_xml(digits(month.label))], widths[0]),
                                  *_number_cells([*month.by_category, month.total], widths[1:], digits)],
                                 cant_split=True))
    totals = [count for _, count in report.by_category]
    rows.append(word.row_xml([word.cell_xml([word.paragraph_xml(documents.COMPLAINTS_TOTAL_COLUMN, bold=True)],
                                            widths[0]),
                              *_number_cells([*totals, report.total], widths[1:], digits)], cant_split=True))
    return widths, rows


def _detail_table(report: ComplaintStatsReport, digits: word.Digits) -> tuple[list[int], list[str]]:
    widths = _grid_widths((0.11, 0.2), len(report.statuses) + 1)
    rows = [_header_row([documents.COMPLAINTS_MONTH, documents.COMPLAINTS_CATEGORY, *report.statuses,
                         documents.COMPLAINTS_TOTAL_COLUMN], widths)]
    for month in report.months:
        month_cell = word.cell_xml([word.paragraph_xml(digits(month.label))], widths[0])
        if month.total == 0:
            rows.append(word.row_xml([month_cell, word.cell_xml(
                [word.paragraph_xml(documents.COMPLAINTS_NONE_IN_MONTH)], sum(widths[1:]), span=len(widths) - 1)],
                cant_split=True))
            continue
        for category, counts in zip(report.categories, month.detail, strict=True):
            if sum(counts):
                rows.append(word.row_xml([month_cell, word.cell_xml([word.paragraph_xml(category)], widths[1]),
                                          *_number_cells([*counts, sum(counts)], widths[2:], digits)],
                                         cant_split=True))
    return widths, rows


def render_complaints_docx(report: ComplaintStatsReport) -> bytes:
    digits = word.digits_for(report.options.digits)
    start, end = report.period
    document = word.new_document()
    word.add_page_numbers(document, report.options.digits)
    word.add_paragraphs(document, [
        word.paragraph_xml(digits(report.title), center=True, bold=True),
        word.paragraph_xml(digits(report.subtitle), center=True, bold=True),
        word.paragraph_xml(digits(report.org_name), center=True, bold=True),
        word.paragraph_xml(digits(documents.COMPLAINTS_PERIOD.format(start=ARABIC.date(start, short=False),
                                                                  end=ARABIC.date(end, short=False))),
                           center=True),
        word.paragraph_xml(digits(documents.AS_OF.format(date=ARABIC.date(report.as_of, short=False))), center=True),
        word.paragraph_xml(""),
        word.paragraph_xml(digits(documents.COMPLAINTS_TOTAL.format(total=report.total)), bold=True),
        word.paragraph_xml(documents.COMPLAINTS_PRIVACY),
        word.paragraph_xml(digits(report.medians_line)),
        word.paragraph_xml(""),
        word.paragraph_xml(documents.COMPLAINTS_BY_TYPE, bold=True, keep_next=True),
    ])
    header = (documents.COMPLAINTS_CATEGORY, documents.COMPLAINTS_COUNT)
    word.add_table(document, *_count_table(report.by_type, header, digits))
    word.add_paragraphs(document, [word.paragraph_xml(""),
                                   word.paragraph_xml(documents.COMPLAINTS_BY_STATUS, bold=True, keep_next=True)])
    word.add_table(document, *_count_table(report.by_status, header, digits))
    word.add_paragraphs(document, [word.paragraph_xml(""),
                                   word.paragraph_xml(documents.COMPLAINTS_BY_MONTH, bold=True, keep_next=True)])
    word.add_table(document, *_months_table(report, digits))
    word.add_paragraphs(document, [word.page_break_xml(),
                                   word.paragraph_xml(documents.COMPLAINTS_DETAIL, bold=True, keep_next=True)])
    word.add_table(document, *_detail_table(report, digits))
    word.add_paragraphs(document, [word.paragraph_xml(""),
                                   word.paragraph_xml(documents.PROCESS_TITLE, bold=True, keep_next=True)]
                        + [word.paragraph_xml(digits(f"{i}. {step}")) for i, step in
                           enumerate(report.process_steps, start=1)])
    signatories = [(s.position, s.name) for s in report.options.signatories]
    if signatories:
        word.add_paragraphs(document, [word.paragraph_xml(""), word.paragraph_xml("")])
        widths, rows = word.signature_rows(signatories, digits, documents.SIGN_LINE, documents.SIGN_NAME,
                                           documents.SIGN_NAME_BLANK)
        word.add_table(document, widths, rows, borders=False)
    return word.save(document)


def render_complaints_xlsx(report: ComplaintStatsReport) -> bytes:
    workbook = excel.new_workbook()
    start, end = report.period
    ws = excel.sheet(workbook, documents.COMPLAINTS_SHEET_SUMMARY, (48, 16))
    for line, font in ((report.title, excel.TITLE), (report.subtitle, excel.TITLE), (report.org_name, excel.BOLD),
                       (documents.COMPLAINTS_PERIOD.format(start=ARABIC.date(start, short=False),
                                                        end=ARABIC.date(end, short=False)), excel.TEXT),
                       (documents.AS_OF.format(date=ARABIC.date(report.as_of, short=False)), excel.TEXT),
                       (documents.COMPLAINTS_PRIVACY, excel.TEXT)):
        ws.append(excel.styled(ws, [line], font))
    ws.append([])
    ws.append(excel.styled(ws, [documents.COMPLAINTS_TOTAL_COLUMN, report.total], excel.BOLD))
    for title, rows in ((documents.COMPLAINTS_BY_TYPE, report.by_type), (documents.COMPLAINTS_BY_STATUS, report.by_status),
                        (documents.COMPLAINTS_CATEGORY, report.by_category)):
        ws.append([])
        ws.append(excel.styled(ws, [title, documents.COMPLAINTS_COUNT], excel.BOLD, fill=excel.HEADER_FILL))
        for name, count in rows:
            ws.append(excel.styled(ws, [name, count]))
    ws.append([])
    ws.append(excel.styled(ws, [report.medians_line]))

    months = excel.sheet(workbook, documents.COMPLAINTS_SHEET_MONTHS, (16, *[18] * (len(report.categories) + 1)))
    months.append(excel.styled(months, [documents.COMPLAINTS_MONTH, *report.categories, documents.COMPLAINTS_TOTAL_COLUMN],
                               excel.BOLD, fill=excel.HEADER_FILL, wrap=True))
    for month in report.months:
        months.append(excel.styled(months, [month.label, *month.by_category, month.total]))
    months.append(excel.styled(months, [documents.COMPLAINTS_TOTAL_COLUMN, *[c for _, c in report.by_category],
                                        report.total], excel.BOLD))

    detail = excel.sheet(workbook, documents.COMPLAINTS_SHEET_DETAIL, (16, 30, *[16] * (len(report.statuses) + 1)))
    detail.append(excel.styled(detail, [documents.COMPLAINTS_MONTH, documents.COMPLAINTS_CATEGORY, *report.statuses,
                                        documents.COMPLAINTS_TOTAL_COLUMN], excel.BOLD, fill=excel.HEADER_FILL, wrap=True))
    for month in report.months:
        for category, counts in zip(report.categories, month.detail, strict=True):
            detail.append(excel.styled(detail, [month.label, category, *counts, sum(counts)]))

    process = excel.sheet(workbook, documents.COMPLAINTS_SHEET_PROCESS, (6, 120))
    process.append(excel.styled(process, [documents.PROCESS_TITLE], excel.BOLD))
    for i, step in enumerate(report.process_steps, start=1):
        process.append(excel.styled(process, [i, step], wrap=True))
    return excel.save(workbook)
