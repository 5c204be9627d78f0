"""Recover the measures of a municipality's measure table (the pure half of `itabot import-plan`).

Input is the rows of a table as read_table() gives them. Real tables are pasted from PDF or Word and
carry: header wordings that differ between bodies, headers over two rows and repeated at page breaks,
issue/indicator headings (a row of their own, a group column, a number alone), rows continued on the next
page, HTML list markup, bullets and inline numbering, Thai digits and words broken by stray spaces. The header
wordings handled are those of the domain notes (../shared/docs/domain.md, "The measure tables").

This module walks the rows and assembles the measures; domain.plan_rows reads what a single row's cells say
(does it continue the measure above?), domain.plan_cells cleans and splits single cells, domain.plan_header
reads the header row(s) into column roles and domain.plan_issues reads issue headings.

Every source row gets a RowDecision (header, heading, new measure, continuation of ม.N, ignored) with its
reason, so that `itabot import-plan --dry-run` can show how the table was read. The rule for measure rows:
a row continues the measure above only when its own cells say so (no measure text of its own, text that
begins mid-sentence or mid-list, only more units or steps); a row with its own measure text and its own
responsible unit is a new measure whatever its other cells hold.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from domain.fiscal import fiscal_year_bounds, parse_period
from domain.plan_cells import (
    chunk_items,
    ita_codes,
    measure_title,
    monitoring_rounds,
    split_steps,
    split_units,
)
from domain.plan_header import Layout, Role, is_header, labels
from domain.plan_issues import STANDARD_ISSUES, Heading, issue_number, parse_heading
from domain.plan_rows import judge_row, title_in_first_line
from domain.plan_table import PlanFileError
from domain.thai_text import normalise, squeeze, tidy

__all__ = [
    "CHOICES",
    "STANDARD_ISSUES",
    "ParsedMeasure",
    "ParsedPlan",
    "PlanFileError",
    "PlanWarning",
    "RowDecision",
    "ita_codes",
    "monitoring_rounds",
    "parse_plan",
    "row_fingerprints",
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
    #            "no-steps-column", "no-units-column", "looks-continued", "title-only" (and, from the import,
    #            "new-unit", "sub-unit", "no-units"); detail: the period text, the measure's title or a Thai
    #            sentence, as texts.chat.PLAN_WARNINGS expects for the code
    row: int  # 1-based source row, 0 when not row-specific
    detail: str
    suggestion: str = ""  # what the warning proposes (the unit a sub-section maps to, the measure a row may continue)


@dataclass(frozen=True)
class RowDecision:
    """What the parser made of one source row, and why (texts.cli.PLAN_ROW_* words it for people)."""

    row: int  # 1-based source row
    kind: str  # "header", "heading", "measure", "continuation", "ignored"
    reason: str  # a code: see texts.cli.PLAN_ROW_REASONS
    measure: int | None = None  # the measure (ม.N, 1-based in the plan's order) it starts or continues
    detail: str = ""  # what the reason points at: a word, a unit, a heading, a period
    period_row: int | None = None  # a measure without its own period: the row whose period it took
    fingerprint: str = ""  # the row's fingerprint (row_fingerprints): what a person's choice for it is kept under


@dataclass
class ParsedPlan:
    fiscal_year_be: int
    measures: list[ParsedMeasure]
    warnings: list[PlanWarning]
    decisions: list[RowDecision] = field(default_factory=list)


# -- rows to measures -------------------------------------------------------------------------------


@dataclass
class _Pending:
    row: int
    seq: int  # ม.N
    issue_no: int | None
    issue: str
    decision: int  # index of its first row's decision
    issue_period: tuple[str, int] | None  # the period of its issue (text, row), for an empty period cell
    order: str = ""  # its number in a "ที่"/"ลำดับ" column
    started: str = ""  # the reason it started
    chunks: dict[Role, list[str]] = field(default_factory=dict)

    def add(self, role: Role, text: str) -> None:
        chunks = self.chunks.setdefault(role, [])
        if text.strip() and (not chunks or squeeze(chunks[-1]) != squeeze(text)):
            chunks.append(text)

    def get(self, role: Role) -> list[str]:
        return self.chunks.get(role, [])


_ROW_ROLES = (Role.MEASURE, Role.STEPS, Role.UNITS, Role.PERIOD, Role.MONITORING, Role.ITA)
_SIDE_ROLES = (Role.PERIOD, Role.MONITORING)


@dataclass
class _Promotable:
    """A heading that may turn out to be a measure's title on a row of its own (rows without measure text
    follow it)."""

    row: int
    title: str
    issue: Heading | None  # the issue the measure then sits under
    issue_key: str
    decision: int


class _PlanBuilder:
    def __init__(self, fiscal_year_be: int, choices: Mapping[str, str] | None = None) -> None:
        self.fiscal_year_be = fiscal_year_be
        self.choices = dict(choices or {})
        self.fingerprint = ""  # the row being fed
        self.layout: Layout | None = None
        self.header_row = 0
        self.issue: Heading | None = None
        self.issue_key = ""
        self.issue_period: tuple[str, int] | None = None
        self.last_order: int | None = None
        self.pending: _Pending | None = None
        self.promotable: _Promotable | None = None
        self.measures: list[ParsedMeasure] = []
        self.warnings: list[PlanWarning] = []
        self.decisions: list[RowDecision] = []
        self.skipped_before_header: list[int] = []
        self.after_header = False

    # -- helpers
    def cell(self, row: list[str], role: Role) -> str:
        assert self.layout is not None
        index = self.layout.column(role)
        return row[index] if index is not None and index < len(row) else ""

    def warn(self, code: str, row: int, detail: str, suggestion: str = "") -> None:
        self.warnings.append(PlanWarning(code, row, detail, suggestion))

    def decide(self, row: int, kind: str, reason: str, measure: int | None = None, detail: str = "") -> int:
        self.decisions.append(RowDecision(row, kind, reason, measure, tidy(detail)[:80],
                                          fingerprint=self.fingerprint))
        return len(self.decisions) - 1

    def set_issue(self, heading: Heading | None, raw: str) -> None:
        self.issue = heading
        self.issue_key = squeeze(normalise(raw))
        self.issue_period = None

    def start(self, row_no: int, row: list[str], reason: str, detail: str = "") -> _Pending:
        self.flush()
        if self.issue is not None:
            issue_no, issue = self.issue.number, self.issue.text
        else:
            issue_no = issue_number(next((c for c in row if c.strip()), ""))
            issue_no, issue = (issue_no if issue_no is not None else self.last_order), ""
        seq = len(self.measures) + 1
        index = self.decide(row_no, "measure", reason, seq, detail)
        self.pending = _Pending(row_no, seq, issue_no, issue, index, self.issue_period,
                                squeeze(normalise(self.cell(row, Role.ORDER))), reason)
        self.promotable = None
        return self.pending

    def continue_pending(self, row_no: int, reason: str, detail: str = "") -> None:
        assert self.pending is not None
        self.decide(row_no, "continuation", reason, self.pending.seq, detail)

    # -- rows
    def feed(self, row_no: int, row: list[str]) -> None:
        if not any(cell.strip() for cell in row):
            self.decide(row_no, "ignored", "blank")
            return
        roles, unknown = labels(row)
        if is_header(roles, unknown):
            self.decide(row_no, "header", "repeated-header" if self.layout else "header")
            self.layout = Layout(dict(roles))
            self.header_row = self.header_row or row_no
            self.after_header = True
            return
        if self.layout is None:
            self.skipped_before_header.append(row_no)
            self.decide(row_no, "ignored", "before-header", detail=" ".join(c for c in row if c.strip()))
            return
        if self.after_header and roles and unknown == 0 and Role.MEASURE not in roles.values() \
                and all(self.layout.roles.get(i) in (None, Role.OTHER) for i in roles):  # labels the gaps
            self.layout.merge_sub_header(roles)
            self.decide(row_no, "header", "sub-header")
            return
        self.after_header = False
        choice = self.choices.get(self.fingerprint)
        if choice is not None and self.chosen(row_no, row, choice):
            return
        if self.heading_row(row_no, row):
            return
        self.data_row(row_no, row)

    def chosen(self, row_no: int, row: list[str], choice: str) -> bool:
        """A row read as a person chose (CHOICES) rather than as the rules say; False when the choice cannot
        apply (a continuation with no measure above it): the rules then read the row."""
        if choice == "ignored":
            self.decide(row_no, "ignored", "chosen")
            return True
        if choice == "heading":
            content = self._content(row)
            text = content[min(content)] if content else ""
            self.flush()
            self.set_issue(parse_heading(text), text)
            if self.cell(row, Role.PERIOD).strip():
                self.issue_period = (self.cell(row, Role.PERIOD), row_no)
            self.decide(row_no, "heading", "chosen", detail=text)
            return True
        if choice == "measure":
            self.start(row_no, row, "chosen")
            self.add_row(row_no, row)
            return True
        if choice == "continuation" and self.pending is not None:
            self.continue_pending(row_no, "chosen")
            self.add_row(row_no, row)
            return True
        return False

    def _content(self, row: list[str]) -> dict[int, str]:
        """The filled cells that can carry a heading (not period or monitoring), a text repeated over the cells
        of a merged heading kept once."""
        assert self.layout is not None
        cells = {i: c for i, c in enumerate(row) if c.strip() and self.layout.roles.get(i) not in _SIDE_ROLES}
        if len(cells) > 1 and len({c.strip() for c in cells.values()}) == 1:
            first = min(cells)
            return {first: cells[first]}
        return cells

    def heading_row(self, row_no: int, row: list[str]) -> bool:
        """An issue heading on a row of its own: one cell (a merged one too), or a number in the group column
        with the heading's text beside it. Records the decision and returns True when it is one."""
        assert self.layout is not None
        content = self._content(row)
        group = self.layout.group_column()
        order = self.layout.column(Role.ORDER)
        measure = self.layout.column(Role.MEASURE)
        period = self.cell(row, Role.PERIOD)
        if len(content) == 2 and measure in content:
            first = min(content)
            number = parse_heading(content[first])
            title = parse_heading(content[measure])
            own_column = first in (group, order) or (first == 0 and measure != 0)
            if own_column and number.number is not None and not number.text and first != measure and (
                    title.keyword or title.standard or first == group):
                heading = Heading(number.number, title.text, number.keyword or title.keyword, title.standard)
                return self.take_heading(row_no, heading, f"{content[first]} {content[measure]}", period,
                                         promote_to=(content[measure], Heading(number.number, "", False, False)))
            return False
        if len(content) != 1:
            return False
        index, text = next(iter(content.items()))
        role = self.layout.roles.get(index)
        heading = parse_heading(text)
        if index == group or role == Role.ORDER:
            if heading.number is None and not heading.keyword and not heading.standard and self.issue:
                self.issue = Heading(self.issue.number, tidy(f"{self.issue.text} {heading.text}"), False, False)
                if self.pending is not None and self.pending.issue_no == self.issue.number:
                    self.pending.issue = self.issue.text
                self.decide(row_no, "heading", "heading-continued", detail=heading.text)
                return True
            return self.take_heading(row_no, heading, text, period)
        if index != 0 and role != Role.MEASURE:
            return False
        if heading.keyword or heading.standard or (heading.number is not None and not heading.text):
            is_heading = True
        elif period.strip():
            is_heading = False  # a title with its own period is a measure
        elif group is not None:
            is_heading = False  # headings live in the group column; this is a title on its own row
        elif heading.number is not None:
            last = self.pending_title_number()
            is_heading = last is None or heading.number != last + 1
        else:
            is_heading = self.pending is None
        if not is_heading:
            return False
        return self.take_heading(row_no, heading, text, period, promote_to=(text, None))

    def pending_title_number(self) -> int | None:
        if self.pending is None:
            return None
        numbers = [item.number for item in chunk_items(self.pending.get(Role.MEASURE)) if item.kind == "num"]
        return numbers[-1] if numbers else None

    def take_heading(self, row_no: int, heading: Heading, raw: str, period: str,
                     promote_to: tuple[str, Heading | None] | None = None) -> bool:
        key = squeeze(normalise(raw))
        if key == self.issue_key:  # the same heading again: a merged cell over several rows, a page break
            self.decide(row_no, "heading", "heading-repeated", detail=raw)
            return True
        self.flush()
        previous = (self.issue, self.issue_key)
        self.set_issue(heading, raw)
        if period.strip():
            self.issue_period = (period, row_no)
        reason = "heading-number" if heading.number is not None and not heading.text else "heading"
        index = self.decide(row_no, "heading", reason, detail=raw)
        if promote_to is not None:
            title, issue = promote_to
            if issue is None:
                self.promotable = _Promotable(row_no, title, previous[0], previous[1], index)
            else:
                self.promotable = _Promotable(row_no, title, issue, key, index)
        return True

    def data_row(self, row_no: int, row: list[str]) -> None:
        assert self.layout is not None
        group_index = self.layout.group_column()
        group = row[group_index] if group_index is not None and group_index < len(row) else ""
        measure = self.cell(row, Role.MEASURE)
        order = self.cell(row, Role.ORDER)
        if order.strip():
            order_number = issue_number(order)
            self.last_order = order_number if order_number is not None else self.last_order
        new_issue = False
        if group.strip() and squeeze(normalise(group)) != self.issue_key:
            self.flush()
            self.set_issue(parse_heading(group), group)
            new_issue = True
        split = title_in_first_line(measure) if group_index is None else None
        if split is not None:  # "๒. การให้บริการ…" over the first measure's title in the same cell
            heading_text, measure = split
            if squeeze(normalise(heading_text)) != self.issue_key:
                self.flush()
                self.set_issue(parse_heading(heading_text), heading_text)
                new_issue = True
            column = self.layout.column(Role.MEASURE)
            row = [measure if i == column else cell for i, cell in enumerate(row)]
        pending = self.pending
        if pending is None or new_issue:
            if not measure.strip() and not new_issue:
                if self.promotable is not None:
                    self.promote()
                    self.continue_pending(row_no, "after-title-row")
                    self.add_row(row_no, row)
                    return
                text = tidy(" ".join(cell for cell in row if cell.strip()))
                self.warn("orphan-row", row_no, f"แถวนี้ไม่อยู่ใต้มาตรการใด จึงข้ามไป: {text[:80]}")
                self.decide(row_no, "ignored", "orphan", detail=text)
                return
            if new_issue:
                self.start(row_no, row, "new-issue", group or (self.issue.text if self.issue else ""))
            else:
                self.start(row_no, row, *self.first_reason(row))
            self.add_row(row_no, row)
            return
        verdict = judge_row(self.layout, row, pending.chunks, pending.order)
        if verdict.new:
            previous = pending.seq
            self.start(row_no, row, verdict.reason, verdict.detail)
            if verdict.doubt:
                self.warn("looks-continued", row_no, verdict.doubt, f"{previous}")
        else:
            self.continue_pending(row_no, verdict.reason, verdict.detail)
        self.add_row(row_no, row)

    def first_reason(self, row: list[str]) -> tuple[str, str]:
        """Why a row with measure text and no measure above it in its issue starts one."""
        assert self.layout is not None
        verdict = judge_row(self.layout, row, {}, "")
        return (verdict.reason, verdict.detail) if verdict.reason == "own-title-and-unit" else ("first-title", "")

    def add_row(self, row_no: int, row: list[str]) -> None:
        assert self.pending is not None
        if self.issue is not None and self.issue_period is None and self.cell(row, Role.PERIOD).strip() \
                and self.pending.row == row_no:
            self.issue_period = (self.cell(row, Role.PERIOD), row_no)  # the first period its issue gives
        for role in _ROW_ROLES:
            self.pending.add(role, self.cell(row, role))

    def promote(self) -> None:
        """A "heading" followed by rows that continue a measure was a measure's title on a row of its own."""
        assert self.promotable is not None
        promotable = self.promotable
        self.issue, self.issue_key = promotable.issue, promotable.issue_key
        self.decisions.pop(promotable.decision)
        pending = self.start(promotable.row, [promotable.title], "title-row")
        pending.add(Role.MEASURE, promotable.title)
        # the title's decision goes back where its row is
        decision = self.decisions.pop()
        self.decisions.insert(promotable.decision, decision)
        pending.decision = promotable.decision

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
        if not period_text.strip() and pending.issue_period is not None:
            period_text, period_row = pending.issue_period
            self.decisions[pending.decision] = replace(self.decisions[pending.decision], period_row=period_row)
        span = parse_period(period_text, self.fiscal_year_be)
        if span is None:
            self.warn("unreadable-period", row, tidy(period_text))
            span = fiscal_year_bounds(self.fiscal_year_be)
        assert self.layout is not None
        if not steps and self.layout.column(Role.STEPS) is not None:
            self.warn("no-steps", row, title[:60])
        if pending.started == "own-title" and pending.seq > 1 and not unit_texts and not all_units \
                and not pending.get(Role.STEPS) and not pending.get(Role.PERIOD) \
                and self.layout.column(Role.UNITS) is not None:
            self.warn("title-only", row, title[:60], f"{pending.seq - 1}")
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
            first, last = self.skipped_before_header[0], self.skipped_before_header[-1]
            rows = f"แถว {first}" if first == last else f"แถว {first}–{last}"
            self.warnings.insert(
                0,
                PlanWarning("no-header", first,
                            f"ข้าม {len(self.skipped_before_header)} แถวที่อยู่ก่อนหัวตาราง ({rows})"),
            )
        if self.layout.column(Role.STEPS) is None:
            self.warn("no-steps-column", self.header_row, "ตารางไม่มีคอลัมน์ขั้นตอน/วิธีดำเนินการ: มาตรการจะไม่มีขั้นตอน")
        if self.layout.column(Role.UNITS) is None:
            self.warn("no-units-column", self.header_row, "ตารางไม่มีคอลัมน์ผู้รับผิดชอบ: ต้องกำหนดหน่วยงานเอง")
        if not self.measures:
            self.warn("no-measures", self.header_row, "ไม่พบมาตรการในตาราง")
        return ParsedPlan(self.fiscal_year_be, self.measures, self.warnings, self.decisions)


