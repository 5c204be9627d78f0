"""The progress report of a round, assembled from plain facts: per measure (grouped by issue) the steps of
the plan and what each unit answering for it last reported in the round. Every renderer (Word, Excel, CSV,
the public page) reads this one model, so they all say the same thing."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from domain.digits import DEFAULT_STYLES, DigitStyle, Surface
from domain.rounds import round_label
from texts import documents


@dataclass(frozen=True)
class RoundFacts:
    months: int
    start: date
    end: date
    due: date


@dataclass(frozen=True)
class MeasureFacts:
    id: int
    seq: int
    issue_no: int | None
    issue: str
    title: str
    steps: tuple[str, ...]
    all_units: bool
    unit_ids: tuple[int, ...]  # the units answering for it (ignored when all_units)
    start: date
    end: date


@dataclass(frozen=True)
class UnitFacts:
    id: int
    name: str


@dataclass(frozen=True)
class ReportFacts:
    """A unit's latest report on a measure in the round."""

    measure_id: int
    unit_id: int
    status: str
    percent: int | None
    details: str
    problems: str
    version: int
    reported_on: date  # local date


@dataclass(frozen=True)
class EvidenceFacts:
    """A photo or file sent with a unit's reports on a measure in the round (content loaded when needed)."""

    id: int
    measure_id: int
    unit_id: int
    kind: str  # LINE message type: image, video, file
    file_name: str | None
    content_type: str | None
    size: int | None


@dataclass(frozen=True)
class Signatory:
    position: str
    name: str = ""


_STEP_NUMBER = re.compile(r"^\s*\(?[0-9๐-๙]{1,2}\s*[.)](?![0-9๐-๙])\s*")


@dataclass(frozen=True)
class ReportOptions:
    digits: DigitStyle = DEFAULT_STYLES[Surface.DOCUMENTS]  # the documents' digit style (domain.digits)
    signatories: tuple[Signatory, ...] = tuple(Signatory(p) for p in documents.DEFAULT_SIGNATORIES)


@dataclass(frozen=True)
class UnitResult:
    unit: str
    report: ReportFacts | None
    status_label: str
    evidence: tuple[EvidenceFacts, ...] = ()

    @property
    def reported(self) -> bool:
        return self.report is not None


@dataclass(frozen=True)
class CellLine:
    """One entry of a table cell: the text, after the unit's name when several units share the measure."""

    unit: str | None
    text: str


@dataclass(frozen=True)
class MeasureRow:
    id: int
    seq: int
    issue_no: int | None
    issue: str
    title: str
    steps: tuple[str, ...]
    start: date
    end: date
    units: tuple[UnitResult, ...]

    @property
    def shared(self) -> bool:
        return len(self.units) > 1

    @property
    def heading(self) -> str:
        """"1. มาตรการ…" as the report's first column writes it."""
        return f"{self.seq}. {self.title}"

    @property
    def step_lines(self) -> list[str]:
        """Numbered when there are several ("1. …", "2. …"), once: a number the plan's table already wrote
        ("1. ปรับปรุงคู่มือ", "(2) ...") is replaced, not doubled; a single step as it is."""
        if len(self.steps) == 1:
            return [self.steps[0]]
        return [f"{i}. {_STEP_NUMBER.sub('', step, count=1)}" for i, step in enumerate(self.steps, start=1)]

    @property
    def result_lines(self) -> list[CellLine]:
        """What each unit reported; "ยังไม่ได้รายงาน" for a unit (or the whole measure) without a report."""
        if not any(u.reported for u in self.units):
            return [CellLine(None, documents.NOT_REPORTED)]
        if not self.shared:
            report = self.units[0].report
            assert report is not None
            return [CellLine(None, report.details.strip() or documents.NO_PROBLEMS)]
        return [CellLine(u.unit, (u.report.details.strip() or documents.NO_PROBLEMS) if u.report else documents.NOT_REPORTED)
                for u in self.units]

    @property
    def problem_lines(self) -> list[CellLine]:
        """The problems and suggestions units gave; "-" when none did."""
        given = [u for u in self.units if u.report is not None and u.report.problems.strip()]
        if not given:
            return [CellLine(None, documents.NO_PROBLEMS)]
        if not self.shared:
            return [CellLine(None, given[0].report.problems.strip())]  # type: ignore[union-attr]
        return [CellLine(u.unit, u.report.problems.strip()) for u in given]  # type: ignore[union-attr]

    @property
    def expected(self) -> int:
        return len(self.units)

    @property
    def reported(self) -> int:
        return sum(1 for u in self.units if u.reported)


