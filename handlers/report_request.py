""""ขอรายงาน": an administrator picks a report (a round of the progress report, or the complaint statistics)
and a format with quick replies, and gets a signed download link with its expiry. Others are told politely
that it is for administrators."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.digits import ARABIC
from domain.fiscal import fiscal_year_of
from domain.reports.links import FORMATS_BY_KIND, ReportFormat, ReportKind, ReportLinks, ReportTicket
from domain.reports.round_key import parse_round_key
from domain.rounds import round_label
from handlers.base import Context
from handlers.conversation import AGAIN, END, Control, Convo, Input, Question, Step
from handlers.events import IncomingEvent
from handlers.flow_helpers import is_word, local_today, word_key
from storage.models import Role
from texts import chat, common
from views import messages

FLOW = "report_file"
MENU_START = "report_file:start"
COMPLAINTS_WORDS = (chat.REPORT_REQUEST_COMPLAINTS, "ร้องเรียน", "เรื่องร้องเรียน")
FORMAT_WORDS = {word: ReportFormat(fmt) for fmt, words in chat.REPORT_FORMAT_WORDS.items() for word in words}


def _formats(kind: ReportKind) -> list[str]:
    return [chat.REPORT_FORMAT_NAMES[f] for f in FORMATS_BY_KIND[kind]]


def format_hints(kind: ReportKind) -> dict[str, str]:
    """What each file format of a report holds, as its button's hint."""
    return chat.COMPLAINT_FORMAT_HINTS if kind is ReportKind.COMPLAINTS else chat.REPORT_FORMAT_HINTS


def _report_name(data: Mapping[str, object]) -> str:
    if data["kind"] == ReportKind.PROGRESS:
        labels = data.get("round_labels") or {}
        assert isinstance(labels, dict)
        name = labels.get(str(data["months"])) or common.ROUND_NAME.format(months=data["months"])
        return chat.REPORT_NAME_PROGRESS.format(year=data["year"], round=name)
    return chat.REPORT_NAME_COMPLAINTS.format(year=data["year"])


def _chosen_round(text: str, labels: Mapping[str, str]) -> int | None:
    """The round a tapped or typed choice names: its label as offered ("ไตรมาส 2 (ม.ค.–มี.ค.)"), else its
    months ("รอบ 6 เดือน", "6")."""
    typed = " ".join(text.split())
    for months, label in labels.items():
        if typed == label:
            return int(months)
    return parse_round_key(text)


class ReportFileState(StrEnum):
    CHOOSE = "choose"
    FORMAT = "format"


class ReportRequestFlow:
    name = FLOW
    private = False

    def __init__(self, links: ReportLinks) -> None:
        self.links = links
        self.states: Mapping[str, Question] = {
            ReportFileState.CHOOSE: Question(Input.TEXT, self.choose, ask=self._ask_report,
                                             again=self._report_again),
            ReportFileState.FORMAT: Question(Input.TEXT, self.format, ask=self._ask_format,
                                             again=self._format_again),
        }

    def entry(self, event: IncomingEvent, ctx: Context) -> Step | None:
        if is_word(event, chat.REPORT_REQUEST_WORDS) or event.postback_data == MENU_START:
            return self.begin
        return None

    def on_end(self, ctx: Context, convo: Convo, reason: str) -> None:
        """Nothing to clean up: the flow keeps only its choices."""

    # -- questions -----------------------------------------------------------------------------------------
    def _choices(self, convo: Convo) -> list[str]:
        labels = convo.data.get("round_labels") or {}
        return ([labels.get(str(m)) or common.ROUND_NAME.format(months=m) for m in convo.data["rounds"]]
                + [chat.REPORT_REQUEST_COMPLAINTS])

    def _ask_report(self, ctx: Context, convo: Convo) -> None:
        if convo.data["rounds"]:
            body = chat.REPORT_REQUEST_CHOOSE.format(year=convo.data["year"],
                                                      complaints_year=convo.data["complaints_year"])
        else:
            body = chat.REPORT_REQUEST_CHOOSE_NO_PLAN.format(complaints_year=convo.data["complaints_year"])
        ctx.reply(messages.text(body, self._choices(convo)))

    def _report_again(self, ctx: Context, convo: Convo) -> None:
        ctx.reply(messages.text(chat.REPORT_REQUEST_CHOOSE_AGAIN, self._choices(convo)))

    def _ask_format(self, ctx: Context, convo: Convo) -> None:
        kind = ReportKind(convo.data["kind"])
        hints = ", ".join(format_hints(kind)[f] for f in FORMATS_BY_KIND[kind])
        ctx.reply(messages.text(chat.REPORT_REQUEST_FORMAT.format(report=_report_name(convo.data), formats=hints),
                                _formats(kind)))

    def _format_again(self, ctx: Context, convo: Convo) -> None:
        kind = ReportKind(convo.data["kind"])
        ctx.reply(messages.text(chat.REPORT_REQUEST_FORMAT_AGAIN.format(formats=", ".join(_formats(kind))),
                                _formats(kind)))

    # -- steps ---------------------------------------------------------------------------------------------
    def begin(self, event: IncomingEvent, ctx: Context, convo: Convo) -> ReportFileState | Control:
        if ctx.role is not Role.ADMIN:
            ctx.reply(messages.text(chat.REPORT_REQUEST_ADMIN_ONLY))
            return END
        today = local_today(ctx)
        complaints_year = fiscal_year_of(today)
        convo.data.update(complaints_year=complaints_year, rounds=[])
        plan = ctx.uow.plans.current_plan(ctx.org.id, complaints_year)
        if plan is not None:
            rounds = ctx.uow.plans.rounds(ctx.org.id, plan.fiscal_year_be)
            if not rounds:
                rounds = ctx.uow.schedule.ensure_rounds(ctx.org.id, plan.fiscal_year_be)
            started = [r for r in rounds if r.start_date <= today] or rounds[:1]
            convo.data.update(year=plan.fiscal_year_be, rounds=[r.months for r in started],
                              round_labels={str(r.months): round_label(r.months, r.start_date, r.end_date)
                                            for r in started})
        return ReportFileState.CHOOSE

    def choose(self, event: IncomingEvent, ctx: Context, convo: Convo) -> ReportFileState | Control:
        months = _chosen_round(event.text or "", convo.data.get("round_labels") or {})
        if is_word(event, COMPLAINTS_WORDS):
            convo.data.update(kind=ReportKind.COMPLAINTS.value, year=convo.data["complaints_year"], months=0)
        elif months is not None and months in convo.data["rounds"]:
            convo.data.update(kind=ReportKind.PROGRESS.value, months=months)
        else:
            return AGAIN
        return ReportFileState.FORMAT

    def format(self, event: IncomingEvent, ctx: Context, convo: Convo) -> ReportFileState | Control:
        kind = ReportKind(convo.data["kind"])
        fmt = FORMAT_WORDS.get(word_key(event.text or ""))
        if fmt is None or fmt not in FORMATS_BY_KIND[kind]:
            return AGAIN
        ticket = ReportTicket(ctx.org.id, kind, convo.data["year"], convo.data["months"], fmt)
        link = self.links.link(ticket, ctx.now)
        expires = link.expires_at.astimezone(ZoneInfo(ctx.org.timezone))
        when = ARABIC.date_time(expires)
        ctx.reply(messages.text(chat.REPORT_REQUEST_LINK.format(
            report=_report_name(convo.data), format=chat.REPORT_FORMAT_NAMES[fmt], url=link.url, expires=when)))
        return END
