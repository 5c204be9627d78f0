"""The dashboard of the current round (or another round of the year, chosen above it): for administrators progress by issue, measure and unit, overdue
units, units that sent nothing, and complaint counts (the numbers of the LINE "สรุป" and of the weekly
summary: storage.progress_overview through usecases.weekly_digest); for a unit head, their unit's measures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import g, render_template, request

from bot.console.blueprint import access, blueprint, org_id, roles, services
from domain.digits import ARABIC
from domain.fiscal import local_date
from domain.progress import ProgressStatus
from storage.models import Role
from storage.progress_overview import MeasureProgress, RoundOverview
from texts import chat, common
from usecases.weekly_digest import gather
from views.rounds import round_name
from views.weekly_summary import WeeklyDigest


@dataclass
class UnitRow:
    name: str
    expected: int = 0
    reported: int = 0
    late: int = 0
    silent: bool = False
    no_head: bool = False
    blocked: bool = False

    @property
    def percent(self) -> int:
        return round(100 * self.reported / self.expected) if self.expected else 0


@dataclass
class MeasureRow:
    seq: int
    issue_no: int | None
    title: str
    reported: int
    expected: int
    status: str
    overdue: bool
    units: list[tuple[str, str, int | None]] = field(default_factory=list)  # unit, status label, percent


def status_label(status: ProgressStatus | str | None) -> str:
    if status is None:
        return chat.SUMMARY_NO_REPORT
    return common.STATUS_LABELS.get(str(status), str(status))


def measure_rows(overview: RoundOverview, unit_id: int | None = None) -> list[MeasureRow]:
    """One row per measure; with `unit_id`, only that unit's measures and its own report."""
    rows = []
    for m in overview.measures:
        units = [u for u in m.expected_units if unit_id is None or u.id == unit_id]
        if not units:
            continue
        statuses = [(u.name, status_label(m.reports[u.id].status) if u.id in m.reports else chat.SUMMARY_NO_REPORT,
                     m.reports[u.id].percent if u.id in m.reports else None) for u in units]
        if unit_id is None:
            rows.append(MeasureRow(m.measure.seq, m.measure.issue_no, m.measure.title, m.reported, m.expected,
                                   status_label(m.status), m.overdue, statuses))
        else:
            own = m.reports.get(unit_id)
            rows.append(MeasureRow(m.measure.seq, m.measure.issue_no, m.measure.title, int(own is not None), 1,
                                   status_label(own.status if own else None), m.overdue and own is None, statuses))
    return rows


def unit_rows(digest: WeeklyDigest) -> list[UnitRow]:
    assert digest.overview is not None
    rows: dict[str, UnitRow] = {}
    measures: list[MeasureProgress] = digest.overview.measures
    for m in measures:
        for unit in m.expected_units:
            row = rows.setdefault(unit.name, UnitRow(unit.name))
            row.expected += 1
            row.reported += int(unit.id in m.reports)
    for row in rows.values():
        row.late = digest.late.get(row.name, 0)
        row.silent = row.name in digest.silent
        row.no_head = row.name in digest.no_head
        row.blocked = row.name in digest.blocked
    return sorted(rows.values(), key=lambda r: (-r.late, r.percent, r.name))


@blueprint.get("/dashboard")
@roles(Role.ADMIN, Role.HEAD)
def dashboard() -> Any:
    me = access()
    svc = services()
    now = g.console_now
    with svc.uow() as uow:
        org = uow.people.organisation_by_id(org_id())
        assert org is not None
        today = local_date(now, org.timezone)
        digest = gather(uow, org.id, org.name, now, today, svc.complaints.policy,
                        months=request.args.get("round", type=int))
        uow.commit()  # gather makes the year's missing rounds
        context: dict[str, Any] = {"org": org, "digest": digest, "today": ARABIC.date(today),
                                   "unit": uow.people.unit(me.unit_id) if me.role is Role.HEAD else None}
        overview = digest.overview
        if overview is not None:
            rnd = overview.round
            current = uow.plans.round_for(org.id, overview.plan.fiscal_year_be, today)
            context.update(
                rounds=[{"months": r.months, "name": round_name(r), "shown": r.id == rnd.id,
                         "current": current is not None and r.id == current.id}
                        for r in uow.plans.rounds(org.id, overview.plan.fiscal_year_be)],
                round_name=round_name(rnd), fiscal_year=overview.plan.fiscal_year_be,
                period=f"{ARABIC.date(rnd.start_date)} – {ARABIC.date(rnd.end_date)}", due=ARABIC.date(rnd.due_date),
                done=overview.count(ProgressStatus.DONE), problem=overview.count(ProgressStatus.PROBLEM))
            if me.role is Role.HEAD:
                context.update(measures=measure_rows(overview, me.unit_id))
            else:
                context.update(measures=measure_rows(overview), units=unit_rows(digest))
        html = render_template("console/dashboard.html", **context)
    return html