CHOICES = ("measure", "continuation", "heading", "ignored")  # what a person may make of a data row


def row_fingerprints(rows: list[list[str]]) -> list[str]:
    """What identifies each row across uploads of the same document, in any of its formats: its cells' text
    without spaces, markup-blind digits and case (normalise, squeeze), and which repeat of that text it is
    (a header repeated at page breaks). 16 hex digits each."""
    seen: Counter[str] = Counter()
    prints = []
    for row in rows:
        text = "\x1f".join(squeeze(normalise(cell)).casefold() for cell in row if isinstance(cell, str) and cell.strip())
        seen[text] += 1
        prints.append(hashlib.sha256(f"{text}\x1e{seen[text]}".encode()).hexdigest()[:16])
    return prints


def parse_plan(rows: list[list[str]], fiscal_year_be: int, choices: Mapping[str, str] | None = None) -> ParsedPlan:
    """The measures of a table. Raises PlanFileError when no row reads as the table's header.

    choices: a person's reading of some data rows, by row fingerprint (row_fingerprints): one of CHOICES.
    Such a row is read so (its decision's reason is "chosen"); header and blank rows are not choosable."""
    builder = _PlanBuilder(fiscal_year_be, choices)
    for row_no, (row, fingerprint) in enumerate(zip(rows, row_fingerprints(rows), strict=True), start=1):
        builder.fingerprint = fingerprint
        builder.feed(row_no, [cell if isinstance(cell, str) else "" for cell in row])
    return builder.finish()

