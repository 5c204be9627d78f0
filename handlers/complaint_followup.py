"""Follow-up by the complainant: "ติดตาม <code> <PIN>" shows the status and the public timeline, "ตอบ <code>
<PIN> <message>" adds a message to the case. Anonymous complaints need the PIN and work from any account;
identified and confidential ones work with the code alone from the account that filed them.

Guessing is slowed down: 5 failures an hour per code and per account (both kept as keyed hashes, never
joined) and the checks stop for the hour. A refusal never says which part was wrong."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from domain.complaints.codes import normalise_tracking_code, parse_follow_up
from domain.complaints.workflow import ComplaintMode, is_closed
from domain.thai_text import to_arabic_digits
from handlers.base import Context
from handlers.complaint_relay import answer_privately, notify_handlers
from handlers.events import IncomingEvent
from storage.complaint_models import Complaint
from storage.complaints import EntryKind
from texts import chat
from usecases.complaint_config import ComplaintConfig
from views import messages
from views.complaint_views import status_label, status_view

log = logging.getLogger(__name__)

ATTEMPT_WINDOW = timedelta(hours=1)
MAX_MESSAGE = 5000
_FOLLOW_UP_WORD = re.compile(r"^\s*ติดตาม")
_REPLY = re.compile(
    r"^\s*ตอบ\s+(?P<code>(?:ร|R|r)?\s*[-‐–]?\s*[0-9A-Za-z]{4}\s*[-‐–]?\s*[0-9A-Za-z]{2})(?![0-9A-Za-z])"
    r"(?:\s+(?P<pin>\d{6})(?!\d))?\s*(?P<message>.*)$", re.DOTALL)


@dataclass(frozen=True)
class Access:
    complaint: Complaint | None
    refusal: str | None  # Thai answer when refused


def check_access(ctx: Context, config: ComplaintConfig, code: str, pin: str | None) -> Access:
    """The complaint `code` names, when this account may follow it with `pin`; counts the failures."""
    assert ctx.event.user_id is not None
    keys = config.keys
    since = ctx.now - ATTEMPT_WINDOW
    guards = [keys.attempt_account_hash(ctx.event.user_id), keys.attempt_code_hash(code)]
    limit = config.follow_up_failures_per_hour
    if any(ctx.uow.complaints.failures_since(guard, since) >= limit for guard in guards):
        return Access(None, chat.COMPLAINT_TOO_MANY_TRIES)
    complaint = ctx.uow.complaints.by_code_hash(ctx.org.id, keys.code_hash(code))
    allowed = False
    if complaint is not None and complaint.mode == ComplaintMode.ANONYMOUS.value:
        allowed = pin is not None and complaint.pin_hash is not None and keys.pin_matches(pin, code,
                                                                                         complaint.pin_hash)
    elif complaint is not None:
        allowed = complaint.owner_hash is not None and complaint.owner_hash == keys.owner_hash(ctx.event.user_id)
    if not allowed:
        ctx.uow.complaints.record_failure(guards, ctx.now)
        log.info("complaint follow-up refused")
        return Access(None, chat.COMPLAINT_NOT_FOUND)
    return Access(complaint, None)


class FollowUpHandler:
    """"ติดตาม ร-7K3M-Q9 123456" (anonymous) or "ติดตาม ร-7K3M-Q9" (from the complainant's own account)."""

    def __init__(self, config: ComplaintConfig) -> None:
        self.config = config

    def matches(self, event: IncomingEvent, ctx: Context) -> bool:
        return event.is_text and event.user_id is not None and bool(_FOLLOW_UP_WORD.match(event.text or ""))

    def handle(self, event: IncomingEvent, ctx: Context) -> str:
        outcome = self._handle(event, ctx)
        answer_privately(ctx)
        return outcome

    def _handle(self, event: IncomingEvent, ctx: Context) -> str:
        parsed = parse_follow_up(event.text or "")
        if parsed is None:
            ctx.reply(messages.text(chat.COMPLAINT_FOLLOW_UP_HOWTO))
            return "complaint:follow-up:howto"
        code, pin = parsed
        access = check_access(ctx, self.config, code, pin)
        if access.complaint is None:
            ctx.reply(messages.text(access.refusal or chat.COMPLAINT_NOT_FOUND))
            return "complaint:follow-up:refused"
        complaint = access.complaint
        entries = ctx.uow.complaints.entries(complaint.id)
        ctx.reply(messages.text(status_view(complaint, code, entries, ctx.org.timezone)))
        ctx.uow.complaints.mark_delivered(entries, ctx.now)  # officers' messages waiting for an anonymous reader
        return "complaint:follow-up"


class ComplainantReplyHandler:
    """"ตอบ ร-7K3M-Q9 123456 ข้อความ" (anonymous) or "ตอบ ร-7K3M-Q9 ข้อความ": a message added to the case
    and passed on to its officer."""

    def __init__(self, config: ComplaintConfig) -> None:
        self.config = config

    def matches(self, event: IncomingEvent, ctx: Context) -> bool:
        text = event.text or ""
        return event.is_text and event.user_id is not None and (
            text.strip() in chat.COMPLAINT_REPLY_WORDS or _REPLY.match(to_arabic_digits(text)) is not None)

    def handle(self, event: IncomingEvent, ctx: Context) -> str:
        outcome = self._handle(event, ctx)
        answer_privately(ctx)
        return outcome

    def _handle(self, event: IncomingEvent, ctx: Context) -> str:
        text = event.text or ""
        match = _REPLY.match(to_arabic_digits(text))  # one character for one: positions hold in `text`
        code = normalise_tracking_code(match["code"]) if match else None
        message = text[match.start("message"):].strip() if match else ""
        if match is None or code is None or not message:
            ctx.reply(messages.text(chat.COMPLAINT_REPLY_HOWTO))
            return "complaint:reply:howto"
        if len(message) > MAX_MESSAGE:
            ctx.reply(messages.text(chat.COMPLAINT_REPLY_TOO_LONG.format(limit=MAX_MESSAGE)))
            return "complaint:reply:too-long"
        access = check_access(ctx, self.config, code, match["pin"])
        if access.complaint is None:
            ctx.reply(messages.text(access.refusal or chat.COMPLAINT_NOT_FOUND))
            return "complaint:reply:refused"
        complaint = access.complaint
        ctx.uow.complaints.add_entry(complaint, EntryKind.FROM_COMPLAINANT, ctx.now, public_text=message,
                                     delivered=True)
        notify_handlers(ctx, complaint, chat.COMPLAINT_FROM_COMPLAINANT.format(
            id=complaint.id, text=messages.clip_text(message, 1500)))
        if is_closed(complaint.status):
            ctx.reply(messages.text(chat.COMPLAINT_REPLY_CLOSED.format(code=code,
                                                                       status=status_label(complaint.status))))
        else:
            ctx.reply(messages.text(chat.COMPLAINT_REPLY_SENT.format(code=code)))
        return "complaint:reply"
