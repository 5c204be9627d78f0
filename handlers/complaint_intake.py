"""The complaint intake flow: mode (identified, confidential, anonymous) → name and phone (identified) →
type → what happened (several messages until "เสร็จ") → category (suggested from the text) → when and
where → people or units involved → evidence → summary → confirm, with a warning when an anonymous or
confidential text holds something that identifies the writer. The receipt gives a tracking code (and a PIN
for anonymous complaints); both are stored only as keyed hashes.

Every event of the flow is scrubbed from the inbox and every answer is a private outbox row, whatever
the mode: the complaint's text never sits next to a LINE user id. The draft lives in the conversation row,
which is deleted when the flow ends (submitted, cancelled, expired)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from enum import StrEnum
from typing import Any

from domain.complaints.categories import CATEGORY_NAMES_TH, Category, ComplaintType, category_scores
from domain.complaints.codes import new_pin, new_tracking_code
from domain.complaints.identity import find_identifiers, mask
from domain.complaints.workflow import ComplaintMode
from domain.progress import is_none_answer
from domain.thai_text import to_arabic_digits
from handlers.base import Context
from handlers.complaint_relay import notify_handlers, seal
from handlers.conversation import AGAIN, END, Control, Convo, Input, Question, Step, say
from handlers.events import IncomingEvent
from handlers.flow_helpers import (
    EvidenceTexts,
    choice_of,
    is_evidence,
    is_word,
    local_today,
    record_evidence,
    text_of,
    word_key,
)
from storage.complaint_models import Complaint
from storage.complaints import NewComplaint
from texts import chat, common
from usecases.complaint_config import ComplaintConfig
from usecases.complaint_routing import about_executive, resolve
from views import messages
from views.complaint_views import category_name, local_date

log = logging.getLogger(__name__)

FLOW = "complaint"
DRAFT_OWNER = "complaint_draft"  # not "conversation": the evidence fetcher never pushes to a complainant
COMPLAINT_OWNER = "complaint"
MAX_DETAILS = 5000
MAX_FIELD = 1000
MAX_NAME = 200
MAX_EVIDENCE = 10
MAX_EVIDENCE_MB = 20
EVIDENCE_TEXTS = EvidenceTexts(chat.COMPLAINT_EVIDENCE_RECEIVED, chat.COMPLAINT_EVIDENCE_DUPLICATE,
                               chat.COMPLAINT_EVIDENCE_LIMIT)
CORRUPTION_CATEGORIES = [c for c in Category if c is not Category.GRIEVANCE]


def identifiers_in(data: Mapping[str, Any]) -> list[str]:
    """The kinds of identifying data (national ID, phone, e-mail) in the complaint's free texts."""
    kinds: list[str] = []
    for key in ("details", "when", "involved"):
        for found in find_identifiers(str(data.get(key) or "")):
            if found.kind not in kinds:
                kinds.append(found.kind)
    return kinds


def suggested_category(details: str) -> Category | None:
    """The corruption category the text points to most (the person confirms it)."""
    scores = category_scores(details)
    best = max(CORRUPTION_CATEGORIES, key=lambda c: (scores[c], -CORRUPTION_CATEGORIES.index(c)))
    return best if scores[best] > 0 else None


class ComplaintState(StrEnum):
    MODE = "mode"
    NAME = "name"
    PHONE = "phone"
    TYPE = "type"
    DETAILS = "details"
    CATEGORY = "category"
    WHERE = "where"
    INVOLVED = "involved"
    EVIDENCE = "evidence"
    CONFIRM = "confirm"
    WARN = "warn"
    EDIT = "edit"


