"""Every conversation flow is a declared table (issue #13): each state has its accepted input kinds, a step,
a question and a re-prompt; every state a step can return is in the table; the stored state names stay
what conversations rows already hold."""

from __future__ import annotations

import inspect
import typing
from datetime import timedelta
from enum import StrEnum

import pytest

from domain.complaints.crypto import KEY_BYTES, MasterKey
from domain.reports.links import LinkSigner, ReportLinks
from handlers import build_flows
from handlers.complaint_intake import ComplaintState
from handlers.conversation import START, Control, Flow, Input, Question
from handlers.progress_report import ReportState
from handlers.rounds_settings import SCHEME_CHOICES
from tests.conftest import RunningBot
from tests.support.botcli import bind
from tests.support.chat import quick_replies, say, send, tap
from tests.support.plans import load_plan, small_plan
from texts import chat
from usecases.complaint_config import ComplaintConfig, ComplaintKeys

# The `state` values conversations rows hold today: renaming one would strand the chats that are in it.
STORED_STATES = {
    "report": {"choose", "status", "percent", "details", "problems", "evidence", "confirm", "edit"},
    "complaint": {"mode", "name", "phone", "type", "details", "category", "where", "involved", "evidence",
                  "confirm", "warn", "edit"},
    "complaint_case": {"case", "status", "note", "public", "message"},
    "rounds": {"scheme", "due"},
    "report_file": {"choose", "format"},
    "plan_paste": {"paste", "confirm"},
}


def flows() -> list[Flow]:
    config = ComplaintConfig(ComplaintKeys(MasterKey(bytes(KEY_BYTES))))
    links = ReportLinks(LinkSigner.from_secret_key("s3cret"), "https://ita.example.go.th/", timedelta(days=7))
    return build_flows(config, reports=links)


def state_enums(method: typing.Callable[..., object]) -> set[type[StrEnum]]:
    """The state enums a step (or step helper) is declared to return, besides Control; empty for a method
    that is no step."""
    returned = typing.get_type_hints(method).get("return")
    kinds = set(typing.get_args(returned)) or {returned}
    if Control not in kinds:
        return set()
    return {k for k in kinds if isinstance(k, type) and issubclass(k, StrEnum) and k is not Control}


@pytest.mark.parametrize("flow", flows(), ids=lambda flow: flow.name)
def test_the_stored_state_names_stay(flow: Flow) -> None:
    assert set(flow.states) == STORED_STATES[flow.name]


@pytest.mark.parametrize("flow", flows(), ids=lambda flow: flow.name)
def test_every_state_has_accepted_kinds_a_step_a_question_and_a_reprompt(flow: Flow) -> None:
    for state, question in flow.states.items():
        assert isinstance(question, Question), state
        assert isinstance(question.accepts, Input) and question.accepts, f"{flow.name}.{state} takes nothing"
        assert callable(question.step) and callable(question.ask) and callable(question.again), state
        assert state not in {*Control, START}, f"{flow.name}.{state} is a name the runner keeps for itself"


@pytest.mark.parametrize("flow", flows(), ids=lambda flow: flow.name)
def test_every_state_a_step_can_return_is_in_the_table(flow: Flow) -> None:
    """Steps are typed to return their flow's state enum or Control (mypy holds them to it), so the enum's
    members are every state a step can return: each must be in the table, and the table holds no other."""
    methods = [m for _, m in inspect.getmembers(flow, inspect.ismethod)]
    enums = set().union(*(state_enums(m) for m in methods))
    assert len(enums) == 1, f"{flow.name}: steps return {enums}, expected one state enum"
    (states,) = enums
    assert set(flow.states) == set(states)
    for state, question in flow.states.items():
        assert state_enums(question.step) == enums, f"{flow.name}.{state}: its step is not typed to return states"


def test_every_edit_choice_is_a_state() -> None:
    """The summaries' "แก้ไข" choices name the state to go back to (the complaint's "หมวด" goes to its type)."""
    assert set(chat.REPORT_EDIT_CHOICES.values()) <= set(ReportState)
    assert set(chat.COMPLAINT_EDIT_CHOICES.values()) - {"category"} <= set(ComplaintState)


def test_the_runner_reprompts_input_a_state_does_not_take_and_asks_on_entering(bot: RunningBot) -> None:
    """The rounds flow's scheme question takes texts: a sticker, a photo, a location and a button get its
    re-prompt and the flow stays; a good answer enters the next state, whose question is asked."""
    admin = "U" + "a" * 32
    load_plan(bot.services.uow, bot.org_id, small_plan())
    bind(bot, admin, "admin")
    assert quick_replies(say(bot, admin, "ตั้งรอบ")) == SCHEME_CHOICES
    fake = bot.fake
    for answer in (send(bot, fake.sticker_event(admin)), send(bot, fake.image_event(admin)),
                   send(bot, fake.location_event(admin, "ตลาดสด", "ถนนหลัก", 13.75, 100.5)), tap(bot, admin, "rounds:whatever"),
                   say(bot, admin, "ทุกสองวัน")):
        assert answer["text"] == chat.ROUNDS_BAD_SCHEME
        assert quick_replies(answer) == SCHEME_CHOICES
    with bot.services.uow() as uow:
        row = uow.conversations.get(bot.org_id, admin)
        assert row is not None and (row.flow, row.state) == ("rounds", "scheme")
    asked = say(bot, admin, "รายไตรมาส")
    assert asked["text"].startswith(chat.ROUNDS_ASK_DUE.split("{")[0])
    say(bot, admin, "ยกเลิก")
