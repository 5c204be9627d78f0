""""ตั้งรอบ": an administrator sets the reporting rounds of the current fiscal year in LINE (the common
cases: quarterly, six-monthly, yearly, monthly or as the plan says, and the days to report after a round
closes). `itabot rounds set` does the same from the command line."""

from __future__ import annotations

from collections.abc import Mapping

from domain.fiscal import fiscal_year_of, thai_date
from domain.thai_text import to_arabic_digits
from handlers.base import Context
from handlers.conversation import END, Convo, Step
from handlers.events import IncomingEvent
from handlers.flow_helpers import is_word, local_today
from storage.models import Role
from storage.schedule_settings import SCHEMES, set_rounds
from texts import chat, common
from views import messages
from views.rounds import round_name

DUE_CHOICES = ("7", "10", "15", "30")


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
        self.steps: Mapping[str, Step] = {"scheme": self._scheme, "due": self._due}

    def entry(self, event: IncomingEvent, ctx: Context) -> Step | None:
        if is_word(event, chat.ROUNDS_WORDS):
            return self._start
        return None

    def on_end(self, ctx: Context, convo: Convo, reason: str) -> None:
        return None

    def _start(self, event: IncomingEvent, ctx: Context, convo: Convo) -> str:
        if ctx.role is not Role.ADMIN:
            ctx.reply(messages.text(chat.ROUNDS_ADMIN_ONLY))
            return END
        plan = ctx.uow.plans.current_plan(ctx.org.id, fiscal_year_of(local_today(ctx)))
        if plan is None:
            ctx.reply(messages.text(chat.ROUNDS_NO_PLAN))
            return END
        convo.data["fiscal_year"] = plan.fiscal_year_be
        current = ctx.uow.schedule.settings(ctx.org.id)
        ctx.reply(messages.text(chat.ROUNDS_ASK_SCHEME.format(current=common.ROUNDS_SCHEME_LABELS[current.round_scheme]),
                                [common.ROUNDS_SCHEME_LABELS[s] for s in SCHEMES]))
        return "scheme"

    def _scheme(self, event: IncomingEvent, ctx: Context, convo: Convo) -> str:
        scheme = scheme_by_label(event.text or "") if event.is_text else None
        if scheme is None:
            ctx.reply(messages.text(chat.ROUNDS_BAD_SCHEME, [common.ROUNDS_SCHEME_LABELS[s] for s in SCHEMES]))
            return "scheme"
        convo.data["scheme"] = scheme
        days = ctx.uow.schedule.settings(ctx.org.id).round_due_days
        ctx.reply(messages.text(chat.ROUNDS_ASK_DUE.format(days=days), list(DUE_CHOICES)))
        return "due"

    def _due(self, event: IncomingEvent, ctx: Context, convo: Convo) -> str:
        raw = to_arabic_digits("".join((event.text or "").split())).removesuffix("วัน") if event.is_text else ""
        if not raw.isdigit() or not 0 <= int(raw) <= 90:
            ctx.reply(messages.text(chat.ROUNDS_BAD_DUE, list(DUE_CHOICES)))
            return "due"
        scheme, days, year = convo.data["scheme"], int(raw), convo.data["fiscal_year"]
        ctx.uow.schedule.update(ctx.org.id, ctx.now, round_scheme=scheme, round_due_days=days)
        change = set_rounds(ctx.uow.session, ctx.org.id, year, scheme, days)
        lines = "\n".join(chat.ROUNDS_LINE.format(name=round_name(r), start=thai_date(r.start_date),
                                                   end=thai_date(r.end_date), due=thai_date(r.due_date))
                          for r in ctx.uow.plans.rounds(ctx.org.id, year))
        ctx.reply(messages.text(chat.ROUNDS_DONE.format(
            year=year, scheme=common.ROUNDS_SCHEME_LABELS[scheme], days=days, rounds=lines,
            moved=chat.ROUNDS_MOVED.format(count=change.reports_moved) if change.reports_moved else "")))
        return END
