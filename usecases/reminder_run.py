"""The reminder run: for every organisation, whose unit heads are due a reminder now, one push each.

Everything is decided from the database (what was reported, which stages were already handled), so a
run can be repeated, skipped or run late: a restart never sends a reminder twice (each stage of an
obligation is recorded once, in the transaction that writes the push) and never skips one (a stage that
came while the worker was down goes out at the next run, folded into the latest stage).
"""

from __future__ import annotations

import gc
import logging
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.digits import DigitStyle, Numerals, Surface, localise_message
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
from storage.models import Organisation, Priority, Role
from storage.people import Recipient
from storage.plan_models import ReportingRound
from storage.plans import MeasureDates
from storage.schedule_settings import ScheduleSettings
from storage.tenancy import current_org_scope
from storage.uow import UnitOfWork, UnitOfWorkFactory
from views.reminder_flex import escalation_message, quota_notice_message, reminder_payload

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


PRELOAD_CHUNK = 200  # organisations decided together in one transaction (system-level runs)


def run_reminders(uow_factory: UnitOfWorkFactory, now: datetime | None = None,
                  org_ids: list[int] | None = None) -> ReminderRun:
    """Plan and queue every reminder due now.

    A system-level run (the scheduler's, unscoped) takes up to PRELOAD_CHUNK organisations at a time in one
    transaction: it locks them (one statement, in id order), reads what they need — time zones, settings,
    units, plans of the years concerned with their rounds, measures and linked units, heads and
    administrators, and what decides what was already sent: reports, reminder records, today's pushes, the
    quota — a query per table for all of them, decides each organisation in its own time zone and settings,
    and writes every reminder record, push day and push of the chunk with one statement per table. A stage
    is never decided twice: what was reminded is read under the organisations' locks, and a run killed
    mid-way leaves nothing of its chunk. An organisation that cannot be decided with the others (its year
    has no rounds yet, its quota is short, deciding it raised) is run in its own transaction afterwards; if
    the chunk's transaction fails as a whole, each of its organisations is: one organisation's failure is
    logged and never stops the others. A run inside an organisation's scope reads and decides in that
    organisation's transaction only."""
    now = now or utcnow()
    total = ReminderRun()
    if org_ids is None:
        with uow_factory() as uow:
            org_ids = uow.schedule.all_org_ids_with_plans()
    if current_org_scope() is not None:
        for org_id in org_ids:
            _run_alone(uow_factory, org_id, now, None, total)
    else:
        for start in range(0, len(org_ids), PRELOAD_CHUNK):
            with _collector_paused():
                alone = _run_together(uow_factory, org_ids[start:start + PRELOAD_CHUNK], now, total)
            for org_id, inputs in alone:
                _run_alone(uow_factory, org_id, now, inputs, total)
    if total.pushes or total.escalations:
        log.info("reminders: %s pushes for %s measures (%s superseded, %s dropped, %s unreachable, %s escalations)",
                 total.pushes, total.measures, total.superseded, total.dropped, total.unreachable,
                 total.escalations)
    return total


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a chunk is decided: deciding 80,000 obligations makes
    hundreds of thousands of short-lived objects, each allocation burst triggering a collection that walks
    every object of the process (half the run's CPU at 1,000 organisations). Nothing is leaked: what is
    garbage then is collected afterwards as usual."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _run_alone(uow_factory: UnitOfWorkFactory, org_id: int, now: datetime, inputs: OrgInputs | None,
               total: ReminderRun) -> None:
    """One organisation in its own transaction, scoped to it; its failure is logged and counted."""
    try:
        with uow_factory(org_id) as uow:
            run = remind_organisation(uow, org_id, now, inputs)
            uow.commit()
    except Exception as exc:  # one organisation's failure never stops the others' reminders
        # the type only: a database error's text can carry the row's values
        log.error("reminders for org %s failed (%s); the other organisations go on", org_id, type(exc).__name__)
        total.failed.append(org_id)
        return
    total.add(run)


