"""When a unit head is reminded of a measure, in pure terms.

A unit owes a report on a measure in a round (an *obligation*) by a deadline: the round's due date, or
earlier when the measure's own period ends inside the round (its end + the round's due days). The policy
gives the reminder *stages* around a deadline: days before it (7, 3, 1), the day itself, then every few
days while overdue (at most a few times). A stage whose day is not a working day moves to the next working
morning. On any one run only the latest stage that has come is sent; earlier ones that never went (the
worker was down) are superseded by it, so a person is reminded once, not several times over.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from domain.work_calendar import WorkCalendar

ESCALATION_STAGE = 1000  # the one-off notice to administrators about an obligation long overdue


@dataclass(frozen=True)
class ReminderPolicy:
    days_before: tuple[int, ...] = (7, 3, 1)
    on_due_day: bool = True
    overdue_every_days: int = 3
    overdue_max: int = 5
    escalate_after_days: int = 7
    escalate_to_admins: bool = False

    def stage_offsets(self) -> list[int]:
        """Days relative to the deadline, in order: -7, -3, -1, 0, 3, 6, 9, 12, 15."""
        return list(_stage_offsets(self))


@lru_cache(maxsize=256)
def _stage_offsets(policy: ReminderPolicy) -> tuple[int, ...]:
    offsets = sorted({-abs(d) for d in policy.days_before if d})
    if policy.on_due_day:
        offsets.append(0)
    if policy.overdue_every_days > 0:
        offsets += [policy.overdue_every_days * (i + 1) for i in range(max(0, policy.overdue_max))]
    return tuple(offsets)


class StageKind(enum.StrEnum):
    BEFORE = "before"
    DUE_TODAY = "today"
    OVERDUE = "overdue"


def stage_kind(offset: int) -> StageKind:
    if offset < 0:
        return StageKind.BEFORE
    return StageKind.DUE_TODAY if offset == 0 else StageKind.OVERDUE


def stage_rank(offset: int, policy: ReminderPolicy) -> int:
    """How much a stage matters when the message quota is short (lower is dropped first): the earliest
    advance notices, then repeated overdue notices, then the last notice before, on and just after the day."""
    if offset < 0:
        return 3 if offset == max(-abs(d) for d in policy.days_before if d) else 1
    if offset == 0 or offset == policy.overdue_every_days:
        return 4
    return 2


@dataclass(frozen=True)
class Obligation:
    measure_id: int
    unit_id: int
    round_id: int
    deadline: date


def obligation_deadline(round_start: date, round_end: date, round_due: date, measure_start: date,
                        measure_end: date) -> date | None:
    """The day a unit's report on a measure is due in a round; None when the measure does not run in it."""
    if measure_start > round_end or measure_end < round_start:
        return None
    if measure_end < round_end:
        return min(round_due, measure_end + (round_due - round_end))
    return round_due


def send_day(deadline: date, offset: int, calendar: WorkCalendar) -> date:
    """The working day a stage goes out: its nominal day, moved forward past weekends and holidays."""
    return calendar.next_working_day(deadline + timedelta(days=offset))


@lru_cache(maxsize=4096)
def _stage_days(deadline: date, policy: ReminderPolicy, calendar: WorkCalendar) -> tuple[tuple[int, date], ...]:
    """Each stage of a deadline with the working day it goes out (many obligations share a deadline)."""
    return tuple((s, send_day(deadline, s, calendar)) for s in _stage_offsets(policy))


@dataclass(frozen=True)
class StageDecision:
    send: int | None  # the stage to send now
    superseded: tuple[int, ...]  # earlier stages that came and went unsent


def due_stage(deadline: date, today: date, done: Iterable[int], policy: ReminderPolicy,
              calendar: WorkCalendar) -> StageDecision:
    """Which stage of an obligation to send today, given the stages already done (sent, superseded or
    dropped). Stages later than one already done are the only candidates: nothing goes backwards."""
    last_done = max((s for s in done if s != ESCALATION_STAGE), default=None)
    come = [s for s, day in _stage_days(deadline, policy, calendar)
            if (last_done is None or s > last_done) and day <= today]
    if not come:
        return StageDecision(None, ())
    return StageDecision(come[-1], tuple(come[:-1]))


def escalation_due(deadline: date, today: date, done: Iterable[int], policy: ReminderPolicy) -> bool:
    return (policy.escalate_to_admins and ESCALATION_STAGE not in set(done)
            and (today - deadline).days >= policy.escalate_after_days)


def days_overdue(deadline: date, today: date) -> int:
    return max(0, (today - deadline).days)
