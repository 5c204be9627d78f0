"""Plans, measures, reporting rounds and progress reports."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import and_, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from domain.rounds import RoundPeriod
from storage.plan_models import Measure, MeasureUnit, Plan, ProgressReport, ReportingRound


@dataclass(frozen=True)
class NewReport:
    measure_id: int
    unit_id: int
    round_id: int
    status: str
    percent: int | None
    details: str
    problems: str
    reporter_member_id: int | None


class MeasureDates(NamedTuple):
    """What deciding a reminder needs of a measure."""

    id: int
    plan_id: int
    seq: int
    start_date: date
    end_date: date
    all_units: bool


class PlanRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- plans and measures --------------------------------------------------------------------------
    def plan(self, plan_id: int | None) -> Plan | None:
        return self.session.get(Plan, plan_id) if plan_id is not None else None

    def plan_for_year(self, org_id: int, fiscal_year_be: int) -> Plan | None:
        return self.session.scalar(select(Plan).where(Plan.org_id == org_id,
                                                      Plan.fiscal_year_be == fiscal_year_be))

    def plans_with_measure_counts(self, org_id: int) -> list[tuple[Plan, int]]:
        """Every plan of the organisation, newest year first, with how many active measures it has."""
        rows = self.session.execute(
            select(Plan, func.count(Measure.id))
            .outerjoin(Measure, and_(Measure.plan_id == Plan.id, Measure.active.is_(True)))
            .where(Plan.org_id == org_id).group_by(Plan.id).order_by(Plan.fiscal_year_be.desc()))
        return [(plan, count) for plan, count in rows]

    def plans_for_years(self, org_id: int, fiscal_years: Iterable[int]) -> list[Plan]:
        return list(self.session.scalars(select(Plan).where(Plan.org_id == org_id,
                                                            Plan.fiscal_year_be.in_(list(fiscal_years)))
                                         .order_by(Plan.fiscal_year_be)))

    def plans_of(self, org_ids: Iterable[int], fiscal_years: Iterable[int]) -> list[Plan]:
        """The plans of these years of several organisations, in one query."""
        return list(self.session.scalars(select(Plan).where(Plan.org_id.in_(list(org_ids)),
                                                            Plan.fiscal_year_be.in_(list(fiscal_years)))
                                         .order_by(Plan.org_id, Plan.fiscal_year_be)))

    def active_measures_of_plans(self, plan_ids: Iterable[int]) -> dict[int, list[MeasureDates]]:
        """Plan id → its active measures by seq (their dates, as plain rows), for several plans in one query."""
        found: dict[int, list[MeasureDates]] = defaultdict(list)
        for row in self.session.execute(
                select(Measure.id, Measure.plan_id, Measure.seq, Measure.start_date, Measure.end_date,
                       Measure.all_units)
                .where(Measure.plan_id.in_(list(plan_ids)), Measure.active.is_(True))
                .order_by(Measure.plan_id, Measure.seq, Measure.id)):
            found[row[1]].append(MeasureDates(*row))
        return dict(found)

    def unit_ids_by_measure_of_plans(self, plan_ids: Iterable[int]) -> dict[int, dict[int, list[int]]]:
        """Plan id → measure id → the units named for it (measures for every unit name none), one query."""
        links: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
        for plan_id, measure_id, unit_id in self.session.execute(
                select(Measure.plan_id, MeasureUnit.measure_id, MeasureUnit.unit_id)
                .join(Measure, Measure.id == MeasureUnit.measure_id).where(Measure.plan_id.in_(list(plan_ids)))):
            links[plan_id][measure_id].append(unit_id)
        return {plan_id: dict(by_measure) for plan_id, by_measure in links.items()}

    def rounds_of(self, org_ids: Iterable[int], fiscal_years: Iterable[int]) -> dict[tuple[int, int], list[ReportingRound]]:
        """(organisation, fiscal year) → its rounds by months, for several organisations in one query."""
        found: dict[tuple[int, int], list[ReportingRound]] = defaultdict(list)
        for rnd in self.session.scalars(select(ReportingRound).where(
                ReportingRound.org_id.in_(list(org_ids)), ReportingRound.fiscal_year_be.in_(list(fiscal_years)))
                .order_by(ReportingRound.org_id, ReportingRound.fiscal_year_be, ReportingRound.months)):
            found[(rnd.org_id, rnd.fiscal_year_be)].append(rnd)
        return dict(found)

    def fiscal_years(self, org_id: int) -> list[int]:
        """The fiscal years the organisation has a plan for, newest first."""
        return list(self.session.scalars(select(Plan.fiscal_year_be).where(Plan.org_id == org_id)
                                         .order_by(Plan.fiscal_year_be.desc())))

    def measure_counts_by_unit(self, unit_ids: Iterable[int]) -> dict[int, int]:
        """How many measures (of any plan) each unit is named for."""
        rows = self.session.execute(
            select(MeasureUnit.unit_id, func.count()).where(MeasureUnit.unit_id.in_(list(unit_ids)))
            .group_by(MeasureUnit.unit_id))
        return {unit_id: count for unit_id, count in rows}

    def current_plan(self, org_id: int, fiscal_year_be: int) -> Plan | None:
        """The plan of this fiscal year, else the latest one before it, else the earliest after it."""
        plans = list(self.session.scalars(select(Plan).where(Plan.org_id == org_id)))
        if not plans:
            return None
        earlier = [p for p in plans if p.fiscal_year_be <= fiscal_year_be]
        if earlier:
            return max(earlier, key=lambda p: p.fiscal_year_be)
        return min(plans, key=lambda p: p.fiscal_year_be)

    def add_plan(self, org_id: int, fiscal_year_be: int, source_name: str, now: datetime) -> Plan:
        plan = Plan(org_id=org_id, fiscal_year_be=fiscal_year_be, source_name=source_name, imported_at=now)
        self.session.add(plan)
        self.session.flush()
        return plan

    def add_measure(self, org_id: int, plan_id: int, match_key: str) -> Measure:
        """A new measure of a plan, to be filled in by the caller (written at the next flush)."""
        measure = Measure(org_id=org_id, plan_id=plan_id, match_key=match_key)
        self.session.add(measure)
        return measure

    def measures(self, plan_id: int, include_inactive: bool = False) -> list[Measure]:
        query = select(Measure).where(Measure.plan_id == plan_id)
        if not include_inactive:
            query = query.where(Measure.active.is_(True))
        return list(self.session.scalars(query.order_by(Measure.seq, Measure.id)))

    def measure(self, measure_id: int) -> Measure | None:
        return self.session.get(Measure, measure_id)

    def measure_by_seq(self, plan_id: int, seq: int) -> Measure | None:
        return self.session.scalar(select(Measure).where(Measure.plan_id == plan_id, Measure.seq == seq,
                                                         Measure.active.is_(True)))

    def unit_ids_by_measure(self, measure_ids: Iterable[int]) -> dict[int, set[int]]:
        ids = list(measure_ids)
        result: dict[int, set[int]] = defaultdict(set)
        if ids:
            for measure_id, unit_id in self.session.execute(
                    select(MeasureUnit.measure_id, MeasureUnit.unit_id).where(MeasureUnit.measure_id.in_(ids))):
                result[measure_id].add(unit_id)
        return result

    def unit_ids_by_measure_of_plan(self, plan_id: int) -> dict[int, list[int]]:
        """The units named for each measure of a plan (measures for every unit name none)."""
        links: dict[int, list[int]] = defaultdict(list)
        for measure_id, unit_id in self.session.execute(
                select(MeasureUnit.measure_id, MeasureUnit.unit_id).join(Measure, Measure.id == MeasureUnit.measure_id)
                .where(Measure.plan_id == plan_id)):
            links[measure_id].append(unit_id)
        return dict(links)

    def replace_measure_units(self, unit_ids_by_measure: dict[int, list[int]]) -> None:
        """Set the units answering for each of these measures (one delete and one insert in all)."""
        if not unit_ids_by_measure:
            return
        self.session.execute(delete(MeasureUnit).where(MeasureUnit.measure_id.in_(list(unit_ids_by_measure))))
        links = [{"measure_id": m, "unit_id": u} for m, units in unit_ids_by_measure.items()
                 for u in dict.fromkeys(units)]
        if links:
            self.session.execute(insert(MeasureUnit), links)

    def measures_for_unit(self, plan_id: int, unit_id: int) -> list[Measure]:
        """The active measures a unit answers for: its own and those for every unit."""
        own = select(MeasureUnit.measure_id).where(MeasureUnit.unit_id == unit_id)
        return list(self.session.scalars(
            select(Measure).where(Measure.plan_id == plan_id, Measure.active.is_(True),
                                  or_(Measure.all_units.is_(True), Measure.id.in_(own)))
            .order_by(Measure.seq)))

    def unit_answers_for(self, measure: Measure, unit_id: int) -> bool:
        if measure.all_units:
            return True
        return self.session.get(MeasureUnit, (measure.id, unit_id)) is not None

    # -- rounds ------------------------------------------------------------------------------------------
    def rounds(self, org_id: int, fiscal_year_be: int) -> list[ReportingRound]:
        return list(self.session.scalars(
            select(ReportingRound).where(ReportingRound.org_id == org_id,
                                         ReportingRound.fiscal_year_be == fiscal_year_be)
            .order_by(ReportingRound.months)))

    def ensure_rounds(self, org_id: int, fiscal_year_be: int, periods: list[RoundPeriod]) -> list[ReportingRound]:
        """Create the rounds that do not exist yet (existing ones, maybe changed by an admin, are kept)."""
        existing = {r.months for r in self.rounds(org_id, fiscal_year_be)}
        for p in periods:
            if p.months not in existing:
                self.session.add(ReportingRound(org_id=org_id, fiscal_year_be=fiscal_year_be, months=p.months,
                                                start_date=p.start, end_date=p.end, due_date=p.due))
        self.session.flush()
        return self.rounds(org_id, fiscal_year_be)

    def round_for(self, org_id: int, fiscal_year_be: int, today: date) -> ReportingRound | None:
        rounds = self.rounds(org_id, fiscal_year_be)
        for r in rounds:
            if today <= r.due_date:
                return r
        return rounds[-1] if rounds else None

    def round(self, round_id: int) -> ReportingRound | None:
        return self.session.get(ReportingRound, round_id)

    # -- progress reports ----------------------------------------------------------------------------------
    def report(self, report_id: int) -> ProgressReport | None:
        return self.session.get(ProgressReport, report_id)

    def last_round_reported(self, org_id: int, fiscal_year_be: int) -> dict[tuple[int, int], int]:
        """(measure id, unit id) → the months of the latest round of the year the unit reported the measure
        in (a late report goes to the round it was sent in, so it settles the earlier rounds too)."""
        return {(m, u): months for m, u, months in self.session.execute(
            select(ProgressReport.measure_id, ProgressReport.unit_id, func.max(ReportingRound.months))
            .join(ReportingRound, ReportingRound.id == ProgressReport.round_id)
            .where(ReportingRound.org_id == org_id, ReportingRound.fiscal_year_be == fiscal_year_be)
            .group_by(ProgressReport.measure_id, ProgressReport.unit_id))}

    def last_rounds_reported_of(self, org_ids: Iterable[int], fiscal_years: Iterable[int]
                                ) -> dict[tuple[int, int], dict[tuple[int, int], int]]:
        """`last_round_reported` of several organisations and years in one query: (organisation, fiscal
        year) → (measure id, unit id) → months."""
        found: dict[tuple[int, int], dict[tuple[int, int], int]] = defaultdict(dict)
        for org_id, year, measure_id, unit_id, months in self.session.execute(
                select(ReportingRound.org_id, ReportingRound.fiscal_year_be, ProgressReport.measure_id,
                       ProgressReport.unit_id, func.max(ReportingRound.months))
                .join(ReportingRound, ReportingRound.id == ProgressReport.round_id)
                .where(ReportingRound.org_id.in_(list(org_ids)), ReportingRound.fiscal_year_be.in_(list(fiscal_years)))
                .group_by(ReportingRound.org_id, ReportingRound.fiscal_year_be, ProgressReport.measure_id,
                          ProgressReport.unit_id)):
            found[(org_id, year)][(measure_id, unit_id)] = months
        return dict(found)

    def measure_labels(self, measure_ids: Iterable[int]) -> dict[int, tuple[int, int, str]]:
        """Measure id → (its organisation, its number in the plan, its title), for the measures named
        (reminders being sent); no query when none is."""
        ids = list(measure_ids)
        if not ids:
            return {}
        return {measure_id: (org_id, seq, title) for measure_id, org_id, seq, title in self.session.execute(
            select(Measure.id, Measure.org_id, Measure.seq, Measure.title).where(Measure.id.in_(ids)))}

    def units_reported_in_round(self, round_id: int) -> set[int]:
        """The units that sent any report in a round."""
        return set(self.session.scalars(select(ProgressReport.unit_id).where(
            ProgressReport.round_id == round_id).distinct()))

    def add_report(self, org_id: int, report: NewReport, now: datetime) -> ProgressReport:
        version = (self.session.scalar(select(func.max(ProgressReport.version)).where(
            ProgressReport.measure_id == report.measure_id, ProgressReport.unit_id == report.unit_id,
            ProgressReport.round_id == report.round_id)) or 0) + 1
        row = ProgressReport(org_id=org_id, measure_id=report.measure_id, unit_id=report.unit_id,
                             round_id=report.round_id, version=version, status=report.status,
                             percent=report.percent, details=report.details, problems=report.problems,
                             reporter_member_id=report.reporter_member_id, created_at=now)
        self.session.add(row)
        self.session.flush()
        return row

    def latest_reports(self, round_id: int, measure_ids: Iterable[int] | None = None
                       ) -> dict[tuple[int, int], ProgressReport]:
        """The latest version per (measure, unit) in a round."""
        newest = (select(ProgressReport.measure_id, ProgressReport.unit_id,
                         func.max(ProgressReport.version).label("version"))
                  .where(ProgressReport.round_id == round_id)
                  .group_by(ProgressReport.measure_id, ProgressReport.unit_id).subquery())
        query = select(ProgressReport).join(newest, (ProgressReport.measure_id == newest.c.measure_id)
                                            & (ProgressReport.unit_id == newest.c.unit_id)
                                            & (ProgressReport.version == newest.c.version)).where(
            ProgressReport.round_id == round_id)
        if measure_ids is not None:
            query = query.where(ProgressReport.measure_id.in_(list(measure_ids)))
        return {(r.measure_id, r.unit_id): r for r in self.session.scalars(query)}

    def latest_report(self, measure_id: int, unit_id: int) -> ProgressReport | None:
        """The unit's newest report on a measure, whatever the round."""
        return self.session.scalar(
            select(ProgressReport).where(ProgressReport.measure_id == measure_id,
                                         ProgressReport.unit_id == unit_id)
            .order_by(ProgressReport.created_at.desc(), ProgressReport.id.desc()).limit(1))

    def reports_of_unit(self, measure_ids: Iterable[int], unit_id: int) -> dict[int, ProgressReport]:
        """The unit's newest report per measure, whatever the round."""
        result: dict[int, ProgressReport] = {}
        for row in self.session.scalars(
                select(ProgressReport).where(ProgressReport.measure_id.in_(list(measure_ids)),
                                             ProgressReport.unit_id == unit_id)
                .order_by(ProgressReport.created_at, ProgressReport.id)):
            result[row.measure_id] = row
        return result
