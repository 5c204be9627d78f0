"""Officers handle complaints in LINE: "เรื่องร้องเรียน" lists the open cases they may handle, "เปิด 12"
opens one (the first officer to open a case is assigned to it), then they change its status with a
required internal note and an optional word to the complainant, or send the complainant a message. The
bot relays it: by push to identified and confidential complainants, kept in the case for anonymous ones
until they follow up. Heads never see complaints; an officer never sees one naming their own unit."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.complaints.workflow import (
    ComplaintMode,
    ComplaintStatus,
    TransitionError,
    allowed_transitions,
    check_transition,
)
from domain.digits import ARABIC
from domain.thai_text import to_arabic_digits
from handlers.base import Context
from handlers.conversation import AGAIN, END, Control, Convo, Input, Question, Step, say
from handlers.events import IncomingEvent
from handlers.flow_helpers import choice_of, is_word, postback_arg, text_of
from storage.audit_log import Actor
from storage.complaint_models import Complaint
from storage.models import Role
from texts import chat, common
from usecases.complaint_config import ComplaintConfig
from usecases.complaint_evidence import evidence_items, evidence_links, may_open
from usecases.complaint_handling import change_status, message_complainant, open_case
from usecases.complaint_routing import may_handle
from views import messages
from views.complaint_notices import message_push, status_push, told_text
from views.complaint_views import (
    allowed_labels,
    category_name,
    complainant_text,
    deadline_text,
    local_date,
    officer_name,
    officer_timeline,
    overdue_flags,
    status_label,
    where_text,
)

log = logging.getLogger(__name__)

FLOW = "complaint_case"
MAX_NOTE = 2000
LIST_ROWS = 20
_OPEN = re.compile(r"^(?:เปิดเรื่อง|เปิด|เรื่องที่|เรื่อง)\s*(?:ที่)?\s*#?\s*(\d{1,9})$")


def _case_ref(event: IncomingEvent) -> int | None:
    opened = postback_arg(event, "complaint:open:")
    if opened is not None:
        return opened
    if event.is_text:
        match = _OPEN.match(to_arabic_digits((event.text or "").strip()))
        if match:
            return int(match.group(1))
    return None


def _is_case_word(event: IncomingEvent) -> bool:
    return is_word(event, chat.COMPLAINT_CASES_WORDS)


def _is_officer_account(event: IncomingEvent, ctx: Context) -> bool:
    """Looked up, never created: entry points run on every message, an anonymous complainant's included."""
    member = ctx.uow.people.member(ctx.org.id, event.user_id) if event.user_id else None
    return member is not None and member.role == Role.OFFICER.value


def case_list(ctx: Context, config: ComplaintConfig) -> dict[str, object]:
    """The open cases the officer may handle, each with a button to open it."""
    member = ctx.member
    assert member is not None
    cases = [c for c in ctx.uow.complaints.open_cases(ctx.org.id) if may_handle(member, c)]
    if not cases:
        return messages.text(chat.COMPLAINT_NO_OPEN_CASES)
    lines = [chat.COMPLAINT_CASES_HEADER.format(count=len(cases))]
    for complaint in cases[:LIST_ROWS]:
        flags = overdue_flags(complaint, config.policy, ctx.now)
        if complaint.assigned_member_id == member.id:
            flags += chat.COMPLAINT_FLAG_MINE
        lines.append(chat.COMPLAINT_CASES_ROW.format(
            id=complaint.id, category=category_name(complaint.category), status=status_label(complaint.status),
            received=local_date(complaint.received_at, ctx.org.timezone), flags=flags))
    if len(cases) > LIST_ROWS:
        lines.append(chat.COMPLAINT_CASES_MORE.format(count=len(cases) - LIST_ROWS))
    lines.append(chat.COMPLAINT_CASES_FOOTER.format(example=cases[0].id))
    return messages.text("\n".join(lines), [chat.COMPLAINT_OPEN_CHOICE.format(id=c.id)
                                            for c in cases[:messages.QUICK_REPLY_LIMIT]])


class CaseState(StrEnum):
    CASE = "case"
    STATUS = "status"
    NOTE = "note"
    PUBLIC = "public"
    MESSAGE = "message"


