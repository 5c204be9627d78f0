"""The edges of the conversations (issue #15 item 10): small talk gets a polite answer and the menu, a
photo outside any flow is answered for the sender's role, an officer's case stays open with its buttons
after an action (and a case button outside a case says to open one), the complainant reads no
officer-side label, no contradictory status pair and no literal "<PIN>", and the complaint statistics'
file formats say what they hold. In process (tests/support/inprocess.py)."""

from __future__ import annotations

import pytest

from tests.support.botcli import bind
from tests.support.chat import pushes_to, quick_replies, say, say_all, send
from tests.support.complaints import file_complaint
from tests.support.inprocess import ChatBot
from tests.support.plans import load_plan, small_plan

HEAD, OFFICER, ADMIN, CITIZEN, OTHER = ("U" + c * 32 for c in "12345")
NOT_UNDERSTOOD = "ยังไม่เข้าใจ"


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
    return bot


@pytest.mark.parametrize(("text", "opening"), [
    ("สวัสดีครับ", "สวัสดีครับ"),
    ("หวัดดีค่ะ", "สวัสดีครับ"),
    ("hello", "สวัสดีครับ"),
    ("ขอบคุณมากครับ", "ยินดีครับ"),
    ("thank you", "ยินดีครับ"),
    ("👍", "😊"),
    ("🙏🏻🙏🏻", "😊"),
    ("What can this bot do?", "ภาษาไทยเป็นหลัก"),
])
def test_small_talk_gets_a_polite_answer_and_the_menu(org: ChatBot, text: str, opening: str) -> None:
    answer = say(org, CITIZEN, text)
    assert NOT_UNDERSTOOD not in answer["text"] and opening in answer["text"].split("\n")[0]
    assert "คำสั่งที่ใช้ได้ (ประชาชน" in answer["text"]
    assert quick_replies(answer) == ["ร้องเรียน", "ติดตาม", "ช่วยเหลือ"]
    head = say(org, HEAD, text)  # the menu is the sender's role's
    assert "\"รายงาน\"" in head["text"] and quick_replies(head)[0] == "รายงาน"


def test_what_is_not_small_talk_still_says_so_with_the_menu(org: ChatBot) -> None:
    answer = say(org, CITIZEN, "อยากทราบเรื่องถนนพัง")
    assert NOT_UNDERSTOOD in answer["text"] and quick_replies(answer) == ["ร้องเรียน", "ติดตาม", "ช่วยเหลือ"]
    assert quick_replies(send(org, org.fake.sticker_event(CITIZEN)))  # a sticker too


def test_a_photo_outside_any_flow_is_answered_for_the_senders_role(org: ChatBot) -> None:
    citizen = send(org, org.fake.image_event(CITIZEN))["text"]
    assert "\"ร้องเรียน\"" in citizen and "รายงาน" not in citizen  # citizens do not report
    head = send(org, org.fake.image_event(HEAD))["text"]
    assert "\"รายงาน\"" in head and "\"ร้องเรียน\"" in head


def test_the_case_stays_open_with_its_buttons_after_a_status_change_or_a_message(org: ChatBot) -> None:
    bot = org
    file_complaint(bot, CITIZEN, mode="confidential")
    say(bot, OFFICER, "เปิด 1")
    for answer in ("เปลี่ยนสถานะ", "คัดกรอง", "ตรวจเอกสารแล้ว"):
        say(bot, OFFICER, answer)
    saved = say(bot, OFFICER, "รับเรื่องไว้พิจารณาแล้ว")
    assert "รับเรื่องแล้ว → คัดกรอง" in saved["text"]
    assert quick_replies(saved) == ["เปลี่ยนสถานะ", "ส่งข้อความถึงผู้ร้อง", "ดูไทม์ไลน์", "ปิดหน้านี้"]
    assert "ทาง LINE ทันที" in say(bot, OFFICER, "ส่งข้อความถึงผู้ร้อง")["text"]  # understood: still in the case
    sent = say(bot, OFFICER, "ขอทราบวันเวลาที่เกิดเหตุครับ")
    assert "บันทึกข้อความในเรื่อง #1" in sent["text"] and "เปลี่ยนสถานะ" in quick_replies(sent)
    assert any("ขอทราบวันเวลาที่เกิดเหตุ" in p for p in pushes_to(bot, CITIZEN))
    assert "ตรวจสอบข้อเท็จจริง" in quick_replies(say(bot, OFFICER, "เปลี่ยนสถานะ"))  # from the new status
    say(bot, OFFICER, "ยกเลิก")
    # The case's button once no case is open: which case? (with the list to open one)
    outside = say_all(bot, OFFICER, "ส่งข้อความถึงผู้ร้อง")
    assert "กรุณาเปิดเรื่องก่อน" in outside[0]["text"] and quick_replies(outside[-1]) == ["เปิด 1"]
    assert all(NOT_UNDERSTOOD not in m["text"] for m in outside)


