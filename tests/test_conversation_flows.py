"""Every registered flow can be left: "ยกเลิก" mid-flow, or another flow's command word mid-flow, always gets
an answer (issue #15: the rounds flow had no texts and crashed), with a generic one for a flow that has no
text of its own."""

from __future__ import annotations

import pytest

from tests.support.botcli import bind
from tests.support.chat import say, say_all
from tests.support.complaints import file_complaint
from tests.support.inprocess import ChatBot
from tests.support.plans import load_plan, small_plan
from texts import chat

HEAD, OFFICER, ADMIN, CITIZEN = ("U" + c * 32 for c in "1234")
# Who starts each flow, and with which words: a flow registered without a line here fails the test.
STARTERS = {
    "report": (HEAD, "รายงาน"),
    "complaint": (CITIZEN, "ร้องเรียน"),
    "complaint_case": (OFFICER, "เปิด 1"),  # a case opened (listing cases ends at once)
    "rounds": (ADMIN, "ตั้งรอบ"),
    "report_file": (ADMIN, "ขอรายงาน"),
    "plan_paste": (ADMIN, "นำเข้าแผน"),
}


@pytest.fixture
def bot(chat_bot: ChatBot) -> ChatBot:
    """This module runs in process (tests/support/inprocess.py): no HTTP, no worker thread."""
    return chat_bot


@pytest.fixture
def org(bot: ChatBot) -> ChatBot:
    load_plan(bot.services.uow, bot.org_id, small_plan())
    bind(bot, HEAD, "head", "สำนักปลัดเทศบาล")
    bind(bot, OFFICER, "officer")
    bind(bot, ADMIN, "admin")
    file_complaint(bot, CITIZEN)
    return bot


def flow_of(bot: ChatBot, user: str) -> str | None:
    with bot.services.uow() as uow:
        row = uow.conversations.get(bot.org_id, user)
        return row.flow if row else None


def start(bot: ChatBot, flow: str) -> str:
    user, words = STARTERS[flow]
    say(bot, user, words)
    assert flow_of(bot, user) == flow, f"{words!r} did not leave {user} in the {flow} flow"
    return user


def test_every_flow_has_its_texts_and_a_starter(org: ChatBot) -> None:
    flows = set(org.processing.conversations.flows)
    assert flows == set(STARTERS)
    for table in (chat.FLOW_NAMES, chat.FLOW_CANCELLED, chat.FLOW_SWITCHED, chat.FLOW_EXPIRED):
        assert flows <= set(table)


def test_cancel_ends_every_flow_with_an_answer(org: ChatBot) -> None:
    for flow in org.processing.conversations.flows:
        user = start(org, flow)
        assert say(org, user, "ยกเลิก")["text"] == chat.FLOW_CANCELLED[flow]
        assert flow_of(org, user) is None


def test_another_flows_word_mid_flow_switches_with_an_answer(org: ChatBot) -> None:
    flows = list(org.processing.conversations.flows)
    for flow in flows:
        for other in flows:
            if other == flow:
                continue
            user = start(org, flow)
            answers = [m.get("text", m.get("altText", "")) for m in say_all(org, user, STARTERS[other][1])]
            # Only officers open cases: for anyone else "เปิด 1" is the flow's own input.
            if other != "complaint_case" or user == OFFICER:
                assert chat.FLOW_SWITCHED[flow] in answers, (flow, other, answers)
            say(org, user, "ยกเลิก")


def test_a_flow_without_texts_of_its_own_gets_the_generic_ones(org: ChatBot,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    for table in (chat.FLOW_CANCELLED, chat.FLOW_SWITCHED):
        monkeypatch.delitem(table, "rounds")
    start(org, "rounds")
    assert say(org, ADMIN, "ยกเลิก")["text"] == chat.FLOW_CANCELLED_GENERIC
    start(org, "rounds")
    assert chat.FLOW_SWITCHED_GENERIC in [m.get("text") for m in say_all(org, ADMIN, "รายงาน")]
