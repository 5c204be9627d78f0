"""Following a complaint: "ติดตาม <code> <PIN>" from any account for anonymous complaints, the code alone
from the filing account for the others; wrong and guessed-too-often attempts; "ตอบ" adds to the case.
In process (tests/support/inprocess.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from domain.thai_text import to_thai_digits
from storage.clock import utcnow
from storage.complaint_models import ComplaintAttempt, ComplaintEntry
from storage.models import InboxEvent, OutboxMessage
from tests.support.botcli import bind
from tests.support.chat import pushes_to, say
from tests.support.complaints import file_complaint
from tests.support.inprocess import ChatBot

CITIZEN = "U" + "a" * 32
OTHER = "U" + "b" * 32
OFFICER = "U" + "c" * 32
GUESSERS = ["U" + f"{i:x}" * 32 for i in range(1, 7)]


@pytest.fixture
def bot(chat_bot: ChatBot) -> ChatBot:
    """This module runs in process (tests/support/inprocess.py): no HTTP, no worker thread."""
    return chat_bot


def test_anonymous_complaint_is_followed_from_any_account_with_code_and_pin(bot: ChatBot) -> None:
    receipt = file_complaint(bot, CITIZEN, mode="anonymous")
    view = say(bot, OTHER, receipt.follow_up)["text"]
    assert receipt.code in view and "รับเรื่องแล้ว" in view and "เรียกรับสินบน" in view
    assert f"ตอบ {receipt.code}\" เว้นวรรค PIN 6 หลัก" in view and "<PIN>" not in view
    # the code typed loosely (lower case, no dashes, Thai digits) still matches
    assert pin_loosely(receipt) and "สถานะ" in say(bot, OTHER, pin_loosely(receipt))["text"]
    assert "ไม่พบเรื่อง" in say(bot, OTHER, f"ติดตาม {receipt.code}")["text"]  # no PIN
    wrong = "000000" if receipt.pin != "000000" else "111111"
    assert "ไม่พบเรื่อง" in say(bot, CITIZEN, f"ติดตาม {receipt.code} {wrong}")["text"]  # even the filer needs it
    assert "ไม่พบเรื่อง" in say(bot, OTHER, f"ติดตาม ร-AAAA-AA {receipt.pin}")["text"]
    assert "ติดตาม ร-XXXX-XX" in say(bot, OTHER, "ติดตาม")["text"]  # how to


def pin_loosely(receipt) -> str:  # type: ignore[no-untyped-def]
    return "ติดตาม " + receipt.code.replace("-", "").lower() + " " + to_thai_digits(receipt.pin)


def test_confidential_complaint_is_followed_with_the_code_from_its_own_account_only(bot: ChatBot) -> None:
    receipt = file_complaint(bot, CITIZEN, mode="confidential")
    assert "สถานะ: รับเรื่องแล้ว" in say(bot, CITIZEN, f"ติดตาม {receipt.code}")["text"]
    assert "ไม่พบเรื่อง" in say(bot, OTHER, f"ติดตาม {receipt.code}")["text"]
    assert "ไม่พบเรื่อง" in say(bot, OTHER, f"ติดตาม {receipt.code} 123456")["text"]


def test_guessing_is_stopped_per_account_and_per_code_for_an_hour(bot: ChatBot) -> None:
    receipt = file_complaint(bot, CITIZEN, mode="anonymous")
    wrong = [f"{n:06d}" for n in range(100000, 100010) if f"{n:06d}" != receipt.pin]
    # one account guessing codes: after 5 failures it is stopped, even with the right code and PIN
    for i in range(5):
        assert "ไม่พบเรื่อง" in say(bot, OTHER, f"ติดตาม ร-AAAA-A{'ABCDE'[i]} {wrong[i]}")["text"]
    assert "ลองรหัสผิดหลายครั้ง" in say(bot, OTHER, receipt.follow_up)["text"]
    # five accounts guessing this code's PIN: the code is locked for everybody for the hour
    for guesser, pin in zip(GUESSERS[:5], wrong, strict=False):
        assert "ไม่พบเรื่อง" in say(bot, guesser, f"ติดตาม {receipt.code} {pin}")["text"]
    assert "ลองรหัสผิดหลายครั้ง" in say(bot, GUESSERS[5], receipt.follow_up)["text"]
    with bot.services.uow() as uow:
        keys = list(uow.session.scalars(select(ComplaintAttempt.key_hash)))
    assert len(keys) == 20 and not any(user in key for key in keys for user in [OTHER, *GUESSERS])
    with time_machine.travel(utcnow() + timedelta(hours=1, minutes=1), tick=True):
        assert "สถานะ" in say(bot, GUESSERS[5], receipt.follow_up)["text"]
        assert "สถานะ" in say(bot, OTHER, receipt.follow_up)["text"]


def test_the_complainant_adds_a_message_and_the_officer_is_told(bot: ChatBot) -> None:
    bind(bot, OFFICER, "officer")
    anonymous = file_complaint(bot, CITIZEN, mode="anonymous")
    confidential = file_complaint(bot, OTHER, mode="confidential")
    sent = say(bot, OTHER, f"ตอบ {anonymous.code} {anonymous.pin} มีภาพถ่ายเพิ่มเติม\nส่งทางไปรษณีย์แล้ว")
    assert "ส่งข้อความถึงเจ้าหน้าที่" in sent["text"]
    assert any("ข้อความใหม่จากผู้ร้องเรียน เรื่อง #1" in p and "มีภาพถ่ายเพิ่มเติม\nส่งทางไปรษณีย์แล้ว" in p
               for p in pushes_to(bot, OFFICER))
    assert "ส่งข้อความถึงเจ้าหน้าที่" in say(bot, OTHER, f"ตอบ {confidential.code} ขอทราบความคืบหน้า")["text"]
    assert "ไม่พบเรื่อง" in say(bot, CITIZEN, f"ตอบ {confidential.code} ไม่ใช่เรื่องของฉัน")["text"]
    assert "ไม่พบเรื่อง" in say(bot, CITIZEN, f"ตอบ {anonymous.code} ลืม PIN")["text"]
    assert "ตอบ ร-XXXX-XX" in say(bot, CITIZEN, "ตอบ")["text"]
    with bot.services.uow() as uow:
        entries = list(uow.session.scalars(select(ComplaintEntry).where(ComplaintEntry.kind == "from_complainant")
                                           .order_by(ComplaintEntry.id)))
    assert [(e.complaint_id, e.public_text) for e in entries] == [
        (1, "มีภาพถ่ายเพิ่มเติม\nส่งทางไปรษณีย์แล้ว"), (2, "ขอทราบความคืบหน้า")]
    view = say(bot, CITIZEN, anonymous.follow_up)["text"]
    assert "ข้อความจากคุณ: มีภาพถ่ายเพิ่มเติม" in view


def test_follow_up_events_and_answers_keep_nothing(bot: ChatBot) -> None:
    receipt = file_complaint(bot, CITIZEN, mode="anonymous")
    say(bot, OTHER, receipt.follow_up)
    say(bot, OTHER, f"ตอบ {receipt.code} {receipt.pin} ข้อมูลเพิ่ม")
    with bot.services.uow() as uow:
        payloads = [e.payload for e in uow.session.scalars(select(InboxEvent))]
        rows = list(uow.session.scalars(select(OutboxMessage)))
    assert not any(receipt.code in str(p) or OTHER in str(p) for p in payloads)
    assert all(r.recipients == [] and r.messages == [] for r in rows)
