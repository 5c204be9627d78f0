"""Recover the measures of a municipality's measure table (the pure half of `itabot import-plan`).

Input is the rows of a table as read_table() gives them. Real tables are pasted from PDF or Word and
carry: header wordings that differ between bodies, headers over two rows and repeated at page breaks,
issue/indicator heading rows, rows continued on the next page (empty first cells), HTML list markup,
bullets and inline numbering, Thai digits and words broken by stray spaces. The header wordings handled are those of
the domain notes (../shared/docs/domain.md, "The measure tables").

This module walks the rows and assembles the measures; domain.plan_cells cleans and splits single cells,
domain.plan_header reads the header row(s) into column roles and domain.plan_issues reads issue headings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from domain.fiscal import fiscal_year_bounds, parse_period
from domain.plan_cells import (
    chunk_items,
    ita_codes,
    last_number,
    measure_title,
    monitoring_rounds,
    split_steps,
    split_units,
)
from domain.plan_header import Layout, Role, is_header, labels
from domain.plan_issues import STANDARD_ISSUES, Heading, issue_number, parse_heading
from domain.plan_table import PlanFileError
from domain.thai_text import normalise, squeeze, tidy

__all__ = [
    "STANDARD_ISSUES",
    "ParsedMeasure",
    "ParsedPlan",
    "PlanFileError",
    "PlanWarning",
    "ita_codes",
    "monitoring_rounds",
    "parse_plan",
    "split_steps",
]

NO_HEADER_MESSAGE = (
    "ไม่พบหัวตารางมาตรการ: ตารางต้องมีคอลัมน์ “มาตรการ/แนวทาง” และอย่างน้อยหนึ่งในคอลัมน์ "
    "“ขั้นตอน/วิธีดำเนินการ”, “ผู้รับผิดชอบ”, “ระยะเวลาดำเนินการ”"
)


@dataclass(frozen=True)
class ParsedMeasure:
    issue_no: int | None  # number of the ประเด็น/ตัวชี้วัด heading it sits under (or a number in the first cell)
    issue: str  # that heading's text, cleaned
    title: str  # the measure text, cleaned (markup removed, spaces fixed)
    steps: list[str]  # steps, split on list markup / bullets / inline numbers, numbering removed
    unit_texts: list[str]  # responsible units as written (cleaned), split into separate units
    all_units: bool  # "ทุกส่วนราชการ", "ทุกสำนัก/กอง", "ทุกหน่วยงาน"...
    start: date
    end: date
    ita_codes: list[str]  # lower-case letter + arabic number: "e12", "i19", "o27"
    monitoring_rounds_months: list[int]
    row: int  # 1-based source row of the measure (for warnings)


@dataclass(frozen=True)
class PlanWarning:
    code: str  # "unreadable-period", "no-steps", "no-title", "no-header", "orphan-row", "no-measures",
    #            "no-steps-column", "no-units-column"; detail: the period text or the measure's title for the
    #            first two, a Thai sentence for the others
    row: int  # 1-based source row, 0 when not row-specific
    detail: str


@dataclass
class ParsedPlan:
    fiscal_year_be: int
    measures: list[ParsedMeasure]
    warnings: list[PlanWarning]


# -- rows to measures -------------------------------------------------------------------------------


@dataclass
class _Pending:
    row: int
    issue_no: int | None
    issue: str
    chunks: dict[Role, list[str]] = field(default_factory=dict)

    def add(self, role: Role, text: str) -> None:
        chunks = self.chunks.setdefault(role, [])
        if text.strip() and (not chunks or squeeze(chunks[-1]) != squeeze(text)):
            chunks.append(text)

    def get(self, role: Role) -> list[str]:
        return self.chunks.get(role, [])

    def last_title_number(self) -> int | None:
        return last_number(chunk_items(self.get(Role.MEASURE)))


_ROW_ROLES = (Role.MEASURE, Role.STEPS, Role.UNITS, Role.PERIOD, Role.MONITORING, Role.ITA)


class _PlanBuilder:
    def __init__(self, fiscal_year_be: int) -> None:
        self.fiscal_year_be = fiscal_year_be
        self.layout: Layout | None = None
        self.issue: Heading | None = None
        self.issue_key = ""
        self.pending: _Pending | None = None
        self.promotable: tuple[int, str, Heading | None, str] | None = None
        self.measures: list[ParsedMeasure] = []
        self.warnings: list[PlanWarning] = []
        self.skipped_before_header: list[int] = []
        self.after_header = False
        self.group_on_data_rows = False

    # -- helpers
    def cell(self, row: list[str], role: Role) -> str:
        assert self.layout is not None
        index = self.layout.column(role)
        return row[index] if index is not None and index < len(row) else ""

    def warn(self, code: str, row: int, detail: str) -> None:
        self.warnings.append(PlanWarning(code, row, detail))

    def set_issue(self, heading: Heading | None, raw: str) -> None:
        self.issue = heading
        self.issue_key = squeeze(normalise(raw))

    def start(self, row_no: int, row: list[str]) -> None:
        self.flush()
        if self.issue is not None:
            issue_no, issue = self.issue.number, self.issue.text
        else:
            issue_no, issue = issue_number(next((c for c in row if c.strip()), "")), ""
        self.pending = _Pending(row_no, issue_no, issue)
        self.promotable = None

    # -- rows
    def feed(self, row_no: int, row: list[str]) -> None:
        if not any(cell.strip() for cell in row):
            return
        roles, unknown = labels(row)
        if is_header(roles, unknown):
            self.layout = Layout(dict(roles))
            self.after_header = True
            return
        if self.layout is None:
            self.skipped_before_header.append(row_no)
            return
        if self.after_header and roles and unknown == 0 and Role.MEASURE not in roles.values():
            self.layout.merge_sub_header(roles)
            return
        self.after_header = False
        filled = [i for i, cell in enumerate(row) if cell.strip()]
        if len(filled) == 1 and self.single_cell(row_no, filled[0], row[filled[0]]):
            return
        self.data_row(row_no, row)

    def single_cell(self, row_no: int, index: int, text: str) -> bool:
        """A row with one filled cell: an issue heading (True) or a continuation (False)."""
        assert self.layout is not None
        role = self.layout.roles.get(index)
        heading = parse_heading(text)
        if role == Role.GROUP:
            if heading.number is None and not heading.keyword and not heading.standard and self.issue:
                self.issue = Heading(self.issue.number, tidy(f"{self.issue.text} {heading.text}"), False, False)
                if self.pending is not None and self.pending.issue_no == self.issue.number:
                    self.pending.issue = self.issue.text
                return True
            self.flush()
            self.set_issue(heading, text)
            return True
        if index != 0 and role != Role.MEASURE:
            return False
        if heading.keyword or heading.standard:
            is_heading = True
        elif self.layout.column(Role.GROUP) is not None:
            is_heading = False  # headings live in the group column; this is a cut title
        elif heading.number is not None:
            last = self.pending.last_title_number() if self.pending else None
            is_heading = last is None or heading.number != last + 1
        else:
            is_heading = self.pending is None
        if is_heading:
            self.flush()
            previous = (self.issue, self.issue_key)
            self.set_issue(heading, text)
            self.promotable = (row_no, text, *previous)
        return is_heading

    def data_row(self, row_no: int, row: list[str]) -> None:
        assert self.layout is not None
        group = self.cell(row, Role.GROUP)
        measure = self.cell(row, Role.MEASURE)
        new_issue = bool(group.strip()) and squeeze(normalise(group)) != self.issue_key
        self.group_on_data_rows = self.group_on_data_rows or bool(group.strip())
        if new_issue:
            self.flush()
            self.set_issue(parse_heading(group), group)
        pending = self.pending
        same_title = pending is not None and bool(measure.strip()) and any(
            squeeze(measure) == squeeze(c) for c in pending.get(Role.MEASURE)
        )
        if new_issue or pending is None:
            starts = pending is None or new_issue
        elif same_title:
            starts = False
        elif self.group_on_data_rows:
            # Group cells sit on measure rows and a row without one continues the measure above (a page
            # break), unless it carries its own ITA question or period.
            codes = ita_codes(self.cell(row, Role.ITA))
            period = self.cell(row, Role.PERIOD)
            starts = bool(measure.strip()) and (
                bool(group.strip())
                or bool(codes and codes != ita_codes(" ".join(pending.get(Role.ITA))))
                or bool(period.strip() and parse_period(period, self.fiscal_year_be) is not None)
            )
        else:
            starts = bool(measure.strip())
        if pending is None and not measure.strip() and self.promotable is None and not new_issue:
            text = tidy(" ".join(cell for cell in row if cell.strip()))
            self.warn("orphan-row", row_no, f"แถวนี้ไม่อยู่ใต้มาตรการใด จึงข้ามไป: {text[:80]}")
            return
        if starts and pending is None and not measure.strip() and self.promotable is not None:
            self.promote()
        elif starts:
            self.start(row_no, row)
        assert self.pending is not None
        for role in _ROW_ROLES:
            self.pending.add(role, self.cell(row, role))

    def promote(self) -> None:
        """A "heading" followed by rows that continue a measure was a measure's title on a row of its own."""
        assert self.promotable is not None
        row_no, text, issue, issue_key = self.promotable
        self.issue, self.issue_key = issue, issue_key
        self.start(row_no, [text])
        assert self.pending is not None
        self.pending.add(Role.MEASURE, text)

    def flush(self) -> None:
        pending, self.pending = self.pending, None
        if pending is None:
            return
        row = pending.row
        title_items = chunk_items(pending.get(Role.MEASURE))
        steps = [item.body() for item in chunk_items(pending.get(Role.STEPS))]
        title = measure_title(title_items)
        if not title:
            self.warn("no-title", row, "มาตรการนี้ไม่มีชื่อ: ใช้ขั้นตอนแรกแทน")
            title = steps[0] if steps else ""
        unit_texts, all_units = split_units(pending.get(Role.UNITS))
        period_text = " ".join(pending.get(Role.PERIOD))
        span = parse_period(period_text, self.fiscal_year_be)
        if span is None:
            self.warn("unreadable-period", row, tidy(period_text))
            span = fiscal_year_bounds(self.fiscal_year_be)
        assert self.layout is not None
        if not steps and self.layout.column(Role.STEPS) is not None:
            self.warn("no-steps", row, title[:60])
        self.measures.append(
            ParsedMeasure(
                issue_no=pending.issue_no,
                issue=pending.issue,
                title=title,
                steps=steps,
                unit_texts=unit_texts,
                all_units=all_units,
                start=span[0],
                end=span[1],
                ita_codes=ita_codes(" ".join(pending.get(Role.ITA))),
                monitoring_rounds_months=monitoring_rounds(" ".join(pending.get(Role.MONITORING))),
                row=row,
            )
        )

    def finish(self) -> ParsedPlan:
        if self.layout is None:
            raise PlanFileError(NO_HEADER_MESSAGE)
        self.flush()
        if self.skipped_before_header:
            first = self.skipped_before_header[0]
            self.warnings.insert(
                0,
                PlanWarning("no-header", first,
                            f"ข้าม {len(self.skipped_before_header)} แถวที่อยู่ก่อนหัวตาราง (แถว {first} เป็นต้นไป)"),
            )
        if self.layout.column(Role.STEPS) is None:
            self.warn("no-steps-column", 0, "ตารางไม่มีคอลัมน์ขั้นตอน/วิธีดำเนินการ: มาตรการจะไม่มีขั้นตอน")
        if self.layout.column(Role.UNITS) is None:
            self.warn("no-units-column", 0, "ตารางไม่มีคอลัมน์ผู้รับผิดชอบ: ต้องกำหนดหน่วยงานเอง")
        if not self.measures:
            self.warn("no-measures", 0, "ไม่พบมาตรการในตาราง")
        return ParsedPlan(self.fiscal_year_be, self.measures, self.warnings)


def parse_plan(rows: list[list[str]], fiscal_year_be: int) -> ParsedPlan:
    """The measures of a table. Raises PlanFileError when no row reads as the table's header."""
    builder = _PlanBuilder(fiscal_year_be)
    for row_no, row in enumerate(rows, start=1):
        builder.feed(row_no, [cell if isinstance(cell, str) else "" for cell in row])
    return builder.finish()
