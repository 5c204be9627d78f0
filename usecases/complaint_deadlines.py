"""Complaint deadlines: officers are reminded before a deadline (once per deadline) and told when one is
missed; missed deadlines are recorded on the complaint at once, for the administrator's summary
(`ComplaintRepository.missed_deadlines`).

The officer's notice is not pushed at once: like the measure reminders (usecases/reminder_run.py) it waits
for the organisation's office hours (its own time zone, weekends and holidays, `WorkCalendar`), and all the
notices waiting for one person go in one push, at most one a day (the day is recorded in
`reminder_push_days`, shared with the measure reminders: one scheduled push per person per day). A notice
waits in the complaint's own bookkeeping (`missed` / `reminded`: `{"<name>@<due iso>": {"at": recorded,
"told": pushed or None}}`; a bare timestamp is an older row, already pushed), so a restart neither loses
nor repeats one. The recipients are decided when the push goes out (the officer assigned then). New-complaint
pushes are not held: they go out at once (handlers/complaint_relay.py).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.fiscal import local_date
from storage.clock import utcnow
from storage.complaint_models import Complaint
from storage.complaints import DeadlineFacts
from storage.models import Priority
from storage.uow import UnitOfWork, UnitOfWorkFactory
from usecases.complaint_config import ComplaintConfig
from usecases.complaint_routing import recipients_for
from usecases.reminder_run import calendar_for
from views.complaint_deadline_notices import DeadlineNotice, deadline_bundle_message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeadlineRun:
    reminded: int
    missed: int
    pushes: int = 0  # bundles queued in this run
    told: int = 0  # notices in them


PAGE = 200  # open complaints read and checked per transaction


def _key(name: str, due: datetime) -> str:
    return f"{name}@{due.isoformat()}"


def _pending(mark: Any) -> bool:
    return isinstance(mark, dict) and not mark.get("told")


def check_deadlines(uow_factory: UnitOfWorkFactory, config: ComplaintConfig, now: datetime | None = None) -> DeadlineRun:
    """Record what is newly due or missed, then push each organisation's waiting notices if it is in office
    hours there."""
    now = now or utcnow()
    reminded = missed = last_id = 0
    waiting: set[int] = set()  # organisations with notices waiting
    while True:
        with uow_factory() as uow:
            page = uow.complaints.open_after(last_id, PAGE)
            for facts in page:
                if _steady(config, facts, now):
                    if facts.missed.waiting or facts.reminded.waiting:
                        waiting.add(facts.org_id)
                    continue
                r, m, late, sent = _check(config, facts, now)
                if r or m:
                    uow.complaints.record_deadline_marks(facts.id, reminded=sent, missed=late)
                reminded, missed = reminded + r, missed + m
                if any(_pending(v) for v in (*late.values(), *sent.values())):
                    waiting.add(facts.org_id)
            uow.commit()
        if len(page) < PAGE:  # the last page (no second transaction to find it empty)
            break
        last_id = page[-1].id
    pushes = told = 0
    for org_id in sorted(waiting):
        try:
            with uow_factory(org_id) as uow:
                p, t = _deliver(uow, config, org_id, now)
                uow.commit()
        except Exception as exc:  # one organisation's failure never stops the others' notices
            log.error("complaint deadline notices for org %s failed (%s)", org_id, type(exc).__name__)
            continue
        pushes, told = pushes + p, told + t
    if reminded or missed or pushes:
        log.info("complaint deadlines: %s reminders, %s missed recorded; %s notices in %s pushes",
                 reminded, missed, told, pushes)
    return DeadlineRun(reminded, missed, pushes, told)


# Deadline facts found to need no new mark at some moment, and the span [checked, until) over which that
# stays so (`Deadlines.steady_until`): most open complaints, most runs (a run every few minutes, a deadline
# every few weeks). What is new for a complaint depends only on the policy, its times, its marks (the
# stored text, one `Marks` object per text) and the moment, so these are the key, not the complaint's id —
# an entry can never stand for changed facts, and whichever process or database they come from, the
# answer is the same. Bounded (an entry is well under a kilobyte): emptied when full, and the next run fills
# it again; with more open complaints than that, runs skip only some of them.
_Facts = tuple[Any, ...]
_steady_spans: dict[_Facts, tuple[datetime, datetime]] = {}
STEADY_ENTRIES = 20_000


def _facts_key(config: ComplaintConfig, facts: DeadlineFacts) -> _Facts:
    return (config.policy, facts.received_at, facts.first_answer_at, facts.last_feedback_at, facts.closed_at,
            facts.reminded.text, facts.missed.text)


def _steady(config: ComplaintConfig, facts: DeadlineFacts, now: datetime) -> bool:
    """Whether these facts were checked at an earlier moment with nothing new, and nothing can have become
    due since."""
    span = _steady_spans.get(_facts_key(config, facts))
    return span is not None and span[0] <= now < span[1]


def _check(config: ComplaintConfig, complaint: DeadlineFacts, now: datetime
           ) -> tuple[int, int, dict[str, Any], dict[str, Any]]:
    """Newly missed deadlines and coming ones, each once, as notices waiting: (reminders, newly missed, the
    complaint's missed marks, its reminded marks), the marks with the new ones added (to be recorded when a
    count is not zero). When there are none, until when that holds is kept (`_steady`)."""
    deadlines = config.policy.deadlines(complaint.received_at, first_answer_at=complaint.first_answer_at,
                                        last_feedback_at=complaint.last_feedback_at, closed_at=complaint.closed_at)
    dues = {"first_answer": deadlines.first_answer_due, "feedback": deadlines.next_feedback_due,
            "close": deadlines.close_due}
    late, sent = dict(complaint.missed.by_key), dict(complaint.reminded.by_key)
    counts = []
    for names, done in ((deadlines.overdue(now), late), (deadlines.due_soon(now), sent)):
        new = 0
        for name in names:
            due = dues[name]
            assert due is not None
            if _key(name, due) in done:
                continue
            done[_key(name, due)] = {"at": now.isoformat(), "told": None}
            new += 1
        counts.append(new)
    missed, reminded = counts
    if not missed and not reminded:
        if len(_steady_spans) >= STEADY_ENTRIES:
            _steady_spans.clear()
        _steady_spans[_facts_key(config, complaint)] = (now, deadlines.steady_until(now) or datetime.max.replace(
            tzinfo=now.tzinfo))
    return reminded, missed, late, sent


def _deliver(uow: UnitOfWork, config: ComplaintConfig, org_id: int, now: datetime) -> tuple[int, int]:
    """One push per person with notices waiting, in office hours, if they had no scheduled push today;
    (pushes, notices told). A reminder whose deadline was met or has passed while it waited is not sent
    (marked `stale`): the case moved on, or the missed-deadline notice says it."""
    org = uow.people.lock_organisation(org_id)  # serialised with a manual run and the measure reminders
    if org is None:
        return 0, 0
    calendar = calendar_for(org, uow.schedule.settings(org_id))
    if not calendar.is_working_moment(now):
        return 0, 0  # at night, on a weekend or a holiday: the next working morning's run sends it
    today = local_date(now, calendar.tz)
    pushed_today = uow.schedule.members_pushed_on(org_id, today)
    by_member: dict[int, list[tuple[Complaint, str, str]]] = defaultdict(list)
    members = {}
    for complaint in uow.complaints.open_cases(org_id):
        _drop_stale_reminders(config, complaint, now)
        notices = [(column, key) for column in ("missed", "reminded")
                   for key, mark in (getattr(complaint, column) or {}).items() if _pending(mark)]
        if not notices:
            continue
        people = recipients_for(uow, complaint)
        if not people or any(p.id in pushed_today for p in people):
            continue  # nobody to tell yet, or someone already had today's push: tomorrow, all together
        for person in people:
            members[person.id] = person
            by_member[person.id] += [(complaint, column, key) for column, key in notices]
    told: set[tuple[int, str, str]] = set()
    outbox: list[tuple[str, list[dict[str, Any]], int]] = []
    for member_id, items in by_member.items():
        bundle = [DeadlineNotice(c.id, c.category, key.partition("@")[0],
                                 datetime.fromisoformat(key.partition("@")[2]), column == "missed")
                  for c, column, key in items]
        outbox.append((members[member_id].line_user_id, [deadline_bundle_message(bundle, today, org.timezone)],
                       Priority.NORMAL))
        told.update((c.id, column, key) for c, column, key in items)
    complaints = {c.id: c for items in by_member.values() for c, _, _ in items}
    for complaint in complaints.values():
        for column in ("missed", "reminded"):
            marks = dict(getattr(complaint, column) or {})
            for key in marks:
                if (complaint.id, column, key) in told:
                    marks[key] = {**marks[key], "told": now.isoformat()}
            setattr(complaint, column, marks)  # a new dict: the JSON column is rewritten
    uow.schedule.record_push_days([{"org_id": org_id, "member_id": member_id, "day": today, "measures": len(items)}
                                   for member_id, items in by_member.items()])
    for user_id, message, priority in outbox:
        rows = uow.outbox.add_push(org_id, user_id, message, priority, now)
        uow.outbox.mark_private([row.id for row in rows])  # about complaints: deleted once delivered
    return len(outbox), len(told)


def _drop_stale_reminders(config: ComplaintConfig, complaint: Complaint, now: datetime) -> None:
    deadlines = config.policy.deadlines(complaint.received_at, first_answer_at=complaint.first_answer_at,
                                        last_feedback_at=complaint.last_feedback_at, closed_at=complaint.closed_at)
    dues = {"first_answer": deadlines.first_answer_due, "feedback": deadlines.next_feedback_due,
            "close": deadlines.close_due}
    current = {_key(name, due) for name, due in dues.items() if due is not None and now <= due}
    marks = dict(complaint.reminded or {})
    stale = [key for key, mark in marks.items() if _pending(mark) and key not in current]
    if stale:
        for key in stale:
            marks[key] = {**marks[key], "told": now.isoformat(), "stale": True}
        complaint.reminded = marks  # a new dict: the JSON column is rewritten
