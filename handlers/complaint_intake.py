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
from typing import Any

from domain.complaints.categories import CATEGORY_NAMES_TH, Category, ComplaintType, category_scores
from domain.complaints.codes import new_pin, new_tracking_code
from domain.complaints.identity import find_identifiers, mask
from domain.complaints.workflow import ComplaintMode
from domain.progress import is_none_answer
from domain.thai_text import to_arabic_digits
from handlers.base import Context
from handlers.complaint_relay import notify_handlers, seal
from handlers.conversation import END, Convo, Step, untabled
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


class ComplaintFlow:
    name = FLOW
    private = True  # answers keep nothing once sent; events are scrubbed

    def __init__(self, config: ComplaintConfig) -> None:
        self.config = config
        raw: dict[str, Step] = {
            "mode": self.mode, "name": self.ask_name, "phone": self.phone, "type": self.type,
            "details": self.details, "category": self.category, "where": self.where,
            "involved": self.involved, "evidence": self.evidence, "confirm": self.confirm, "warn": self.warn,
            "edit": self.edit,
        }
        self.steps: Mapping[str, Step] = raw
        self.states = untabled(self.steps)

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

    def begin(self, event: IncomingEvent, ctx: Context, convo: Convo) -> str:
        assert event.user_id is not None
        refusal = self._refusal(ctx, event.user_id)
        if refusal is not None:
            ctx.reply(messages.text(refusal))
            return END
        ctx.reply(messages.text(chat.COMPLAINT_MODES.format(org=ctx.org.name),
                                list(chat.COMPLAINT_MODE_CHOICES)))
        return "mode"

    # -- questions -----------------------------------------------------------------------------------------------
    def _ask(self, ctx: Context, convo: Convo, state: str) -> str:
        data = convo.data
        if state == "name":
            ctx.reply(messages.text(chat.COMPLAINT_ASK_NAME))
        elif state == "phone":
            ctx.reply(messages.text(chat.COMPLAINT_ASK_PHONE))
        elif state == "type":
            ctx.reply(messages.text(chat.COMPLAINT_ASK_TYPE, list(chat.COMPLAINT_TYPE_CHOICES)))
        elif state == "details":
            template = chat.COMPLAINT_ASK_DETAILS_AGAIN if data.get("editing") else chat.COMPLAINT_ASK_DETAILS
            ctx.reply(messages.text(template.format(limit=MAX_DETAILS), chat.COMPLAINT_DONE_CHOICES))
        elif state == "category":
            suggestion = suggested_category(data.get("details", ""))
            data["suggested"] = suggestion.value if suggestion else None
            labels = [chat.COMPLAINT_CATEGORY_LABELS[c.value] for c in CORRUPTION_CATEGORIES]
            if suggestion is None:
                ctx.reply(messages.text(chat.COMPLAINT_ASK_CATEGORY, labels))
            else:
                ctx.reply(messages.text(chat.COMPLAINT_SUGGEST_CATEGORY.format(
                    category=CATEGORY_NAMES_TH[suggestion]), [chat.COMPLAINT_CATEGORY_YES, *labels]))
        elif state == "where":
            ctx.reply(messages.text(chat.COMPLAINT_ASK_WHERE, chat.COMPLAINT_SKIP_CHOICES))
        elif state == "involved":
            ctx.reply(messages.text(chat.COMPLAINT_ASK_INVOLVED, chat.COMPLAINT_SKIP_CHOICES))
        elif state == "evidence":
            count = self._evidence_count(ctx, convo)
            already = chat.COMPLAINT_EVIDENCE_ALREADY.format(count=count) if count else ""
            ctx.reply(messages.text(chat.COMPLAINT_ASK_EVIDENCE.format(limit=MAX_EVIDENCE, mb=MAX_EVIDENCE_MB,
                                                                        already=already),
                                    chat.COMPLAINT_EVIDENCE_CHOICES))
        elif state == "confirm":
            ctx.reply(messages.text(self._summary(ctx, convo), chat.COMPLAINT_CONFIRM_CHOICES))
        elif state == "edit":
            ctx.reply(messages.text(chat.COMPLAINT_ASK_EDIT, list(chat.COMPLAINT_EDIT_CHOICES)))
        return state

    def _next(self, ctx: Context, convo: Convo, after: str) -> str:
        """The next question, or back to the summary when one answer was being edited."""
        data = convo.data
        editing = bool(data.get("editing"))
        grievance = data.get("type") == ComplaintType.GRIEVANCE.value
        if after == "type" and grievance:
            data["category"] = Category.GRIEVANCE.value
        if after == "mode":
            state = "name" if data["mode"] == ComplaintMode.IDENTIFIED.value else "type"
        elif after == "type":
            state = ("confirm" if grievance else "category") if editing else "details"
        elif editing:
            state = "confirm"
        else:
            state = {"name": "phone", "phone": "type", "details": "where" if grievance else "category",
                     "category": "where", "where": "involved", "involved": "evidence"}[after]
        if state == "confirm":
            return self._to_confirm(ctx, convo)
        return self._ask(ctx, convo, state)

    def _to_confirm(self, ctx: Context, convo: Convo) -> str:
        convo.data.pop("editing", None)
        return self._ask(ctx, convo, "confirm")

    # -- steps ------------------------------------------------------------------------------------------------------
    def mode(self, event: IncomingEvent, ctx: Context, convo: Convo) -> str:
        mode = choice_of(event, chat.COMPLAINT_MODE_CHOICES, chat.COMPLAINT_MODE_WORDS)
        if mode is None:
            ctx.reply(messages.text(chat.COMPLAINT_MODE_AGAIN, list(chat.COMPLAINT_MODE_CHOICES)))
            return "mode"
        convo.data["mode"] = mode
        return self._next(ctx, convo, "mode")

    def ask_name(self, event: IncomingEvent, ctx: Context, convo: Convo) -> str:
        name = text_of(event)
        if not name or len(name) > MAX_NAME or is_word(event, chat.COMPLAINT_DONE_CHOICES):
            ctx.reply(messages.text(chat.COMPLAINT_NAME_AGAIN.format(limit=MAX_NAME)))
            return "name"
        convo.data["name"] = " ".join(name.split())
        return self._next(ctx, convo, "name")

    def phone(self, event: IncomingEvent, ctx: Context, convo: Convo) -> str:
        text = text_of(event)
        found = [i for i in find_identifiers(text) if i.kind == "phone"]
        if not found:
            ctx.reply(messages.text(chat.COMPLAINT_PHONE_AGAIN))
            return "phone"
        convo.data["phone"] = to_arabic_digits(text[found[0].start:found[0].end]).strip()
        return self._next(ctx, convo, "phone")

    def type(self, event: IncomingEvent, ctx: Context, convo: Convo) -> str:
        kind = choice_of(event, chat.COMPLAINT_TYPE_CHOICES, chat.COMPLAINT_TYPE_WORDS)
        if kind is None:
            ctx.reply(messages.text(chat.COMPLAINT_TYPE_AGAIN, list(chat.COMPLAINT_TYPE_CHOICES)))
            return "type"
        if kind != convo.data.get("type"):
            convo.data.pop("category", None)
        convo.data["type"] = kind
        return self._next(ctx, convo, "type")

    def details(self, event: IncomingEvent, ctx: Context, convo: Convo) -> str:
        data = convo.data
        if is_evidence(event):
            self._record_evidence(event, ctx, convo, chat.COMPLAINT_DONE_CHOICES)
            return "details"
        if not event.is_text:
            kind = chat.MEDIA_KIND_NAMES.get(event.message_type or "", chat.COMPLAINT_MEDIA_OTHER)
            ctx.reply(messages.text(chat.COMPLAINT_DETAILS_MEDIA.format(kind=kind), chat.COMPLAINT_DONE_CHOICES))
            return "details"
        text = text_of(event)
        if is_word(event, chat.DONE_WORDS):
            if not data.get("details"):
                ctx.reply(messages.text(chat.COMPLAINT_DETAILS_EMPTY))
                return "details"
            data.pop("warned", None)
            return self._next(ctx, convo, "details")
        if not text:
            ctx.reply(messages.text(chat.COMPLAINT_DETAILS_EMPTY))
            return "details"
        current_text = data.get("details", "")
        joined = f"{current_text}\n{text}" if current_text else text
        if len(joined) > MAX_DETAILS:
            left = max(0, MAX_DETAILS - len(current_text) - (1 if current_text else 0))
            ctx.reply(messages.text(chat.COMPLAINT_DETAILS_TOO_LONG.format(limit=MAX_DETAILS, left=left),
                                    chat.COMPLAINT_DONE_CHOICES))
            return "details"
        data["details"] = joined
        ctx.reply(messages.text(chat.COMPLAINT_DETAILS_RECEIVED.format(count=len(joined)),
                                chat.COMPLAINT_DONE_CHOICES))
        return "details"

    def category(self, event: IncomingEvent, ctx: Context, convo: Convo) -> str:
        data = convo.data
        chosen: str | None = None
        if data.get("suggested") and is_word(event, chat.COMPLAINT_YES_WORDS):
            chosen = data["suggested"]
        elif event.is_text:
            chosen = self._category_named(word_key(event.text or ""))
        if chosen is None:
            labels = [chat.COMPLAINT_CATEGORY_LABELS[c.value] for c in CORRUPTION_CATEGORIES]
            if data.get("suggested"):
                labels.insert(0, chat.COMPLAINT_CATEGORY_YES)
            ctx.reply(messages.text(chat.COMPLAINT_CATEGORY_AGAIN, labels))
            return "category"
        data["category"] = chosen
        data.pop("suggested", None)
        return self._next(ctx, convo, "category")

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

    def where(self, event: IncomingEvent, ctx: Context, convo: Convo) -> str:
        data = convo.data
        if event.type == "message" and event.message_type == "location" and event.location is not None:
            place = event.location
            data["place"] = {"title": (place.title or "")[:MAX_FIELD], "address": (place.address or "")[:MAX_FIELD],
                             "latitude": place.latitude, "longitude": place.longitude}
            label = f" \"{place.title}\"" if place.title else ""
            ctx.reply(messages.text(chat.COMPLAINT_WHERE_LOCATION.format(place=label), chat.COMPLAINT_NEXT_CHOICES))
            return "where"
        if is_word(event, chat.SKIP_WORDS) or is_word(event, chat.COMPLAINT_NEXT_WORDS) or (
                is_word(event, chat.DONE_WORDS)):
            return self._next(ctx, convo, "where")
        answer = self._field(event, ctx, chat.COMPLAINT_WHERE_AGAIN)
        if answer is None:
            return "where"
        data["when"] = answer
        data.pop("warned", None)
        return self._next(ctx, convo, "where")

    def involved(self, event: IncomingEvent, ctx: Context, convo: Convo) -> str:
        if is_word(event, chat.SKIP_WORDS) or (event.is_text and is_none_answer(event.text or "")):
            convo.data.pop("involved", None)
            return self._next(ctx, convo, "involved")
        answer = self._field(event, ctx, chat.COMPLAINT_TEXT_AGAIN)
        if answer is None:
            return "involved"
        convo.data["involved"] = answer
        convo.data.pop("warned", None)
        return self._next(ctx, convo, "involved")

    def _field(self, event: IncomingEvent, ctx: Context, again: str) -> str | None:
        text = text_of(event)
        if not text:
            ctx.reply(messages.text(again, chat.COMPLAINT_SKIP_CHOICES))
            return None
        if len(text) > MAX_FIELD:
            ctx.reply(messages.text(chat.COMPLAINT_FIELD_TOO_LONG.format(limit=MAX_FIELD),
                                    chat.COMPLAINT_SKIP_CHOICES))
            return None
        return text

    def evidence(self, event: IncomingEvent, ctx: Context, convo: Convo) -> str:
        if is_evidence(event):
            self._record_evidence(event, ctx, convo, chat.COMPLAINT_EVIDENCE_CHOICES)
            return "evidence"
        if is_word(event, chat.DONE_WORDS) or is_word(event, chat.SKIP_WORDS) or (
                event.is_text and is_none_answer(event.text or "")):
            return self._to_confirm(ctx, convo)
        ctx.reply(messages.text(chat.COMPLAINT_EVIDENCE_AGAIN, chat.COMPLAINT_EVIDENCE_CHOICES))
        return "evidence"

    @staticmethod
    def _evidence_count(ctx: Context, convo: Convo) -> int:
        return ctx.uow.evidence.count_for_owner(DRAFT_OWNER, convo.id) if convo.id is not None else 0

    def _record_evidence(self, event: IncomingEvent, ctx: Context, convo: Convo, choices: list[str]) -> None:
        assert convo.id is not None
        record_evidence(event, ctx, DRAFT_OWNER, convo.id, limit=MAX_EVIDENCE, texts=EVIDENCE_TEXTS,
                        choices=choices)

    def confirm(self, event: IncomingEvent, ctx: Context, convo: Convo) -> str:
        data = convo.data
        if is_word(event, chat.COMPLAINT_SEND_WORDS):
            kinds = identifiers_in(data)
            if kinds and data.get("mode") != ComplaintMode.IDENTIFIED.value and not data.get("warned"):
                self._warn(ctx, convo, kinds)
                return "warn"
            return self._submit(event, ctx, convo)
        if is_word(event, chat.EDIT_WORDS):
            return self._ask(ctx, convo, "edit")
        ctx.reply(messages.text(chat.COMPLAINT_CONFIRM_AGAIN, chat.COMPLAINT_CONFIRM_CHOICES))
        return "confirm"

    def _warn(self, ctx: Context, convo: Convo, kinds: list[str]) -> None:
        names = " ".join(chat.COMPLAINT_IDENTIFIER_NAMES[k] for k in kinds)
        ctx.reply(messages.text(chat.COMPLAINT_WARN_IDENTIFIERS.format(
            kinds=names, mode=common.COMPLAINT_MODE_NAMES[convo.data["mode"]]), list(chat.COMPLAINT_WARN_CHOICES)))

    def warn(self, event: IncomingEvent, ctx: Context, convo: Convo) -> str:
        choice = choice_of(event, chat.COMPLAINT_WARN_CHOICES)
        if choice == "mask":
            for key in ("details", "when", "involved"):
                if convo.data.get(key):
                    convo.data[key] = mask(convo.data[key], find_identifiers(convo.data[key]))
            convo.data["warned"] = True
            return self._to_confirm(ctx, convo)
        if choice == "send":
            return self._submit(event, ctx, convo)
        if choice == "edit":
            return self._ask(ctx, convo, "edit")
        ctx.reply(messages.text(chat.COMPLAINT_WARN_AGAIN, list(chat.COMPLAINT_WARN_CHOICES)))
        return "warn"

    def edit(self, event: IncomingEvent, ctx: Context, convo: Convo) -> str:
        choice = choice_of(event, chat.COMPLAINT_EDIT_CHOICES)
        if choice is None:
            return self._ask(ctx, convo, "edit")
        convo.data["editing"] = True
        if choice == "details":
            convo.data["details"] = ""
            return self._ask(ctx, convo, "details")
        if choice == "category":
            return self._ask(ctx, convo, "type")
        if choice == "where":
            convo.data.pop("when", None)
            convo.data.pop("place", None)
        return self._ask(ctx, convo, choice)

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

    def _submit(self, event: IncomingEvent, ctx: Context, convo: Convo) -> str:
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
        follow_up = (chat.COMPLAINT_FOLLOW_UP_ANONYMOUS if pin else chat.COMPLAINT_FOLLOW_UP_OWN).format(code=code)
        ctx.reply(messages.text(chat.COMPLAINT_RECEIPT.format(
            code=code, pin_block=chat.COMPLAINT_RECEIPT_PIN.format(pin=pin) if pin else "",
            mode=common.COMPLAINT_MODE_NAMES[complaint.mode], category=category_name(complaint.category),
            first_days=config.policy.first_answer_days, feedback_days=config.policy.feedback_days,
            follow_up=follow_up)))
        if complaint.about_executive:
            ctx.reply(messages.text(chat.COMPLAINT_EXTERNAL_CHANNELS))
