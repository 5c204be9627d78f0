""""สรุปประจำสัปดาห์": the administrators' weekly summary, pushed by the scheduler every week and shown
on request. Counts only: no complainant, no complaint text."""

from __future__ import annotations

from domain.complaints.workflow import DeadlinePolicy
from handlers.base import Context
from handlers.events import IncomingEvent
from handlers.flow_helpers import local_today
from storage.models import Role
from texts import chat
from usecases.weekly_digest import gather
from views import messages
from views.weekly_summary import ReportLink, weekly_summary_message


class WeeklySummaryHandler:
    """An administrator asks for the weekly summary at any time."""

    def __init__(self, deadlines: DeadlinePolicy, report_link: ReportLink | None = None) -> None:
        self.deadlines = deadlines
        self.report_link = report_link  # the signed URL of the full report, when reports are set up

    def matches(self, event: IncomingEvent, ctx: Context) -> bool:
        return event.is_text and "".join((event.text or "").split()) in chat.WEEKLY_WORDS

    def handle(self, event: IncomingEvent, ctx: Context) -> str:
        if ctx.role is not Role.ADMIN:
            ctx.reply(messages.text(chat.WEEKLY_ADMIN_ONLY))
            return "weekly:refused"
        digest = gather(ctx.uow, ctx.org.id, ctx.org.name, ctx.now, local_today(ctx), self.deadlines)
        if self.report_link is not None:
            digest.report_url = self.report_link(ctx.uow, ctx.org.id)
        ctx.reply(weekly_summary_message(digest))
        return "weekly"