class ComplaintFlow:
    name = FLOW
    private = True  # answers keep nothing once sent; events are scrubbed

    def __init__(self, config: ComplaintConfig) -> None:
        self.config = config
        skip = chat.COMPLAINT_SKIP_CHOICES
        modes, types = list(chat.COMPLAINT_MODE_CHOICES), list(chat.COMPLAINT_TYPE_CHOICES)
        edit = say(chat.COMPLAINT_ASK_EDIT, list(chat.COMPLAINT_EDIT_CHOICES))
        self.states: Mapping[str, Question] = {
            ComplaintState.MODE: Question(Input.TEXT, self.mode, ask=self._ask_mode,
                                          again=say(chat.COMPLAINT_MODE_AGAIN, modes)),
            ComplaintState.NAME: Question(Input.TEXT, self.ask_name, ask=say(chat.COMPLAINT_ASK_NAME),
                                          again=say(chat.COMPLAINT_NAME_AGAIN.format(limit=MAX_NAME))),
            ComplaintState.PHONE: Question(Input.TEXT, self.phone, ask=say(chat.COMPLAINT_ASK_PHONE),
                                           again=say(chat.COMPLAINT_PHONE_AGAIN)),
            ComplaintState.TYPE: Question(Input.TEXT, self.type, ask=say(chat.COMPLAINT_ASK_TYPE, types),
                                          again=say(chat.COMPLAINT_TYPE_AGAIN, types)),
            ComplaintState.DETAILS: Question(Input.TEXT | Input.EVIDENCE, self.details, ask=self._ask_details,
                                             again=self._details_again),
            ComplaintState.CATEGORY: Question(Input.TEXT, self.category, ask=self._ask_category,
                                              again=self._category_again),
            ComplaintState.WHERE: Question(Input.TEXT | Input.LOCATION, self.where,
                                           ask=say(chat.COMPLAINT_ASK_WHERE, skip),
                                           again=say(chat.COMPLAINT_WHERE_AGAIN, skip)),
            ComplaintState.INVOLVED: Question(Input.TEXT, self.involved,
                                              ask=say(chat.COMPLAINT_ASK_INVOLVED, skip),
                                              again=say(chat.COMPLAINT_TEXT_AGAIN, skip)),
            ComplaintState.EVIDENCE: Question(Input.TEXT | Input.EVIDENCE, self.evidence,
                                              ask=self._ask_evidence,
                                              again=say(chat.COMPLAINT_EVIDENCE_AGAIN,
                                                        chat.COMPLAINT_EVIDENCE_CHOICES)),
            ComplaintState.CONFIRM: Question(Input.TEXT, self.confirm, ask=self._ask_confirm,
                                             again=say(chat.COMPLAINT_CONFIRM_AGAIN,
                                                       chat.COMPLAINT_CONFIRM_CHOICES)),
            ComplaintState.WARN: Question(Input.TEXT, self.warn, ask=self._ask_warn,
                                          again=say(chat.COMPLAINT_WARN_AGAIN, list(chat.COMPLAINT_WARN_CHOICES))),
            ComplaintState.EDIT: Question(Input.TEXT, self.edit, ask=edit, again=edit),
        }

    # -- entry and end ----------------------------------------------------------------------------------------
    def entry(self, event: IncomingEvent, ctx: Context) -> Step | None:
        if is_word(event, chat.COMPLAINT_WORDS) or event.postback_data == "complaint:start":
            return self.begin
        return None

    def on_end(self, ctx: Context, convo: Convo, reason: str) -> None:
        ctx.scrub_event = True
        if convo.id is not None:
            ctx.uow.evidence.delete_for_owner(DRAFT_OWNER, convo.id)

    def _refusal(self, ctx: Context, user_id: str) -> str | None:
        """Why this account may not file a complaint now, in Thai; None when it may."""
        config = self.config
        if ctx.uow.complaints.is_blocked(ctx.org.id, config.keys.block_hash(user_id)):
            return chat.COMPLAINT_BLOCKED.format(org=ctx.org.name)
        if ctx.uow.complaints.intake_count(config.keys.intake_hash(user_id, local_today(ctx))) >= config.daily_limit:
            return chat.COMPLAINT_DAILY_LIMIT.format(limit=config.daily_limit)
        return None

    def begin(self, event: IncomingEvent, ctx: Context, convo: Convo) -> ComplaintState | Control:
        assert event.user_id is not None
        refusal = self._refusal(ctx, event.user_id)
        if refusal is not None:
            ctx.reply(messages.text(refusal))
            return END
        return ComplaintState.MODE

    # -- questions -----------------------------------------------------------------------------------------------
    def _ask_mode(self, ctx: Context, convo: Convo) -> None:
        ctx.reply(messages.text(chat.COMPLAINT_MODES.format(org=ctx.org.name),
                                list(chat.COMPLAINT_MODE_CHOICES)))

    def _ask_details(self, ctx: Context, convo: Convo) -> None:
        template = chat.COMPLAINT_ASK_DETAILS_AGAIN if convo.data.get("editing") else chat.COMPLAINT_ASK_DETAILS
        ctx.reply(messages.text(template.format(limit=MAX_DETAILS), chat.COMPLAINT_DONE_CHOICES))

    def _details_again(self, ctx: Context, convo: Convo) -> None:
        """Said to a sticker, a voice message, a button…: the story is told in texts, photos and files."""
        kind = chat.MEDIA_KIND_NAMES.get(ctx.event.message_type or "", chat.COMPLAINT_MEDIA_OTHER)
        ctx.reply(messages.text(chat.COMPLAINT_DETAILS_MEDIA.format(kind=kind), chat.COMPLAINT_DONE_CHOICES))

    @staticmethod
    def _category_labels(convo: Convo) -> list[str]:
        labels = [chat.COMPLAINT_CATEGORY_LABELS[c.value] for c in CORRUPTION_CATEGORIES]
        return [chat.COMPLAINT_CATEGORY_YES, *labels] if convo.data.get("suggested") else labels

    def _ask_category(self, ctx: Context, convo: Convo) -> None:
        """The category the text points to, to confirm, or all of them to choose from."""
        suggestion = suggested_category(convo.data.get("details", ""))
        convo.data["suggested"] = suggestion.value if suggestion else None
        if suggestion is None:
            ctx.reply(messages.text(chat.COMPLAINT_ASK_CATEGORY, self._category_labels(convo)))
        else:
            ctx.reply(messages.text(chat.COMPLAINT_SUGGEST_CATEGORY.format(
                category=CATEGORY_NAMES_TH[suggestion]), self._category_labels(convo)))

    def _category_again(self, ctx: Context, convo: Convo) -> None:
        ctx.reply(messages.text(chat.COMPLAINT_CATEGORY_AGAIN, self._category_labels(convo)))

    def _ask_evidence(self, ctx: Context, convo: Convo) -> None:
        count = self._evidence_count(ctx, convo)
        already = chat.COMPLAINT_EVIDENCE_ALREADY.format(count=count) if count else ""
        ctx.reply(messages.text(chat.COMPLAINT_ASK_EVIDENCE.format(limit=MAX_EVIDENCE, mb=MAX_EVIDENCE_MB,
                                                                    already=already),
                                chat.COMPLAINT_EVIDENCE_CHOICES))

    def _ask_confirm(self, ctx: Context, convo: Convo) -> None:
        """The summary to confirm: an answer being edited is done once it shows."""
        convo.data.pop("editing", None)
        ctx.reply(messages.text(self._summary(ctx, convo), chat.COMPLAINT_CONFIRM_CHOICES))

    def _ask_warn(self, ctx: Context, convo: Convo) -> None:
        """The kinds of identifying data found in an anonymous or confidential complaint's texts."""
        names = " ".join(chat.COMPLAINT_IDENTIFIER_NAMES[k] for k in identifiers_in(convo.data))
        ctx.reply(messages.text(chat.COMPLAINT_WARN_IDENTIFIERS.format(
            kinds=names, mode=common.COMPLAINT_MODE_NAMES[convo.data["mode"]]), list(chat.COMPLAINT_WARN_CHOICES)))

    def _next(self, convo: Convo, after: ComplaintState) -> ComplaintState:
        """The next question, or back to the summary when one answer was being edited."""
        data = convo.data
        editing = bool(data.get("editing"))
        grievance = data.get("type") == ComplaintType.GRIEVANCE.value
        if after is ComplaintState.TYPE and grievance:
            data["category"] = Category.GRIEVANCE.value
        if after is ComplaintState.MODE:
            identified = data["mode"] == ComplaintMode.IDENTIFIED.value
            return ComplaintState.NAME if identified else ComplaintState.TYPE
        if after is ComplaintState.TYPE:
            if editing:
                return ComplaintState.CONFIRM if grievance else ComplaintState.CATEGORY
            return ComplaintState.DETAILS
        if editing:
            return ComplaintState.CONFIRM
        return {ComplaintState.NAME: ComplaintState.PHONE, ComplaintState.PHONE: ComplaintState.TYPE,
                ComplaintState.DETAILS: ComplaintState.WHERE if grievance else ComplaintState.CATEGORY,
                ComplaintState.CATEGORY: ComplaintState.WHERE, ComplaintState.WHERE: ComplaintState.INVOLVED,
                ComplaintState.INVOLVED: ComplaintState.EVIDENCE}[after]

    # -- steps ------------------------------------------------------------------------------------------------------
    def mode(self, event: IncomingEvent, ctx: Context, convo: Convo) -> ComplaintState | Control:
        mode = choice_of(event, chat.COMPLAINT_MODE_CHOICES, chat.COMPLAINT_MODE_WORDS)
        if mode is None:
            return AGAIN
        convo.data["mode"] = mode
        return self._next(convo, ComplaintState.MODE)

    def ask_name(self, event: IncomingEvent, ctx: Context, convo: Convo) -> ComplaintState | Control:
        name = text_of(event)
        if not name or len(name) > MAX_NAME or is_word(event, chat.COMPLAINT_DONE_CHOICES):
            return AGAIN
        convo.data["name"] = " ".join(name.split())
        return self._next(convo, ComplaintState.NAME)

    def phone(self, event: IncomingEvent, ctx: Context, convo: Convo) -> ComplaintState | Control:
        text = text_of(event)
        found = [i for i in find_identifiers(text) if i.kind == "phone"]
        if not found:
            return AGAIN
        convo.data["phone"] = to_arabic_digits(text[found[0].start:found[0].end]).strip()
        return self._next(convo, ComplaintState.PHONE)

    def type(self, event: IncomingEvent, ctx: Context, convo: Convo) -> ComplaintState | Control:
        kind = choice_of(event, chat.COMPLAINT_TYPE_CHOICES, chat.COMPLAINT_TYPE_WORDS)
        if kind is None:
            return AGAIN
        if kind != convo.data.get("type"):
            convo.data.pop("category", None)
        convo.data["type"] = kind
        return self._next(convo, ComplaintState.TYPE)

    def details(self, event: IncomingEvent, ctx: Context, convo: Convo) -> ComplaintState | Control:
        """Texts (several, until "เสร็จ"), photos and files."""
        data = convo.data
        if is_evidence(event):
            self._record_evidence(event, ctx, convo, chat.COMPLAINT_DONE_CHOICES)
            return ComplaintState.DETAILS
        text = text_of(event)
        if is_word(event, chat.DONE_WORDS):
            if not data.get("details"):
                ctx.reply(messages.text(chat.COMPLAINT_DETAILS_EMPTY))
                return ComplaintState.DETAILS
            data.pop("warned", None)
            return self._next(convo, ComplaintState.DETAILS)
        if not text:
            ctx.reply(messages.text(chat.COMPLAINT_DETAILS_EMPTY))
            return ComplaintState.DETAILS
        current_text = data.get("details", "")
        joined = f"{current_text}\n{text}" if current_text else text
        if len(joined) > MAX_DETAILS:
            left = max(0, MAX_DETAILS - len(current_text) - (1 if current_text else 0))
            ctx.reply(messages.text(chat.COMPLAINT_DETAILS_TOO_LONG.format(limit=MAX_DETAILS, left=left),
                                    chat.COMPLAINT_DONE_CHOICES))
            return ComplaintState.DETAILS
        data["details"] = joined
        ctx.reply(messages.text(chat.COMPLAINT_DETAILS_RECEIVED.format(count=len(joined)),
                                chat.COMPLAINT_DONE_CHOICES))
        return ComplaintState.DETAILS

    def category(self, event: IncomingEvent, ctx: Context, convo: Convo) -> ComplaintState | Control:
        data = convo.data
        if data.get("suggested") and is_word(event, chat.COMPLAINT_YES_WORDS):
            chosen: str | None = data["suggested"]
        else:
            chosen = self._category_named(word_key(event.text or ""))
        if chosen is None:
            return AGAIN
        data["category"] = chosen
        data.pop("suggested", None)
        return self._next(convo, ComplaintState.CATEGORY)

    @staticmethod
    def _category_named(said: str) -> str | None:
        """A corruption category by its number, label or name, or by a word only one of them holds
        ("สินบน")."""
        names = {category: {word_key(chat.COMPLAINT_CATEGORY_LABELS[category.value]),
                            word_key(CATEGORY_NAMES_TH[category])}
                 for category in CORRUPTION_CATEGORIES}
        for number, category in enumerate(CORRUPTION_CATEGORIES, start=1):
            if said == str(number) or said in names[category]:
                return category.value
        if len(said) < 3:
            return None
        partial = [c for c, ns in names.items() if any(said in n for n in ns)]
        return partial[0].value if len(partial) == 1 else None

    def where(self, event: IncomingEvent, ctx: Context, convo: Convo) -> ComplaintState | Control:
        """When and where: a text, a location (then "ถัดไป"), or skipped."""
        data = convo.data
        if event.location is not None:
            place = event.location
            data["place"] = {"title": (place.title or "")[:MAX_FIELD], "address": (place.address or "")[:MAX_FIELD],
                             "latitude": place.latitude, "longitude": place.longitude}
            label = f" \"{place.title}\"" if place.title else ""
            ctx.reply(messages.text(chat.COMPLAINT_WHERE_LOCATION.format(place=label), chat.COMPLAINT_NEXT_CHOICES))
            return ComplaintState.WHERE
        if is_word(event, chat.SKIP_WORDS) or is_word(event, chat.COMPLAINT_NEXT_WORDS) or (
                is_word(event, chat.DONE_WORDS)):
            return self._next(convo, ComplaintState.WHERE)
        answer = text_of(event)
        if not answer:
            return AGAIN
        if self._too_long(ctx, answer):
            return ComplaintState.WHERE
        data["when"] = answer
        data.pop("warned", None)
        return self._next(convo, ComplaintState.WHERE)

    def involved(self, event: IncomingEvent, ctx: Context, convo: Convo) -> ComplaintState | Control:
        if is_word(event, chat.SKIP_WORDS) or is_none_answer(event.text or ""):
            convo.data.pop("involved", None)
            return self._next(convo, ComplaintState.INVOLVED)
        answer = text_of(event)
        if not answer:
            return AGAIN
        if self._too_long(ctx, answer):
            return ComplaintState.INVOLVED
        convo.data["involved"] = answer
        convo.data.pop("warned", None)
        return self._next(convo, ComplaintState.INVOLVED)

    @staticmethod
    def _too_long(ctx: Context, answer: str) -> bool:
        if len(answer) <= MAX_FIELD:
            return False
        ctx.reply(messages.text(chat.COMPLAINT_FIELD_TOO_LONG.format(limit=MAX_FIELD), chat.COMPLAINT_SKIP_CHOICES))
        return True

    def evidence(self, event: IncomingEvent, ctx: Context, convo: Convo) -> ComplaintState | Control:
        if is_evidence(event):
            self._record_evidence(event, ctx, convo, chat.COMPLAINT_EVIDENCE_CHOICES)
            return ComplaintState.EVIDENCE
        if is_word(event, chat.DONE_WORDS) or is_word(event, chat.SKIP_WORDS) or is_none_answer(event.text or ""):
            return ComplaintState.CONFIRM
        return AGAIN

    @staticmethod
    def _evidence_count(ctx: Context, convo: Convo) -> int:
        return ctx.uow.evidence.count_for_owner(DRAFT_OWNER, convo.id) if convo.id is not None else 0

    def _record_evidence(self, event: IncomingEvent, ctx: Context, convo: Convo, choices: list[str]) -> None:
        assert convo.id is not None
        record_evidence(event, ctx, DRAFT_OWNER, convo.id, limit=MAX_EVIDENCE, texts=EVIDENCE_TEXTS,
                        choices=choices)

    def confirm(self, event: IncomingEvent, ctx: Context, convo: Convo) -> ComplaintState | Control:
        data = convo.data
        if is_word(event, chat.COMPLAINT_SEND_WORDS):
            if identifiers_in(data) and data.get("mode") != ComplaintMode.IDENTIFIED.value and not data.get("warned"):
                return ComplaintState.WARN
            return self._submit(event, ctx, convo)
        if is_word(event, chat.EDIT_WORDS):
            return ComplaintState.EDIT
        return AGAIN

    def warn(self, event: IncomingEvent, ctx: Context, convo: Convo) -> ComplaintState | Control:
        choice = choice_of(event, chat.COMPLAINT_WARN_CHOICES)
        if choice == "mask":
            for key in ("details", "when", "involved"):
                if convo.data.get(key):
                    convo.data[key] = mask(convo.data[key], find_identifiers(convo.data[key]))
            convo.data["warned"] = True
            return ComplaintState.CONFIRM
        if choice == "send":
            return self._submit(event, ctx, convo)
        if choice == "edit":
            return ComplaintState.EDIT
        return AGAIN

    def edit(self, event: IncomingEvent, ctx: Context, convo: Convo) -> ComplaintState | Control:
        choice = choice_of(event, chat.COMPLAINT_EDIT_CHOICES)
        if choice is None:
            return AGAIN
        convo.data["editing"] = True
        if choice == "details":
            convo.data["details"] = ""
        elif choice == "category":
            return ComplaintState.TYPE  # the type first: a grievance has no corruption category
        elif choice == "where":
            convo.data.pop("when", None)
            convo.data.pop("place", None)
        return ComplaintState(choice)

    # -- the summary and the receipt -------------------------------------------------------------------------------------
    def _summary(self, ctx: Context, convo: Convo) -> str:
        data = convo.data
        identity = ""
        if data.get("mode") == ComplaintMode.IDENTIFIED.value:
            identity = chat.COMPLAINT_SUMMARY_IDENTITY.format(name=data.get("name", ""), phone=data.get("phone", ""))
        place = data.get("place") or {}
        where = " · ".join(p for p in (data.get("when"), place.get("title"), place.get("address")) if p)
        count = self._evidence_count(ctx, convo)
        return chat.COMPLAINT_SUMMARY.format(
            mode=common.COMPLAINT_MODE_NAMES[data["mode"]], identity=identity,
            type=common.COMPLAINT_TYPE_NAMES[data["type"]], category=category_name(data["category"]),
            details=messages.clip_text(data.get("details", ""), 2500),
            where=messages.clip_text(where, 600) or chat.COMPLAINT_NOT_GIVEN,
            involved=messages.clip_text(data.get("involved") or chat.COMPLAINT_NOT_GIVEN, 600),
            evidence=chat.COMPLAINT_EVIDENCE_COUNT.format(count=count) if count else chat.COMPLAINT_NOT_GIVEN)

    def _submit(self, event: IncomingEvent, ctx: Context, convo: Convo) -> Control:
        config = self.config
        assert event.user_id is not None
        refusal = self._refusal(ctx, event.user_id)
        if refusal is not None:
            self.on_end(ctx, convo, "refused")
            ctx.reply(messages.text(refusal))
            return END
        data = convo.data
        mode = ComplaintMode(data["mode"])
        code = new_tracking_code()
        while ctx.uow.complaints.code_hash_taken(config.keys.code_hash(code)):
            code = new_tracking_code()
        pin = new_pin() if mode is ComplaintMode.ANONYMOUS else None
        place = data.get("place") or {}
        free_texts = [data.get("details", ""), data.get("when") or "", data.get("involved") or "",
                      place.get("title") or "", place.get("address") or ""]
        complaint = ctx.uow.complaints.create(ctx.org.id, NewComplaint(
            code_hash=config.keys.code_hash(code), mode=mode, type=ComplaintType(data["type"]),
            category=Category(data["category"]), details=data.get("details", ""),
            pin_hash=config.keys.pin_hash(pin, code) if pin else None,
            happened_when=data.get("when"), place_title=place.get("title") or None,
            place_address=place.get("address") or None, latitude=place.get("latitude"),
            longitude=place.get("longitude"), involved=data.get("involved"),
            involved_unit_ids=resolve(ctx.uow, ctx.org.id, [data.get("involved") or ""]),
            named_unit_ids=resolve(ctx.uow, ctx.org.id, free_texts),
            about_executive=about_executive(free_texts[:3]),
            owner_hash=None if mode is ComplaintMode.ANONYMOUS else config.keys.owner_hash(event.user_id)), ctx.now)
        if mode is not ComplaintMode.ANONYMOUS:
            identity: dict[str, Any] = {"line_user_id": event.user_id, "code": code}
            if mode is ComplaintMode.IDENTIFIED:
                identity.update(name=data.get("name"), phone=data.get("phone"))
            seal(ctx, config, complaint, identity)
        if convo.id is not None:
            ctx.uow.evidence.reassign(DRAFT_OWNER, convo.id, COMPLAINT_OWNER, complaint.id)
        day = local_today(ctx)
        ctx.uow.complaints.count_intake(config.keys.intake_hash(event.user_id, day), day.isoformat())
        self._receipt(ctx, config, complaint, code, pin)
        notify_handlers(ctx, complaint, chat.COMPLAINT_NEW_FOR_OFFICER.format(
            id=complaint.id, type=common.COMPLAINT_TYPE_NAMES[complaint.type],
            category=category_name(complaint.category), summary=complaint.summary,
            executive=chat.COMPLAINT_EXECUTIVE_FLAG if complaint.about_executive else "",
            due=local_date(ctx.now + timedelta(days=config.policy.first_answer_days), ctx.org.timezone)))
        log.info("complaint %s received: %s, %s%s", complaint.id, complaint.mode, complaint.category,
                 ", about the executive" if complaint.about_executive else "")
        return END

    def _receipt(self, ctx: Context, config: ComplaintConfig, complaint: Complaint, code: str,
                 pin: str | None) -> None:
        follow_up = (chat.COMPLAINT_FOLLOW_UP_ANONYMOUS if pin else chat.COMPLAINT_FOLLOW_UP_OWN).format(code=code,
                                                                                                      pin=pin)
        ctx.reply(messages.text(chat.COMPLAINT_RECEIPT.format(
            code=code, pin_block=chat.COMPLAINT_RECEIPT_PIN.format(pin=pin) if pin else "",
            mode=common.COMPLAINT_MODE_NAMES[complaint.mode], category=category_name(complaint.category),
            first_days=config.policy.first_answer_days, feedback_days=config.policy.feedback_days,
            follow_up=follow_up)))
        if complaint.about_executive:
            ctx.reply(messages.text(chat.COMPLAINT_EXTERNAL_CHANNELS))
