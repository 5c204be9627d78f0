"""The progress report flow: a unit head picks a measure, gives status, results, problems and evidence,
checks a summary and confirms. Also the one-message shortcut ("รายงาน ม.3 เสร็จแล้ว 100% …")."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from domain.digits import ARABIC
from domain.fiscal import fiscal_year_of
from domain.progress import (
    ProgressStatus,
    contradiction,
    is_none_answer,
    parse_percent,
    parse_shortcut,
    parse_status,
    problems_missing,
)
from domain.thai_text import to_arabic_digits
from handlers.base import Context
from handlers.conversation import AGAIN, END, Control, Convo, Input, Question, Step, say
from handlers.events import IncomingEvent
from handlers.flow_helpers import (
    EvidenceTexts,
    choice_of,
    is_evidence,
    is_word,
    local_today,
    postback_arg,
    record_evidence,
    text_of,
)
from storage.models import Role, Unit
from storage.plan_models import Measure, Plan, ProgressReport, ReportingRound
from storage.plans import NewReport
from texts import chat, common
from views import messages
from views.progress_flex import MeasureCard, measure_carousel
from views.rounds import round_name

FLOW = "report"
DRAFT_OWNER = "conversation"
REPORT_OWNER = "progress_report"
MAX_TEXT = 3000
MAX_EVIDENCE = 10
EVIDENCE_TEXTS = EvidenceTexts(chat.REPORT_EVIDENCE_RECEIVED, chat.REPORT_EVIDENCE_DUPLICATE,
                               chat.REPORT_EVIDENCE_LIMIT)
MEASURE_REF = re.compile(r"^(?:ม\s*\.?|มาตรการ\s*(?:ที่)?|#|no\.?)?\s*(\d{1,4})\s*$", re.IGNORECASE)


class ReportState(StrEnum):
    CHOOSE = "choose"
    STATUS = "status"
    PERCENT = "percent"
    DETAILS = "details"
    PROBLEMS = "problems"
    EVIDENCE = "evidence"
    CONFIRM = "confirm"
    EDIT = "edit"


# The questions in the order they are asked (those already answered are skipped).
QUESTION_ORDER = [ReportState.STATUS, ReportState.PERCENT, ReportState.DETAILS, ReportState.PROBLEMS,
                  ReportState.EVIDENCE, ReportState.CONFIRM]
STATUS_CHOICES = list(common.STATUS_LABELS.values())


@dataclass(frozen=True)
class Scope:
    unit: Unit
    plan: Plan
    round: ReportingRound


def status_text(status: str, percent: int | None) -> tuple[str, str]:
    label = common.STATUS_LABELS.get(status, status)
    return label, f" ({percent}%)" if percent is not None else ""


def parse_measure_ref(text: str) -> int | None:
    match = MEASURE_REF.match(to_arabic_digits(text.strip()))
    return int(match.group(1)) if match else None


class ReportFlow:
    name = FLOW
    private = False

    def __init__(self) -> None:
        edit = say(chat.REPORT_ASK_EDIT, list(chat.REPORT_EDIT_CHOICES))
        self.states: Mapping[str, Question] = {
            ReportState.CHOOSE: Question(Input.TEXT | Input.POSTBACK, self.choose, ask=self._ask_choose,
                                         again=say(chat.REPORT_CHOOSE_AGAIN)),
            ReportState.STATUS: Question(Input.TEXT, self.status, ask=self._ask_status,
                                         again=say(chat.REPORT_STATUS_AGAIN, STATUS_CHOICES)),
            ReportState.PERCENT: Question(Input.TEXT, self.percent,
                                          ask=say(chat.REPORT_ASK_PERCENT, chat.REPORT_PERCENT_CHOICES),
                                          again=say(chat.REPORT_PERCENT_AGAIN, chat.REPORT_PERCENT_CHOICES)),
            ReportState.DETAILS: Question(Input.TEXT, self.details, ask=say(chat.REPORT_ASK_DETAILS),
                                          again=say(chat.REPORT_DETAILS_AGAIN)),
            ReportState.PROBLEMS: Question(Input.TEXT, self.problems, ask=self._ask_problems,
                                           again=say(chat.REPORT_PROBLEMS_AGAIN)),
            ReportState.EVIDENCE: Question(Input.TEXT | Input.EVIDENCE, self.evidence,
                                           ask=say(chat.REPORT_ASK_EVIDENCE.format(limit=MAX_EVIDENCE),
                                                   chat.REPORT_EVIDENCE_CHOICES),
                                           again=say(chat.REPORT_EVIDENCE_AGAIN, chat.REPORT_EVIDENCE_CHOICES)),
            ReportState.CONFIRM: Question(Input.TEXT, self.confirm, ask=self._ask_confirm,
                                          again=say(chat.REPORT_CONFIRM_AGAIN, chat.REPORT_CONFIRM_CHOICES)),
            ReportState.EDIT: Question(Input.TEXT, self.edit, ask=edit, again=edit),
        }

    # -- entry ---------------------------------------------------------------------------------------------
    def entry(self, event: IncomingEvent, ctx: Context) -> Step | None:
        if is_word(event, chat.REPORT_WORDS) or event.postback_data == "report:start":
            return self.begin
        if postback_arg(event, "report:page:") is not None:
            return self.begin
        if postback_arg(event, "report:pick:") is not None:
            return self.pick_from_button
        if event.is_text and parse_shortcut(event.text or "") is not None:
            return self.shortcut
        return None

    def on_end(self, ctx: Context, convo: Convo, reason: str) -> None:
        if convo.id is not None:
            ctx.uow.evidence.delete_for_owner(DRAFT_OWNER, convo.id)

    # -- scope -----------------------------------------------------------------------------------------------
    def _scope(self, ctx: Context) -> Scope | str:
        """The unit, plan and round a report from this person goes to, or the Thai answer why none."""
        member = ctx.member
        if member is None or ctx.role is not Role.HEAD or member.unit_id is None:
            return chat.REPORT_NOT_A_HEAD + (chat.REPORT_ADMIN_HINT if ctx.role is Role.ADMIN else "")
        unit = ctx.uow.people.unit(member.unit_id)
        today = local_today(ctx)
        plan = ctx.uow.plans.current_plan(ctx.org.id, fiscal_year_of(today))
        if unit is None or plan is None:
            return chat.REPORT_NO_PLAN
        rnd = ctx.uow.plans.round_for(ctx.org.id, plan.fiscal_year_be, today)
        if rnd is None:
            ctx.uow.schedule.ensure_rounds(ctx.org.id, plan.fiscal_year_be)
            rnd = ctx.uow.plans.round_for(ctx.org.id, plan.fiscal_year_be, today)
        assert rnd is not None
        return Scope(unit, plan, rnd)

    def _scope_of(self, ctx: Context, convo: Convo) -> Scope | None:
        data = convo.data
        unit = ctx.uow.people.unit(data.get("unit_id"))
        plan = ctx.uow.plans.plan(data.get("plan_id"))
        rnd = ctx.uow.plans.round(data.get("round_id", 0))
        return Scope(unit, plan, rnd) if unit and plan and rnd else None

    def _enter(self, ctx: Context, convo: Convo) -> Scope | None:
        scope = self._scope(ctx)
        if isinstance(scope, str):
            ctx.reply(messages.text(scope))
            return None
        convo.data.update(unit_id=scope.unit.id, plan_id=scope.plan.id, round_id=scope.round.id)
        return scope

    # -- choosing a measure -------------------------------------------------------------------------------------
    def _cards(self, ctx: Context, scope: Scope) -> list[MeasureCard]:
        """The unit's open measures: those it has not reported as done (in any round)."""
        measures = ctx.uow.plans.measures_for_unit(scope.plan.id, scope.unit.id)
        ids = [m.id for m in measures]
        ever = ctx.uow.plans.reports_of_unit(ids, scope.unit.id)
        this_round = ctx.uow.plans.latest_reports(scope.round.id, ids)
        cards = []
        for m in measures:
            latest = ever.get(m.id)
            if latest is not None and latest.status == ProgressStatus.DONE and latest.round_id != scope.round.id:
                continue
            current = this_round.get((m.id, scope.unit.id))
            reported = "".join(status_text(current.status, current.percent)) if current else None
            cards.append(MeasureCard(m.id, m.seq, m.issue_no, m.title,
                                     chat.PERIOD.format(start=ARABIC.date(m.start_date), end=ARABIC.date(m.end_date)),
                                     reported))
        return cards

    def _show_page(self, ctx: Context, scope: Scope, page: int) -> None:
        cards = self._cards(ctx, scope)
        if not cards:
            ctx.reply(messages.text(chat.REPORT_NOTHING_OPEN.format(unit=scope.unit.name)))
            return
        page = max(0, page)
        if page == 0:
            ctx.reply(messages.text(chat.REPORT_CHOOSE.format(unit=scope.unit.name, count=len(cards),
                                                               round=round_name(scope.round),
                                                               example=cards[0].seq)))
        ctx.reply(measure_carousel(cards, page, scope.unit.name))

    def _ask_choose(self, ctx: Context, convo: Convo) -> None:
        """The page `convo.data["page"]` of the unit's open measures (the first with how to choose)."""
        scope = self._scope_of(ctx, convo)
        assert scope is not None
        self._show_page(ctx, scope, convo.data.get("page", 0))

    def begin(self, event: IncomingEvent, ctx: Context, convo: Convo) -> ReportState | Control:
        scope = self._enter(ctx, convo)
        if scope is None:
            return END
        convo.data["page"] = postback_arg(event, "report:page:") or 0  # a "more" button of an older list
        return ReportState.CHOOSE

    def choose(self, event: IncomingEvent, ctx: Context, convo: Convo) -> ReportState | Control:
        scope = self._scope_of(ctx, convo)
        if scope is None:
            ctx.reply(messages.text(chat.REPORT_MEASURE_GONE))
            return END
        page = postback_arg(event, "report:page:")
        if page is not None:
            convo.data["page"] = page
            self._ask_choose(ctx, convo)
            return ReportState.CHOOSE
        measure_id = postback_arg(event, "report:pick:")
        if measure_id is not None:
            return self._pick(ctx, convo, scope, ctx.uow.plans.measure(measure_id), ReportState.CHOOSE)
        seq = parse_measure_ref(event.text or "")
        if seq is not None:
            measure = ctx.uow.plans.measure_by_seq(scope.plan.id, seq)
            if measure is None:
                ctx.reply(messages.text(chat.REPORT_NO_SUCH_MEASURE.format(seq=seq, year=scope.plan.fiscal_year_be)))
                return ReportState.CHOOSE
            return self._pick(ctx, convo, scope, measure, ReportState.CHOOSE)
        return AGAIN

    def pick_from_button(self, event: IncomingEvent, ctx: Context, convo: Convo) -> ReportState | Control:
        scope = self._enter(ctx, convo)
        if scope is None:
            return END
        measure = ctx.uow.plans.measure(postback_arg(event, "report:pick:") or 0)
        return self._pick(ctx, convo, scope, measure, END)

    def _check(self, ctx: Context, scope: Scope, measure: Measure | None) -> str | None:
        """The Thai answer when this unit may not report on this measure, else None."""
        if measure is None or not measure.active or measure.org_id != ctx.org.id:
            return chat.REPORT_MEASURE_GONE
        if measure.plan_id != scope.plan.id:
            return chat.REPORT_MEASURE_GONE
        if not ctx.uow.plans.unit_answers_for(measure, scope.unit.id):
            return chat.REPORT_NOT_YOUR_MEASURE.format(seq=measure.seq, unit=scope.unit.name)
        return None

    def _pick(self, ctx: Context, convo: Convo, scope: Scope, measure: Measure | None,
              stay: ReportState | Control) -> ReportState | Control:
        problem = self._check(ctx, scope, measure)
        if problem is not None:
            ctx.reply(messages.text(problem))
            return stay
        assert measure is not None
        convo.data["measure_id"] = measure.id
        return ReportState.STATUS

    # -- questions ---------------------------------------------------------------------------------------------
    def _measure(self, ctx: Context, convo: Convo) -> Measure:
        measure = ctx.uow.plans.measure(convo.data["measure_id"])
        assert measure is not None
        return measure

    def _ask_status(self, ctx: Context, convo: Convo) -> None:
        """The measure, with the unit's latest report on it."""
        measure = self._measure(ctx, convo)
        body = chat.REPORT_ASK_STATUS.format(seq=measure.seq, title=messages.clip_text(measure.title, 600))
        previous = ctx.uow.plans.latest_report(measure.id, convo.data["unit_id"])
        if previous is not None:
            unit = ctx.uow.people.unit(convo.data["unit_id"])
            label, pct = status_text(previous.status, previous.percent)
            when = ARABIC.date(previous.created_at.astimezone(ZoneInfo(ctx.org.timezone)).date())
            body += chat.REPORT_PREVIOUS.format(unit=unit.name if unit else "", status=label, percent=pct,
                                                 when=when)
        ctx.reply(messages.text(body, STATUS_CHOICES))

    def _ask_problems(self, ctx: Context, convo: Convo) -> None:
        """A problem report must name the problem: no "ไม่มี" to tap then."""
        if convo.data.get("status") == ProgressStatus.PROBLEM:
            ctx.reply(messages.text(chat.REPORT_ASK_PROBLEMS_REQUIRED))
        else:
            ctx.reply(messages.text(chat.REPORT_ASK_PROBLEMS, [chat.NONE_CHOICE]))

    def _ask_confirm(self, ctx: Context, convo: Convo) -> None:
        ctx.reply(messages.text(self._summary(ctx, convo), chat.REPORT_CONFIRM_CHOICES))

    def _next(self, convo: Convo, after: ReportState) -> ReportState:
        """The next question, or back to the summary when editing one answer."""
        if convo.data.get("editing"):
            return ReportState.PROBLEMS if self._lacks_problems(convo) else ReportState.CONFIRM
        # Skip what is already answered: a percent given with the status, texts given in a shortcut.
        answered = set(convo.data.get("prefilled", []))
        if convo.data.get("percent") is not None:
            answered.add(ReportState.PERCENT)
        following = next(s for s in QUESTION_ORDER[QUESTION_ORDER.index(after) + 1:] if s not in answered)
        if QUESTION_ORDER.index(following) > QUESTION_ORDER.index(ReportState.PROBLEMS) and self._lacks_problems(convo):
            return ReportState.PROBLEMS
        return following

    @staticmethod
    def _lacks_problems(convo: Convo) -> bool:
        """A problem report whose problems are missing or "ไม่มี" (an edited status can make one)."""
        return problems_missing(convo.data.get("status"), convo.data.get("problems", ""))

    @staticmethod
    def _refuse(ctx: Context, convo: Convo, percent: int | None, choices: list[str] | None) -> bool:
        """Refuse a status and percentage that disagree, with the reason; True when refused."""
        found = contradiction(convo.data.get("status"), percent)
        if found is None:
            return False
        ctx.reply(messages.text(chat.REPORT_CONTRADICTION[found].format(percent=percent), choices))
        return True

    # -- steps ---------------------------------------------------------------------------------------------------
    def status(self, event: IncomingEvent, ctx: Context, convo: Convo) -> ReportState | Control:
        text = event.text or ""
        status = parse_status(text) if text else None
        if status is None:
            return AGAIN
        percent = parse_percent(text)
        if percent is None and status is ProgressStatus.DONE:
            percent = 100
        if percent is None and status is ProgressStatus.NOT_STARTED:
            percent = 0
        if (found := contradiction(status, percent)) is not None:
            ctx.reply(messages.text(chat.REPORT_CONTRADICTION[found].format(percent=percent), STATUS_CHOICES))
            return ReportState.STATUS
        convo.data.update(status=status.value, percent=percent)
        return self._next(convo, ReportState.STATUS)

    def percent(self, event: IncomingEvent, ctx: Context, convo: Convo) -> ReportState | Control:
        if is_word(event, chat.SKIP_WORDS):
            return self._next(convo, ReportState.PERCENT)
        value = parse_percent(event.text or "")
        if value is None:
            digits = to_arabic_digits((event.text or "").strip())
            value = int(digits) if digits.isdigit() and int(digits) <= 100 else None
        if value is None:
            return AGAIN
        if self._refuse(ctx, convo, value, chat.REPORT_PERCENT_CHOICES):
            return ReportState.PERCENT
        convo.data["percent"] = value
        return self._next(convo, ReportState.PERCENT)

    def details(self, event: IncomingEvent, ctx: Context, convo: Convo) -> ReportState | Control:
        return self._text_step(event, ctx, convo, ReportState.DETAILS)

    def problems(self, event: IncomingEvent, ctx: Context, convo: Convo) -> ReportState | Control:
        return self._text_step(event, ctx, convo, ReportState.PROBLEMS)

    def _text_step(self, event: IncomingEvent, ctx: Context, convo: Convo,
                   state: ReportState) -> ReportState | Control:
        """A question answered by free text, kept in `convo.data[state]`."""
        answer = text_of(event)
        if not answer:
            return AGAIN
        if len(answer) > MAX_TEXT:
            ctx.reply(messages.text(chat.REPORT_TOO_LONG.format(limit=MAX_TEXT)))
            return state
        if state is ReportState.PROBLEMS and problems_missing(convo.data.get("status"), answer):
            ctx.reply(messages.text(chat.REPORT_CONTRADICTION["problem_without_problems"]))
            return state
        convo.data[state.value] = answer
        return self._next(convo, state)

    def evidence(self, event: IncomingEvent, ctx: Context, convo: Convo) -> ReportState | Control:
        if is_evidence(event):
            assert convo.id is not None
            record_evidence(event, ctx, DRAFT_OWNER, convo.id, limit=MAX_EVIDENCE, texts=EVIDENCE_TEXTS,
                            choices=chat.REPORT_EVIDENCE_CHOICES)
            return ReportState.EVIDENCE
        if is_word(event, chat.DONE_WORDS) or is_word(event, chat.SKIP_WORDS) or is_none_answer(event.text or ""):
            convo.data.pop("editing", None)
            return ReportState.CONFIRM
        return AGAIN

    def confirm(self, event: IncomingEvent, ctx: Context, convo: Convo) -> ReportState | Control:
        if is_word(event, chat.CONFIRM_WORDS):
            scope = self._scope_of(ctx, convo)
            measure = ctx.uow.plans.measure(convo.data.get("measure_id", 0))
            problem = self._check(ctx, scope, measure) if scope else chat.REPORT_MEASURE_GONE
            if problem is not None or scope is None or measure is None:
                ctx.reply(messages.text(problem or chat.REPORT_MEASURE_GONE))
                return END
            if self._refuse(ctx, convo, convo.data.get("percent"), STATUS_CHOICES):
                convo.data.update(editing=True, percent=None)
                return ReportState.STATUS
            if self._lacks_problems(convo):
                convo.data["editing"] = True
                return ReportState.PROBLEMS
            self._save(ctx, convo, scope, measure)
            return END
        if is_word(event, chat.EDIT_WORDS):
            return ReportState.EDIT
        return AGAIN

    def edit(self, event: IncomingEvent, ctx: Context, convo: Convo) -> ReportState | Control:
        choice = choice_of(event, chat.REPORT_EDIT_CHOICES)
        if choice is None:
            return AGAIN
        convo.data["editing"] = True
        if choice == "status":
            convo.data["percent"] = None
        return ReportState(choice)

    # -- saving ----------------------------------------------------------------------------------------------------
    def _summary(self, ctx: Context, convo: Convo) -> str:
        data = convo.data
        measure = self._measure(ctx, convo)
        unit = ctx.uow.people.unit(data["unit_id"])
        rnd = ctx.uow.plans.round(data["round_id"])
        label, pct = status_text(data["status"], data.get("percent"))
        count = ctx.uow.evidence.count_for_owner(DRAFT_OWNER, convo.id or 0)
        return chat.REPORT_SUMMARY.format(
            seq=measure.seq, title=messages.clip_text(measure.title, 300), unit=unit.name if unit else "",
            round=round_name(rnd) if rnd else "", status=label, percent=pct,
            details=messages.clip_text(data.get("details", ""), 1500),
            problems=messages.clip_text(data.get("problems", "") or chat.NONE_CHOICE, 800),
            evidence=chat.REPORT_EVIDENCE_COUNT.format(count=count) if count else chat.REPORT_EVIDENCE_NONE)

    def _save(self, ctx: Context, convo: Convo, scope: Scope, measure: Measure) -> ProgressReport:
        data: dict[str, Any] = convo.data
        member = ctx.member
        report = ctx.uow.plans.add_report(ctx.org.id, NewReport(
            measure_id=measure.id, unit_id=scope.unit.id, round_id=scope.round.id, status=data["status"],
            percent=data.get("percent"), details=data.get("details", ""), problems=data.get("problems", ""),
            reporter_member_id=member.id if member else None), ctx.now)
        if convo.id is not None:
            ctx.uow.evidence.reassign(DRAFT_OWNER, convo.id, REPORT_OWNER, report.id)
        label, pct = status_text(report.status, report.percent)
        ctx.reply(messages.text(chat.REPORT_SAVED.format(
            seq=measure.seq, title=messages.clip_text(measure.title, 300), unit=scope.unit.name,
            round=round_name(scope.round), version=report.version, status=label, percent=pct)))
        return report

    # -- the one-message shortcut -----------------------------------------------------------------------------------
    def shortcut(self, event: IncomingEvent, ctx: Context, convo: Convo) -> ReportState | Control:
        """A whole report in one message is read, then shown to confirm (ยืนยัน / แก้ไข / ยกเลิก); what it
        lacks is asked for, and a percentage out of range or disagreeing with the status is refused with
        the reason and the status asked again."""
        parsed = parse_shortcut(event.text or "")
        scope = self._enter(ctx, convo)
        if scope is None or parsed is None:
            return END
        measure = ctx.uow.plans.measure_by_seq(scope.plan.id, parsed.measure_no)
        if measure is None:
            ctx.reply(messages.text(chat.REPORT_NO_SUCH_MEASURE.format(seq=parsed.measure_no,
                                                                         year=scope.plan.fiscal_year_be)))
            return END
        problem = self._check(ctx, scope, measure)
        if problem is not None:
            ctx.reply(messages.text(problem))
            return END
        convo.data["measure_id"] = measure.id
        prefilled: list[str] = []
        if parsed.details:
            convo.data["details"] = parsed.details[:MAX_TEXT]
            prefilled.append(ReportState.DETAILS)
        if parsed.problems:
            convo.data["problems"] = parsed.problems[:MAX_TEXT]
            prefilled.append(ReportState.PROBLEMS)
        if parsed.details:  # a complete report: straight to the summary, what it did not say left empty
            convo.data.setdefault("problems", "")
            prefilled += [ReportState.PERCENT, ReportState.PROBLEMS, ReportState.EVIDENCE]
        convo.data["prefilled"] = sorted(set(prefilled))
        status, percent = parsed.status, parsed.percent
        if status is ProgressStatus.DONE and percent is None:
            percent = 100
        refusal = None
        if parsed.bad_percent is not None:
            refusal = chat.REPORT_BAD_PERCENT.format(percent=parsed.bad_percent)
        elif (found := contradiction(status, percent)) is not None:
            refusal = chat.REPORT_CONTRADICTION[found].format(percent=percent)
        if refusal is not None:
            ctx.reply(messages.text(refusal))
            return ReportState.STATUS
        if status is None:
            ctx.reply(messages.text(chat.REPORT_SHORTCUT_NEEDS_STATUS.format(seq=measure.seq)))
            convo.data["percent"] = percent
            return ReportState.STATUS
        convo.data.update(status=status.value, percent=percent)
        return self._next(convo, ReportState.STATUS)
