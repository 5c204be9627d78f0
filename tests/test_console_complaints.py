"""The console's complaints queue, in process (tests/support/console.py) with the fake LINE platform: the
privacy rules of LINE (officers see category and text, never who, except an identified complainant to the
assigned officer; a complaint naming a unit never reaches that unit's people; heads and admins see no
complaint), every view in the audit log, status changes with a required note and messages relayed to the
complainant through the outbox."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from storage.clock import utcnow
from storage.complaint_models import Complaint, ComplaintEntry
from storage.console_models import AuditEntry
from tests.support.botcli import bind
from tests.support.chat import pushes_to, say
from tests.support.complaints import complaints, file_complaint
from tests.support.console import add_console_user, error_of, flashes, logged_in
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
    """These tests are about the console's pages: in process (tests/support/inprocess.py: the same app on the
    same real database, through Werkzeug's test client, no server and no worker)."""
    return chat_bot


def views(bot: ChatBot, case: int) -> list[AuditEntry]:
    with bot.services.uow() as uow:
        return list(uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "complaint.view",
                                                                 AuditEntry.target == f"complaint:{case}")
                                        .order_by(AuditEntry.id)))


def test_officers_see_texts_never_who_except_identified_details_to_the_assignee(bot: ChatBot) -> None:
    bind(bot, OFFICER, "officer")
    bind(bot, OFFICER_2, "officer")
    add_console_user(bot, "officer1", "officer", OFFICER)
    add_console_user(bot, "officer2", "officer", OFFICER_2)
    file_complaint(bot, CITIZEN, mode="confidential")
    file_complaint(bot, OTHER, mode="identified", name="สมหญิง ทดสอบ", phone="081-234-5678",
                   details=("ผู้รับเหมาจ่ายเงินให้เจ้าหน้าที่ตรวจรับงานถนน",))
    second = logged_in(bot, "officer2")
    first = logged_in(bot, "officer1")
    listing = first.get("/complaints")
    assert 'data-case="1"' in listing.text and 'data-case="2"' in listing.text
    assert "เงินใต้โต๊ะ" not in listing.text  # the list shows categories, not texts
    confidential = first.get("/complaints/1")
    assert "เจ้าหน้าที่เรียกเงินใต้โต๊ะ 3,000 บาท" in confidential.text and "ปกปิดตัวตน" in confidential.text
    assert CITIZEN not in confidential.text and "ผู้รับผิดชอบ:</strong> ยังไม่มี" in confidential.text
    # Identified: showing the case assigns nobody (a GET, maybe a link followed from elsewhere), so nobody
    # sees who complained; the officer who takes it with the button sees the name and phone, the other not.
    shown = first.get("/complaints/2")
    assert "สมหญิง" not in shown.text and "081-234-5678" not in shown.text and 'id="take-form"' in shown.text
    taken = first.post("/complaints/2/take")
    assert any("คุณเป็นผู้รับผิดชอบเรื่องนี้แล้ว" in f for f in flashes(taken))
    assert "สมหญิง ทดสอบ" in taken.text and "081-234-5678" in taken.text and OTHER not in taken.text
    assert 'id="take-form"' not in taken.text and "ผู้รับผิดชอบ:</strong> คุณ" in taken.text
    other_view = second.get("/complaints/2")
    assert "ผู้รับเหมาจ่ายเงิน" in other_view.text
    assert "สมหญิง" not in other_view.text and "081-234-5678" not in other_view.text
    assert "ชื่อและเบอร์เห็นเฉพาะเจ้าหน้าที่ผู้รับผิดชอบเรื่อง" in other_view.text
    assert "เจ้าหน้าที่ #" in other_view.text and 'id="take-form"' not in other_view.text  # someone else holds it
    late = second.post("/complaints/2/take")
    assert any("มีเจ้าหน้าที่รับผิดชอบอยู่แล้ว" in f for f in flashes(late)) and "สมหญิง" not in late.text
    # Every view is in the audit log, with who viewed, never who complained or what they wrote.
    logged = views(bot, 2)
    assert [e.actor_label for e in logged] == ["officer1", "officer1", "officer2", "officer2"]
    assert all(e.channel == "console" for e in logged)
    with bot.services.uow() as uow:
        assigned = list(uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "complaint.assign")))
    assert [(e.actor_label, e.target) for e in assigned] == [("officer1", "complaint:2")]
    with bot.services.uow() as uow:
        everything = " ".join(f"{e.actor_label} {e.target} {e.detail}" for e in uow.session.scalars(select(AuditEntry)))
    assert "สมหญิง" not in everything and "081" not in everything and "ถนน" not in everything
    assert CITIZEN not in everything and OTHER not in everything


