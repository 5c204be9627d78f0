"""What officers do to a complaint, in LINE (handlers/complaint_officer.py) and in the admin console alike:
look at it (every look is in the audit log), take it (the officer becomes its assignee: in LINE the first to
open it, in the console by an explicit button), change its status with a required internal note and an
optional word to the complainant, message the complainant. The complainant is told through the outbox, privately: by push to identified and
confidential complainants (rows deleted once sent), kept in the case for anonymous ones until they
follow up.

Who may handle which complaint is decided by usecases/complaint_routing.may_handle before these are
called; the words of the pushes are built by the caller (`build(code)` gives the LINE message)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.complaints.crypto import MasterKey
from domain.complaints.workflow import (
    ComplaintMode,
    ComplaintStatus,
    RelayOutcome,
    check_transition,
    is_closed,
)
from storage.audit_log import Actor
from storage.complaint_identity import complainant_identity
from storage.complaint_models import Complaint, ComplaintEntry
from storage.complaints import EntryKind
from storage.models import Member, Priority
from storage.uow import UnitOfWork
from views.messages import MessageBuilder

log = logging.getLogger(__name__)

PUSHED = RelayOutcome.PUSHED
WAITING = RelayOutcome.WAITING
UNREACHABLE = RelayOutcome.UNREACHABLE
MAX_NOTE = 2000



@dataclass(frozen=True)
class Relay:
    """How the complainant was told: pushed, waiting (anonymous: seen at the next follow-up) or unreachable
    (identity destroyed), and the outbox rows written for it."""

    outcome: str
    outbox_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class StatusChange:
    old: ComplaintStatus
    new: ComplaintStatus
    entry: ComplaintEntry
    relay: Relay


def push_privately(uow: UnitOfWork, org_id: int, user_id: str, messages: list[dict[str, Any]], now: datetime,
                   priority: int = Priority.COMPLAINT) -> list[int]:
    """A push about a complaint: its rows keep no recipient or text once sent."""
    ids = [row.id for row in uow.outbox.add_push(org_id, user_id, messages, priority, now)]
    uow.outbox.mark_private(ids)
    return ids


def tell_complainant(uow: UnitOfWork, master: MasterKey, complaint: Complaint, entry: ComplaintEntry,
                     build: MessageBuilder, now: datetime) -> Relay:
    """Push `build(code)` to an identified/confidential complainant and mark the entry delivered; an
    anonymous complainant sees the entry at their next follow-up."""
    if complaint.mode == ComplaintMode.ANONYMOUS.value:
        return Relay(WAITING)
    identity = complainant_identity(master, complaint)
    if identity is None or not identity.get("line_user_id"):
        return Relay(UNREACHABLE)
    ids = push_privately(uow, complaint.org_id, identity["line_user_id"], [build(identity.get("code", ""))], now)
    uow.complaints.mark_delivered([entry], now)
    return Relay(PUSHED, tuple(ids))


def record_view(uow: UnitOfWork, complaint: Complaint, actor: Actor, now: datetime) -> None:
    """An officer looked at a case: every look is in the audit log (who, when, the status then)."""
    uow.audit.record(complaint.org_id, actor, "complaint.view", now, f"complaint:{complaint.id}",
                     status=complaint.status)


def take_case(uow: UnitOfWork, complaint: Complaint, officer: Member, actor: Actor, now: datetime) -> bool:
    """The officer becomes the case's assignee, unless someone already is (False then)."""
    if complaint.assigned_member_id is not None:
        return False
    complaint.assigned_member_id = officer.id
    uow.complaints.add_entry(complaint, EntryKind.ASSIGNED, now, member_id=officer.id)
    uow.audit.record(complaint.org_id, actor, "complaint.assign", now, f"complaint:{complaint.id}")
    log.info("complaint %s assigned to member %s", complaint.id, officer.id)
    return True


def open_case(uow: UnitOfWork, complaint: Complaint, officer: Member, actor: Actor, now: datetime) -> bool:
    """An officer opens a case in LINE (a deliberate tap): the view is logged and the first to open it is
    assigned (True then). The console shows a case on GET and assigns only on an explicit POST."""
    record_view(uow, complaint, actor, now)
    return take_case(uow, complaint, officer, actor, now)


def _answered(complaint: Complaint, officer: Member, now: datetime) -> None:
    complaint.first_answer_at = complaint.first_answer_at or now
    complaint.last_feedback_at = now
    complaint.assigned_member_id = complaint.assigned_member_id or officer.id


def change_status(uow: UnitOfWork, master: MasterKey, complaint: Complaint, officer: Member,
                  new: ComplaintStatus, note: str, public: str | None, actor: Actor, now: datetime,
                  build: MessageBuilder) -> StatusChange:
    """Move the case to `new` (TransitionError when the workflow does not allow it) with the officer's
    internal note, tell the complainant (`public`, if given, is what they read besides the new status)."""
    old = ComplaintStatus(complaint.status)
    check_transition(old, new)
    if not note.strip() or len(note) > MAX_NOTE:
        raise ValueError("a status change needs an internal note of at most MAX_NOTE characters")
    uow.complaints.set_status(complaint, new, now, closed=is_closed(new))
    _answered(complaint, officer, now)
    entry = uow.complaints.add_entry(complaint, EntryKind.STATUS, now, status_from=old.value, status_to=new.value,
                                     public_text=public, internal_note=note, member_id=officer.id)
    relay = tell_complainant(uow, master, complaint, entry, build, now)
    uow.audit.record(complaint.org_id, actor, "complaint.status", now, f"complaint:{complaint.id}",
                     old=old.value, new=new.value, told=relay.outcome)
    log.info("complaint %s: %s -> %s by member %s", complaint.id, old.value, new.value, officer.id)
    return StatusChange(old, new, entry, relay)


def message_complainant(uow: UnitOfWork, master: MasterKey, complaint: Complaint, officer: Member, text: str,
                        actor: Actor, now: datetime, build: MessageBuilder) -> Relay:
    """An officer's message to the complainant, relayed by the bot (nobody learns the other's account)."""
    if not text.strip() or len(text) > MAX_NOTE:
        raise ValueError("a message to the complainant is 1 to MAX_NOTE characters")
    _answered(complaint, officer, now)
    entry = uow.complaints.add_entry(complaint, EntryKind.TO_COMPLAINANT, now, public_text=text,
                                     member_id=officer.id)
    relay = tell_complainant(uow, master, complaint, entry, build, now)
    uow.audit.record(complaint.org_id, actor, "complaint.message", now, f"complaint:{complaint.id}",
                     told=relay.outcome)
    log.info("complaint %s: message to the complainant by member %s", complaint.id, officer.id)
    return relay