class CaseFlow:
    name = FLOW
    private = True  # case texts: answers keep nothing once sent; events are scrubbed
    idle_states = frozenset({CaseState.CASE.value})  # a case open with nothing half-typed: expires silently

    def __init__(self, config: ComplaintConfig) -> None:
        self.config = config
        self.states: Mapping[str, Question] = {
            CaseState.CASE: Question(Input.TEXT, self.case, ask=self._ask_case, again=self._case_again),
            CaseState.STATUS: Question(Input.TEXT, self.status, ask=self._ask_status, again=self._status_again),
            CaseState.NOTE: Question(Input.TEXT, self.note, ask=self._ask_note,
                                     again=say(chat.COMPLAINT_NOTE_AGAIN.format(limit=MAX_NOTE))),
            CaseState.PUBLIC: Question(Input.TEXT, self.public,
                                       ask=say(chat.COMPLAINT_ASK_PUBLIC, chat.COMPLAINT_SKIP_CHOICES),
                                       again=say(chat.COMPLAINT_MESSAGE_AGAIN.format(limit=MAX_NOTE))),
            CaseState.MESSAGE: Question(Input.TEXT, self.message, ask=self._ask_message,
                                        again=say(chat.COMPLAINT_MESSAGE_AGAIN.format(limit=MAX_NOTE))),
        }

    def entry(self, event: IncomingEvent, ctx: Context) -> Step | None:
        """Officers only: for anyone else these words are what they are typing (a complaint's text)."""
        if not (_is_case_word(event) or _case_ref(event) is not None) or not _is_officer_account(event, ctx):
            return None
        return self.list_cases if _is_case_word(event) else self.open_case

    def on_end(self, ctx: Context, convo: Convo, reason: str) -> None:
        """Nothing is kept half-done: a status change or message is saved only at its last step."""

    # -- access ------------------------------------------------------------------------------------------------
    def _is_officer(self, ctx: Context) -> bool:
        if ctx.role is not Role.OFFICER:
            ctx.reply(messages.text(chat.COMPLAINT_OFFICERS_ONLY))
            return False
        return True

    def _case(self, ctx: Context, complaint_id: int | None) -> Complaint | None:
        complaint = ctx.uow.complaints.get(ctx.org.id, complaint_id) if complaint_id is not None else None
        if complaint is None or not may_handle(ctx.member, complaint):
            return None
        return complaint

    def _opened(self, ctx: Context, convo: Convo) -> Complaint:
        """The case a question is about: the step that entered the state has just found it."""
        complaint = self._case(ctx, convo.data.get("case_id"))
        assert complaint is not None
        return complaint

    # -- list and open -------------------------------------------------------------------------------------------
    def list_cases(self, event: IncomingEvent, ctx: Context, convo: Convo) -> CaseState | Control:
        if not self._is_officer(ctx):
            return END
        ctx.reply(case_list(ctx, self.config))
        return END


    def open_case(self, event: IncomingEvent, ctx: Context, convo: Convo) -> CaseState | Control:
        if not self._is_officer(ctx):
            return END
        ref = _case_ref(event)
        complaint = self._case(ctx, ref)
        if complaint is None:
            ctx.reply(messages.text(chat.COMPLAINT_CASE_NOT_FOUND.format(id=ref)))
            return END
        member = ctx.member
        assert member is not None
        open_case(ctx.uow, complaint, member, Actor.member(member.id), ctx.now)
        convo.data["case_id"] = complaint.id
        ctx.reply(messages.text(self._view(ctx, complaint)))
        return CaseState.CASE

    def _view(self, ctx: Context, complaint: Complaint) -> str:
        member = ctx.member
        assert member is not None
        config = self.config
        evidence = ctx.uow.evidence.count_for_owner("complaint", complaint.id)
        return chat.COMPLAINT_CASE_VIEW.format(
            id=complaint.id, mode=common.COMPLAINT_MODE_NAMES.get(complaint.mode, complaint.mode),
            type=common.COMPLAINT_TYPE_NAMES.get(complaint.type, complaint.type),
            category=category_name(complaint.category), status=status_label(complaint.status),
            received=local_date(complaint.received_at, ctx.org.timezone),
            deadlines=deadline_text(complaint, config.policy, ctx.now, ctx.org.timezone),
            assignee=officer_name(complaint.assigned_member_id, member.id),
            complainant=complainant_text(config.keys.master, complaint, member.id),
            details=messages.clip_text(complaint.details, 2500), where=where_text(complaint),
            involved=complaint.involved or chat.COMPLAINT_NOT_GIVEN,
            evidence=chat.COMPLAINT_EVIDENCE_COUNT.format(count=evidence) if evidence else chat.COMPLAINT_NOT_GIVEN,
            executive=chat.COMPLAINT_CASE_EXECUTIVE if complaint.about_executive else "") \
            + self._evidence_links(ctx, complaint)

    def _evidence_links(self, ctx: Context, complaint: Complaint) -> str:
        """The assigned officer's links to the case's files: for them only, for minutes, each opening audited."""
        member, links = ctx.member, self.config.evidence_links
        if links is None or not may_open(member, complaint):
            return ""
        assert member is not None
        made = evidence_links(links, complaint, member, evidence_items(ctx.uow, complaint), ctx.now)
        if not made:
            return ""
        until = made[0][2].astimezone(ZoneInfo(ctx.org.timezone))
        lines = [chat.COMPLAINT_EVIDENCE_LINK.format(kind=chat.MEDIA_KIND_NAMES.get(item.kind, item.kind),
                                                     number=item.number, url=url) for item, url, _ in made]
        return chat.COMPLAINT_EVIDENCE_LINKS.format(links="\n".join(lines), until=ARABIC.time(until))

    @staticmethod
    def _actions(body: str) -> dict[str, object]:
        return messages.text(body, list(chat.COMPLAINT_CASE_ACTIONS))

    # -- questions -----------------------------------------------------------------------------------------------
    def _ask_case(self, ctx: Context, convo: Convo) -> None:
        """The case's timeline, with its actions (after an action, its answer carries them instead)."""
        if convo.data.pop("acted", False):
            return
        complaint = self._opened(ctx, convo)
        member = ctx.member
        assert member is not None
        ctx.reply(self._actions(chat.COMPLAINT_CASE_TIMELINE.format(
            id=complaint.id, timeline=officer_timeline(ctx.uow.complaints.entries(complaint.id), member.id,
                                                       ctx.org.timezone))))

    def _case_again(self, ctx: Context, convo: Convo) -> None:
        ctx.reply(self._actions(chat.COMPLAINT_CASE_AGAIN.format(id=convo.data["case_id"])))

    @staticmethod
    def _status_labels(complaint: Complaint) -> list[str]:
        current_status = ComplaintStatus(complaint.status)
        return allowed_labels(current_status, allowed_transitions(current_status))

    def _ask_status(self, ctx: Context, convo: Convo) -> None:
        complaint = self._opened(ctx, convo)
        ctx.reply(messages.text(chat.COMPLAINT_ASK_STATUS.format(id=complaint.id,
                                                                 status=status_label(complaint.status)),
                                self._status_labels(complaint)))

    def _status_again(self, ctx: Context, convo: Convo) -> None:
        complaint = self._case(ctx, convo.data.get("case_id"))
        if complaint is None:  # gone since it was opened: the next answer ends the flow
            ctx.reply(messages.text(chat.COMPLAINT_CASE_GONE))
            return
        labels = self._status_labels(complaint)
        ctx.reply(messages.text(chat.COMPLAINT_STATUS_AGAIN.format(
            status=status_label(complaint.status), allowed=", ".join(labels)), labels))

    def _ask_note(self, ctx: Context, convo: Convo) -> None:
        ctx.reply(messages.text(chat.COMPLAINT_ASK_NOTE.format(status=status_label(convo.data["new_status"]))))

    def _ask_message(self, ctx: Context, convo: Convo) -> None:
        complaint = self._opened(ctx, convo)
        how = (chat.COMPLAINT_MESSAGE_HOW_WAIT if complaint.mode == ComplaintMode.ANONYMOUS.value
               else chat.COMPLAINT_MESSAGE_HOW_PUSH)
        ctx.reply(messages.text(chat.COMPLAINT_ASK_MESSAGE.format(id=complaint.id, how=how)))

    # -- the case's actions ------------------------------------------------------------------------------------------
    def case(self, event: IncomingEvent, ctx: Context, convo: Convo) -> CaseState | Control:
        complaint = self._case(ctx, convo.data.get("case_id"))
        if complaint is None:
            ctx.reply(messages.text(chat.COMPLAINT_CASE_GONE))
            return END
        action = choice_of(event, chat.COMPLAINT_CASE_ACTIONS)
        if action == "status":
            return CaseState.STATUS
        if action == "message":
            return CaseState.MESSAGE
        if action == "timeline":
            self._ask_case(ctx, convo)
            return CaseState.CASE
        if action == "leave":
            ctx.reply(messages.text(chat.COMPLAINT_CASE_LEFT.format(id=complaint.id)))
            return END
        return AGAIN

    def status(self, event: IncomingEvent, ctx: Context, convo: Convo) -> CaseState | Control:
        complaint = self._case(ctx, convo.data.get("case_id"))
        if complaint is None:
            ctx.reply(messages.text(chat.COMPLAINT_CASE_GONE))
            return END
        options = {status_label(s.value): s.value for s in allowed_transitions(ComplaintStatus(complaint.status))}
        chosen = choice_of(event, options)
        if chosen is None:
            return AGAIN
        convo.data.update(new_status=chosen, from_status=complaint.status)
        return CaseState.NOTE

    @staticmethod
    def _free_text(event: IncomingEvent) -> str | None:
        """A note or message: some text, not too long, not a skip word."""
        text = text_of(event)
        if not text or len(text) > MAX_NOTE or is_word(event, chat.SKIP_WORDS):
            return None
        return text

    def note(self, event: IncomingEvent, ctx: Context, convo: Convo) -> CaseState | Control:
        note = self._free_text(event)
        if note is None:
            return AGAIN
        convo.data["note"] = note
        return CaseState.PUBLIC

    def public(self, event: IncomingEvent, ctx: Context, convo: Convo) -> CaseState | Control:
        public: str | None = None
        if not is_word(event, chat.SKIP_WORDS):
            public = self._free_text(event)
            if public is None:
                return AGAIN
        return self._change_status(ctx, convo, public)

    def _change_status(self, ctx: Context, convo: Convo, public: str | None) -> CaseState | Control:
        complaint = self._case(ctx, convo.data.get("case_id"))
        member = ctx.member
        if complaint is None or member is None or complaint.status != convo.data.get("from_status"):
            ctx.reply(messages.text(chat.COMPLAINT_CASE_GONE))
            return END
        old, new = ComplaintStatus(complaint.status), ComplaintStatus(convo.data["new_status"])
        try:
            check_transition(old, new)
        except TransitionError:
            ctx.reply(messages.text(chat.COMPLAINT_CASE_GONE))
            return END
        change = change_status(ctx.uow, self.config.keys.master, complaint, member, new, convo.data["note"], public,
                               Actor.member(member.id), ctx.now, status_push(new.value, public))
        ctx.outbox_ids.extend(change.relay.outbox_ids)
        ctx.reply(self._actions(chat.COMPLAINT_STATUS_SAVED.format(
            id=complaint.id, old=status_label(old.value), new=status_label(new.value),
            told=told_text(change.relay.outcome))))
        return self._back_to_case(convo)

    @staticmethod
    def _back_to_case(convo: Convo) -> CaseState:
        """After an action the case stays open, its buttons under the answer."""
        for key in ("new_status", "from_status", "note"):
            convo.data.pop(key, None)
        convo.data["acted"] = True
        return CaseState.CASE

    def message(self, event: IncomingEvent, ctx: Context, convo: Convo) -> CaseState | Control:
        text = self._free_text(event)
        if text is None:
            return AGAIN
        complaint = self._case(ctx, convo.data.get("case_id"))
        member = ctx.member
        if complaint is None or member is None:
            ctx.reply(messages.text(chat.COMPLAINT_CASE_GONE))
            return END
        relay = message_complainant(ctx.uow, self.config.keys.master, complaint, member, text,
                                    Actor.member(member.id), ctx.now, message_push(text))
        ctx.outbox_ids.extend(relay.outbox_ids)
        ctx.reply(self._actions(chat.COMPLAINT_MESSAGE_SAVED.format(id=complaint.id,
                                                                    told=told_text(relay.outcome))))
        return self._back_to_case(convo)