def test_a_complaint_naming_a_unit_never_reaches_its_people_and_heads_and_admins_see_none(bot: ChatBot) -> None:
    bind(bot, OFFICER, "officer")
    bind(bot, WORKS_OFFICER, "officer", "กองช่าง")
    bind(bot, WORKS_HEAD, "head", "กองช่าง")
    add_console_user(bot, "officer", "officer", OFFICER)
    add_console_user(bot, "works", "officer", WORKS_OFFICER)
    add_console_user(bot, "workshead", "head", WORKS_HEAD)
    add_console_user(bot, "admin")
    file_complaint(bot, CITIZEN, mode="anonymous", involved="นายช่างกองช่าง")
    file_complaint(bot, OTHER, mode="anonymous", details=("ไฟถนนหน้าตลาดดับมานานแล้ว ไม่มีใครมาซ่อม",),
                   kind="grievance")
    [named, plain] = complaints(bot)
    assert named.named_unit_ids and not plain.named_unit_ids
    works = logged_in(bot, "works")
    listing = works.get("/complaints")
    assert f'data-case="{plain.id}"' in listing.text and f'data-case="{named.id}"' not in listing.text
    hidden = works.get(f"/complaints/{named.id}")
    assert hidden.status_code == 404 and "นายช่าง" not in hidden.text and "เงินใต้โต๊ะ" not in hidden.text
    assert views(bot, named.id) == []  # nothing was shown, so nothing was viewed
    for action, form in (("take", {}), ("status", {"status": "screening", "note": "ดูแล้ว", "from": "received"}),
                         ("message", {"message": "ขอข้อมูลเพิ่ม"})):  # nor can it be acted on
        refused = works.post(f"/complaints/{named.id}/{action}", form)
        assert refused.status_code == 404 and "ไม่พบเรื่องร้องเรียนหมายเลข" in refused.text, action
    [unchanged] = [c for c in complaints(bot) if c.id == named.id]
    assert unchanged.status == "received" and unchanged.assigned_member_id is None
    for user in ("workshead", "admin"):
        refused = logged_in(bot, user).get(f"/complaints/{named.id}")
        assert refused.status_code == 403 and "เงินใต้โต๊ะ" not in refused.text
    officer = logged_in(bot, "officer")
    assert officer.get(f"/complaints/{named.id}").status_code == 200
    # Admins get counts only, on the dashboard.
    dashboard = logged_in(bot, "admin").get("/dashboard")
    assert "เรื่องร้องเรียน (จำนวนเท่านั้น)" in dashboard.text and "เงินใต้โต๊ะ" not in dashboard.text


def test_a_status_change_needs_a_note_and_the_complainant_is_told_through_line(bot: ChatBot) -> None:
    bind(bot, OFFICER, "officer")
    add_console_user(bot, "officer", "officer", OFFICER)
    receipt = file_complaint(bot, CITIZEN, mode="confidential")
    officer = logged_in(bot, "officer")
    page = officer.get("/complaints/1")
    assert '<option value="screening">คัดกรอง</option>' in page.text
    assert '<option value="resolved">' not in page.text  # not allowed straight from "received"
    no_note = officer.post("/complaints/1/status", {"status": "screening", "note": " ", "from": "received"})
    assert no_note.status_code == 400 and "ต้องมีบันทึกภายใน" in error_of(no_note)
    skipping = officer.post("/complaints/1/status", {"status": "resolved", "note": "ปิดเลย", "from": "received"})
    assert skipping.status_code == 400 and "เปลี่ยนได้เฉพาะสถานะที่แสดง" in error_of(skipping)
    assert complaints(bot)[0].status == "received"
    saved = officer.post("/complaints/1/status", {
        "status": "screening", "note": "ตรวจเอกสารเบื้องต้นแล้ว มีมูล", "from": "received",
        "public": "รับเรื่องไว้พิจารณาแล้ว จะแจ้งผลภายใน 30 วัน"})
    assert saved.status_code == 200 and saved.url.endswith("/console/complaints/1")
    assert any("รับเรื่องแล้ว → คัดกรอง" in f and "ได้รับแจ้งทาง LINE แล้ว" in f for f in flashes(saved))
    bot.wait_idle()
    [told] = [p for p in pushes_to(bot, CITIZEN) if "เปลี่ยนสถานะ" in p]
    assert receipt.code in told and "คัดกรอง" in told and "จะแจ้งผลภายใน 30 วัน" in told and "มีมูล" not in told
    # The same change seen from the LINE side: the status and the public word, never the internal note.
    view = say(bot, CITIZEN, f"ติดตาม {receipt.code}")["text"]
    assert "สถานะ: คัดกรอง" in view and "มีมูล" not in view
    stale = officer.post("/complaints/1/status", {"status": "investigating", "note": "เริ่มสอบ", "from": "received"})
    assert stale.status_code == 409 and complaints(bot)[0].status == "screening"
    [complaint] = complaints(bot)
    assert complaint.first_answer_at is not None and complaint.assigned_member_id is not None
    with bot.services.uow() as uow:
        [entry] = uow.session.scalars(select(ComplaintEntry).where(ComplaintEntry.kind == "status"))
        assert entry.internal_note == "ตรวจเอกสารเบื้องต้นแล้ว มีมูล" and entry.delivered_at is not None
        changes = list(uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "complaint.status")))
        assert [(c.actor_label, c.detail) for c in changes] == [
            ("officer", {"old": "received", "new": "screening", "told": "pushed"})]


