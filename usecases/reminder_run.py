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
    StageDecision,
    due_stage,
    escalation_due,
    obligation_deadline,
    stage_rank,
)
from domain.work_calendar import WorkCalendar
from storage.clock import utcnow
from storage.models import Member, Organisation, Priority, Role, Unit
from storage.plan_models import Measure, ReportingRound
from storage.schedule_settings import ScheduleSettings
from storage.tenancy import current_org_scope
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


PRELOAD_CHUNK = 200  # organisations whose plans, rounds, units and staff are read together (system-level runs)


def run_reminders(uow_factory: UnitOfWorkFactory, now: datetime | None = None,
                  org_ids: list[int] | None = None) -> ReminderRun:
    """Plan and queue every reminder due now, one transaction per organisation.

    A system-level run (the scheduler's, unscoped) first reads what does not say what was already sent —
    time zones, settings, units, plans of the years concerned with their rounds, measures and linked units,
    heads and administrators — for up to PRELOAD_CHUNK organisations at once, a query per table; an
    organisation with nothing that can be due now (outside its office hours, or no deadline near) is then
    done without a transaction of its own. Each other organisation decides in its own transaction, scoped to
    it, holding its lock, from what was reminded so far (read there) — so a stage is still never decided
    twice — and one organisation's failure never stops the others (nor does a failed bulk read: each of its
    organisations then reads its own). A run inside an organisation's scope reads and decides in that
    organisation's transaction only, as before."""
    now = now or utcnow()
    total = ReminderRun()
    if org_ids is None:
        with uow_factory() as uow:
            org_ids = uow.schedule.all_org_ids_with_plans()
    bulk = current_org_scope() is None
    for start in range(0, len(org_ids), PRELOAD_CHUNK if bulk else 1):
        chunk = org_ids[start:start + (PRELOAD_CHUNK if bulk else 1)]
        inputs = _preload(uow_factory, chunk, now) if bulk else {}
        for org_id in chunk:
            found = inputs.get(org_id)
            if found is not None and found.idle:
                total.organisations += 1
                continue
            try:
                with uow_factory(org_id) as uow:
                    run = remind_organisation(uow, org_id, now, found)
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


def _preload(uow_factory: UnitOfWorkFactory, org_ids: list[int], now: datetime) -> dict[int, OrgInputs]:
    try:
        with uow_factory() as uow:
            return load_inputs(uow, org_ids, now, lenient=True)
    except Exception as exc:  # each organisation then reads its own, and only a faulty one fails
        log.error("reminders: reading %s organisations at once failed (%s); each reads its own",
                  len(org_ids), type(exc).__name__)
        return {}


@dataclass
class PlanInputs:
    plan_id: int
    fiscal_year: int
    rounds: list[ReportingRound] | None  # None: the year has none yet (made in the organisation's run)
    measures: list[Measure]  # active, by seq
    links: dict[int, list[int]]  # measure id → the units named for it (none: every unit)


@dataclass
class OrgInputs:
    """What an organisation's run reads that does not decide what was already sent."""

    settings: ScheduleSettings
    units: dict[int, Unit]
    plans: list[PlanInputs]
    heads: dict[int, list[Member]]  # unit id → heads bound to it, blocked ones included
    admins: list[Member]  # blocked ones included
    idle: bool  # nothing can be due now: outside office hours, or no deadline near


def _years(today: date) -> set[int]:
    return {fiscal_year_of(today), fiscal_year_of(today) - 1}  # the last round of a year is due in the next


def _horizons(policy: ReminderPolicy) -> tuple[int, int]:
    """Days before and after a deadline in which its stages can fall (holidays move a stage a few days)."""
    return (max(policy.days_before, default=0) + 14,
            max([*policy.stage_offsets(), policy.escalate_after_days, 0]) + 14)