class OfficersOnlyHandler:
    """The case commands typed by someone who is not an officer (outside any flow): say who may use them."""

    def matches(self, event: IncomingEvent, ctx: Context) -> bool:
        return _is_case_word(event) or (event.is_text and _case_ref(event) is not None)

    def handle(self, event: IncomingEvent, ctx: Context) -> str:
        ctx.reply(messages.text(chat.COMPLAINT_OFFICERS_ONLY))
        return "complaint:officers-only"


class CaseActionOutsideHandler:
    """A case's action ("ส่งข้อความถึงผู้ร้อง", "เปลี่ยนสถานะ") typed or tapped by an officer when no case
    is open (the flow ended or timed out): say to open a case first, with the list of cases."""

    def __init__(self, config: ComplaintConfig) -> None:
        self.config = config

    def matches(self, event: IncomingEvent, ctx: Context) -> bool:
        return choice_of(event, chat.COMPLAINT_CASE_ACTIONS) is not None and _is_officer_account(event, ctx)

    def handle(self, event: IncomingEvent, ctx: Context) -> str:
        ctx.private = True  # the list names cases; nothing of it is kept once sent
        ctx.reply(messages.text(chat.COMPLAINT_OPEN_CASE_FIRST), case_list(ctx, self.config))
        return "complaint:open-first"