def test_messages_reach_confidential_complainants_at_once_and_anonymous_ones_at_follow_up(bot: ChatBot) -> None:
    bind(bot, OFFICER, "officer")
    add_console_user(bot, "officer", "officer", OFFICER)
    confidential = file_complaint(bot, CITIZEN, mode="confidential")
    anonymous = file_complaint(bot, OTHER, mode="anonymous")
    officer = logged_in(bot, "officer")
    officer.get("/complaints/1")
    sent = officer.post("/complaints/1/message", {"message": "ขอทราบวันที่เกิดเหตุโดยประมาณครับ"})
    assert any("ได้รับแจ้งทาง LINE แล้ว" in f for f in flashes(sent))
    bot.wait_idle()
    [relayed] = [p for p in pushes_to(bot, CITIZEN) if "ข้อความจากเจ้าหน้าที่" in p]
    assert "ขอทราบวันที่เกิดเหตุ" in relayed and confidential.code in relayed
    say(bot, CITIZEN, f"ตอบ {confidential.code} ประมาณต้นเดือนมีนาคมครับ")
    assert "ประมาณต้นเดือนมีนาคม" in officer.get("/complaints/1").text  # the answer is in the timeline
    page = officer.get("/complaints/2")
    assert "ผู้ร้องจะเห็นเมื่อมาติดตามด้วยรหัส" in page.text
    waiting = officer.post("/complaints/2/message", {"message": "มีหลักฐานเป็นเอกสารหรือไม่"})
    assert any("จะเห็นเมื่อมาติดตามเรื่องด้วยรหัส" in f for f in flashes(waiting))
    assert "รอผู้ร้องมาติดตาม" in waiting.text
    bot.wait_idle()
    assert not any("มีหลักฐานเป็นเอกสาร" in p for p in pushes_to(bot, OTHER))
    follow = say(bot, OTHER, anonymous.follow_up)["text"]
    assert "ข้อความจากเจ้าหน้าที่ (ใหม่): มีหลักฐานเป็นเอกสารหรือไม่" in follow
    empty = officer.post("/complaints/2/message", {"message": "   "})
    assert empty.status_code == 400 and "กรุณาพิมพ์ข้อความ" in error_of(empty)


def test_opening_a_case_in_line_is_in_the_same_audit_log(bot: ChatBot) -> None:
    bind(bot, OFFICER, "officer")
    add_console_user(bot, "admin")
    file_complaint(bot, CITIZEN, mode="anonymous")
    say(bot, OFFICER, "เปิด 1")
    with bot.services.uow() as uow:
        member_id = uow.people.member(bot.org_id, OFFICER).id  # type: ignore[union-attr]
    [entry] = views(bot, 1)
    assert entry.channel == "line" and entry.actor_member_id == member_id and entry.actor_label == f"member #{member_id}"
    audit = logged_in(bot, "admin").get("/audit?kind=complaint")
    assert "เปิดดูเรื่องร้องเรียน" in audit.text and "เรื่องร้องเรียน #1" in audit.text and "LINE" in audit.text
    assert "complaint:1" not in audit.text and "member #" not in audit.text  # in Thai, people by role


def test_a_long_queue_comes_a_page_at_a_time_oldest_first(bot: ChatBot) -> None:
    bind(bot, OFFICER, "officer")
    add_console_user(bot, "officer", "officer", OFFICER)
    received = utcnow() - timedelta(days=3)
    with bot.services.uow() as uow:  # a busy year's queue, put straight in (filing 120 by chat takes long)
        uow.session.execute(insert(Complaint), [{
            "org_id": bot.org_id, "code_hash": f"queue-{n:04d}", "mode": "anonymous", "type": "corruption",
            "category": "bribery", "status": "received", "summary": "เรียกรับเงิน", "details": "เรียกรับเงิน",
            "involved_unit_ids": [], "named_unit_ids": [], "about_executive": False, "reminded": {},
            "missed": {}, "received_at": received + timedelta(minutes=n), "updated_at": received}
            for n in range(120)])
        uow.commit()
    officer = logged_in(bot, "officer")
    first = officer.get("/complaints")
    cases = [int(n) for n in re.findall(r'data-case="(\d+)"', first.text)]
    assert cases == list(range(1, 51)) and "120 เรื่อง · หน้า 1/3" in first.text
    assert "page=2" in first.text and "ก่อนหน้า" not in first.text
    last = officer.get("/complaints?page=3")
    assert [int(n) for n in re.findall(r'data-case="(\d+)"', last.text)] == list(range(101, 121))
    assert "ถัดไป" not in last.text
    beyond = officer.get("/complaints?page=99")  # past the end: the last page
    assert beyond.status_code == 200 and "หน้า 3/3" in beyond.text
    assert officer.get("/complaints?page=ไม่ใช่ตัวเลข").status_code == 200
