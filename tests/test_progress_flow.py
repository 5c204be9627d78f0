"""Unit heads report progress in LINE: the guided flow, the shortcut, evidence, edit, cancel, timeout and
a head trying another unit's measure — in process (tests/support/inprocess.py): the real processing path,
evidence fetcher and outbox sender on a real database, no HTTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import select, update

from storage.clock import utcnow
from storage.conversation_models import Conversation, Evidence
from storage.plan_models import Measure, ProgressReport
from tests.support.botcli import bind
from tests.support.inprocess import ChatBot
from tests.support.plans import load_plan, measure, small_plan

HEAD = "U" + "1" * 32  # head of สำนักปลัดเทศบาล
FINANCE = "U" + "2" * 32  # head of กองคลัง
ADMIN = "U" + "3" * 32
CITIZEN = "U" + "4" * 32


@pytest.fixture
def bot(chat_bot: ChatBot) -> ChatBot:
    """This module runs in process (tests/support/inprocess.py): no HTTP, no worker thread."""
    return chat_bot


@pytest.fixture
def reporting(bot: ChatBot) -> ChatBot:
    load_plan(bot.services.uow, bot.org_id, small_plan())
    bind(bot, HEAD, "head", "สำนักปลัด")
    return bot


def say(bot: ChatBot, user: str, text: str) -> dict[str, Any]:
    before = len(bot.fake.messages_to(user))
    bot.fake.send_text(user, text)
    bot.wait_idle()
    new = bot.fake.messages_to(user)[before:]
    assert new, f"no answer to {text!r}"
    return new[-1]


def tap(bot: ChatBot, user: str, data: str) -> dict[str, Any]:
    before = len(bot.fake.messages_to(user))
    bot.fake.send_events([bot.fake.postback_event(user, data)])
    bot.wait_idle()
    new = bot.fake.messages_to(user)[before:]
    assert new, f"no answer to postback {data!r}"
    return new[-1]


def send(bot: ChatBot, event: dict[str, Any]) -> dict[str, Any]:
    user = event["source"]["userId"]
    before = len(bot.fake.messages_to(user))
    bot.fake.send_events([event])
    bot.wait_idle()
    new = bot.fake.messages_to(user)[before:]
    assert new, "no answer"
    return new[-1]


def measure_id(bot: ChatBot, seq: int) -> int:
    with bot.services.uow() as uow:
        return uow.session.scalar(select(Measure.id).where(Measure.seq == seq, Measure.active.is_(True)))


def reports(bot: ChatBot) -> list[ProgressReport]:
    with bot.services.uow() as uow:
        return list(uow.session.scalars(select(ProgressReport).order_by(ProgressReport.id)))


def quick_replies(message: dict[str, Any]) -> list[str]:
    return [item["action"]["label"] for item in message.get("quickReply", {}).get("items", [])]


def bubbles(message: dict[str, Any]) -> list[dict[str, Any]]:
    assert message["type"] == "flex", message
    return message["contents"]["contents"]


def test_guided_flow_with_evidence_is_saved_as_a_report(reporting: ChatBot) -> None:
    bot = reporting
    carousel = say(bot, HEAD, "รายงาน")
    cards = bubbles(carousel)
    shown = {b["footer"]["contents"][0]["action"]["data"] for b in cards}
    assert shown == {f"report:pick:{measure_id(bot, 1)}", f"report:pick:{measure_id(bot, 2)}"}  # not กองคลัง's
    status_question = tap(bot, HEAD, f"report:pick:{measure_id(bot, 1)}")
    assert "มาตรการเผยแพร่ข้อมูล" in status_question["text"]
    assert quick_replies(status_question) == ["ยังไม่เริ่ม", "กำลังดำเนินการ", "ดำเนินการแล้วเสร็จ", "มีปัญหา-อุปสรรค"]
    assert "ร้อยละ" in say(bot, HEAD, "กำลังดำเนินการ")["text"]
    assert "ผลการดำเนินงาน" in say(bot, HEAD, "๕๐%")["text"]
    assert "ปัญหา" in say(bot, HEAD, "จัดทำประกาศและเผยแพร่ทางเว็บไซต์แล้ว")["text"]
    assert "หลักฐาน" in say(bot, HEAD, "ไม่มี")["text"]
    photo = b"\xff\xd8\xff\xe0" + b"evidence-photo" * 50
    assert "รวม 1 รายการ" in send(bot, bot.fake.image_event(HEAD, content=photo))["text"]
    pdf = b"%PDF-1.4 minutes of the meeting"
    assert "รวม 2 รายการ" in send(bot, bot.fake.file_event(HEAD, "รายงานการประชุม.pdf", pdf))["text"]
    summary = say(bot, HEAD, "เสร็จ")
    assert "กำลังดำเนินการ (50%)" in summary["text"] and "หลักฐาน: 2 รายการ" in summary["text"]
    assert quick_replies(summary) == ["ยืนยัน", "แก้ไข", "ยกเลิก"]
    saved = say(bot, HEAD, "ยืนยัน")
    assert "บันทึกรายงานเรียบร้อย" in saved["text"] and "ฉบับที่ 1" in saved["text"]
    [report] = reports(bot)
    assert (report.status, report.percent, report.version) == ("in_progress", 50, 1)
    assert report.details == "จัดทำประกาศและเผยแพร่ทางเว็บไซต์แล้ว" and report.problems == "ไม่มี"
    with bot.services.uow() as uow:
        files = uow.evidence.for_owner("progress_report", report.id)
        assert [(f.status, f.content, f.file_name) for f in files] == [
            ("ready", photo, None), ("ready", pdf, "รายงานการประชุม.pdf")]
        assert uow.session.scalar(select(Conversation)) is None


def test_edit_before_confirming_and_reporting_again_makes_a_new_version(reporting: ChatBot) -> None:
    bot = reporting
    say(bot, HEAD, "รายงาน ม.1 กำลังดำเนินการ 30% ร่างประกาศแล้ว")
    say(bot, HEAD, "ยืนยัน")
    say(bot, HEAD, "รายงาน")
    tap(bot, HEAD, f"report:pick:{measure_id(bot, 1)}")
    assert "รายงานล่าสุด" in bot.texts_to(HEAD)[-1]  # the head sees what was reported before
    for answer in ("เสร็จแล้ว", "ประกาศแล้ว", "-", "ข้าม"):
        say(bot, HEAD, answer)
    assert "แก้ไขส่วนใด" in say(bot, HEAD, "แก้ไข")["text"]
    say(bot, HEAD, "ผลการดำเนินงาน")
    summary = say(bot, HEAD, "ประกาศและเผยแพร่ทางเว็บไซต์เมื่อ 1 ธ.ค.")
    assert "ประกาศและเผยแพร่ทางเว็บไซต์เมื่อ 1 ธ.ค." in summary["text"]
    assert "ฉบับที่ 2" in say(bot, HEAD, "ยืนยัน")["text"]
    first, second = reports(bot)
    assert (first.version, first.status, first.details) == (1, "in_progress", "ร่างประกาศแล้ว")
    assert (second.version, second.status, second.percent) == (2, "done", 100)
    assert second.details == "ประกาศและเผยแพร่ทางเว็บไซต์เมื่อ 1 ธ.ค."


@pytest.mark.parametrize("text", [
    "รายงาน ม.๒ เสร็จแล้ว ๑๐๐% จัดประชุมชี้แจงแล้ว",
    "รายงาน ม.2 เสร็จแล้ว 100% จัดประชุมชี้แจงแล้ว",
    "รายงาน 2 เสร็จแล้ว จัดประชุมชี้แจงแล้ว",  # no "ม.": a number followed by a status is the measure
    "รายงาน ๒ ดำเนินการแล้วเสร็จ จัดประชุมชี้แจงแล้ว",
])
def test_one_message_shortcut_is_shown_to_confirm_then_saved_with_one_tap(reporting: ChatBot, text: str) -> None:
    check = say(reporting, HEAD, text)
    assert "ตรวจสอบก่อนบันทึก" in check["text"] and "ดำเนินการแล้วเสร็จ (100%)" in check["text"]
    assert "ผลการดำเนินงาน: จัดประชุมชี้แจงแล้ว" in check["text"]
    assert quick_replies(check) == ["ยืนยัน", "แก้ไข", "ยกเลิก"]
    assert reports(reporting) == []  # nothing is saved (nor published) before the head confirms
    saved = say(reporting, HEAD, "ยืนยัน")
    assert "บันทึกรายงานเรียบร้อย" in saved["text"]
    [report] = reports(reporting)
    assert (report.measure_id, report.status, report.percent) == (measure_id(reporting, 2), "done", 100)
    assert report.details == "จัดประชุมชี้แจงแล้ว" and report.problems == ""


def test_a_shortcut_can_be_edited_before_it_is_saved(reporting: ChatBot) -> None:
    bot = reporting
    say(bot, HEAD, "รายงาน ม.1 กำลังทำ 50 ร่างประกาศแล้ว")  # a bare number after the status is its percent
    say(bot, HEAD, "แก้ไข")
    say(bot, HEAD, "สถานะ")
    check = say(bot, HEAD, "กำลังดำเนินการ 80%")
    assert "กำลังดำเนินการ (80%)" in check["text"] and "ร่างประกาศแล้ว" in check["text"]
    say(bot, HEAD, "ยืนยัน")
    [report] = reports(bot)
    assert (report.status, report.percent, report.details) == ("in_progress", 80, "ร่างประกาศแล้ว")


def test_a_bare_percent_after_the_status_is_kept(reporting: ChatBot) -> None:
    check = say(reporting, HEAD, "รายงาน ม.1 กำลังทำ 50 จัดประชุมแล้ว")
    assert "กำลังดำเนินการ (50%)" in check["text"] and "ผลการดำเนินงาน: จัดประชุมแล้ว" in check["text"]
    counted = say(reporting, HEAD, "รายงาน ม.1 กำลังทำ 3 ครั้ง")  # three meetings, not three percent
    assert "สถานะ: กำลังดำเนินการ\n" in counted["text"] and "ผลการดำเนินงาน: 3 ครั้ง" in counted["text"]
    say(reporting, HEAD, "ยืนยัน")
    [report] = reports(reporting)
    assert (report.percent, report.details) == (None, "3 ครั้ง")


@pytest.mark.parametrize(("text", "reason"), [
    ("รายงาน ม.1 เสร็จแล้ว 50% ทดสอบ", "งานที่เสร็จแล้วคือ 100%"),
    ("รายงาน ม.1 ยังไม่เริ่ม 30% รองบประมาณ", "\"ยังไม่เริ่ม\" คู่กับความคืบหน้า 30% ไม่ได้"),
    ("รายงาน ม.1 กำลังดำเนินการ 100% ทดสอบ", "ความคืบหน้า 100% คือดำเนินการแล้วเสร็จ"),
    ("รายงาน ม.1 กำลังทำ 150% ทดสอบ", "ต้องอยู่ระหว่าง 0–100"),
    ("รายงาน ม.1 กำลังทำ ร้อยละ ๑๕๐ ทดสอบ", "(150% จึงไม่ได้บันทึก)"),
])
def test_a_contradictory_shortcut_is_refused_with_the_reason(reporting: ChatBot, text: str, reason: str) -> None:
    bot = reporting
    before = len(bot.fake.messages_to(HEAD))
    bot.fake.send_text(HEAD, text)
    bot.wait_idle()
    refusal, question = bot.fake.messages_to(HEAD)[before:]
    assert reason in refusal["text"]
    assert "สถานะการดำเนินงาน" in question["text"] and len(quick_replies(question)) == 4  # asked again
    assert reports(bot) == []
    check = say(bot, HEAD, "กำลังดำเนินการ 60%")
    assert "กำลังดำเนินการ (60%)" in check["text"] and "ผลการดำเนินงาน: " in check["text"]
    say(bot, HEAD, "ยืนยัน")
    [report] = reports(bot)
    assert (report.status, report.percent) == ("in_progress", 60)


def test_the_guided_flow_refuses_contradictions_too(reporting: ChatBot) -> None:
    bot = reporting
    tap(bot, HEAD, f"report:pick:{measure_id(bot, 1)}")
    assert "งานที่เสร็จแล้วคือ 100%" in say(bot, HEAD, "เสร็จแล้ว 40%")["text"]
    assert "ร้อยละ" in say(bot, HEAD, "กำลังดำเนินการ")["text"]
    assert "คือดำเนินการแล้วเสร็จ" in say(bot, HEAD, "100")["text"]
    assert "ผลการดำเนินงาน" in say(bot, HEAD, "70")["text"]
    say(bot, HEAD, "จัดซื้อแล้วบางส่วน")
    say(bot, HEAD, "ไม่มี")
    say(bot, HEAD, "ข้าม")
    # The status is changed to "a problem" while the problems say "none": the problem must be named.
    say(bot, HEAD, "แก้ไข")
    say(bot, HEAD, "สถานะ")
    asked = say(bot, HEAD, "มีปัญหา-อุปสรรค")
    assert "กรุณาพิมพ์ปัญหาหรืออุปสรรค" in asked["text"] and quick_replies(asked) == []
    assert "ตอบว่า \"ไม่มี\" ไม่ได้" in say(bot, HEAD, "ไม่มี")["text"]
    check = say(bot, HEAD, "ผู้รับจ้างส่งของล่าช้า")
    assert "มีปัญหา-อุปสรรค" in check["text"] and "ผู้รับจ้างส่งของล่าช้า" in check["text"]
    say(bot, HEAD, "ยืนยัน")
    [report] = reports(bot)
    assert (report.status, report.problems) == ("problem", "ผู้รับจ้างส่งของล่าช้า")


def test_a_problem_shortcut_asks_what_the_problem_is(reporting: ChatBot) -> None:
    asked = say(reporting, HEAD, "รายงาน ม.1 มีปัญหา 20% ติดขั้นตอนจัดซื้อ")
    assert "กรุณาพิมพ์ปัญหาหรืออุปสรรค" in asked["text"]
    check = say(reporting, HEAD, "ผู้ขายไม่ยื่นเสนอราคา")
    assert "มีปัญหา-อุปสรรค (20%)" in check["text"] and "ปัญหา/ข้อเสนอแนะ: ผู้ขายไม่ยื่นเสนอราคา" in check["text"]
    say(reporting, HEAD, "ยืนยัน")
    [report] = reports(reporting)
    assert (report.details, report.problems) == ("ติดขั้นตอนจัดซื้อ", "ผู้ขายไม่ยื่นเสนอราคา")


def test_shortcut_without_a_status_asks_for_it(reporting: ChatBot) -> None:
    question = say(reporting, HEAD, "รายงาน ม.1 จัดประชุมแล้ว")
    assert len(quick_replies(question)) == 4
    say(reporting, HEAD, "ดำเนินการแล้วเสร็จ")
    say(reporting, HEAD, "ไม่มี")
    say(reporting, HEAD, "ข้าม")
    say(reporting, HEAD, "ยืนยัน")
    [report] = reports(reporting)
    assert (report.status, report.details) == ("done", "จัดประชุมแล้ว")


def test_cancel_drops_the_draft_and_its_evidence(reporting: ChatBot) -> None:
    bot = reporting
    tap(bot, HEAD, f"report:pick:{measure_id(bot, 1)}")
    say(bot, HEAD, "เสร็จแล้ว")
    say(bot, HEAD, "ทำแล้ว")
    say(bot, HEAD, "ไม่มี")
    send(bot, bot.fake.image_event(HEAD))
    assert "ยกเลิกการรายงานแล้ว" in say(bot, HEAD, "ยกเลิก")["text"]
    assert reports(bot) == []
    with bot.services.uow() as uow:
        assert uow.session.scalar(select(Conversation)) is None
        assert uow.session.scalar(select(Evidence)) is None
    assert "ไม่มีรายการที่ค้างอยู่" in say(bot, HEAD, "ยกเลิก")["text"]


def _age_conversation(bot: ChatBot) -> None:
    with bot.services.uow() as uow:
        uow.session.execute(update(Conversation).values(expires_at=utcnow() - timedelta(seconds=1)))
        uow.commit()


def test_abandoned_flow_expires_with_a_note_when_the_person_comes_back(bot: ChatBot) -> None:
    load_plan(bot.services.uow, bot.org_id, small_plan())
    bind(bot, HEAD, "head", "สำนักปลัดเทศบาล")
    say(bot, HEAD, "รายงาน")
    _age_conversation(bot)
    bot.fake.send_text(HEAD, "ม.1")
    bot.wait_idle()
    answer = bot.fake.messages_to(HEAD)[-1]
    assert "หมดเวลาแล้ว" in answer["text"] and "รายงาน" in answer["text"]
    with bot.services.uow() as uow:
        assert uow.session.scalar(select(Conversation)) is None


def test_abandoned_flow_is_swept_and_the_person_told_by_push(reporting: ChatBot) -> None:
    bot = reporting
    tap(bot, HEAD, f"report:pick:{measure_id(bot, 1)}")
    _age_conversation(bot)
    assert bot.expire_conversations() == 1  # the worker's periodic sweep
    assert any("หมดเวลาแล้ว" in m.get("text", "") for d in bot.fake.deliveries("push", HEAD) for m in d.messages)
    with bot.services.uow() as uow:
        assert uow.session.scalar(select(Conversation)) is None


def test_a_head_cannot_report_on_another_units_measure(reporting: ChatBot) -> None:
    bot = reporting
    refused = tap(bot, HEAD, f"report:pick:{measure_id(bot, 3)}")
    assert "ไม่ได้อยู่ในความรับผิดชอบของสำนักปลัดเทศบาล" in refused["text"]
    assert "ไม่ได้อยู่ในความรับผิดชอบ" in say(bot, HEAD, "รายงาน ม.3 เสร็จแล้ว ทำแล้ว")["text"]
    say(bot, HEAD, "รายงาน")
    assert "ไม่ได้อยู่ในความรับผิดชอบ" in say(bot, HEAD, "ม.3")["text"]
    assert "ไม่พบมาตรการที่ 99" in say(bot, HEAD, "ม.99")["text"]
    assert reports(bot) == []


def test_a_measure_for_every_unit_is_reported_per_unit(reporting: ChatBot) -> None:
    bot = reporting
    bind(bot, FINANCE, "head", "กองคลัง")
    for user, text in ((HEAD, "รายงาน ม.2 เสร็จแล้ว ชี้แจงบุคลากรสำนักปลัดแล้ว"),
                       (FINANCE, "รายงาน ม.2 กำลังดำเนินการ 40% ชี้แจงบางส่วน")):
        say(bot, user, text)
        say(bot, user, "ยืนยัน")
    with bot.services.uow() as uow:
        units = {u.id: u.name for u in uow.people.units(bot.org_id)}
    assert sorted((units[r.unit_id], r.status, r.version) for r in reports(bot)) == [
        ("กองคลัง", "in_progress", 1), ("สำนักปลัดเทศบาล", "done", 1)]


def test_unexpected_messages_mid_flow_get_a_helpful_answer(reporting: ChatBot) -> None:
    bot = reporting
    tap(bot, HEAD, f"report:pick:{measure_id(bot, 1)}")
    assert "สถานะ" in send(bot, bot.fake.sticker_event(HEAD))["text"]
    assert "สถานะ" in say(bot, HEAD, "อะไรนะ")["text"]
    say(bot, HEAD, "ยังไม่เริ่ม")
    assert "ผลการดำเนินงาน" in send(bot, bot.fake.location_event(HEAD, "สำนักงาน", "ถนน", 13.7, 100.5))["text"]
    say(bot, HEAD, "อยู่ระหว่างเตรียมการ")
    say(bot, HEAD, "ไม่มี")
    assert "รูปภาพหรือไฟล์" in send(bot, bot.fake.audio_event(HEAD))["text"]
    assert "เสร็จ" in say(bot, HEAD, "อืม")["text"]  # still at the evidence step: reminded how to go on
    say(bot, HEAD, "เสร็จ")
    assert "ยืนยัน" in say(bot, HEAD, "ไม่แน่ใจ")["text"]
    assert "บันทึกรายงาน" in say(bot, HEAD, "ยืนยัน")["text"]


def test_people_who_are_not_heads_are_told_who_reports(reporting: ChatBot) -> None:
    assert "หัวหน้าส่วนราชการ" in say(reporting, CITIZEN, "รายงาน")["text"]
    assert "หัวหน้าส่วนราชการ" in say(reporting, CITIZEN, "รายงาน ม.1 เสร็จแล้ว ทำแล้ว")["text"]
    assert reports(reporting) == []


def test_evidence_unsent_before_download_and_content_still_preparing(reporting: ChatBot) -> None:
    bot = reporting
    tap(bot, HEAD, f"report:pick:{measure_id(bot, 1)}")
    for answer in ("เสร็จแล้ว", "ทำแล้ว", "ไม่มี"):
        say(bot, HEAD, answer)
    send(bot, bot.fake.image_event(HEAD, content=b"gone", content_status=410))  # fetched (410) as it settles
    assert any("ยกเลิกการส่ง" in m.get("text", "") for m in bot.fake.messages_to(HEAD))
    preparing = bot.fake.image_event(HEAD, content=b"later", content_status=202)
    send(bot, preparing)
    bot.fake.register_content(preparing["message"]["id"], b"ready now", "image/jpeg", 200)

    def status() -> str | None:
        with bot.services.uow() as uow:
            return uow.session.scalar(select(Evidence.status).where(
                Evidence.line_message_id == preparing["message"]["id"]))

    assert status() == "pending"  # 202: tried again after a backoff of seconds
    with time_machine.travel(utcnow() + timedelta(minutes=1), tick=True):
        bot.wait_idle()
    assert status() == "ready"
    say(bot, HEAD, "เสร็จ")
    say(bot, HEAD, "ยืนยัน")
    with bot.services.uow() as uow:
        [report] = uow.session.scalars(select(ProgressReport)).all()
        files = {(e.status, e.content) for e in uow.evidence.for_owner("progress_report", report.id)}
    assert files == {("gone", None), ("ready", b"ready now")}


def test_measures_past_twelve_are_paged(bot: ChatBot) -> None:
    load_plan(bot.services.uow, bot.org_id, [measure(f"มาตรการทดสอบที่ {i}", [], all_units=True)
                                             for i in range(1, 15)])
    bind(bot, HEAD, "head", "สำนักปลัด")
    first = bubbles(say(bot, HEAD, "รายงาน"))
    assert len(first) == 12 and first[-1]["footer"]["contents"][0]["action"]["data"] == "report:page:1"
    second = bubbles(tap(bot, HEAD, "report:page:1"))
    assert len(second) == 3
    assert "มาตรการทดสอบที่ 14" in str(second[-1])


def test_admin_summary_shows_the_round(reporting: ChatBot) -> None:
    bot = reporting
    for said in ("รายงาน ม.1 มีปัญหา 20% ติดขั้นตอนจัดซื้อ", "ผู้ขายไม่ยื่นเสนอราคา", "ยืนยัน"):
        say(bot, HEAD, said)
    bind(bot, ADMIN, "admin")
    summary = say(bot, ADMIN, "สรุป")
    assert summary["type"] == "flex" and "รายงานแล้ว 1/" in summary["altText"]
    flat = str(summary)
    assert "ม.1 · 1/1 หน่วยงาน · มีปัญหา-อุปสรรค" in flat and "ม.3 · 0/1 หน่วยงาน · ยังไม่มีรายงาน" in flat
    assert "เฉพาะผู้ดูแลระบบ" in say(bot, CITIZEN, "สรุป")["text"]
