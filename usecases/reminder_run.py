"""The reminder run: for every organisation, whose unit heads are due a reminder now, one push each.

Everything is decided from the database (what was reported, which stages were already handled), so a
run can be repeated, skipped or run late: a restart never sends a reminder twice (each stage of an
obligation is recorded once, in the transaction that writes the push) and never skips one (a stage that
came while the worker was down goes out at the next run, folded into the latest stage).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.fiscal import fiscal_year_of, local_date
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
from storage.models import Member, Organisation, Priority, Role
from storage.plan_models import Measure, ReportingRound
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

    failed: list[int] = field(default_factory=list)  # organisations whose run raised (logged, skipped)

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
        try:
            with uow_factory(org_id) as uow:
                run = remind_organisation(uow, org_id, now)
                uow.commit()
        except Exception as exc:  # one organisation's failure never stops the others' reminders
            # the type only: a database error's text can carry the row's values
            log.error("reminders for org %s failed (%s); the other organisations go on", org_id,
                      type(exc).__name__)
            total.failed.append(org_id)
            continue
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
    # a stage is never decided twice.
    org = uow.people.lock_organisation(org_id)
    run = ReminderRun(organisations=1)
    if org is None:
        return run
    settings = uow.schedule.settings(org_id)
    calendar = calendar_for(org, settings)
    if not calendar.is_working_moment(now):
        return run  # never at night, on a weekend or a holiday: the next working morning's run sends it
    today = local_date(now, calendar.tz)
    policy = settings.reminders
    units = {u.id: u for u in uow.people.units(org_id)}
    candidates, escalations = _due(uow, org_id, list(units), today, policy, calendar)
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
    heads = uow.people.heads_by_unit(org_id)
    pushed_today = uow.schedule.members_pushed_on(org_id, today)
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
    uow.schedule.record_reminders([
        {"org_id": org_id, "unit_id": unit_id, "round_id": round_id, "outcome": outcome, "stages": stages,
         "day": today, "created_at": now} for (unit_id, round_id, outcome), stages in records.items()])
    uow.schedule.record_push_days(push_days)
    uow.outbox.add_pushes(org_id, outbox, now)
    return run


def _due(uow: UnitOfWork, org_id: int, all_units: list[int], today: date, policy: ReminderPolicy,
         calendar: WorkCalendar) -> tuple[list[_Candidate], list[_Candidate]]:
    """The obligations with a stage to send today, and those to escalate to administrators."""
    years = {fiscal_year_of(today), fiscal_year_of(today) - 1}  # the last round of a year is due in the next
    plans = uow.plans.plans_for_years(org_id, years)
    horizon_before = max(policy.days_before, default=0) + 14  # holidays can move a stage a few days
    horizon_after = max([*policy.stage_offsets(), policy.escalate_after_days, 0]) + 14
    candidates: list[_Candidate] = []
    escalations: list[_Candidate] = []
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
        measures = uow.plans.measures(plan.id)
        links = uow.plans.unit_ids_by_measure_of_plan(plan.id)
        # A report in a round, or in a later round of the year (a late report goes to the round it was sent
        # in), settles the obligation.
        reported = uow.plans.last_round_reported(org_id, plan.fiscal_year_be)
        done = uow.schedule.stages_handled(org_id, [r.id for r in rounds])
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
    snapshot = uow.outbox.quota(org_id)
    if snapshot is None or snapshot.quota_limit is None:
        return quota_level(None, 0, 0, expected_now, local_date(now, calendar.tz))
    waiting = uow.outbox.count_waiting_pushes(org_id)
    return quota_level(snapshot.quota_limit, snapshot.total_usage, waiting, expected_now,
                       local_date(now, calendar.tz))


def _tell_admins_of_quota(uow: UnitOfWork, org_id: int, now: datetime, level: QuotaLevel,
                          outbox: list[tuple[str, list[dict[str, Any]], int]]) -> None:
    """Once a month per level: the quota is short, and which reminders are held back."""
    month = now.strftime("%Y-%m")
    if not uow.schedule.record_quota_notice(org_id, month, level.name, now):
        return
    message = quota_notice_message(level.name, level.limit or 0, level.used, level.projected)
    for admin in uow.people.members(org_id):
        if admin.role == Role.ADMIN.value and not admin.blocked:
            outbox.append((admin.line_user_id, [message], Priority.COMPLAINT))
    log.warning("quota %s for org %s: %s used of %s, projected %s", level.name, org_id, level.used,
                level.limit, level.projected)

