""""สรุปประจำสัปดาห์": the administrators' weekly summary, pushed by the scheduler every week and shown
on request. Counts only: no complainant, no complaint text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.complaints.workflow import DeadlinePolicy
from domain.fiscal import thai_date
from handlers import messages, texts
from handlers.base import Context
from handlers.events import IncomingEvent
from handlers.progress_flex import AMBER, GREEN, GREY, RED
from handlers.progress_report import local_today, round_name
from storage.models import Role
from storage.uow import UnitOfWork
from storage.weekly_digest import WeeklyDigest, gather

ReportLink = Callable[[UnitOfWork, int], str | None]

LIST_MAX = 8


def _t(body: str, **style: Any) -> dict[str, Any]:
    return {"type": "text", "text": body or "-", "wrap": True, "size": "sm", **style}


def _section(title: str, lines: list[str], colour: str = GREY) -> list[dict[str, Any]]:
    shown = lines[:LIST_MAX] or [texts.WEEKLY_NONE]
    if len(lines) > LIST_MAX:
        shown.append(texts.WEEKLY_MORE.format(count=len(lines) - LIST_MAX))
    return [{"type": "separator", "margin": "md"}, _t(title, weight="bold", color=colour, margin="md"),
            *[_t(line, size="xs") for line in shown]]


def weekly_summary_message(digest: WeeklyDigest) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        _t(texts.WEEKLY_TITLE, weight="bold", size="lg", color=GREEN),
        _t(texts.WEEKLY_SUBTITLE.format(org=digest.org_name, date=thai_date(digest.today)), size="xs", color=GREY),
    ]
    overview = digest.overview
    if overview is None:
        body.append(_t(texts.WEEKLY_NO_PLAN))
    else:
        body += [
            _t(texts.WEEKLY_ROUND.format(round=round_name(overview.round), year=overview.plan.fiscal_year_be,
                                         due=thai_date(overview.round.due_date)), size="xs"),
            _t(texts.WEEKLY_COMPLETION.format(percent=digest.percent, reported=overview.reported,
                                              expected=overview.expected), weight="bold"),
        ]
        body += _section(texts.WEEKLY_ISSUES, [
            texts.WEEKLY_ISSUE_ROW.format(no=i.issue_no, reported=i.reported, expected=i.expected,
                                          percent=round(100 * i.reported / i.expected) if i.expected else 0)
            if i.issue_no is not None else
            f"{texts.WEEKLY_ISSUE_NONE}: {i.reported}/{i.expected}" for i in digest.issues])
        body += _section(texts.WEEKLY_OVERDUE.format(days=digest.overdue_threshold_days), [
            texts.WEEKLY_OVERDUE_ROW.format(unit=u, count=c) for u, c in sorted(digest.long_overdue.items())], RED)
        body += _section(texts.WEEKLY_LATE, [
            texts.WEEKLY_OVERDUE_ROW.format(unit=u, count=c) for u, c in sorted(digest.late.items())
            if u not in digest.long_overdue], AMBER)
        body += _section(texts.WEEKLY_SILENT, digest.silent, AMBER)
        unreachable = ([texts.WEEKLY_UNREACHABLE_BLOCKED.format(unit=u) for u in digest.blocked]
                       + [texts.WEEKLY_UNREACHABLE_NO_HEAD.format(unit=u) for u in digest.no_head])
        body += _section(texts.WEEKLY_UNREACHABLE, unreachable, RED if unreachable else GREY)
    c = digest.complaints
    body += _section(texts.WEEKLY_COMPLAINTS, [texts.WEEKLY_COMPLAINTS_LINE.format(
        new=c.new_this_week, open=c.open, soon=c.due_soon, late=c.overdue)])
    if digest.quota_used is None:
        quota = texts.WEEKLY_QUOTA_UNKNOWN
    elif digest.quota_limit is None:
        quota = texts.WEEKLY_QUOTA_UNLIMITED.format(used=digest.quota_used)
    else:
        quota = texts.WEEKLY_QUOTA_LINE.format(used=digest.quota_used, limit=digest.quota_limit,
                                               left=max(0, digest.quota_limit - digest.quota_used))
    body += _section(texts.WEEKLY_QUOTA, [quota])
    bubble: dict[str, Any] = {"type": "bubble", "size": "giga",
                              "body": {"type": "box", "layout": "vertical", "spacing": "xs", "contents": body}}
    if digest.report_url:
        bubble["footer"] = {"type": "box", "layout": "vertical", "contents": [{
            "type": "button", "style": "primary", "color": GREEN, "height": "sm",
            "action": {"type": "uri", "label": texts.WEEKLY_REPORT_BUTTON, "uri": digest.report_url}}]}
    alt = texts.WEEKLY_ALT.format(percent=digest.percent, overdue=len(digest.long_overdue),
                                  new=c.new_this_week)
    return {"type": "flex", "altText": alt, "contents": bubble}


class WeeklySummaryHandler:
    """An administrator asks for the weekly summary at any time."""

    def __init__(self, deadlines: DeadlinePolicy, report_link: ReportLink | None = None) -> None:
        self.deadlines = deadlines
        self.report_link = report_link  # the signed URL of the full report, when reports are set up

    def matches(self, event: IncomingEvent, ctx: Context) -> bool:
        return event.is_text and "".join((event.text or "").split()) in texts.WEEKLY_WORDS

    def handle(self, event: IncomingEvent, ctx: Context) -> str:
        if ctx.role is not Role.ADMIN:
            ctx.reply(messages.text(texts.WEEKLY_ADMIN_ONLY))
            return "weekly:refused"
        digest = gather(ctx.uow, ctx.org.id, ctx.org.name, ctx.now, local_today(ctx), self.deadlines)
        if self.report_link is not None:
            digest.report_url = self.report_link(ctx.uow, ctx.org.id)
        ctx.reply(weekly_summary_message(digest))
        return "weekly"