def load_inputs(uow: UnitOfWork, org_ids: list[int], now: datetime, *, lenient: bool = False) -> dict[int, OrgInputs]:
    """Several organisations' inputs, a query per table (the organisations outside office hours read only
    their settings). `lenient` (many organisations): one whose calendar cannot be made is left out, and its
    own run reads again and fails."""
    settings = uow.schedule.settings_of(org_ids)
    today_of: dict[int, date] = {}
    inputs: dict[int, OrgInputs] = {}
    for org in uow.people.organisations_by_ids(org_ids):
        try:
            calendar = calendar_for(org, settings[org.id])
        except Exception:  # e.g. a time zone that does not exist: left to its own run, which fails and says so
            if not lenient:
                raise
            continue
        if calendar.is_working_moment(now):
            today_of[org.id] = local_date(now, calendar.tz)
        else:
            inputs[org.id] = OrgInputs(settings[org.id], {}, [], {}, [], idle=True)
    working = list(today_of)
    if not working:
        return inputs
    years = set().union(*(_years(today) for today in today_of.values()))
    plans = [p for p in uow.plans.plans_of(working, years) if p.fiscal_year_be in _years(today_of[p.org_id])]
    rounds = uow.plans.rounds_of(working, years)
    # only the plans with a round near today (or none yet) can have something due: the others' measures,
    # units and staff are not read at all (most runs of the year)
    plans = [p for p in plans if _round_near(rounds.get((p.org_id, p.fiscal_year_be)), today_of[p.org_id],
                                             settings[p.org_id].reminders)]
    for org_id in [o for o in working if o not in {p.org_id for p in plans}]:
        inputs[org_id] = OrgInputs(settings[org_id], {}, [], {}, [], idle=True)
        del today_of[org_id]
    working = list(today_of)
    if not working:
        return inputs
    plan_ids = [p.id for p in plans]
    measures = uow.plans.active_measures_of_plans(plan_ids) if plan_ids else {}
    links = uow.plans.unit_ids_by_measure_of_plans(plan_ids) if plan_ids else {}
    units = uow.people.units_of(working)
    heads: dict[int, dict[int, list[Member]]] = defaultdict(lambda: defaultdict(list))
    admins: dict[int, list[Member]] = defaultdict(list)
    for member in uow.people.heads_and_admins_of(working):
        if member.role == Role.ADMIN.value:
            admins[member.org_id].append(member)
        else:
            heads[member.org_id][member.unit_id or 0].append(member)
    plans_of: dict[int, list[PlanInputs]] = defaultdict(list)
    for p in plans:
        plans_of[p.org_id].append(PlanInputs(p.id, p.fiscal_year_be, rounds.get((p.org_id, p.fiscal_year_be)),
                                             measures.get(p.id, []), links.get(p.id, {})))
    for org_id, today in today_of.items():
        found = OrgInputs(settings[org_id], {u.id: u for u in units.get(org_id, [])}, plans_of.get(org_id, []),
                          dict(heads.get(org_id, {})), admins.get(org_id, []), idle=False)
        found.idle = not _anything_near(found, today)
        inputs[org_id] = found
    return inputs


def _round_near(rounds: list[ReportingRound] | None, today: date, policy: ReminderPolicy) -> bool:
    """Whether a round of a plan's year is near enough today for a stage or an escalation (a year without
    rounds yet counts as near: its rounds are made in the organisation's run)."""
    if not rounds:
        return True
    before, after = _horizons(policy)
    return any(r.start_date <= today + timedelta(days=before) and today <= r.due_date + timedelta(days=after)
               for r in rounds)


def _anything_near(inputs: OrgInputs, today: date) -> bool:
    """Whether some obligation's deadline is near enough today for a stage or an escalation (a year without
    rounds yet counts as near: its rounds are made in the organisation's run)."""
    before, after = _horizons(inputs.settings.reminders)
    for plan in inputs.plans:
        if plan.rounds is None:
            return True
        for rnd in plan.rounds:
            if not (rnd.start_date <= today + timedelta(days=before) and today <= rnd.due_date + timedelta(days=after)):
                continue
            for measure in plan.measures:
                deadline = obligation_deadline(rnd.start_date, rnd.end_date, rnd.due_date, measure.start_date,
                                               measure.end_date)
                if deadline is not None and deadline - timedelta(days=before) <= today <= deadline + timedelta(days=after):
                    return True
    return False


