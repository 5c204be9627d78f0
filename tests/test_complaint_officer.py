"""Officers handle complaints in LINE: list, open (and be assigned), change status with a required internal
note, message the complainant; the bot relays both ways. Routing keeps a complaint away from the units
it names: their heads never see complaints, their officers neither see nor hear of it. In process
(tests/support/inprocess.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.complaint_models import ComplaintEntry
from tests.support.botcli import bind
from tests.support.chat import pushes_to, quick_replies, say
from tests.support.complaints import complaints, file_complaint
from tests.support.inprocess import ChatBot

CITIZEN = "U" + "a" * 32
OTHER = "U" + "b" * 32
OFFICER = "U" + "c" * 32
OFFICER_2 = "U" + "d" * 32
WORKS_OFFICER = "U" + "e" * 32  # an officer posted in กองช่าง
WORKS_HEAD = "U" + "f" * 32
ADMIN = "U" + "9" * 32


@pytest.fixture
def bot(chat_bot: ChatBot) -> ChatBot:
    """This module runs in process (tests/support/inprocess.py): no HTTP, no worker thread."""
    return chat_bot


def change_status(bot: ChatBot, officer: str, case: int, status: str, note: str, public: str = "ข้าม") -> str:
    say(bot, officer, f"เปิด {case}")
    say(bot, officer, "เปลี่ยนสถานะ")
    say(bot, officer, status)
    say(bot, officer, note)
    return str(say(bot, officer, public)["text"])


def test_officer_lists_opens_and_changes_status_and_the_complainant_is_told(bot: ChatBot) -> None:
    bind(bot, OFFICER, "officer")
    receipt = file_complaint(bot, CITIZEN, mode="confidential")
    listing = say(bot, OFFICER, "เรื่องร้องเรียน")
    assert "#1 · เรียกรับสินบน · รับเรื่องแล้ว" in listing["text"] and quick_replies(listing) == ["เปิด 1"]
    say(bot, OFFICER, "เปิด 1")
    view, timeline = bot.texts_to(OFFICER)[-2:]
    assert "เรื่องร้องเรียน #1 (ปกปิดตัวตน)" in view and "เงินใต้โต๊ะ" in view and "ผู้รับผิดชอบ: คุณ" in view
    assert CITIZEN not in view and receipt.code not in view
    assert "คุณ รับผิดชอบเรื่อง" in timeline
    assert quick_replies(bot.fake.messages_to(OFFICER)[-1]) == [
        "เปลี่ยนสถานะ", "ส่งข้อความถึงผู้ร้อง", "ดูไทม์ไลน์", "ปิดหน้านี้"]
    choices = say(bot, OFFICER, "เปลี่ยนสถานะ")
    assert quick_replies(choices) == ["คัดกรอง", "ยุติเรื่อง", "ส่งต่อหน่วยงานอื่น"]
    assert "เปลี่ยนได้เป็น" in say(bot, OFFICER, "ดำเนินการแล้วเสร็จ")["text"]  # not allowed from received
    assert "บันทึกภายใน" in say(bot, OFFICER, "คัดกรอง")["text"]
    assert "ต้องมีบันทึกภายใน" in say(bot, OFFICER, "ข้าม")["text"]
    assert "ข้อความถึงผู้ร้องเรียน" in say(bot, OFFICER, "ตรวจเอกสารเบื้องต้นแล้ว มีมูล")["text"]
    saved = say(bot, OFFICER, "รับเรื่องไว้พิจารณาแล้ว จะแจ้งผลภายใน 30 วัน")["text"]
    assert "รับเรื่องแล้ว → คัดกรอง" in saved and "ได้รับแจ้งทาง LINE แล้ว" in saved
    [told] = [p for p in pushes_to(bot, CITIZEN) if "เปลี่ยนสถานะ" in p]
    assert receipt.code in told and "คัดกรอง" in told and "จะแจ้งผลภายใน 30 วัน" in told
    assert "มีมูล" not in told  # the internal note stays internal
    view = say(bot, CITIZEN, f"ติดตาม {receipt.code}")["text"]
    assert "สถานะ: คัดกรอง" in view and "จะแจ้งผลภายใน 30 วัน" in view and "มีมูล" not in view
    [complaint] = complaints(bot)
    assert complaint.first_answer_at is not None and complaint.last_feedback_at is not None
    with bot.services.uow() as uow:
        assert uow.people.member(bot.org_id, OFFICER).id == complaint.assigned_member_id


def test_messages_are_relayed_both_ways(bot: ChatBot) -> None:
    bind(bot, OFFICER, "officer")
    confidential = file_complaint(bot, CITIZEN, mode="confidential")
    anonymous = file_complaint(bot, OTHER, mode="anonymous")
    say(bot, OFFICER, "เปิด 1")
    assert "ทาง LINE ทันที" in say(bot, OFFICER, "ส่งข้อความถึงผู้ร้อง")["text"]
    assert "ได้รับแจ้งทาง LINE แล้ว" in say(bot, OFFICER, "ขอทราบวันที่เกิดเหตุโดยประมาณครับ")["text"]
    [relayed] = [p for p in pushes_to(bot, CITIZEN) if "ข้อความจากเจ้าหน้าที่" in p]
    assert "ขอทราบวันที่เกิดเหตุ" in relayed and f"ตอบ {confidential.code}" in relayed
    say(bot, CITIZEN, f"ตอบ {confidential.code} ประมาณต้นเดือนมีนาคมครับ")
    assert any("ประมาณต้นเดือนมีนาคม" in p for p in pushes_to(bot, OFFICER))
    # anonymous: the message waits in the case until the complainant follows up
    say(bot, OFFICER, "เปิด 2")
    assert "ติดตามด้วยรหัส" in say(bot, OFFICER, "ส่งข้อความถึงผู้ร้อง")["text"]
    assert "จะเห็นเมื่อมาติดตาม" in say(bot, OFFICER, "มีหลักฐานเป็นเอกสารหรือไม่")["text"]
    assert not any("มีหลักฐานเป็นเอกสาร" in p for p in pushes_to(bot, OTHER))
    first = say(bot, CITIZEN, anonymous.follow_up)["text"]  # any account with the code and PIN
    assert "ข้อความจากเจ้าหน้าที่ (ใหม่): มีหลักฐานเป็นเอกสารหรือไม่" in first
    assert "(ใหม่)" not in say(bot, OTHER, anonymous.follow_up)["text"]
    say(bot, OTHER, f"ตอบ {anonymous.code} {anonymous.pin} มีสำเนาใบเสร็จ")
    say(bot, OFFICER, "เปิด 2")
    assert "ผู้ร้อง: มีสำเนาใบเสร็จ" in bot.texts_to(OFFICER)[-1]


def test_close_and_reopen(bot: ChatBot) -> None:
    bind(bot, OFFICER, "officer")
    receipt = file_complaint(bot, CITIZEN, mode="confidential")
    change_status(bot, OFFICER, 1, "คัดกรอง", "เริ่มคัดกรอง")
    change_status(bot, OFFICER, 1, "ตรวจสอบข้อเท็จจริง", "ตั้งกรรมการสอบ")
    change_status(bot, OFFICER, 1, "ดำเนินการแล้วเสร็จ", "ลงโทษทางวินัยแล้ว", "ดำเนินการทางวินัยแล้ว")
    [complaint] = complaints(bot)
    assert complaint.status == "resolved" and complaint.closed_at is not None
    assert "ไม่มีเรื่องร้องเรียนที่ยังเปิดอยู่" in say(bot, OFFICER, "เรื่องร้องเรียน")["text"]
    say(bot, OFFICER, "เปิด 1")
    assert quick_replies(say(bot, OFFICER, "เปลี่ยนสถานะ")) == ["คัดกรอง", "ตรวจสอบข้อเท็จจริง"]
    say(bot, OFFICER, "ตรวจสอบข้อเท็จจริง")
    say(bot, OFFICER, "ผู้ร้องแจ้งว่ายังมีการเรียกเงินอยู่")
    say(bot, OFFICER, "ข้าม")
    [complaint] = complaints(bot)
    assert complaint.status == "investigating" and complaint.closed_at is None
    statuses = [p for p in pushes_to(bot, CITIZEN) if "เปลี่ยนสถานะ" in p]
    assert len(statuses) == 4  # told of every change, the reopening included
    view = say(bot, CITIZEN, f"ติดตาม {receipt.code}")["text"]
    assert "เปิดเรื่องอีกครั้ง: ตรวจสอบข้อเท็จจริง" in view
    with bot.services.uow() as uow:
        notes = list(uow.session.scalars(select(ComplaintEntry.internal_note).where(ComplaintEntry.kind == "status")
                                         .order_by(ComplaintEntry.id)))
    assert notes == ["เริ่มคัดกรอง", "ตั้งกรรมการสอบ", "ลงโทษทางวินัยแล้ว", "ผู้ร้องแจ้งว่ายังมีการเรียกเงินอยู่"]


def test_identified_details_only_to_the_assigned_officer(bot: ChatBot) -> None:
    bind(bot, OFFICER, "officer")
    bind(bot, OFFICER_2, "officer")
    file_complaint(bot, CITIZEN, mode="identified", name="สมหญิง ใจกล้า", phone="081-234-5678")
    say(bot, OFFICER, "เปิด 1")
    assert "ผู้ร้อง: สมหญิง ใจกล้า โทร 081-234-5678" in bot.texts_to(OFFICER)[-2]
    say(bot, OFFICER_2, "เปิด 1")
    second = bot.texts_to(OFFICER_2)[-2]
    assert "สมหญิง" not in second and "081" not in second and "เห็นเฉพาะเจ้าหน้าที่ผู้รับผิดชอบ" in second
    assert "ผู้รับผิดชอบ: เจ้าหน้าที่ #" in second


def test_a_complaint_naming_a_unit_never_reaches_that_units_head_or_officers(bot: ChatBot) -> None:
    bind(bot, OFFICER, "officer")
    bind(bot, WORKS_OFFICER, "officer", "กองช่าง")
    bind(bot, WORKS_HEAD, "head", "กองช่าง")
    works = file_complaint(bot, CITIZEN, details=("นายช่างของกองช่างเรียกเงินใต้โต๊ะจากผู้รับเหมา",))
    file_complaint(bot, OTHER, details=("เจ้าหน้าที่กองคลังเรียกเงินค่าน้ำร้อนน้ำชา",))
    assert len([p for p in pushes_to(bot, OFFICER) if "เรื่องร้องเรียนใหม่" in p]) == 2
    works_pushes = [p for p in pushes_to(bot, WORKS_OFFICER) if "เรื่องร้องเรียนใหม่" in p]
    assert len(works_pushes) == 1 and "#2" in works_pushes[0]
    assert pushes_to(bot, WORKS_HEAD) == []
    listing = say(bot, WORKS_OFFICER, "เรื่องร้องเรียน")["text"]
    assert "#2" in listing and "#1" not in listing
    assert "ไม่พบเรื่องร้องเรียนหมายเลข 1" in say(bot, WORKS_OFFICER, "เปิด 1")["text"]
    assert "เฉพาะเจ้าหน้าที่รับเรื่องร้องเรียน" in say(bot, WORKS_HEAD, "เรื่องร้องเรียน")["text"]
    assert "เฉพาะเจ้าหน้าที่รับเรื่องร้องเรียน" in say(bot, WORKS_HEAD, "เปิด 1")["text"]
    # a message from the complainant later is passed on the same way
    say(bot, CITIZEN, f"ตอบ {works.code} {works.pin} มีคลิปเสียงตอนเรียกเงิน")
    assert any("มีคลิปเสียง" in p for p in pushes_to(bot, OFFICER))
    assert not any("มีคลิปเสียง" in p for p in pushes_to(bot, WORKS_OFFICER) + pushes_to(bot, WORKS_HEAD))


def test_when_every_officer_is_in_the_named_unit_the_admin_is_told(bot: ChatBot) -> None:
    bind(bot, WORKS_OFFICER, "officer", "กองช่าง")
    bind(bot, ADMIN, "admin")
    file_complaint(bot, CITIZEN, details=("ผู้อำนวยการกองช่างฮั้วประมูลกับผู้รับเหมา",))
    assert pushes_to(bot, WORKS_OFFICER) == []
    assert any("เรื่องร้องเรียนใหม่ #1" in p for p in pushes_to(bot, ADMIN))


def test_a_complaint_about_the_mayor_is_flagged_and_the_person_told_where_else_to_go(bot: ChatBot) -> None:
    bind(bot, OFFICER, "officer")
    receipt = file_complaint(bot, CITIZEN, details=("นายกเทศมนตรีสั่งให้จัดซื้อจากร้านของภรรยา",))
    assert any("ป.ป.ท. สายด่วน 1206" in t for t in receipt.texts)
    [push] = [p for p in pushes_to(bot, OFFICER) if "เรื่องร้องเรียนใหม่" in p]
    assert "เกี่ยวข้องกับผู้บริหาร/ปลัด" in push
    [complaint] = complaints(bot)
    assert complaint.about_executive is True


def test_citizens_and_heads_cannot_open_cases(bot: ChatBot) -> None:
    file_complaint(bot, CITIZEN)
    assert "เฉพาะเจ้าหน้าที่" in say(bot, OTHER, "เรื่องร้องเรียน")["text"]
    assert "เฉพาะเจ้าหน้าที่" in say(bot, CITIZEN, "เปิด 1")["text"]
