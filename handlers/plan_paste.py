""""นำเข้าแผน": an administrator pastes a few measures (copied from Word, Excel or LINE: tabs, runs of
spaces, or one cell a line, with the header row) and gets a preview of every decision (measures, units
resolved or flagged, each source row's reading, the year read from the periods, warnings); "ยืนยัน" adds
them to that year's plan (no measure of the plan is deactivated), audited like the console's import. The
words may come with the paste in one message ("นำเข้าแผน" on the first line). A paste too big for LINE
is sent to the console or `itabot import-plan`."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from domain.fiscal import fiscal_year_of
from handlers.base import Context
from handlers.conversation import AGAIN, END, Control, Convo, Input, Question, Step, say
from handlers.events import IncomingEvent
from handlers.flow_helpers import is_word, local_today, word_key
from handlers.plan_paste_preview import confirm_question, preview_messages
from storage.audit_log import Actor
from storage.models import Role
from texts import chat
from usecases.plan_paste import (
    MAX_MEASURES,
    PastedPlan,
    PasteRefused,
    active_count,
    preview_paste,
    read_paste,
    save_paste,
)
from views import messages


class PlanPasteState(StrEnum):
    PASTE = "paste"  # waiting for the table
    CONFIRM = "confirm"  # the preview shown: ยืนยัน, or another paste instead


def _entry_rest(event: IncomingEvent) -> str | None:
    """The text after the entry word when the message starts with one ("" for the word alone), else None."""
    if not event.is_text:
        return None
    first, _, rest = (event.text or "").strip().partition("\n")
    return rest if word_key(first) in {word_key(w) for w in chat.PLAN_PASTE_WORDS} else None


class PlanPasteFlow:
    name = "plan_paste"
    private = False

    def __init__(self) -> None:
        self.states: Mapping[str, Question] = {
            PlanPasteState.PASTE: Question(Input.TEXT, self._paste, ask=say(chat.PLAN_PASTE_ASK.format(
                limit=MAX_MEASURES)), again=say(chat.PLAN_PASTE_AGAIN)),
            PlanPasteState.CONFIRM: Question(Input.TEXT, self._confirm, ask=self._ask_confirm,
                                             again=say(chat.PLAN_PASTE_CONFIRM_AGAIN, chat.PLAN_PASTE_CONFIRM_CHOICES)),
        }

    def entry(self, event: IncomingEvent, ctx: Context) -> Step | None:
        return self._start if _entry_rest(event) is not None else None

    def on_end(self, ctx: Context, convo: Convo, reason: str) -> None:
        return None  # nothing is saved before ยืนยัน

    # -- reading a paste ----------------------------------------------------------------------------------------
    def _read(self, ctx: Context, text: str, year: int | None = None) -> PastedPlan:
        return read_paste(ctx.uow, ctx.org.id, text, fiscal_year_of(local_today(ctx)), year)

    def _take(self, ctx: Context, convo: Convo, text: str) -> PlanPasteState | Control:
        """A pasted table: kept for the preview, or refused with the reason (too big: the console)."""
        try:
            pasted = self._read(ctx, text)
        except PasteRefused as refused:
            convo.data.clear()
            if refused.code in ("too-long", "too-many"):
                what = (chat.PLAN_PASTE_TOO_MANY.format(count=refused.detail) if refused.code == "too-many"
                        else chat.PLAN_PASTE_TOO_LONG)
                ctx.reply(messages.text(chat.PLAN_PASTE_TOO_BIG.format(what=what, limit=MAX_MEASURES)))
                return END
            reason = refused.detail if refused.code == "no-table" else chat.PLAN_PASTE_NO_MEASURES
            ctx.reply(messages.text(chat.PLAN_PASTE_NO_TABLE.format(reason=reason)))
            return PlanPasteState.PASTE
        convo.data.update(text=text, year=pasted.year)
        return PlanPasteState.CONFIRM

    # -- questions -------------------------------------------------------------------------------------------
    def _ask_confirm(self, ctx: Context, convo: Convo) -> None:
        preview = preview_paste(ctx.uow, ctx.org.id, self._read(ctx, convo.data["text"], convo.data["year"]),
                                ctx.now)
        ctx.reply(*preview_messages(preview), confirm_question(preview))

    # -- steps -------------------------------------------------------------------------------------------------
    def _start(self, event: IncomingEvent, ctx: Context, convo: Convo) -> PlanPasteState | Control:
        if ctx.role is not Role.ADMIN:
            ctx.reply(messages.text(chat.PLAN_PASTE_ADMIN_ONLY))
            return END
        rest = _entry_rest(event) or ""
        return self._take(ctx, convo, rest) if rest.strip() else PlanPasteState.PASTE

    def _paste(self, event: IncomingEvent, ctx: Context, convo: Convo) -> PlanPasteState | Control:
        text = event.text or ""
        return self._take(ctx, convo, text) if text.strip() else AGAIN

    def _confirm(self, event: IncomingEvent, ctx: Context, convo: Convo) -> PlanPasteState | Control:
        if not is_word(event, chat.PLAN_PASTE_CONFIRM_WORDS):
            text = event.text or ""
            if "\n" not in text.strip():
                return AGAIN
            after = self._take(ctx, convo, text)  # another paste instead of the one shown
            if after == PlanPasteState.CONFIRM:
                self._ask_confirm(ctx, convo)
            return after
        member = ctx.member
        assert member is not None  # an admin: checked when the flow began
        try:
            pasted = self._read(ctx, convo.data["text"], convo.data["year"])
        except PasteRefused:  # read for the preview: only a changed parser or directory gets here
            ctx.reply(messages.text(chat.PLAN_PASTE_NO_TABLE.format(reason=chat.PLAN_PASTE_NO_MEASURES)))
            return END
        result = save_paste(ctx.uow, ctx.org.id, pasted, Actor.member(member.id), ctx.now)
        new_units = chat.PLAN_PASTE_SAVED_UNITS.format(names=", ".join(result.new_units)) if result.new_units else ""
        ctx.reply(messages.text(chat.PLAN_PASTE_SAVED.format(
            year=pasted.year, created=result.created, updated=result.updated,
            active=active_count(ctx.uow, ctx.org.id, pasted.year), new_units=new_units)))
        return END