@dataclass
class _Candidate:
    measure: Measure
    unit_id: int
    rnd: ReportingRound
    deadline: date
    stage: int
    superseded: tuple[int, ...]


def remind_organisation(uow: UnitOfWork, org_id: int, now: datetime, inputs: OrgInputs | None = None) -> ReminderRun:
    """One organisation's reminders, in its transaction; `inputs` read beforehand with others' (else here)."""
    # Runs of one organisation are serialised (a manual `itabot reminders run` beside the scheduler's), so
    # a stage is never decided twice.
    org = uow.people.lock_organisation(org_id)
    run = ReminderRun(organisations=1)
    if org is None:
        return run
    if inputs is None:
        inputs = load_inputs(uow, [org_id], now).get(org_id)
        if inputs is None:
            return run
    settings = inputs.settings
    calendar = calendar_for(org, settings)
    if not calendar.is_working_moment(now):
        return run  # never at night, on a weekend or a holiday: the next working morning's run sends it
    today = local_date(now, calendar.tz)
    policy = settings.reminders
    units = inputs.units
    candidates, escalations = _due(uow, org_id, inputs, list(units), today, policy, calendar)
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
    heads = inputs.heads
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
        admins = [] if level.tight else [m for m in inputs.admins if not m.blocked]
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


NO_STAGES: list[int] = []


def _due(uow: UnitOfWork, org_id: int, inputs: OrgInputs, all_units: list[int], today: date, policy: ReminderPolicy,
         calendar: WorkCalendar) -> tuple[list[_Candidate], list[_Candidate]]:
    """The obligations with a stage to send today, and those to escalate to administrators."""
    horizon_before, horizon_after = _horizons(policy)
    before, after = timedelta(days=horizon_before), timedelta(days=horizon_after)
    candidates: list[_Candidate] = []
    escalations: list[_Candidate] = []
    # an obligation's decision depends on its deadline and the stages done alone: the units of a measure
    # mostly share both, so each pair is decided once
    decisions: dict[tuple[date, tuple[int, ...]], tuple[StageDecision, bool]] = {}
    for plan in inputs.plans:
        year_rounds = plan.rounds or uow.schedule.ensure_rounds(org_id, plan.fiscal_year)
        rounds = [r for r in year_rounds if r.start_date <= today + before and today <= r.due_date + after]
        if not rounds:
            continue
        # A report in a round, or in a later round of the year (a late report goes to the round it was sent
        # in), settles the obligation.
        reported = uow.plans.last_round_reported(org_id, plan.fiscal_year)
        done = uow.schedule.stages_handled(org_id, [r.id for r in rounds])
        for rnd in rounds:
            rnd_id, months = rnd.id, rnd.months
            for measure in plan.measures:
                deadline = obligation_deadline(rnd.start_date, rnd.end_date, rnd.due_date,
                                               measure.start_date, measure.end_date)
                if deadline is None or not (deadline - before <= today <= deadline + after):
                    continue
                measure_id = measure.id
                for unit_id in (all_units if measure.all_units else plan.links.get(measure_id, ())):
                    if reported.get((measure_id, unit_id), 0) >= months:
                        continue
                    stages = tuple(done.get((measure_id, unit_id, rnd_id), NO_STAGES))
                    decided = decisions.get((deadline, stages))
                    if decided is None:
                        decided = decisions[(deadline, stages)] = (
                            due_stage(deadline, today, stages, policy, calendar),
                            escalation_due(deadline, today, stages, policy))
                    decision, escalate = decided
                    if decision.send is not None:
                        candidates.append(_Candidate(measure, unit_id, rnd, deadline, decision.send,
                                                     decision.superseded))
                    if escalate:
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

