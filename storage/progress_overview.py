"""Where a round stands: per measure, which units answer for it and what they last reported."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from domain.progress import ProgressStatus
from storage.models import Unit
from storage.plan_models import Measure, Plan, ProgressReport, ReportingRound
from storage.uow import UnitOfWork


@dataclass
class MeasureProgress:
    measure: Measure
    expected_units: list[Unit]
    reports: dict[int, ProgressReport] = field(default_factory=dict)  # unit id → latest in the round
    overdue: bool = False

    @property
    def reported(self) -> int:
        return sum(1 for unit in self.expected_units if unit.id in self.reports)

    @property
    def expected(self) -> int:
        return len(self.expected_units)

    @property
    def status(self) -> ProgressStatus | None:
        """One status for the measure: done when every unit is done, a problem when any unit has one."""
        statuses = {ProgressStatus(r.status) for r in self.reports.values()}
        if not statuses:
            return None
        if ProgressStatus.PROBLEM in statuses:
            return ProgressStatus.PROBLEM
        if statuses == {ProgressStatus.DONE} and self.reported >= self.expected:
            return ProgressStatus.DONE
        if statuses == {ProgressStatus.NOT_STARTED}:
            return ProgressStatus.NOT_STARTED
        return ProgressStatus.IN_PROGRESS


@dataclass
class RoundOverview:
    plan: Plan
    round: ReportingRound
    measures: list[MeasureProgress]

    @property
    def expected(self) -> int:
        return sum(m.expected for m in self.measures)

    @property
    def reported(self) -> int:
        return sum(m.reported for m in self.measures)

    def count(self, status: ProgressStatus) -> int:
        return sum(1 for m in self.measures for r in m.reports.values() if r.status == status)

    @property
    def overdue(self) -> int:
        return sum(1 for m in self.measures if m.overdue)


def round_overview(uow: UnitOfWork, org_id: int, plan: Plan, rnd: ReportingRound, today: date) -> RoundOverview:
    units = uow.people.units(org_id)
    by_id = {u.id: u for u in units}
    measures = uow.plans.measures(plan.id)
    unit_ids = uow.plans.unit_ids_by_measure(m.id for m in measures)
    latest = uow.plans.latest_reports(rnd.id, [m.id for m in measures])
    rows = []
    for measure in measures:
        expected = units if measure.all_units else [by_id[u] for u in sorted(unit_ids.get(measure.id, ()))
                                                     if u in by_id]
        row = MeasureProgress(measure, expected,
                              {u.id: latest[(measure.id, u.id)] for u in expected if (measure.id, u.id) in latest})
        row.overdue = (today > rnd.due_date and row.reported < row.expected) or (
            today > measure.end_date and row.status is not ProgressStatus.DONE)
        rows.append(row)
    return RoundOverview(plan, rnd, rows)
