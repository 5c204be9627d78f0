"""The reminder run: for every organisation, whose unit heads are due a reminder now, one push each.

Everything is decided from the database (what was reported, which stages were already handled), so a
run can be repeated, skipped or run late: a restart never sends a reminder twice (each stage of an
obligation is recorded once, in the transaction that writes the push) and never skips one (a stage that
came while the worker was down goes out at the next run, folded into the latest stage).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, insert, select

from domain.fiscal import fiscal_year_of
from domain.quota import QuotaLevel, quota_level
from domain.reminders import (
    ESCALATION_STAGE,
    ReminderPolicy,
    due_stage,
    escalation_due,
    obligation_deadline,
    stage_rank,
)
from domain.work_calendar import WorkCalendar
from storage.clock import utcnow
from storage.models import (
    Member,
    Organisation,
    OutboxMessage,
    OutboxStatus,
    Priority,
    QuotaSnapshot,
    Role,
    Unit,
)
from storage.plan_models import Measure, MeasureUnit, Plan, ProgressReport, ReportingRound
from storage.schedule_models import QuotaNotice, ReminderPushDay, ReminderRecord
from storage.schedule_settings import ScheduleSettings
from storage.uow import UnitOfWork, UnitOfWorkFactory
from views.reminder_flex import DueMeasure, escalation_message, quota_notice_message, reminder_message

log = logging.getLogger(__name__)

SENT, SUPERSEDED, DROPPED, NO_RECIPIENT, BLOCKED = "sent", "superseded", "dropped", "no-recipient", "blocked"
MAX_MEASURES_PER_PUSH = 60


def calendar_for(org: Organisation, settings: ScheduleSettings) -> WorkCalendar:
    return WorkCalendar(ZoneInfo(org.timezone), settings.work_start_time, settings.work_end_time)


@dataclass
class ReminderRun:
    organisations: int = 0
    pushes: int = 0
    measures: int = 0
    superseded: int = 0
    dropped: int = 0
    unreachable: int = 0
    escalations: int = 0

    def add(self, other: ReminderRun) -> None:
        for name in ("organisations", "pushes", "measures", "superseded", "dropped", "unreachable", "escalations"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def run_reminders(uow_factory: UnitOfWorkFactory, now: datetime | None = None,
                  org_ids: list[int] | None = None) -> ReminderRun:
    """Plan and queue every reminder due now, one transaction per organisation."""
    now = now or utcnow()
    total = ReminderRun()
    if org_ids is None:
        with uow_factory() as uow:
            org_ids = uow.schedule.all_org_ids_with_plans()
    for org_id in org_ids:
        with uow_factory() as uow:
            run = remind_organisation(uow, org_id, now)
            uow.commit()
        total.add(run)
    if total.pushes or total.escalations:
        log.info("reminders: %s pushes for %s measures (%s superseded, %s dropped, %s unreachable, %s escalations)",
                 total.pushes, total.measures, total.superseded, total.dropped, total.unreachable,
                 total.escalations)
    return total


@dataclass
class _Candidate:
    measure: Measure
    unit_id: int
    rnd: ReportingRound
    deadline: date
    stage: int
    superseded: tuple[int, ...]


def remind_organisation(uow: UnitOfWork, org_id: int, now: datetime) -> ReminderRun:
    # Runs of one organisation are serialised (a manual `itabot reminders run` beside the scheduler's), so
    # a stage is never decided twice (FOR NO KEY UPDATE: rows that merely reference the organisation are
    # not held up). SQLite: the transaction's write lock does the same.
    org = uow.session.scalar(select(Organisation).where(Organisation.id == org_id).with_for_update(key_share=True))
    run = ReminderRun(organisations=1)
    if org is None:
        return run
    settings = uow.schedule.settings(org_id)
    calendar = calendar_for(org, settings)
    if not calendar.is_working_moment(now):
        return run  # never at night, on a weekend or a holiday: the next working morning's run sends it
    today = now.astimezone(calendar.tz).date()
    policy = settings.reminder_policy
    candidates, escalations = _due(uow, org_id, today, policy, calendar)
    if not candidates and not escalations:
        return run
    level = _quota_level(uow, org_id, now, calendar, expected_now=len({c.unit_id for c in candidates}))
    # (unit, round, outcome) → measure id → stages: one row per unit and outcome, not per measure
    records: dict[tuple[int, int, str], dict[str, list[int]]] = defaultdict(dict)

    def record(c: _Candidate, stage: int, outcome: str) -> None:
        records[(c.unit_id, c.rnd.id, outcome)].setdefault(str(c.measure.id), []).append(stage)

    kept: list[_Candidate] = []
    for c in candidates:
        if level.drops(stage_rank(c.stage, policy)):
            record(c, c.stage, DROPPED)
            for s in c.superseded:
                record(c, s, SUPERSEDED)
            run.dropped += 1
        else:
            kept.append(c)
    heads = _heads_by_unit(uow, org_id)
    pushed_today = set(uow.session.scalars(select(ReminderPushDay.member_id).where(
        ReminderPushDay.org_id == org_id, ReminderPushDay.day == today)))
    by_unit: dict[int, list[_Candidate]] = defaultdict(list)
    for c in kept:
        by_unit[c.unit_id].append(c)
    pushes: list[tuple[Member, list[_Candidate]]] = []
    for unit_id, due in by_unit.items():
        unit_heads = heads.get(unit_id, [])
        reachable = [m for m in unit_heads if not m.blocked]
        if not reachable:
            for c in due:  # nobody to tell (no head bound, or all blocked): the weekly summary says so
                record(c, c.stage, BLOCKED if unit_heads else NO_RECIPIENT)
                for s in c.superseded:
                    record(c, s, SUPERSEDED)
            run.unreachable += len(due)
            continue
        fresh = [m for m in reachable if m.id not in pushed_today]
        if not fresh:
            continue  # one push a day: what came since goes tomorrow morning
        due.sort(key=lambda c: (c.deadline, c.measure.seq))
        for c in due:
            record(c, c.stage, SENT)
            for s in c.superseded:
                record(c, s, SUPERSEDED)
            run.superseded += len(c.superseded)
        run.measures += len(due)
        for member in fresh:
            pushes.append((member, due))
    units = {u.id: u for u in uow.people.units(org_id)}
    messages = []
    for member, due in pushes:
        unit = units.get(member.unit_id or 0)
        items = [DueMeasure(c.measure.id, c.measure.seq, c.measure.title, c.deadline, (today - c.deadline).days)
                 for c in due]
        messages.append((member, reminder_message(unit.name if unit else "", items[:MAX_MEASURES_PER_PUSH],
                                                  len(items) - MAX_MEASURES_PER_PUSH, today)))
    push_days = [{"org_id": org_id, "member_id": m.id, "day": today, "measures": len(due)} for m, due in pushes]
    outbox: list[tuple[str, list[dict[str, Any]], int]] = [(m.line_user_id, [msg], Priority.REMINDER)
                                                          for m, msg in messages]
    run.pushes = len(pushes)
    if escalations:  # overdue past the threshold: the administrators are told once (not when the quota is short:
        # the weekly summary lists them as ค้างส่ง anyway)
        admins = [] if level.tight else [m for m in uow.people.members(org_id)
                                         if m.role == Role.ADMIN.value and not m.blocked]
        lines = [(units[c.unit_id].name if c.unit_id in units else "?", c.measure.seq, (today - c.deadline).days)
                 for c in escalations]
        for admin in admins:
            outbox.append((admin.line_user_id, [escalation_message(lines)], Priority.NORMAL))
        for c in escalations:
            record(c, ESCALATION_STAGE, SENT if admins else DROPPED)
        run.escalations = len(escalations) if admins else 0
    if level.tight:
        _tell_admins_of_quota(uow, org_id, now, level, outbox)
    if records:
        uow.session.execute(insert(cast(Table, ReminderRecord.__table__)), [
            {"org_id": org_id, "unit_id": unit_id, "round_id": round_id, "outcome": outcome, "stages": stages,
             "day": today, "created_at": now} for (unit_id, round_id, outcome), stages in records.items()])
    if push_days:
        uow.session.execute(insert(cast(Table, ReminderPushDay.__table__)), push_days)
    uow.outbox.add_pushes(org_id, outbox, now)
    return run


def _heads_by_unit(uow: UnitOfWork, org_id: int) -> dict[int, list[Member]]:
    heads: dict[int, list[Member]] = defaultdict(list)
    for member in uow.session.scalars(select(Member).where(Member.org_id == org_id, Member.role == Role.HEAD.value,
                                                           Member.unit_id.is_not(None))):
        heads[member.unit_id or 0].append(member)
    return heads


def _due(uow: UnitOfWork, org_id: int, today: date, policy: ReminderPolicy, calendar: WorkCalendar
         ) -> tuple[list[_Candidate], list[_Candidate]]:
    """The obligations with a stage to send today, and those to escalate to administrators."""
    years = {fiscal_year_of(today), fiscal_year_of(today) - 1}  # the last round of a year is due in the next
    plans = list(uow.session.scalars(select(Plan).where(Plan.org_id == org_id, Plan.fiscal_year_be.in_(years))))
    horizon_before = max(policy.days_before, default=0) + 14  # holidays can move a stage a few days
    horizon_after = max([*policy.stage_offsets(), policy.escalate_after_days, 0]) + 14
    candidates: list[_Candidate] = []
    escalations: list[_Candidate] = []
    all_units = [u.id for u in uow.session.scalars(select(Unit).where(Unit.org_id == org_id))]
    for plan in plans:
        if plan.fiscal_year_be not in years:
            continue
        year_rounds = uow.plans.rounds(org_id, plan.fiscal_year_be) or uow.schedule.ensure_rounds(
            org_id, plan.fiscal_year_be)
        rounds = [r for r in year_rounds
                  if r.start_date <= today + timedelta(days=horizon_before)
                  and today <= r.due_date + timedelta(days=horizon_after)]
        if not rounds:
            continue
        measures = list(uow.session.scalars(select(Measure).where(Measure.plan_id == plan.id,
                                                                  Measure.active.is_(True))))
        links: dict[int, list[int]] = defaultdict(list)
        for measure_id, unit_id in uow.session.execute(
                select(MeasureUnit.measure_id, MeasureUnit.unit_id).join(Measure, Measure.id == MeasureUnit.measure_id)
                .where(Measure.plan_id == plan.id)):
            links[measure_id].append(unit_id)
        # A report in a round, or in a later round of the year (a late report goes to the round it was sent
        # in), settles the obligation.
        reported: dict[tuple[int, int], int] = {
            (m, u): months for m, u, months in uow.session.execute(
                select(ProgressReport.measure_id, ProgressReport.unit_id, func.max(ReportingRound.months))
                .join(ReportingRound, ReportingRound.id == ProgressReport.round_id)
                .where(ReportingRound.org_id == org_id, ReportingRound.fiscal_year_be == plan.fiscal_year_be)
                .group_by(ProgressReport.measure_id, ProgressReport.unit_id))}
        done: dict[tuple[int, int, int], list[int]] = defaultdict(list)
        for u, r, recorded in uow.session.execute(
                select(ReminderRecord.unit_id, ReminderRecord.round_id, ReminderRecord.stages)
                .where(ReminderRecord.org_id == org_id, ReminderRecord.round_id.in_([r.id for r in rounds]))):
            for m, handled in recorded.items():
                done[(int(m), u, r)] += handled
        for rnd in rounds:
            for measure in measures:
                deadline = obligation_deadline(rnd.start_date, rnd.end_date, rnd.due_date,
                                               measure.start_date, measure.end_date)
                if deadline is None or not (deadline - timedelta(days=horizon_before) <= today
                                            <= deadline + timedelta(days=horizon_after)):
                    continue
                for unit_id in (all_units if measure.all_units else links.get(measure.id, ())):
                    if reported.get((measure.id, unit_id), 0) >= rnd.months:
                        continue
                    stages = done.get((measure.id, unit_id, rnd.id), [])
                    decision = due_stage(deadline, today, stages, policy, calendar)
                    if decision.send is not None:
                        candidates.append(_Candidate(measure, unit_id, rnd, deadline, decision.send,
                                                     decision.superseded))
                    if escalation_due(deadline, today, stages, policy):
                        escalations.append(_Candidate(measure, unit_id, rnd, deadline, ESCALATION_STAGE, ()))
    return candidates, escalations


def _quota_level(uow: UnitOfWork, org_id: int, now: datetime, calendar: WorkCalendar,
                 expected_now: int) -> QuotaLevel:
    snapshot = uow.session.get(QuotaSnapshot, org_id)
    if snapshot is None or snapshot.quota_limit is None:
        return quota_level(None, 0, 0, expected_now, now.astimezone(calendar.tz).date())
    waiting = uow.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.org_id == org_id, OutboxMessage.kind != "reply",
        OutboxMessage.status.in_([OutboxStatus.PENDING.value, OutboxStatus.SENDING.value,
                                  OutboxStatus.PARKED.value]))) or 0
    return quota_level(snapshot.quota_limit, snapshot.total_usage, waiting, expected_now,
                       now.astimezone(calendar.tz).date())


def _tell_admins_of_quota(uow: UnitOfWork, org_id: int, now: datetime, level: QuotaLevel,
                          outbox: list[tuple[str, list[dict[str, Any]], int]]) -> None:
    """Once a month per level: the quota is short, and which reminders are held back."""
    month = now.strftime("%Y-%m")
    if uow.session.scalar(select(QuotaNotice.id).where(QuotaNotice.org_id == org_id, QuotaNotice.month == month,
                                                       QuotaNotice.level == level.name)):
        return
    uow.session.add(QuotaNotice(org_id=org_id, month=month, level=level.name, created_at=now))
    message = quota_notice_message(level.name, level.limit or 0, level.used, level.projected)
    for admin in uow.people.members(org_id):
        if admin.role == Role.ADMIN.value and not admin.blocked:
            outbox.append((admin.line_user_id, [message], Priority.COMPLAINT))
    log.warning("quota %s for org %s: %s used of %s, projected %s", level.name, org_id, level.used,
                level.limit, level.projected)

