"""Complaint deadlines: officers are reminded before a deadline (once per deadline) and told when one is
missed; missed deadlines are recorded on the complaint for the administrator's summary
(`ComplaintRepository.missed_deadlines`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from storage.clock import utcnow
from storage.complaint_models import Complaint
from storage.models import Priority
from storage.uow import UnitOfWork, UnitOfWorkFactory
from texts import chat
from usecases.complaint_config import ComplaintConfig
from usecases.complaint_routing import recipients_for
from views import messages
from views.complaint_views import category_name, local_date

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeadlineRun:
    reminded: int
    missed: int


def _key(name: str, due: datetime) -> str:
    return f"{name}@{due.isoformat()}"


def _tell(uow: UnitOfWork, complaint: Complaint, body: str, now: datetime) -> None:
    for person in recipients_for(uow, complaint):
        rows = uow.outbox.add_push(complaint.org_id, person.line_user_id, [messages.text(body)],
                                   Priority.NORMAL, now)
        uow.outbox.mark_private([row.id for row in rows])


def check_deadlines(uow_factory: UnitOfWorkFactory, config: ComplaintConfig, now: datetime | None = None) -> DeadlineRun:
    now = now or utcnow()
    reminded = missed = last_id = 0
    while True:
        with uow_factory() as uow:
            page = uow.complaints.open_after(last_id)
            for complaint in page:
                r, m = _check(uow, config, complaint, now)
                reminded, missed = reminded + r, missed + m
            uow.commit()
        if not page:
            break
        last_id = page[-1].id
    if reminded or missed:
        log.info("complaint deadlines: %s reminders, %s missed", reminded, missed)
    return DeadlineRun(reminded, missed)


def _check(uow: UnitOfWork, config: ComplaintConfig, complaint: Complaint, now: datetime) -> tuple[int, int]:
    """Record newly missed deadlines and remind of those coming up, each once; (reminders, newly missed)."""
    org = uow.people.organisation_by_id(complaint.org_id)
    assert org is not None
    deadlines = config.policy.deadlines(complaint.received_at, first_answer_at=complaint.first_answer_at,
                                        last_feedback_at=complaint.last_feedback_at, closed_at=complaint.closed_at)
    dues = {"first_answer": deadlines.first_answer_due, "feedback": deadlines.next_feedback_due,
            "close": deadlines.close_due}
    late, sent = dict(complaint.missed or {}), dict(complaint.reminded or {})
    counts = []
    for names, done, template in ((deadlines.overdue(now), late, chat.COMPLAINT_DEADLINE_MISSED),
                                  (deadlines.due_soon(now), sent, chat.COMPLAINT_DEADLINE_REMINDER)):
        new = 0
        for name in names:
            due = dues[name]
            assert due is not None
            if _key(name, due) in done:
                continue
            done[_key(name, due)] = now.isoformat()
            new += 1
            _tell(uow, complaint, template.format(
                id=complaint.id, category=category_name(complaint.category),
                name=chat.COMPLAINT_DEADLINE_NAMES[name], due=local_date(due, org.timezone)), now)
        counts.append(new)
    if any(counts):
        complaint.missed, complaint.reminded = late, sent  # new dicts: the JSON columns are rewritten
    missed, reminded = counts
    return reminded, missed
