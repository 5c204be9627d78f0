""""ตั้งรอบ": an administrator sets the reporting rounds of the current fiscal year in LINE (the common
cases: quarterly, six-monthly, yearly, monthly or as the plan says, and the days to report after a round
closes). `itabot rounds set` does the same from the command line."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from domain.digits import ARABIC
from domain.fiscal import fiscal_year_of
from domain.thai_text import to_arabic_digits
from handlers.base import Context
from handlers.conversation import AGAIN, END, Control, Convo, Input, Question, Step, say
from handlers.events import IncomingEvent
from handlers.flow_helpers import is_word, local_today
from storage.audit_log import Actor
from storage.models import Role
from storage.schedule_settings import SCHEMES
from texts import chat, common
from usecases.rounds_change import change_rounds
from views import messages
from views.rounds import round_name

DUE_CHOICES = ["7", "10", "15", "30"]
SCHEME_CHOICES = [common.ROUNDS_SCHEME_LABELS[s] for s in SCHEMES]


class RoundsState(StrEnum):
    SCHEME = "scheme"
    DUE = "due"


def scheme_by_label(text: str) -> str | None:
    wanted = "".join(text.split())
    for scheme, label in common.ROUNDS_SCHEME_LABELS.items():
        if wanted in ("".join(label.split()), scheme):
            return scheme
    return None


class RoundsFlow:
    name = "rounds"
    private = False

    def __init__(self) -> None:
        self.states: Mapping[str, Question] = {
            RoundsState.SCHEME: Question(Input.TEXT, self._scheme, ask=self._ask_scheme,
                                         again=say(chat.ROUNDS_BAD_SCHEME, SCHEME_CHOICES)),
            RoundsState.DUE: Question(Input.TEXT, self._due, ask=self._ask_due,
                                      again=say(chat.ROUNDS_BAD_DUE, DUE_CHOICES)),
        }

    def entry(self, event: IncomingEvent, ctx: Context) -> Step | None:
        if is_word(event, chat.ROUNDS_WORDS):
            return self._start
        return None

    def on_end(self, ctx: Context, convo: Convo, reason: str) -> None:
        return None

    # -- questions -------------------------------------------------------------------------------------------
    def _ask_scheme(self, ctx: Context, convo: Convo) -> None:
        current = ctx.uow.schedule.settings(ctx.org.id)
        ctx.reply(messages.text(chat.ROUNDS_ASK_SCHEME.format(current=common.ROUNDS_SCHEME_LABELS[current.round_scheme]),
                                SCHEME_CHOICES))

    def _ask_due(self, ctx: Context, convo: Convo) -> None:
        days = ctx.uow.schedule.settings(ctx.org.id).round_due_days
        ctx.reply(messages.text(chat.ROUNDS_ASK_DUE.format(days=days), DUE_CHOICES))

    # -- steps -------------------------------------------------------------------------------------------------
    def _start(self, event: IncomingEvent, ctx: Context, convo: Convo) -> RoundsState | Control:
        if ctx.role is not Role.ADMIN:
            ctx.reply(messages.text(chat.ROUNDS_ADMIN_ONLY))
            return END
        plan = ctx.uow.plans.current_plan(ctx.org.id, fiscal_year_of(local_today(ctx)))
        if plan is None:
            ctx.reply(messages.text(chat.ROUNDS_NO_PLAN))
            return END
        convo.data["fiscal_year"] = plan.fiscal_year_be
        return RoundsState.SCHEME

    def _scheme(self, event: IncomingEvent, ctx: Context, convo: Convo) -> RoundsState | Control:
        scheme = scheme_by_label(event.text or "")
        if scheme is None:
            return AGAIN
        convo.data["scheme"] = scheme
        return RoundsState.DUE

    def _due(self, event: IncomingEvent, ctx: Context, convo: Convo) -> RoundsState | Control:
        raw = to_arabic_digits("".join((event.text or "").split())).removesuffix("วัน")
        if not raw.isdigit() or not 0 <= int(raw) <= 90:
            return AGAIN
        scheme, days, year = convo.data["scheme"], int(raw), convo.data["fiscal_year"]
        member = ctx.member
        assert member is not None  # an admin: checked when the flow began
        change = change_rounds(ctx.uow, ctx.org.id, year, scheme, days, Actor.member(member.id), ctx.now).change
        lines = "\n".join(chat.ROUNDS_LINE.format(name=round_name(r), start=ARABIC.date(r.start_date),
                                                   end=ARABIC.date(r.end_date), due=ARABIC.date(r.due_date))
                          for r in ctx.uow.plans.rounds(ctx.org.id, year))
        ctx.reply(messages.text(chat.ROUNDS_DONE.format(
            year=year, scheme=common.ROUNDS_SCHEME_LABELS[scheme], days=days, rounds=lines,
            moved=chat.ROUNDS_MOVED.format(count=change.reports_moved) if change.reports_moved else "")))
        return END
