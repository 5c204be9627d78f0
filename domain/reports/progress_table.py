"""The progress report as data: one row per measure × unit (Excel's detail sheet and the CSV), and the
summary figures (Excel's summary sheet)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from domain.digits import ARABIC
from domain.reports.progress import RoundReport
from texts import documents

Cell = str | int | None


def detail_rows(report: RoundReport) -> Iterator[list[Cell]]:
    """Rows under `documents.DETAIL_COLUMNS`: texts as the units wrote them, numbers as numbers."""
    for measure in report.measures:
        steps = "\n".join(measure.step_lines)
        common: list[Cell] = [measure.seq, measure.issue_no, measure.issue, measure.title, steps]
        if not measure.units:
            yield [*common, documents.NO_UNIT, documents.NOT_REPORTED, None, "", "", "", None, 0]
            continue
        for unit in measure.units:
            r = unit.report
            if r is None:
                yield [*common, unit.unit, documents.NOT_REPORTED, None, "", "", "", None, 0]
            else:
                yield [*common, unit.unit, unit.status_label, r.percent, r.details, r.problems,
                       ARABIC.date(r.reported_on), r.version, len(unit.evidence)]


@dataclass(frozen=True)
class IssueSummary:
    name: str
    measures: int
    expected: int
    reported: int

    @property
    def percent(self) -> float:
        return round(100 * self.reported / self.expected, 1) if self.expected else 0.0


def issue_summaries(report: RoundReport) -> list[IssueSummary]:
    return [IssueSummary(group.heading or documents.NO_ISSUE, len(group.measures),
                         sum(m.expected for m in group.measures), sum(m.reported for m in group.measures))
            for group in report.groups]