def test_a_case_button_from_someone_who_is_not_an_officer_is_not_answered_with_cases(org: ChatBot) -> None:
    file_complaint(org, CITIZEN)
    answer = say(org, OTHER, "เปลี่ยนสถานะ")["text"]
    assert "#1" not in answer and "กรุณาเปิดเรื่องก่อน" not in answer


def test_the_complainant_reads_no_officer_label_no_contradiction_and_no_literal_pin(org: ChatBot) -> None:
    bot = org
    anonymous = file_complaint(bot, CITIZEN, mode="anonymous")
    receipt = "\n".join(anonymous.texts)
    assert "<PIN>" not in receipt and f"ติดตาม {anonymous.code} {anonymous.pin}" in receipt
    assert f"ตอบ {anonymous.code} {anonymous.pin}" in receipt
    view = say(bot, OTHER, anonymous.follow_up)["text"]
    assert "สถานะ: รับเรื่องแล้ว" in view and "รอเจ้าหน้าที่รับเรื่อง" not in view
    assert "<PIN>" not in view and "PIN 6 หลัก" in view
    say(bot, OFFICER, "เปิด 1")
    for answer in ("เปลี่ยนสถานะ", "คัดกรอง", "ตรวจเอกสารแล้ว", "กำลังตรวจสอบเอกสารประกอบ"):
        say(bot, OFFICER, answer)
    view = say(bot, OTHER, anonymous.follow_up)["text"]
    assert "เจ้าหน้าที่แจ้งว่า: กำลังตรวจสอบเอกสารประกอบ" in view and "แจ้งผู้ร้อง" not in view
    say(bot, OFFICER, "ดูไทม์ไลน์")  # the officers' timeline keeps its own label
    assert "แจ้งผู้ร้อง: กำลังตรวจสอบเอกสารประกอบ" in bot.texts_to(OFFICER)[-1]
    assert "<PIN>" not in say(bot, CITIZEN, "ช่วยเหลือ")["text"]


def test_complaint_statistics_formats_do_not_speak_of_measures(org: ChatBot) -> None:
    say(org, ADMIN, "ขอรายงาน")
    formats = say(org, ADMIN, "สถิติเรื่องร้องเรียน")["text"]
    assert "เลือกรูปแบบไฟล์" in formats and "รายมาตรการ" not in formats and "สถิติรายหมวด" in formats


def test_a_case_left_open_after_an_action_ends_without_a_push_but_a_half_typed_one_is_told(org: ChatBot) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from storage.clock import utcnow
    from storage.conversation_models import Conversation

    bot = org
    file_complaint(bot, CITIZEN, mode="confidential")

    def age() -> None:
        with bot.services.uow() as uow:
            uow.session.execute(update(Conversation).values(expires_at=utcnow() - timedelta(seconds=1)))
            uow.commit()

    say(bot, OFFICER, "เปิด 1")
    say(bot, OFFICER, "ส่งข้อความถึงผู้ร้อง")
    say(bot, OFFICER, "ขอทราบวันเวลาที่เกิดเหตุครับ")  # sent: the case stays open, nothing pending
    age()
    assert bot.expire_conversations() == 1
    assert not [p for p in pushes_to(bot, OFFICER) if "หมดเวลา" in p]
    say(bot, OFFICER, "เปิด 1")
    say(bot, OFFICER, "ส่งข้อความถึงผู้ร้อง")  # half-typed: the officer is told it was not sent
    age()
    assert bot.expire_conversations() == 1
    assert [p for p in pushes_to(bot, OFFICER) if "หมดเวลา" in p]
