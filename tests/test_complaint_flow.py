"""Filing complaints in LINE (identified, confidential, anonymous): the intake flow on a real database, in
process (tests/support/inprocess.py: the real processing path, evidence fetcher and outbox sender, no HTTP)
— receipts, codes stored as hashes, sealed identities, evidence, the identifier warning, cancel and
timeout, and the abuse limits. The same flow over signed webhooks and the real SDK: test_soak.py,
test_complaint_privacy.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.config import complaint_config
from domain.complaints.crypto import MasterKey, SealedIdentity, open_identity
from storage.clock import utcnow
from storage.complaint_models import ComplaintBlock, ComplaintIntakeCount
from storage.conversation_models import Conversation, Evidence
from storage.models import InboxEvent, InboxTombstone, OutboxMessage
from tests.support.botcli import bind, run_cli
from tests.support.chat import pushes_to, quick_replies, say, say_all, send
from tests.support.complaints import complaints, file_complaint
from tests.support.inprocess import ChatBot

CITIZEN = "U" + "a" * 32
OTHER = "U" + "b" * 32
OFFICER = "U" + "c" * 32


@pytest.fixture
def bot(chat_bot: ChatBot) -> ChatBot:
    return chat_bot


def sealed_identity(bot: ChatBot, complaint_id: int) -> dict[str, object]:
    [complaint] = [c for c in complaints(bot) if c.id == complaint_id]
    assert complaint.identity_key is not None and complaint.identity_sealed is not None
    master = MasterKey.from_b64(bot.services.settings.complaint_key)
    return open_identity(master, SealedIdentity(complaint.identity_key, complaint.identity_sealed),
                         f"itabot/complaint/{complaint.org_id}/{complaint.id}".encode())


def test_anonymous_complaint_with_location_and_evidence(bot: ChatBot) -> None:
    modes = say(bot, CITIZEN, "ร้องเรียน")
    assert "ไม่ระบุตัวตน" in modes["text"] and "ไม่เก็บสิ่งใดที่โยง" in modes["text"]
    assert quick_replies(modes) == ["เปิดเผยตัวตน", "ปกปิดตัวตน", "ไม่ระบุตัวตน"]
    assert "ประเภทใด" in say(bot, CITIZEN, "3")["text"]
    assert "เล่าเหตุการณ์" in say(bot, CITIZEN, "ทุจริต")["text"]
    assert "รวม" in say(bot, CITIZEN, "มีการฮั้วประมูลโครงการก่อสร้างถนน")["text"]
    photo = b"\xff\xd8\xff\xe0" + b"complaint-photo" * 40
    assert "รวม 1 รายการ" in send(bot, bot.fake.image_event(CITIZEN, content=photo))["text"]
    say(bot, CITIZEN, "ผู้รับเหมารายเดิมชนะทุกครั้ง ราคากลางสูงผิดปกติ")
    suggestion = say(bot, CITIZEN, "เสร็จ")
    assert "การจัดซื้อจัดจ้าง" in suggestion["text"] and quick_replies(suggestion)[0] == "ใช่"
    assert "เมื่อไร" in say(bot, CITIZEN, "ใช่")["text"]
    located = send(bot, bot.fake.location_event(CITIZEN, "ถนนสายหลัก", "ต.ตัวอย่าง", 18.79, 98.98))
    assert "ถนนสายหลัก" in located["text"] and quick_replies(located) == ["ถัดไป"]
    assert "เกี่ยวข้อง" in say(bot, CITIZEN, "มีนาคม 2567")["text"]
    assert "หลักฐาน" in say(bot, CITIZEN, "คณะกรรมการตรวจรับของกองช่าง")["text"]
    pdf = b"%PDF-1.4 contract"
    assert "รวม 2 รายการ" in send(bot, bot.fake.file_event(CITIZEN, "สัญญา.pdf", pdf))["text"]
    summary = say(bot, CITIZEN, "เสร็จ")
    assert "การจัดซื้อจัดจ้าง" in summary["text"] and "หลักฐาน: 2 รายการ" in summary["text"]
    assert "มีนาคม 2567 · ถนนสายหลัก · ต.ตัวอย่าง" in summary["text"]
    assert quick_replies(summary) == ["ยืนยันส่ง", "แก้ไข", "ยกเลิก"]
    [receipt] = say_all(bot, CITIZEN, "ยืนยันส่ง")
    assert "PIN:" in receipt["text"] and "ติดตาม ร-" in receipt["text"]

    [complaint] = complaints(bot)
    assert (complaint.mode, complaint.type, complaint.category, complaint.status) == (
        "anonymous", "corruption", "procurement", "received")
    assert complaint.details == "มีการฮั้วประมูลโครงการก่อสร้างถนน\nผู้รับเหมารายเดิมชนะทุกครั้ง ราคากลางสูงผิดปกติ"
    assert (complaint.place_title, complaint.latitude, complaint.happened_when) == ("ถนนสายหลัก", 18.79, "มีนาคม 2567")
    assert complaint.identity_sealed is None and complaint.identity_key is None and complaint.owner_hash is None
    assert complaint.pin_hash is not None and len(complaint.code_hash) == 64
    assert "ร-" not in complaint.code_hash and complaint.pin_hash not in receipt["text"]
    with bot.services.uow() as uow:
        units = {u.name: u.id for u in uow.people.units(bot.org_id)}
        assert complaint.named_unit_ids == [units["กองช่าง"]] == complaint.involved_unit_ids
        assert uow.session.scalar(select(Conversation)) is None
        files = uow.evidence.for_owner("complaint", complaint.id)
    assert len(files) == 2
    bot.wait_idle()  # the evidence fetcher's pass
    assert all(status == "ready" for status, _ in _evidence(bot))
    assert sorted(content for _, content in _evidence(bot)) == sorted([photo, pdf])


def _evidence(bot: ChatBot) -> list[tuple[str, bytes]]:
    with bot.services.uow() as uow:
        return [(e.status, e.content or b"") for e in uow.session.scalars(select(Evidence))]


def test_every_event_and_answer_of_an_anonymous_complaint_is_gone_once_handled(bot: ChatBot) -> None:
    file_complaint(bot, CITIZEN, mode="anonymous")
    with bot.services.uow() as uow:
        events = list(uow.session.scalars(select(InboxEvent)))
        rows = list(uow.session.scalars(select(OutboxMessage)))
        tombstones = list(uow.session.scalars(select(InboxTombstone.event_hash)))
    assert events == [] and rows == []  # a person who never wrote before leaves no row
    assert len(tombstones) >= 10  # one keyed hash per event, so that none is handled twice


def test_confidential_complaint_seals_the_account_and_shows_no_name(bot: ChatBot) -> None:
    receipt = file_complaint(bot, CITIZEN, mode="confidential")
    assert receipt.pin is None and "จากบัญชีนี้เท่านั้น" in receipt.texts[-1]
    [complaint] = complaints(bot)
    assert complaint.mode == "confidential" and complaint.pin_hash is None and complaint.owner_hash
    assert sealed_identity(bot, complaint.id) == {"line_user_id": CITIZEN, "code": receipt.code}


def test_identified_complaint_asks_name_and_phone_and_seals_them(bot: ChatBot) -> None:
    say(bot, CITIZEN, "ร้องเรียน")
    assert "ชื่อ-นามสกุล" in say(bot, CITIZEN, "เปิดเผยตัวตน")["text"]
    assert "เบอร์โทร" in say(bot, CITIZEN, "สมหญิง ใจกล้า")["text"]
    assert "อ่านเบอร์โทรไม่ออก" in say(bot, CITIZEN, "ไม่มีเบอร์")["text"]
    assert "ประเภท" in say(bot, CITIZEN, "๐๘๑-๒๓๔-๕๖๗๘")["text"]
    say(bot, CITIZEN, "ร้องทุกข์ทั่วไป")
    say(bot, CITIZEN, "ถนนชำรุดเป็นหลุมบ่อหน้าโรงเรียน")
    assert "เมื่อไร" in say(bot, CITIZEN, "เสร็จ")["text"]  # a grievance has no corruption category to pick
    say(bot, CITIZEN, "ข้าม")
    say(bot, CITIZEN, "ข้าม")
    summary = say(bot, CITIZEN, "ข้าม")
    assert "ชื่อ: สมหญิง ใจกล้า" in summary["text"] and "โทร: 081-234-5678" in summary["text"]
    assert "ก่อนส่ง" not in say(bot, CITIZEN, "ยืนยันส่ง")["text"]  # identified: giving a phone is the point
    [complaint] = complaints(bot)
    assert (complaint.mode, complaint.type, complaint.category) == ("identified", "grievance", "grievance")
    identity = sealed_identity(bot, complaint.id)
    assert identity["name"] == "สมหญิง ใจกล้า" and identity["phone"] == "081-234-5678"
    assert identity["line_user_id"] == CITIZEN


def test_identifying_details_are_warned_about_and_masked_on_request(bot: ChatBot) -> None:
    file_complaint(bot, CITIZEN, mode="confidential", details=(
        "ผมชื่อสมชาย โทร 089-765-4321 เลขบัตร 1-1017-00203-45-0 ถูกเรียกเงิน",), on_warning="ปิดบังให้")
    [complaint] = complaints(bot)
    assert complaint.details == "ผมชื่อสมชาย โทร ••• เลขบัตร ••• ถูกเรียกเงิน"


def test_warning_can_be_overridden_and_the_summary_is_edited(bot: ChatBot) -> None:
    say(bot, CITIZEN, "ร้องเรียน")
    say(bot, CITIZEN, "ไม่ระบุตัวตน")
    say(bot, CITIZEN, "ทุจริต")
    say(bot, CITIZEN, "ปลัดเรียกรับเงินจากผู้รับเหมา โทรนัดที่เบอร์ 02-123-4567")
    say(bot, CITIZEN, "เสร็จ")
    say(bot, CITIZEN, "สินบน")  # a label typed instead of "ใช่": the picked category wins
    for answer in ("ข้าม", "ข้าม", "ข้าม"):
        say(bot, CITIZEN, answer)
    warning = say(bot, CITIZEN, "ยืนยันส่ง")
    assert "เบอร์โทรศัพท์" in warning["text"] and quick_replies(warning) == ["ปิดบังให้", "แก้ไข", "ส่งตามนี้"]
    assert "แก้ไขส่วนใด" in say(bot, CITIZEN, "แก้ไข")["text"]
    say(bot, CITIZEN, "เรื่องที่เกิดขึ้น")
    say(bot, CITIZEN, "ปลัดเรียกรับเงินจากผู้รับเหมา โทรนัดทุกสิ้นเดือน")
    summary = say(bot, CITIZEN, "เสร็จ")
    assert "โทรนัดทุกสิ้นเดือน" in summary["text"] and "02-123" not in summary["text"]
    answers = say_all(bot, CITIZEN, "ยืนยันส่ง")
    assert "รหัสติดตามเรื่อง" in answers[0]["text"]
    assert "ป.ป.ช. สายด่วน 1205" in answers[1]["text"] and "1567" in answers[1]["text"]  # about the ปลัด
    [complaint] = complaints(bot)
    assert complaint.category == "bribery" and complaint.about_executive is True


def test_sending_anyway_keeps_the_text(bot: ChatBot) -> None:
    file_complaint(bot, CITIZEN, details=("ผู้รับเหมาโทรมาจาก 081-111-2222 ข่มขู่",), on_warning="ส่งตามนี้")
    [complaint] = complaints(bot)
    assert "081-111-2222" in complaint.details and complaint.named_unit_ids == []


def test_a_complaint_about_the_sanak_palat_unit_is_not_about_the_palat(bot: ChatBot) -> None:
    file_complaint(bot, CITIZEN, details=("เจ้าหน้าที่สำนักปลัดเรียกเงินค่าน้ำร้อนน้ำชา",))
    [complaint] = complaints(bot)
    assert complaint.about_executive is False
    with bot.services.uow() as uow:
        assert complaint.named_unit_ids == [uow.people.find_unit(bot.org_id, "สำนักปลัดเทศบาล").id]


def test_cancel_deletes_the_draft_and_its_evidence(bot: ChatBot) -> None:
    say(bot, CITIZEN, "ร้องเรียน")
    say(bot, CITIZEN, "ไม่ระบุตัวตน")
    say(bot, CITIZEN, "ทุจริต")
    say(bot, CITIZEN, "ข้อความลับมาก")
    send(bot, bot.fake.image_event(CITIZEN))
    assert "ข้อมูลที่กรอกไว้ถูกลบทั้งหมด" in say(bot, CITIZEN, "ยกเลิก")["text"]
    assert complaints(bot) == []
    with bot.services.uow() as uow:
        assert uow.session.scalar(select(Conversation)) is None
        assert uow.session.scalar(select(Evidence)) is None
        payloads = [e.payload for e in uow.session.scalars(select(InboxEvent))]
    assert not any("ข้อความลับมาก" in str(p) for p in payloads)  # the cancelled flow's events are scrubbed too


def test_abandoned_complaint_expires_and_its_draft_is_gone(bot: ChatBot) -> None:
    say(bot, CITIZEN, "ร้องเรียน")
    say(bot, CITIZEN, "ปกปิดตัวตน")
    say(bot, CITIZEN, "ทุจริต")
    send(bot, bot.fake.image_event(CITIZEN))
    with bot.services.uow() as uow:
        uow.session.execute(update(Conversation).values(expires_at=utcnow() - timedelta(seconds=1)))
        uow.commit()
    assert bot.expire_conversations() == 1  # the worker's sweep
    assert any("หมดเวลา" in t and "ร้องเรียน" in t for t in pushes_to(bot, CITIZEN))
    with bot.services.uow() as uow:
        assert uow.session.scalar(select(Conversation)) is None
        assert uow.session.scalar(select(Evidence)) is None


def test_stickers_audio_video_and_stray_input_never_break_the_flow(bot: ChatBot) -> None:
    say(bot, CITIZEN, "ร้องเรียน")
    assert "เลือกรูปแบบ" in send(bot, bot.fake.sticker_event(CITIZEN))["text"]
    assert "เลือกรูปแบบ" in send(bot, bot.fake.audio_event(CITIZEN))["text"]
    say(bot, CITIZEN, "2")
    assert "ประเภท" in send(bot, bot.fake.location_event(CITIZEN, "x", "y", 1.0, 2.0))["text"]
    say(bot, CITIZEN, "1")
    assert "ข้อความเสียง" in send(bot, bot.fake.audio_event(CITIZEN))["text"]
    assert "ยังไม่ได้เล่า" in say(bot, CITIZEN, "เสร็จ")["text"]
    video = bot.fake._message_event(CITIZEN, {"id": "7001", "type": "video", "duration": 1000,
                                              "contentProvider": {"type": "line"}}, "active")
    bot.fake.register_content("7001", b"video-bytes", "video/mp4")
    assert "วิดีโอ" in send(bot, video)["text"]
    say(bot, CITIZEN, "มีคนเอารถหลวงไปใช้ส่วนตัว")
    say(bot, CITIZEN, "เสร็จ")
    assert "หมวด" in send(bot, bot.fake.sticker_event(CITIZEN))["text"]
    say(bot, CITIZEN, "ใช่")
    assert "ตำแหน่ง" in send(bot, bot.fake.sticker_event(CITIZEN))["text"]
    say(bot, CITIZEN, "ข้าม")
    assert "ข้าม" in send(bot, bot.fake.audio_event(CITIZEN))["text"]
    say(bot, CITIZEN, "ข้าม")
    assert "สติกเกอร์แนบไม่ได้" in send(bot, bot.fake.sticker_event(CITIZEN))["text"]
    assert "หลักฐาน: 1 รายการ" in say(bot, CITIZEN, "เสร็จ")["text"]
    assert "ยืนยันส่ง" in send(bot, bot.fake.sticker_event(CITIZEN))["text"]
    assert "รหัสติดตามเรื่อง" in say(bot, CITIZEN, "ยืนยันส่ง")["text"]
    [complaint] = complaints(bot)
    assert complaint.category == "state_property"


def test_text_and_evidence_size_limits(bot: ChatBot) -> None:
    say(bot, CITIZEN, "ร้องเรียน")
    say(bot, CITIZEN, "3")
    say(bot, CITIZEN, "2")
    say(bot, CITIZEN, "ก" * 4000)
    refused = say(bot, CITIZEN, "ข" * 1500)
    assert "ไม่เกิน 5000 ตัวอักษร" in refused["text"] and "เหลืออีก 999" in refused["text"]
    say(bot, CITIZEN, "ข" * 999)
    for _ in range(10):
        send(bot, bot.fake.image_event(CITIZEN))
    assert "ครบ 10 รายการ" in send(bot, bot.fake.image_event(CITIZEN))["text"]
    say(bot, CITIZEN, "เสร็จ")
    say(bot, CITIZEN, "ข้าม")
    say(bot, CITIZEN, "ข้าม")
    assert "แนบไว้แล้ว 10 รายการ" in bot.texts_to(CITIZEN)[-1]
    say(bot, CITIZEN, "เสร็จ")
    say(bot, CITIZEN, "ยืนยันส่ง")
    [complaint] = complaints(bot)
    assert len(complaint.details) == 5000
    with bot.services.uow() as uow:
        assert uow.evidence.count_for_owner("complaint", complaint.id) == 10


def test_daily_limit_per_account(start_bot) -> None:  # type: ignore[no-untyped-def]
    bot = start_bot(COMPLAINT_DAILY_LIMIT=2)
    file_complaint(bot, CITIZEN)
    file_complaint(bot, CITIZEN, mode="confidential")
    refused = say(bot, CITIZEN, "ร้องเรียน")
    assert "ครบ 2 เรื่องแล้ว" in refused["text"]
    file_complaint(bot, OTHER)  # another account is not affected
    assert len(complaints(bot)) == 3
    with bot.services.uow() as uow:
        counters = list(uow.session.scalars(select(ComplaintIntakeCount)))
    assert sorted(c.count for c in counters) == [1, 2]
    assert all(CITIZEN not in c.key_hash and OTHER not in c.key_hash for c in counters)


def test_blocked_account_is_told_clearly_and_only_a_hash_is_kept(bot: ChatBot) -> None:
    assert "ระงับการร้องเรียน" in run_cli(bot, "complaints", "block", CITIZEN)
    assert "อยู่แล้ว" in run_cli(bot, "complaints", "block", CITIZEN)
    run_cli(bot, "complaints", "block", "not-a-line-id", expect_exit=None)
    refused = say(bot, CITIZEN, "ร้องเรียน")
    assert "ถูกระงับการยื่นเรื่องร้องเรียน" in refused["text"] and "1205" in refused["text"]
    with bot.services.uow() as uow:
        [block] = uow.session.scalars(select(ComplaintBlock)).all()
    assert block.account_hash == complaint_config(bot.services.settings).keys.block_hash(CITIZEN)
    assert CITIZEN not in block.account_hash
    run_cli(bot, "complaints", "unblock", CITIZEN)
    assert "เลือกรูปแบบ" in say(bot, CITIZEN, "ร้องเรียน")["text"]


@pytest.mark.parametrize("word", ["ร้องเรียน", "แจ้งเบาะแส", "ร้องทุกข์"])
def test_entry_words_and_help(bot: ChatBot, word: str) -> None:
    assert "เลือกรูปแบบ" in say(bot, CITIZEN, word)["text"]
    say(bot, CITIZEN, "ยกเลิก")
    assert "\"ร้องเรียน\"" in say(bot, CITIZEN, "ช่วยเหลือ")["text"]


def test_officers_are_told_of_a_new_complaint_without_who_filed_it(bot: ChatBot) -> None:
    bind(bot, OFFICER, "officer")
    receipt = file_complaint(bot, CITIZEN, mode="identified", name="สมศรี มีตังค์", phone="0812345678")
    [push] = pushes_to(bot, OFFICER)
    assert "เรื่องร้องเรียนใหม่ #1" in push and "เรียกรับสินบน" in push and "เงินใต้โต๊ะ" in push
    assert "สมศรี" not in push and "0812345678" not in push and receipt.code not in push
