""""สรุป": an administrator's view of the current round, per measure."""

from __future__ import annotations

from domain.digits import ARABIC
from domain.fiscal import fiscal_year_of
from domain.progress import ProgressStatus
from handlers.base import Context
from handlers.events import IncomingEvent
from handlers.flow_helpers import local_today
from storage.models import Role
from storage.progress_overview import round_overview
from texts import chat, common
from views import messages
from views.progress_flex import SummaryRow, summary_carousel
from views.rounds import round_name


def _is_summary_word(event: IncomingEvent) -> bool:
    return event.is_text and "".join((event.text or "").split()) in chat.SUMMARY_WORDS


class AdminSummaryHandler:
    def matches(self, event: IncomingEvent, ctx: Context) -> bool:
        return _is_summary_word(event)

    def handle(self, event: IncomingEvent, ctx: Context) -> str:
        if ctx.role is not Role.ADMIN:
            ctx.reply(messages.text(chat.SUMMARY_ADMIN_ONLY))
            return "summary:refused"
        today = local_today(ctx)
        plan = ctx.uow.plans.current_plan(ctx.org.id, fiscal_year_of(today))
        if plan is None:
            ctx.reply(messages.text(chat.REPORT_NO_PLAN))
            return "summary:no-plan"
        rnd = ctx.uow.plans.round_for(ctx.org.id, plan.fiscal_year_be, today)
        if rnd is None:
            ctx.uow.schedule.ensure_rounds(ctx.org.id, plan.fiscal_year_be)
            rnd = ctx.uow.plans.round_for(ctx.org.id, plan.fiscal_year_be, today)
        assert rnd is not None
        overview = round_overview(ctx.uow, ctx.org.id, plan, rnd, today)
        rows = [SummaryRow(seq=m.measure.seq, reported=m.reported, expected=m.expected,
                           status=common.STATUS_LABELS[m.status.value] if m.status else chat.SUMMARY_NO_REPORT,
                           overdue=m.overdue) for m in overview.measures]
        name = round_name(rnd)
        ctx.reply(summary_carousel(
            title=chat.SUMMARY_TITLE.format(round=name),
            subtitle=chat.SUMMARY_SUBTITLE.format(year=plan.fiscal_year_be, due=ARABIC.date(rnd.due_date)),
            totals=chat.SUMMARY_TOTALS.format(reported=overview.reported, expected=overview.expected,
                                               done=overview.count(ProgressStatus.DONE),
                                               problem=overview.count(ProgressStatus.PROBLEM)),
            overdue_line=chat.SUMMARY_OVERDUE_LINE.format(count=overview.overdue) if overview.overdue else None,
            rows=rows,
            alt=chat.SUMMARY_ALT.format(round=name, reported=overview.reported, expected=overview.expected,
                                         overdue=overview.overdue)))
        return "summary"