def _run_together(uow_factory: UnitOfWorkFactory, org_ids: list[int], now: datetime,
                  total: ReminderRun) -> list[tuple[int, OrgInputs | None]]:
    """Several organisations decided and queued in one transaction (see `run_reminders`); the ones to run
    on their own afterwards, with what was read for them."""
    run = ReminderRun()
    alone: list[tuple[int, OrgInputs | None]] = []
    try:
        with uow_factory() as uow:
            locked = {org.id: org for org in uow.people.lock_organisations(org_ids)}
            run.organisations += len(org_ids) - len(locked)  # gone meanwhile: nothing to do
            inputs = load_inputs(uow, list(locked), now, lenient=True, organisations=locked)
            ready: list[int] = []
            for org_id in locked:
                found = inputs.get(org_id)
                if found is not None and found.idle:
                    run.organisations += 1
                elif found is None or any(plan.rounds is None for plan in found.plans):
                    alone.append((org_id, found))  # no calendar (its own run says why), or rounds to make
                else:
                    ready.append(org_id)
            states = _read_states(uow, ready, inputs, now, locked)
            writes: list[tuple[int, list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]] = []
            for org_id in ready:
                try:
                    decided = _decide(org_id, locked[org_id], inputs[org_id], states[org_id], now)
                except Exception as exc:  # decided again on its own, where a failure is logged as such
                    log.warning("reminders for org %s: not decided with the others (%s)", org_id,
                                type(exc).__name__)
                    alone.append((org_id, None))
                    continue
                if decided.level.tight:  # the administrators are told, once a month: on its own
                    alone.append((org_id, inputs[org_id]))
                    continue
                run.add(decided.run)
                writes.append((org_id, decided.records, decided.push_days,
                               uow.outbox.push_rows(org_id, decided.pushes, now)))
            uow.schedule.queue_reminders(writes)  # each organisation's under its row-level security scope
            uow.commit()
    except Exception as exc:  # each organisation then runs on its own, and only a faulty one fails
        log.error("reminders: %s organisations at once failed (%s); each runs on its own", len(org_ids),
                  type(exc).__name__)
        return [(org_id, None) for org_id in org_ids]
    total.add(run)
    return alone


@dataclass
class PlanInputs:
    plan_id: int
    fiscal_year: int
    rounds: list[ReportingRound] | None  # None: the year has none yet (made in the organisation's run)
    measures: list[MeasureDates]  # active, by seq
    links: dict[int, list[int]]  # measure id → the units named for it (none: every unit)


@dataclass
class OrgInputs:
    """What an organisation's run reads that does not decide what was already sent."""

    settings: ScheduleSettings
    units: dict[int, str]  # unit id → name
    plans: list[PlanInputs]
    heads: dict[int, list[Recipient]]  # unit id → heads bound to it, blocked ones included
    admins: list[Recipient]  # blocked ones included
    idle: bool  # nothing can be due now: outside office hours, or no deadline near


def _years(today: date) -> set[int]:
    return {fiscal_year_of(today), fiscal_year_of(today) - 1}  # the last round of a year is due in the next


def _horizons(policy: ReminderPolicy) -> tuple[int, int]:
    """Days before and after a deadline in which its stages can fall (holidays move a stage a few days)."""
    return (max(policy.days_before, default=0) + 14,
            max([*policy.stage_offsets(), policy.escalate_after_days, 0]) + 14)


