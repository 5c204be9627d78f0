"""Random input into the complaint intake (and the follow-up and case commands next to it): every event is
answered, none fails, and "ยกเลิก" always gets the person out. In process (tests/support/inprocess.py): the
real processing path on a real database, without HTTP (test_webhook.py sends hostile bodies over the wire)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from storage.conversation_models import Conversation
from tests.support.chat import say
from tests.support.inprocess import ChatBot

pytestmark = pytest.mark.long  # run first (tests/conftest.py)

USER = "U" + "f0" * 16
WORDS = ["ร้องเรียน", "1", "2", "3", "ทุจริต", "ร้องทุกข์ทั่วไป", "เสร็จ", "ใช่", "ข้าม", "ถัดไป", "ไม่มี",
         "ยืนยันส่ง", "แก้ไข", "ปิดบังให้", "ส่งตามนี้", "หมวด", "หลักฐาน", "ติดตาม ร-AAAA-AA 123456", "ตอบ",
         "ตอบ ร-AAAA-AA 123456 ", "เปิด 1", "เรื่องร้องเรียน", "ช่วยเหลือ", "รายงาน", "081-234-5678",
         "1-1017-00203-45-0", "ITA-ABCD-EFGH", "สำนักปลัด", "นายก", "\u200b", "๑๒๓"]
# Ways into the flow, cut at a random point so the random input lands in every state.
PATHS = [
    ["3", "1", "มีการเรียกเงินใต้โต๊ะ", "เสร็จ", "1", "ข้าม", "ข้าม", "ข้าม"],
    ["1", "สมชาย ทดสอบ", "0812345678", "2", "ถนนพังหน้าบ้าน", "เสร็จ", "เมื่อวาน", "ข้าม", "เสร็จ"],
    ["2", "ทุจริต", "ฮั้วประมูล", "เสร็จ", "ใช่", "ข้าม", "กองช่าง", "ข้าม", "ยืนยันส่ง"],
]
PREFIX = st.sampled_from(PATHS).flatmap(lambda path: st.integers(0, len(path)).map(lambda n: path[:n]))
THAI = st.characters(min_codepoint=0x0E01, max_codepoint=0x0E5B)
MESSAGE = st.one_of(
    st.sampled_from(WORDS),
    st.text(min_size=1, max_size=300),
    st.text(alphabet=THAI, min_size=1, max_size=200),
    st.builds(lambda w, t: f"{w} {t}", st.sampled_from(WORDS), st.text(max_size=80)),
    st.integers(min_value=4990, max_value=5000).map(lambda n: "ก" * n),
    st.sampled_from(["sticker", "audio", "location", "image"]),
)


def _event(bot: ChatBot, item: str) -> dict[str, Any]:
    if item == "sticker":
        return bot.fake.sticker_event(USER)
    if item == "audio":
        return bot.fake.audio_event(USER)
    if item == "location":
        return bot.fake.location_event(USER, "ที่เกิดเหตุ", "ถนน", 13.7, 100.5)
    if item == "image":
        return bot.fake.image_event(USER)
    return bot.fake.text_event(USER, item)


def _failed(bot: ChatBot) -> int:
    with bot.services.uow() as uow:
        return uow.inbox.counts_by_status().get("failed", 0)


def _states(caplog: pytest.LogCaptureFixture) -> set[str]:
    """The intake states the input reached, from the outcomes the processor logs ("complaint:mode->type");
    the inbox keeps no row of a complaint's events."""
    outcomes = [str(r.args[-1]) for r in caplog.records
                if r.name == "handlers.processor" and isinstance(r.args, tuple) and len(r.args) == 4]
    return {o.split("->")[-1] for o in outcomes if o.startswith("complaint:") and "->" in o}


def test_random_input_is_always_answered_and_never_fails(start_chat_bot, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO, logger="handlers.processor")
    bot: ChatBot = start_chat_bot(COMPLAINT_DAILY_LIMIT=1000)

    @settings(max_examples=30, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(PREFIX, st.lists(MESSAGE, min_size=1, max_size=6))
    def run(prefix: list[str], items: list[str]) -> None:
        say(bot, USER, "ร้องเรียน")
        for answer in prefix:
            say(bot, USER, answer)
        for item in items:
            before = len(bot.fake.messages_to(USER))
            response = bot.fake.send_events([_event(bot, item)])
            assert response.status_code == 200
            bot.wait_idle()
            assert len(bot.fake.messages_to(USER)) > before, f"no answer to {item[:80]!r}"
        assert _failed(bot) == 0
        say(bot, USER, "ยกเลิก")
        with bot.services.uow() as uow:
            assert uow.session.scalar(select(Conversation)) is None  # nobody is left stuck in a flow

    run()
    assert {"mode", "name", "phone", "type", "details", "category", "where", "involved", "evidence",
            "confirm"} <= _states(caplog)
