"""Which fiscal year a measure table is for, read from its own periods: the guard against importing a
2567 table as the plan of 2570 (the console's year field defaulted to the current year).

A period written with its year ("ต.ค. ๖๖ – ก.ย. ๖๗") says which fiscal year it belongs to; one without
("ไตรมาส ๒", "ตลอดปีงบประมาณ") takes the year the table is read under. So the table is read under two
different years: the measures whose periods do not move are the ones whose years are written, and the
fiscal year most of them fall in is the table's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from domain.fiscal import fiscal_year_of
from domain.plan_import import ParsedPlan

OTHER_YEAR_OFFSET = 7  # read again this many years later: no written period can move with it


@dataclass(frozen=True)
class YearReading:
    chosen: int  # the year the table was read under
    detected: int | None  # the fiscal year its written periods fall in (None: no period gives its year)
    dated: int  # measures whose periods give their year
    agreeing: int  # of those, how many fall in `detected`

    @property
    def mismatch(self) -> bool:
        return self.detected is not None and self.detected != self.chosen


def _middle(start: date, end: date) -> date:
    return start + (end - start) / 2


def read_year(parse: Callable[[int], ParsedPlan], chosen: int) -> YearReading:
    """The table's fiscal year by its written periods; `parse(year)` reads the table under `year`."""
    here, there = parse(chosen), parse(chosen + OTHER_YEAR_OFFSET)
    votes: Counter[int] = Counter()
    if len(here.measures) == len(there.measures):
        for a, b in zip(here.measures, there.measures, strict=True):
            if (a.start, a.end) == (b.start, b.end):
                votes[fiscal_year_of(_middle(a.start, a.end))] += 1
    if not votes:
        return YearReading(chosen, None, 0, 0)
    (detected, agreeing), = votes.most_common(1)
    return YearReading(chosen, detected, sum(votes.values()), agreeing)