def load_inputs(uow: UnitOfWork, org_ids: list[int], now: datetime, *, lenient: bool = False,
                organisations: Mapping[int, Organisation] | None = None) -> dict[int, OrgInputs]:
    """Several organisations' inputs, a query per table (the organisations outside office hours read only
    their settings). `lenient` (many organisations): one whose calendar cannot be made is left out, and its
    own run reads again and fails. `organisations`: their rows, already read (locked)."""
    if not org_ids:
        return {}
    settings = uow.schedule.settings_of(org_ids)
    today_of: dict[int, date] = {}
    inputs: dict[int, OrgInputs] = {}
    orgs = organisations.values() if organisations is not None else uow.people.organisations_by_ids(org_ids)
    for org in orgs:
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
    units = uow.people.unit_names_of(working)
    heads: dict[int, dict[int, list[Recipient]]] = defaultdict(lambda: defaultdict(list))
    admins: dict[int, list[Recipient]] = defaultdict(list)
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
        found = OrgInputs(settings[org_id], units.get(org_id, {}), plans_of.get(org_id, []),
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


@dataclass(slots=True)
class _Candidate:
    measure: MeasureDates
    unit_id: int
    round_id: int
    deadline: date
    stage: int
    superseded: tuple[int, ...]


@dataclass
class OrgState:
    """What decides what an organisation was already sent, read under its lock."""

    reported: Mapping[int, Mapping[tuple[int, int], int]]  # fiscal year → (measure, unit) → months reported
    done: Mapping[tuple[int, int], Mapping[int, list[int]]]  # (unit, round) → measure → stages handled
    pushed_today: set[int]  # members who got their reminder push today
    level_of: Callable[[int], QuotaLevel]  # the quota level, given the pushes needed now
    digits: str  # the organisation's chat digit style


@dataclass
class _Decided:
    run: ReminderRun
    level: QuotaLevel
    records: list[dict[str, Any]]
    push_days: list[dict[str, Any]]
    pushes: list[tuple[str, list[dict[str, Any]], int]]  # recipient, messages, priority


def _near_rounds(rounds: list[ReportingRound], today: date, policy: ReminderPolicy) -> list[ReportingRound]:
    before, after = _horizons(policy)
    return [r for r in rounds
            if r.start_date <= today + timedelta(days=before) and today <= r.due_date + timedelta(days=after)]


def _today(org: Organisation, inputs: OrgInputs, now: datetime) -> date:
    return local_date(now, calendar_for(org, inputs.settings).tz)


def _read_states(uow: UnitOfWork, org_ids: list[int], inputs: Mapping[int, OrgInputs], now: datetime,
                 orgs: Mapping[int, Organisation]) -> dict[int, OrgState]:
    """Several organisations' states, a query per table (their plans' rounds already made)."""
    if not org_ids:
        return {}
    today_of = {org_id: _today(orgs[org_id], inputs[org_id], now) for org_id in org_ids}
    years = {plan.fiscal_year for org_id in org_ids for plan in inputs[org_id].plans}
    round_ids = [r.id for org_id in org_ids for plan in inputs[org_id].plans
                 for r in _near_rounds(plan.rounds or [], today_of[org_id], inputs[org_id].settings.reminders)]
    reported = uow.plans.last_rounds_reported_of(org_ids, years)
    done = uow.schedule.stages_handled_in(round_ids)
    pushed = uow.schedule.members_pushed_on_days(today_of)
    quotas = uow.outbox.quotas_of(org_ids)
    limited = [org_id for org_id, q in quotas.items() if q.quota_limit is not None]
    waiting = uow.outbox.waiting_pushes_of(limited)
    digits = uow.report_settings.chat_digit_styles(org_ids)
    states = {}
    for org_id in org_ids:
        snapshot = quotas.get(org_id)
        limit = snapshot.quota_limit if snapshot is not None else None
        usage = snapshot.total_usage if snapshot is not None else 0

        def level_of(expected_now: int, limit: int | None = limit, usage: int = usage, org_id: int = org_id,
                     ) -> QuotaLevel:
            if limit is None:
                return quota_level(None, 0, 0, expected_now, today_of[org_id])
            return quota_level(limit, usage, waiting.get(org_id, 0), expected_now, today_of[org_id])

        states[org_id] = OrgState({plan.fiscal_year: reported.get((org_id, plan.fiscal_year), {})
                                   for plan in inputs[org_id].plans},
                                  done, pushed, level_of, digits[org_id].value)
    return states


def _read_state(uow: UnitOfWork, org: Organisation, inputs: OrgInputs, now: datetime) -> OrgState:
    """One organisation's state, in its own transaction; the rounds of a year without any are made here."""
    org_id, today = org.id, _today(org, inputs, now)
    round_ids: list[int] = []
    for plan in inputs.plans:
        if plan.rounds is None:
            plan.rounds = uow.schedule.ensure_rounds(org_id, plan.fiscal_year)
        round_ids += [r.id for r in _near_rounds(plan.rounds, today, inputs.settings.reminders)]
    calendar = calendar_for(org, inputs.settings)
    return OrgState({plan.fiscal_year: uow.plans.last_round_reported(org_id, plan.fiscal_year) for plan in inputs.plans},
                    uow.schedule.stages_handled(org_id, round_ids) if round_ids else {},
                    uow.schedule.members_pushed_on(org_id, today),
                    lambda expected_now: _quota_level(uow, org_id, now, calendar, expected_now),
                    uow.report_settings.digit_style(org_id, Surface.CHAT).value)


def remind_organisation(uow: UnitOfWork, org_id: int, now: datetime, inputs: OrgInputs | None = None) -> ReminderRun:
    """One organisation's reminders, in its transaction; `inputs` read beforehand with others' (else here)."""
    # Runs of one organisation are serialised (a manual `itabot reminders run` beside the scheduler's), so
    # a stage is never decided twice.
    org = uow.people.lock_organisation(org_id)
    if org is None:
        return ReminderRun(organisations=1)
    if inputs is None:
        inputs = load_inputs(uow, [org_id], now).get(org_id)
        if inputs is None:
            return ReminderRun(organisations=1)
    if not calendar_for(org, inputs.settings).is_working_moment(now):
        return ReminderRun(organisations=1)  # never at night, on a weekend or a holiday: the next working morning
    decided = _decide(org_id, org, inputs, _read_state(uow, org, inputs, now), now)
    outbox = decided.pushes
    if decided.level.tight:
        _tell_admins_of_quota(uow, org_id, now, decided.level, outbox)
    uow.schedule.record_reminders(decided.records)
    uow.schedule.record_push_days(decided.push_days)
    uow.outbox.add_pushes(org_id, outbox, now)
    return decided.run


def _decide(org_id: int, org: Organisation, inputs: OrgInputs, state: OrgState, now: datetime) -> _Decided:
    """What to record and push for one organisation now (its rounds made, within its office hours)."""
    run = ReminderRun(organisations=1)
    settings = inputs.settings
    calendar = calendar_for(org, settings)
    today = local_date(now, calendar.tz)
    policy = settings.reminders
    units = inputs.units
    candidates, escalations = _due(inputs, state, list(units), today, policy, calendar)
    if not candidates and not escalations:
        return _Decided(run, state.level_of(0), [], [], [])
    level = state.level_of(len({c.unit_id for c in candidates}))
    # (unit, round, outcome) → measure id → stages: one row per unit and outcome, not per measure (the ids
    # are written as JSON keys, i.e. strings)
    records: dict[tuple[int, int, str], dict[int, list[int]]] = defaultdict(dict)

    def record(c: _Candidate, stage: int, outcome: str) -> None:
        bucket = records[(c.unit_id, c.round_id, outcome)]
        handled = bucket.get(c.measure.id)
        if handled is None:
            bucket[c.measure.id] = [stage]
        else:
            handled.append(stage)

    dropped: dict[int, bool] = {}  # stage → dropped for the quota
    kept: list[_Candidate] = []
    for c in candidates:
        drop = dropped.get(c.stage)
        if drop is None:
            drop = dropped[c.stage] = level.drops(stage_rank(c.stage, policy))
        if drop:
            record(c, c.stage, DROPPED)
            for s in c.superseded:
                record(c, s, SUPERSEDED)
            run.dropped += 1
        else:
            kept.append(c)
    heads = inputs.heads
    by_unit: dict[int, list[_Candidate]] = defaultdict(list)
    for c in kept:
        by_unit[c.unit_id].append(c)
    pushes: list[tuple[Recipient, list[_Candidate]]] = []
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
        fresh = [m for m in reachable if m.id not in state.pushed_today]
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
    outbox: list[tuple[str, list[dict[str, Any]], int]] = []
    payloads: dict[int, dict[str, Any]] = {}  # a unit's heads get the same payload
    for member, due in pushes:
        unit_id = member.unit_id or 0
        payload = payloads.get(unit_id)
        if payload is None:
            late = {d: (today - d).days for d in {c.deadline for c in due}}
            items = [(c.measure.id, late[c.deadline]) for c in due]
            payload = payloads[unit_id] = reminder_payload(
                units.get(unit_id, ""), items[:MAX_MEASURES_PER_PUSH], len(items) - MAX_MEASURES_PER_PUSH,
                today, state.digits)
        outbox.append((member.line_user_id, [payload], Priority.REMINDER))
    push_days = [{"org_id": org_id, "member_id": m.id, "day": today, "measures": len(due)} for m, due in pushes]
    run.pushes = len(pushes)
    if escalations:  # overdue past the threshold: the administrators are told once (not when the quota is short:
        # the weekly summary lists them as ค้างส่ง anyway)
        admins = [] if level.tight else [m for m in inputs.admins if not m.blocked]
        lines = [(units.get(c.unit_id, "?"), c.measure.seq, (today - c.deadline).days)
                 for c in escalations]
        message = localise_message(escalation_message(lines), Numerals(DigitStyle(state.digits)))
        for admin in admins:
            outbox.append((admin.line_user_id, [message], Priority.NORMAL))
        for c in escalations:
            record(c, ESCALATION_STAGE, SENT if admins else DROPPED)
        run.escalations = len(escalations) if admins else 0
    rows = [{"org_id": org_id, "unit_id": unit_id, "round_id": round_id, "outcome": outcome, "stages": stages,
             "day": today, "created_at": now} for (unit_id, round_id, outcome), stages in records.items()]
    return _Decided(run, level, rows, push_days, outbox)


NO_STAGES: list[int] = []


def _due(inputs: OrgInputs, state: OrgState, all_units: list[int], today: date, policy: ReminderPolicy,
         calendar: WorkCalendar) -> tuple[list[_Candidate], list[_Candidate]]:
    """The obligations with a stage to send today, and those to escalate to administrators (the plans'
    rounds made)."""
    horizon_before, horizon_after = _horizons(policy)
    before, after = timedelta(days=horizon_before), timedelta(days=horizon_after)
    candidates: list[_Candidate] = []
    escalations: list[_Candidate] = []
    done = state.done
    # an obligation's decision depends on its deadline and the stages done alone: the units of a measure
    # mostly share both, so each pair is decided once
    decisions: dict[tuple[date, tuple[int, ...]], tuple[StageDecision, bool]] = {}
    for plan in inputs.plans:
        rounds = _near_rounds(plan.rounds or [], today, policy)
        if not rounds:
            continue
        # A report in a round, or in a later round of the year (a late report goes to the round it was sent
        # in), settles the obligation.
        reported = state.reported.get(plan.fiscal_year, {})
        for rnd in rounds:
            rnd_id, months = rnd.id, rnd.months
            for measure in plan.measures:
                deadline = obligation_deadline(rnd.start_date, rnd.end_date, rnd.due_date,
                                               measure.start_date, measure.end_date)
                if deadline is None or not (deadline - before <= today <= deadline + after):
                    continue
                measure_id = measure.id
                for unit_id in (all_units if measure.all_units else plan.links.get(measure_id, ())):
                    if reported and reported.get((measure_id, unit_id), 0) >= months:
                        continue
                    unit_done = done.get((unit_id, rnd_id))
                    stages = tuple(unit_done.get(measure_id, NO_STAGES)) if unit_done else ()
                    decided = decisions.get((deadline, stages))
                    if decided is None:
                        decided = decisions[(deadline, stages)] = (
                            due_stage(deadline, today, stages, policy, calendar),
                            escalation_due(deadline, today, stages, policy))
                    decision, escalate = decided
                    if decision.send is not None:
                        candidates.append(_Candidate(measure, unit_id, rnd_id, deadline, decision.send,
                                                     decision.superseded))
                    if escalate:
                        escalations.append(_Candidate(measure, unit_id, rnd_id, deadline, ESCALATION_STAGE, ()))
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

