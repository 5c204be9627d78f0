"""What complainants and officers read about a complaint, as Thai text."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from domain import fiscal
from domain.complaints.categories import CATEGORY_NAMES_TH, Category
from domain.complaints.crypto import MasterKey
from domain.complaints.workflow import CLOSED_STATUSES, ComplaintMode, ComplaintStatus, DeadlinePolicy
from domain.digits import ARABIC
from storage.complaint_identity import complainant_identity
from storage.complaint_models import Complaint, ComplaintEntry
from storage.complaints import EntryKind
from texts import chat, common
from views import messages

TIMELINE_LINES = 12


def local_date(moment: datetime, tz: str) -> str:
    return ARABIC.date(fiscal.local_date(moment, tz))


def local_time(moment: datetime, tz: str) -> str:
    local = moment.astimezone(ZoneInfo(tz))
    return ARABIC.date_time(local)


def complainant_text(master: MasterKey, complaint: Complaint, viewer_id: int) -> str:
    """Who complained, as far as this officer may know: identified details to the assigned officer only
    (in LINE and in the admin console)."""
    if complaint.mode == ComplaintMode.ANONYMOUS.value:
        return chat.COMPLAINT_COMPLAINANT_ANONYMOUS
    if complaint.mode == ComplaintMode.CONFIDENTIAL.value:
        return chat.COMPLAINT_COMPLAINANT_CONFIDENTIAL
    if complaint.assigned_member_id != viewer_id:
        return chat.COMPLAINT_COMPLAINANT_IDENTIFIED_HIDDEN
    identity = complainant_identity(master, complaint)
    if identity is None:
        return chat.COMPLAINT_COMPLAINANT_DESTROYED
    return chat.COMPLAINT_COMPLAINANT_IDENTIFIED.format(name=identity.get("name") or "-",
                                                        phone=identity.get("phone") or "-")


def category_name(category: str) -> str:
    try:
        return CATEGORY_NAMES_TH[Category(category)]
    except ValueError:
        return category


def status_label(status: str | None) -> str:
    return common.COMPLAINT_STATUS_LABELS.get(status or "", status or "")


def where_text(complaint: Complaint) -> str:
    parts = [p for p in (complaint.happened_when, complaint.place_title, complaint.place_address) if p]
    if complaint.latitude is not None and complaint.longitude is not None:
        parts.append(f"({complaint.latitude:.5f}, {complaint.longitude:.5f})")
    return " · ".join(parts) or chat.COMPLAINT_NOT_GIVEN


def _clip_lines(lines: list[str]) -> list[str]:
    if len(lines) <= TIMELINE_LINES:
        return lines
    hidden = len(lines) - TIMELINE_LINES + 1
    return [chat.COMPLAINT_TIMELINE_MORE.format(count=hidden), *lines[-(TIMELINE_LINES - 1):]]


# -- the complainant's view ---------------------------------------------------------------------------------
def public_timeline(entries: list[ComplaintEntry], tz: str) -> str:
    """What the complainant may read: status changes and messages, never internal notes or officers."""
    lines = []
    for entry in entries:
        when = local_date(entry.created_at, tz)
        if entry.kind == EntryKind.RECEIVED:
            lines.append(chat.COMPLAINT_TIMELINE_RECEIVED.format(when=when))
        elif entry.kind == EntryKind.STATUS:
            reopened = entry.status_from in CLOSED_STATUSES and entry.status_to not in CLOSED_STATUSES
            template = chat.COMPLAINT_TIMELINE_REOPENED if reopened else chat.COMPLAINT_TIMELINE_STATUS
            line = template.format(when=when, status=status_label(entry.status_to))
            if entry.public_text:
                line += chat.COMPLAINT_TIMELINE_PUBLIC_FOR_COMPLAINANT.format(
                    text=messages.clip_text(entry.public_text, 600))
            lines.append(line)
        elif entry.kind == EntryKind.TO_COMPLAINANT:
            new = chat.COMPLAINT_TIMELINE_NEW if entry.delivered_at is None else ""
            lines.append(chat.COMPLAINT_TIMELINE_TO_COMPLAINANT.format(
                when=when, new=new, text=messages.clip_text(entry.public_text or "", 800)))
        elif entry.kind == EntryKind.FROM_COMPLAINANT:
            lines.append(chat.COMPLAINT_TIMELINE_FROM_COMPLAINANT.format(
                when=when, text=messages.clip_text(entry.public_text or "", 200)))
    return "\n".join(_clip_lines(lines))


def status_view(complaint: Complaint, code: str, entries: list[ComplaintEntry], tz: str) -> str:
    hint = chat.COMPLAINT_REPLY_HINT_ANONYMOUS if complaint.pin_hash else chat.COMPLAINT_REPLY_HINT_OWN
    return chat.COMPLAINT_STATUS_VIEW.format(
        code=code, received=local_date(complaint.received_at, tz), category=category_name(complaint.category),
        status=status_label(complaint.status), status_note=chat.COMPLAINT_STATUS_NOTES.get(complaint.status, ""),
        timeline=public_timeline(entries, tz), reply_hint=hint.format(code=code))


# -- the officers' view ------------------------------------------------------------------------------------------
def deadline_text(complaint: Complaint, policy: DeadlinePolicy, now: datetime, tz: str) -> str:
    deadlines = policy.deadlines(complaint.received_at, first_answer_at=complaint.first_answer_at,
                                 last_feedback_at=complaint.last_feedback_at, closed_at=complaint.closed_at)
    items = []
    for name, due in (("first_answer", deadlines.first_answer_due), ("feedback", deadlines.next_feedback_due),
                      ("close", deadlines.close_due)):
        if due is not None:
            items.append(chat.COMPLAINT_DEADLINE_ITEM.format(
                name=chat.COMPLAINT_DEADLINE_NAMES[name], due=local_date(due, tz),
                late=chat.COMPLAINT_DEADLINE_LATE if now > due else ""))
    return " · ".join(items) or chat.COMPLAINT_NO_DEADLINE


def overdue_flags(complaint: Complaint, policy: DeadlinePolicy, now: datetime) -> str:
    deadlines = policy.deadlines(complaint.received_at, first_answer_at=complaint.first_answer_at,
                                 last_feedback_at=complaint.last_feedback_at, closed_at=complaint.closed_at)
    late = deadlines.overdue(now)
    if not late:
        return ""
    return chat.COMPLAINT_FLAG_OVERDUE.format(names="".join(
        f" {chat.COMPLAINT_DEADLINE_NAMES[name]}" for name in late))


def officer_name(member_id: int | None, viewer_id: int) -> str:
    if member_id is None:
        return chat.COMPLAINT_UNASSIGNED
    if member_id == viewer_id:
        return chat.COMPLAINT_ASSIGNED_YOU
    return chat.COMPLAINT_OFFICER_NAME.format(id=member_id)


def officer_timeline(entries: list[ComplaintEntry], viewer_id: int, tz: str) -> str:
    lines = []
    for entry in entries:
        when = local_time(entry.created_at, tz)
        officer = officer_name(entry.member_id, viewer_id)
        if entry.kind == EntryKind.RECEIVED:
            lines.append(chat.COMPLAINT_CASE_ENTRY_RECEIVED.format(when=when))
        elif entry.kind == EntryKind.ASSIGNED:
            lines.append(chat.COMPLAINT_CASE_ENTRY_ASSIGNED.format(when=when, officer=officer))
        elif entry.kind == EntryKind.STATUS:
            line = chat.COMPLAINT_CASE_ENTRY_STATUS.format(
                when=when, officer=officer, old=status_label(entry.status_from), new=status_label(entry.status_to),
                note=messages.clip_text(entry.internal_note or "", 500))
            if entry.public_text:
                line += chat.COMPLAINT_TIMELINE_PUBLIC.format(text=messages.clip_text(entry.public_text, 500))
            lines.append(line)
        elif entry.kind == EntryKind.TO_COMPLAINANT:
            lines.append(chat.COMPLAINT_CASE_ENTRY_TO.format(when=when, officer=officer,
                                                             text=messages.clip_text(entry.public_text or "", 500)))
        elif entry.kind == EntryKind.FROM_COMPLAINANT:
            lines.append(chat.COMPLAINT_CASE_ENTRY_FROM.format(when=when,
                                                               text=messages.clip_text(entry.public_text or "", 800)))
    return "\n".join(_clip_lines(lines))


def allowed_labels(status: ComplaintStatus, allowed: set[ComplaintStatus]) -> list[str]:
    order = list(ComplaintStatus)
    return [status_label(s.value) for s in sorted(allowed, key=order.index)]
