"""How a complaint moves from receipt to closure, the complainant modes, and the handling deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum


class ComplaintStatus(StrEnum):
    RECEIVED = "received"
    SCREENING = "screening"
    INVESTIGATING = "investigating"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"
    REFERRED = "referred"  # handed to an outside body (ป.ป.ช., ป.ป.ท., ศูนย์ดำรงธรรม, another agency)


CLOSED_STATUSES: frozenset[ComplaintStatus] = frozenset(
    {ComplaintStatus.RESOLVED, ComplaintStatus.DISMISSED, ComplaintStatus.REFERRED}
)

_CLOSING = {ComplaintStatus.DISMISSED, ComplaintStatus.REFERRED}
_TRANSITIONS: dict[ComplaintStatus, frozenset[ComplaintStatus]] = {
    ComplaintStatus.RECEIVED: frozenset({ComplaintStatus.SCREENING, *_CLOSING}),
    ComplaintStatus.SCREENING: frozenset({ComplaintStatus.INVESTIGATING, *_CLOSING}),
    ComplaintStatus.INVESTIGATING: frozenset({ComplaintStatus.RESOLVED, *_CLOSING}),
    # A closed complaint can be reopened, back to screening or straight to investigation.
    **dict.fromkeys(CLOSED_STATUSES, frozenset({ComplaintStatus.SCREENING, ComplaintStatus.INVESTIGATING})),
}


class TransitionError(ValueError):
    def __init__(self, old: ComplaintStatus, new: ComplaintStatus) -> None:
        allowed = ", ".join(sorted(_TRANSITIONS[old])) or "nothing"
        super().__init__(f"a complaint cannot go from {old} to {new} (from {old}: {allowed})")
        self.old = old
        self.new = new


def allowed_transitions(status: ComplaintStatus | str) -> set[ComplaintStatus]:
    return set(_TRANSITIONS[ComplaintStatus(status)])


def check_transition(old: ComplaintStatus | str, new: ComplaintStatus | str) -> None:
    old, new = ComplaintStatus(old), ComplaintStatus(new)
    if new not in _TRANSITIONS[old]:
        raise TransitionError(old, new)


def is_closed(status: ComplaintStatus | str) -> bool:
    return ComplaintStatus(status) in CLOSED_STATUSES


class ComplaintMode(StrEnum):
    IDENTIFIED = "identified"  # name and contact given; staff may see them
    CONFIDENTIAL = "confidential"  # the bot can reply to the LINE account; staff never see who
    ANONYMOUS = "anonymous"  # no link to the LINE account; tracking code + PIN only


DEADLINE_NAMES = ("first_answer", "feedback", "close")


def _require_aware(name: str, value: datetime | None) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{name} must be a timezone-aware datetime")


# How precisely a complainant's own doings are kept (receipt, messages, reading officers' answers): to the
# hour. The deadlines count days, and an exact time would pair the complaint with the other rows of that
# moment (the sender's own earlier events, other people's events around it).
COMPLAINANT_TIME_STEP = timedelta(hours=1)


def complainant_time(moment: datetime) -> datetime:
    """`moment` as kept for a complainant's doing: the start of its hour (UTC; every zone Thailand uses is
    a whole number of hours away, so the local day does not change)."""
    _require_aware("moment", moment)
    utc = moment.astimezone(UTC)
    step = int(COMPLAINANT_TIME_STEP.total_seconds())
    return datetime.fromtimestamp(int(utc.timestamp()) // step * step, UTC)


@dataclass(frozen=True)
class Deadlines:
    """What is still due for an open complaint; a deadline already met (or moot once closed) is None."""

    first_answer_due: datetime | None
    next_feedback_due: datetime | None
    close_due: datetime | None
    remind_before: timedelta = timedelta(days=2)

    def _pending(self) -> list[tuple[str, datetime]]:
        dues = (self.first_answer_due, self.next_feedback_due, self.close_due)
        return [(name, due) for name, due in zip(DEADLINE_NAMES, dues, strict=True) if due is not None]

    def overdue(self, now: datetime) -> list[str]:
        """Deadlines passed (a deadline falls due at its instant and is overdue just after it)."""
        _require_aware("now", now)
        return [name for name, due in self._pending() if now > due]

    def due_soon(self, now: datetime) -> list[str]:
        """Deadlines not yet passed that fall within `remind_before` from now."""
        _require_aware("now", now)
        return [name for name, due in self._pending() if due - self.remind_before <= now <= due]

    def steady_until(self, now: datetime) -> datetime | None:
        """The first instant from `now` on at which `overdue` or `due_soon` may answer otherwise than at
        `now` (a reminder window opens, or a deadline falls due); None when they never will. For every
        moment in [now, that instant) both give what they give at `now`."""
        _require_aware("now", now)
        edges = [edge for _, due in self._pending() for edge in (due - self.remind_before, due) if edge >= now]
        return min(edges, default=None)


@dataclass(frozen=True)
class DeadlinePolicy:
    """Defaults from the product decisions: first answer in 7 days, feedback within 30 days and at least
    every 30 days after, close within 90 days, reminders 2 days ahead."""

    first_answer_days: int = 7
    feedback_days: int = 30
    close_days: int = 90
    remind_before_days: int = 2

    def __post_init__(self) -> None:
        for name in ("first_answer_days", "feedback_days", "close_days"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1 day")
        if self.remind_before_days < 0:
            raise ValueError("remind_before_days cannot be negative")

    def deadlines(
        self,
        received_at: datetime,
        *,
        first_answer_at: datetime | None = None,
        last_feedback_at: datetime | None = None,
        closed_at: datetime | None = None,
    ) -> Deadlines:
        """The deadlines of a complaint received at `received_at`. The first answer is due
        `first_answer_days` after receipt until given; feedback `feedback_days` after receipt, then
        `feedback_days` after the last feedback; closure `close_days` after receipt. A closed complaint
        (`closed_at` set) owes nothing; a reopened one is passed with `closed_at=None`."""
        for name, value in (
            ("received_at", received_at),
            ("first_answer_at", first_answer_at),
            ("last_feedback_at", last_feedback_at),
            ("closed_at", closed_at),
        ):
            _require_aware(name, value)
        remind = timedelta(days=self.remind_before_days)
        if closed_at is not None:
            return Deadlines(None, None, None, remind)
        feedback_from = received_at if last_feedback_at is None else max(received_at, last_feedback_at)
        return Deadlines(
            first_answer_due=(
                received_at + timedelta(days=self.first_answer_days) if first_answer_at is None else None
            ),
            next_feedback_due=feedback_from + timedelta(days=self.feedback_days),
            close_due=received_at + timedelta(days=self.close_days),
            remind_before=remind,
        )


class RelayOutcome(StrEnum):
    """How a complainant was told of a change: pushed in LINE, waiting (anonymous: seen at the next
    follow-up) or unreachable (the identity was destroyed)."""

    PUSHED = "pushed"
    WAITING = "waiting"
    UNREACHABLE = "unreachable"