@dataclass(frozen=True)
class IssueGroup:
    issue_no: int | None
    issue: str
    measures: tuple[MeasureRow, ...]

    @property
    def heading(self) -> str | None:
        """The issue heading row, or None for measures the plan puts under no named issue."""
        if not self.issue:
            return None
        if self.issue_no is None:
            return self.issue
        return documents.ISSUE_HEADING.format(no=self.issue_no, text=self.issue)


@dataclass(frozen=True)
class RoundReport:
    org_name: str
    fiscal_year_be: int
    round: RoundFacts
    as_of: date
    groups: tuple[IssueGroup, ...]
    options: ReportOptions = field(default_factory=ReportOptions)

    @property
    def measures(self) -> list[MeasureRow]:
        return [m for g in self.groups for m in g.measures]

    @property
    def round_name(self) -> str:
        return round_label(self.round.months, self.round.start, self.round.end)

    @property
    def title(self) -> str:
        return documents.PROGRESS_TITLE

    @property
    def subtitle(self) -> str:
        return documents.PROGRESS_SUBTITLE.format(year=self.fiscal_year_be, round=self.round_name)

    @property
    def expected(self) -> int:
        return sum(m.expected for m in self.measures)

    @property
    def reported(self) -> int:
        return sum(m.reported for m in self.measures)

    def status_counts(self) -> dict[str, int]:
        """Reports per status label (only statuses that occur), in the order of first appearance."""
        counts: dict[str, int] = {}
        for m in self.measures:
            for u in m.units:
                if u.report is not None:
                    counts[u.status_label] = counts.get(u.status_label, 0) + 1
        return counts

    @property
    def evidence(self) -> list[tuple[MeasureRow, UnitResult, EvidenceFacts]]:
        return [(m, u, e) for m in self.measures for u in m.units for e in u.evidence]


def _group(rows: list[MeasureRow]) -> tuple[IssueGroup, ...]:
    """Measures under their issue, issues in the order they first appear, measures in plan order."""
    groups: dict[tuple[int | None, str], list[MeasureRow]] = {}
    for row in rows:
        groups.setdefault((row.issue_no, row.issue) if row.issue else (None, ""), []).append(row)
    return tuple(IssueGroup(no, issue, tuple(measures)) for (no, issue), measures in groups.items())


def assemble_round_report(
    *,
    org_name: str,
    fiscal_year_be: int,
    round: RoundFacts,
    as_of: date,
    measures: Iterable[MeasureFacts],
    units: Iterable[UnitFacts],
    reports: Iterable[ReportFacts],
    evidence: Iterable[EvidenceFacts] = (),
    status_names: Mapping[str, str],
    options: ReportOptions | None = None,
) -> RoundReport:
    """The report of a round. A measure's units are those answering for it (every unit for a measure of
    every unit) plus any other unit that reported on it; each with its latest report in the round or none."""
    unit_list = list(units)
    names = {u.id: u.name for u in unit_list}
    latest: dict[tuple[int, int], ReportFacts] = {}
    for r in reports:
        key = (r.measure_id, r.unit_id)
        if key not in latest or r.version > latest[key].version:
            latest[key] = r
    files: dict[tuple[int, int], list[EvidenceFacts]] = {}
    for e in sorted(evidence, key=lambda e: e.id):
        files.setdefault((e.measure_id, e.unit_id), []).append(e)
    reporters: dict[int, list[int]] = {}
    for measure_id, unit_id in latest:
        reporters.setdefault(measure_id, []).append(unit_id)
    rows = []
    for m in sorted(measures, key=lambda m: (m.seq, m.id)):
        expected = [u.id for u in unit_list] if m.all_units else [u for u in m.unit_ids if u in names]
        unit_ids = list(dict.fromkeys([*expected, *sorted(u for u in reporters.get(m.id, []) if u in names)]))
        results = []
        for unit_id in unit_ids:
            report = latest.get((m.id, unit_id))
            label = status_names.get(report.status, report.status) if report else documents.NOT_REPORTED
            results.append(UnitResult(names[unit_id], report, label, tuple(files.get((m.id, unit_id), ()))))
        rows.append(MeasureRow(m.id, m.seq, m.issue_no, m.issue, m.title, m.steps, m.start, m.end, tuple(results)))
    return RoundReport(org_name, fiscal_year_be, round, as_of, _group(rows), options or ReportOptions())
