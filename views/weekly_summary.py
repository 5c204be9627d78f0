"""The administrators' weekly summary: what it holds (gathered by usecases/weekly_digest.py) and its Flex
message. Counts only: no complainant, no complaint text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from domain.digits import ARABIC
from storage.progress_overview import RoundOverview
from storage.uow import UnitOfWork
from texts import chat
from views.progress_flex import AMBER, GREEN, GREY, RED
from views.rounds import round_name


@dataclass(frozen=True)
class IssueProgress:
    issue_no: int | None
    reported: int
    expected: int


@dataclass(frozen=True)
class ComplaintCounts:
    new_this_week: int = 0
    open: int = 0
    due_soon: int = 0
    overdue: int = 0


@dataclass
class WeeklyDigest:
    org_name: str
    today: date
    overview: RoundOverview | None
    issues: list[IssueProgress] = field(default_factory=list)
    long_overdue: dict[str, int] = field(default_factory=dict)  # unit → measures past the threshold
    late: dict[str, int] = field(default_factory=dict)  # unit → measures past their deadline
    silent: list[str] = field(default_factory=list)  # units with nothing reported this round
    blocked: list[str] = field(default_factory=list)  # units whose heads all blocked the bot
    no_head: list[str] = field(default_factory=list)  # units with measures and no head bound
    complaints: ComplaintCounts = field(default_factory=ComplaintCounts)
    quota_limit: int | None = None
    quota_used: int | None = None
    report_url: str | None = None
    overdue_threshold_days: int = 7

    @property
    def percent(self) -> int:
        if self.overview is None or not self.overview.expected:
            return 0
        return round(100 * self.overview.reported / self.overview.expected)


ReportLink = Callable[[UnitOfWork, int], str | None]

LIST_MAX = 8


def _t(body: str, **style: Any) -> dict[str, Any]:
    return {"type": "text", "text": body or "-", "wrap": True, "size": "sm", **style}


def _section(title: str, lines: list[str], colour: str = GREY) -> list[dict[str, Any]]:
    shown = lines[:LIST_MAX] or [chat.WEEKLY_NONE]
    if len(lines) > LIST_MAX:
        shown.append(chat.WEEKLY_MORE.format(count=len(lines) - LIST_MAX))
    return [{"type": "separator", "margin": "md"}, _t(title, weight="bold", color=colour, margin="md"),
            *[_t(line, size="xs") for line in shown]]


def weekly_summary_message(digest: WeeklyDigest) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        _t(chat.WEEKLY_TITLE, weight="bold", size="lg", color=GREEN),
        _t(chat.WEEKLY_SUBTITLE.format(org=digest.org_name, date=ARABIC.date(digest.today)), size="xs", color=GREY),
    ]
    overview = digest.overview
    if overview is None:
        body.append(_t(chat.WEEKLY_NO_PLAN))
    else:
        body += [
            _t(chat.WEEKLY_ROUND.format(round=round_name(overview.round), year=overview.plan.fiscal_year_be,
                                         due=ARABIC.date(overview.round.due_date)), size="xs"),
            _t(chat.WEEKLY_COMPLETION.format(percent=digest.percent, reported=overview.reported,
                                              expected=overview.expected), weight="bold"),
        ]
        body += _section(chat.WEEKLY_ISSUES, [
            chat.WEEKLY_ISSUE_ROW.format(no=i.issue_no, reported=i.reported, expected=i.expected,
                                          percent=round(100 * i.reported / i.expected) if i.expected else 0)
            if i.issue_no is not None else
            f"{chat.WEEKLY_ISSUE_NONE}: {i.reported}/{i.expected}" for i in digest.issues])
        body += _section(chat.WEEKLY_OVERDUE.format(days=digest.overdue_threshold_days), [
            chat.WEEKLY_OVERDUE_ROW.format(unit=u, count=c) for u, c in sorted(digest.long_overdue.items())], RED)
        body += _section(chat.WEEKLY_LATE, [
            chat.WEEKLY_OVERDUE_ROW.format(unit=u, count=c) for u, c in sorted(digest.late.items())
            if u not in digest.long_overdue], AMBER)
        body += _section(chat.WEEKLY_SILENT, digest.silent, AMBER)
        unreachable = ([chat.WEEKLY_UNREACHABLE_BLOCKED.format(unit=u) for u in digest.blocked]
                       + [chat.WEEKLY_UNREACHABLE_NO_HEAD.format(unit=u) for u in digest.no_head])
        body += _section(chat.WEEKLY_UNREACHABLE, unreachable, RED if unreachable else GREY)
    c = digest.complaints
    body += _section(chat.WEEKLY_COMPLAINTS, [chat.WEEKLY_COMPLAINTS_LINE.format(
        new=c.new_this_week, open=c.open, soon=c.due_soon, late=c.overdue)])
    if digest.quota_used is None:
        quota = chat.WEEKLY_QUOTA_UNKNOWN
    elif digest.quota_limit is None:
        quota = chat.WEEKLY_QUOTA_UNLIMITED.format(used=digest.quota_used)
    else:
        quota = chat.WEEKLY_QUOTA_LINE.format(used=digest.quota_used, limit=digest.quota_limit,
                                               left=max(0, digest.quota_limit - digest.quota_used))
    body += _section(chat.WEEKLY_QUOTA, [quota])
    bubble: dict[str, Any] = {"type": "bubble", "size": "giga",
                              "body": {"type": "box", "layout": "vertical", "spacing": "xs", "contents": body}}
    if digest.report_url:
        bubble["footer"] = {"type": "box", "layout": "vertical", "contents": [{
            "type": "button", "style": "primary", "color": GREEN, "height": "sm",
            "action": {"type": "uri", "label": chat.WEEKLY_REPORT_BUTTON, "uri": digest.report_url}}]}
    alt = chat.WEEKLY_ALT.format(percent=digest.percent, overdue=len(digest.long_overdue),
                                  new=c.new_this_week)
    return {"type": "flex", "altText": alt, "contents": bubble}


