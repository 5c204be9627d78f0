"""Deadlines with frozen time (reminders once per deadline, missed deadlines recorded and countable),
retention after closing (evidence deleted, identity key destroyed) and the published statistics."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select, update

from domain.complaints.workflow import DeadlinePolicy
from storage.complaint_models import Complaint, ComplaintAttempt, ComplaintIntakeCount
from storage.conversation_models import Evidence
from tests.support.botcli import bind, run_cli
from tests.support.chat import pushes_to, say, send
from tests.support.complaints import complaints, file_complaint
from tests.support.inprocess import ChatBot
from tests.support.orgs import add_organisation, bind_in, in_org
from usecases.complaint_deadlines import check_deadlines

CITIZEN = "U" + "a" * 32
OTHER = "U" + "b" * 32
OFFICER = "U" + "c" * 32
T0 = datetime(2024, 3, 15, 3, 0, tzinfo=UTC)  # 10:00 in Bangkok, fiscal year 2567


@pytest.fixture
def bot(chat_bot: ChatBot) -> ChatBot:
    """This module runs in process (tests/support/inprocess.py): no HTTP, no worker thread."""
    return chat_bot


def reminders(bot: ChatBot, words: str) -> list[str]:
    return [p for p in pushes_to(bot, OFFICER) if words in p]


def change_status(bot: ChatBot, status: str, note: str) -> None:
    say(bot, OFFICER, "เปิด 1")
    say(bot, OFFICER, "เปลี่ยนสถานะ")
    say(bot, OFFICER, status)
    say(bot, OFFICER, note)
    say(bot, OFFICER, "ข้าม")


def test_reminders_before_each_deadline_once_and_missed_deadlines_recorded(bot: ChatBot) -> None:
    with time_machine.travel(T0, tick=True):
        bind(bot, OFFICER, "officer")
        file_complaint(bot, CITIZEN, mode="anonymous")
    with time_machine.travel(T0 + timedelta(days=4), tick=True):
        bot.worker_pass()
        assert reminders(bot, "ใกล้ครบกำหนด") == []
    with time_machine.travel(T0 + timedelta(days=5, hours=1), tick=True):
        bot.worker_pass()
        bot.worker_pass()
        [reminder] = reminders(bot, "ใกล้ครบกำหนด")
        assert "#1" in reminder and "รับเรื่อง/แจ้งผลเบื้องต้น: 22 มี.ค. 2567" in reminder
    with time_machine.travel(T0 + timedelta(days=7, hours=1), tick=True):
        bot.worker_pass()
        [missed] = reminders(bot, "เลยกำหนด")
        assert "รับเรื่อง/แจ้งผลเบื้องต้น" in missed
        with bot.services.uow() as uow:
            assert uow.complaints.count_missed_deadlines(bot.org_id) == {"first_answer": 1, "feedback": 0,
                                                                        "close": 0}
            [late] = uow.complaints.missed_deadlines(bot.org_id)
        assert (late.complaint_id, late.name) == (1, "first_answer")
        assert abs(late.due - (T0 + timedelta(days=7))) < timedelta(minutes=1)
        assert "รับเรื่อง 1" in run_cli(bot, "complaints", "missed")
        say(bot, OFFICER, "เปิด 1")
        assert "(เลยกำหนด)" in bot.texts_to(OFFICER)[-2]
    with time_machine.travel(T0 + timedelta(days=8), tick=True):
        change_status(bot, "คัดกรอง", "รับเรื่องช้า ขออภัย")
    # feedback is due 30 days after the last one (day 8 + 30); the reminder is due two days before, on
    # Saturday 20 April: recorded then, told on Monday morning in office hours, once
    with time_machine.travel(T0 + timedelta(days=36, hours=1), tick=True):
        bot.worker_pass()
        assert [r for r in reminders(bot, "ใกล้ครบกำหนด") if "แจ้งความคืบหน้าผู้ร้อง" in r] == []
    with time_machine.travel(datetime(2024, 4, 22, 0, 30, tzinfo=UTC), tick=True):  # Monday 07:30 in Bangkok
        bot.worker_pass()
        assert [r for r in reminders(bot, "ใกล้ครบกำหนด") if "แจ้งความคืบหน้าผู้ร้อง" in r] == []
    with time_machine.travel(datetime(2024, 4, 22, 1, 5, tzinfo=UTC), tick=True):  # 08:05
        bot.worker_pass()
        bot.worker_pass()
        feedback = [r for r in reminders(bot, "ใกล้ครบกำหนด") if "แจ้งความคืบหน้าผู้ร้อง" in r]
        assert len(feedback) == 1 and "22 เม.ย. 2567" in feedback[0]
    with time_machine.travel(T0 + timedelta(days=88, hours=1), tick=True):
        bot.worker_pass()
        assert any("ปิดเรื่อง: 13 มิ.ย. 2567" in r for r in reminders(bot, "ใกล้ครบกำหนด"))
        with bot.services.uow() as uow:
            counts = uow.complaints.count_missed_deadlines(bot.org_id)
        assert counts == {"first_answer": 1, "feedback": 1, "close": 0}  # no feedback since day 8


def test_deadlines_are_configurable(start_chat_bot) -> None:  # type: ignore[no-untyped-def]
    bot = start_chat_bot(COMPLAINT_FIRST_ANSWER_DAYS=3, COMPLAINT_REMIND_BEFORE_DAYS=1)
    with time_machine.travel(T0, tick=True):
        bind(bot, OFFICER, "officer")
        receipt = file_complaint(bot, CITIZEN, mode="confidential")
        assert any("ภายใน 3 วัน" in t for t in receipt.texts)
    with time_machine.travel(T0 + timedelta(days=2, hours=1), tick=True):  # Sunday: recorded, not told
        bot.worker_pass()
        assert reminders(bot, "ใกล้ครบกำหนด") == []
    with time_machine.travel(T0 + timedelta(days=3, hours=1), tick=True):  # Monday 11:00 in Bangkok
        bot.worker_pass()
        # the deadline passed at 10:00: the waiting reminder is dropped, the missed notice says it
        [told] = reminders(bot, "แจ้งกำหนดเวลาเรื่องร้องเรียน")
        assert "(1 รายการ)" in told and "เลยกำหนดรับเรื่อง/แจ้งผลเบื้องต้นแล้ว" in told
        assert "ใกล้ครบกำหนด" not in told


def test_a_reminder_whose_deadline_was_met_while_it_waited_is_not_sent(bot: ChatBot) -> None:
    with time_machine.travel(T0, tick=True):
        bind(bot, OFFICER, "officer")
        file_complaint(bot, CITIZEN, mode="anonymous")
    evening = datetime(2024, 3, 20, 14, 0, tzinfo=UTC)  # Wednesday 21:00 in Bangkok: recorded, not told
    with time_machine.travel(evening, tick=False):
        run = check_deadlines(bot.services.uow, bot.services.complaints, evening)
        assert (run.reminded, run.pushes) == (1, 0)
    with time_machine.travel(evening + timedelta(hours=1), tick=True):
        change_status(bot, "คัดกรอง", "รับเรื่องแล้ว")  # the first answer, late at night
    morning = datetime(2024, 3, 21, 2, 0, tzinfo=UTC)
    with time_machine.travel(morning, tick=False):
        run = check_deadlines(bot.services.uow, bot.services.complaints, morning)
        bot.deliver()
    assert run.pushes == 0 and reminders(bot, "กำหนด") == []
    [mark] = complaints(bot)[0].reminded.values()
    assert mark["stale"] is True and mark["told"]  # decided, never pending again


def test_a_complaint_skipped_as_steady_is_checked_again_when_anything_it_depends_on_changes(bot: ChatBot) -> None:
    """The check skips a complaint whose facts it found with nothing new, until a deadline can come
    (usecases/complaint_deadlines.py `_steady`): another policy, a moment before the one checked, or marks
    changed by someone else are each checked afresh."""
    with time_machine.travel(T0, tick=True):
        bind(bot, OFFICER, "officer")
        file_complaint(bot, CITIZEN, mode="anonymous")
    uow, config = bot.services.uow, bot.services.complaints
    day = T0 + timedelta(days=1)
    assert check_deadlines(uow, config, day).reminded == 0  # nothing due for days: kept as steady
    assert check_deadlines(uow, config, day + timedelta(hours=1)).reminded == 0
    strict = replace(config, policy=DeadlinePolicy(first_answer_days=1))
    assert check_deadlines(uow, strict, day + timedelta(hours=1)).missed == 1  # another policy: checked
    # at the first answer's due: its reminder recorded (in the reminder window), then nothing new
    due = T0 + timedelta(days=7)
    assert check_deadlines(uow, config, due).reminded == 1
    assert check_deadlines(uow, config, due).reminded == 0
    with uow() as u:  # marks changed elsewhere (the reminder dropped): the stored text differs
        u.session.execute(update(Complaint).values(reminded={}))
        u.commit()
    assert check_deadlines(uow, config, due).reminded == 1
    # missed at due + 1 day; a check at a moment before the one found steady is not skipped
    assert check_deadlines(uow, config, due + timedelta(days=1)).missed == 1
    assert check_deadlines(uow, config, due + timedelta(days=1)).missed == 0
    with uow() as u:
        u.session.execute(update(Complaint).values(reminded={}))
        u.commit()
    assert check_deadlines(uow, config, due + timedelta(days=1)).reminded == 0  # overdue: no reminder
    assert check_deadlines(uow, config, due - timedelta(hours=1)).reminded == 1  # earlier: due soon again


def test_retention_deletes_evidence_and_destroys_the_identity_key(start_chat_bot) -> None:  # type: ignore[no-untyped-def]
    bot = start_chat_bot(COMPLAINT_RETENTION_DAYS=30)
    with time_machine.travel(T0, tick=True):
        bind(bot, OFFICER, "officer")
        say(bot, CITIZEN, "ร้องเรียน")
        for answer in ("ปกปิดตัวตน", "ทุจริต", "มีการเอารถหลวงไปใช้ส่วนตัวทุกวันหยุด", "เสร็จ", "ใช่", "ข้าม",
                       "ข้าม"):
            say(bot, CITIZEN, answer)
        send(bot, bot.fake.image_event(CITIZEN, content=b"\xff\xd8photo"))
        say(bot, CITIZEN, "เสร็จ")
        receipt = say(bot, CITIZEN, "ยืนยันส่ง")["text"]
        code = receipt.split("รหัสติดตามเรื่อง: ")[1].split("\n")[0]
        file_complaint(bot, OTHER, mode="anonymous")  # stays open: never purged
        say(bot, OTHER, "ติดตาม ร-AAAA-AA 123456")  # a failed attempt and today's counters
        change_status(bot, "ยุติเรื่อง", "ไม่มีมูล")
    with time_machine.travel(T0 + timedelta(days=29), tick=True):
        bot.worker_pass()
        [closed, still_open] = complaints(bot)
        assert closed.identity_key is not None and closed.purged_at is None
        assert "สถานะ: ยุติเรื่อง" in say(bot, CITIZEN, f"ติดตาม {code}")["text"]
    with time_machine.travel(T0 + timedelta(days=31), tick=True):
        bot.worker_pass()
        [closed, still_open] = complaints(bot)
        assert closed.identity_key is None and closed.identity_sealed is None and closed.owner_hash is None
        assert closed.purged_at is not None and still_open.purged_at is None
        assert closed.details.startswith("มีการเอารถหลวง")  # the case record itself stays
        with bot.services.uow() as uow:
            assert uow.session.scalar(select(Evidence)) is None
            assert uow.session.scalar(select(ComplaintAttempt)) is None
            assert uow.session.scalar(select(ComplaintIntakeCount)) is None
        say(bot, OFFICER, "เปิด 1")
        assert "ถูกทำลายตามระยะเวลาเก็บรักษา" not in bot.texts_to(OFFICER)[-2]  # confidential: never shown anyway
        assert "ไม่พบเรื่อง" in say(bot, CITIZEN, f"ติดตาม {code}")["text"]  # no link to the account is left


def test_statistics_for_a_fiscal_year(bot: ChatBot) -> None:
    with time_machine.travel(T0, tick=True):
        bind(bot, OFFICER, "officer")
        file_complaint(bot, CITIZEN, mode="anonymous")
        file_complaint(bot, CITIZEN, mode="confidential", kind="grievance", details=("ไฟถนนดับทั้งซอย",))
        file_complaint(bot, OTHER, mode="identified", details=("ฮั้วประมูลงานก่อสร้าง",))
    with time_machine.travel(T0 + timedelta(days=3), tick=True):
        change_status(bot, "คัดกรอง", "รับเรื่อง")
    with time_machine.travel(T0 + timedelta(days=10), tick=True):
        change_status(bot, "ยุติเรื่อง", "ไม่มีมูล")
    with time_machine.travel(datetime(2024, 10, 2, tzinfo=UTC), tick=True):  # fiscal year 2568
        file_complaint(bot, OTHER, mode="anonymous")
    stats = json.loads(run_cli(bot, "stats", "complaints", "--fiscal-year", "2567", "--json"))
    assert stats["total"] == 3
    assert stats["by_mode"] == {"identified": 1, "confidential": 1, "anonymous": 1}
    assert stats["by_type"] == {"corruption": 2, "grievance": 1}
    assert stats["by_category"]["bribery"] == 1 and stats["by_category"]["procurement"] == 1
    assert stats["by_status"]["dismissed"] == 1 and stats["by_status"]["received"] == 2
    assert {m["month"]: m["count"] for m in stats["by_month"]}["2024-03"] == 3
    assert stats["median_days_to_first_answer"] == 3.0 and stats["median_days_to_close"] == 10.0
    assert json.loads(run_cli(bot, "stats", "complaints", "--fiscal-year", "2568", "--json"))["total"] == 1
    table = run_cli(bot, "stats", "complaints", "--fiscal-year", "2567")
    assert "ทั้งหมด 3 เรื่อง" in table and "เรียกรับสินบน: 1" in table


def test_each_organisation_is_told_in_its_own_office_hours_in_one_push(bot: ChatBot) -> None:
    """A in Bangkok, B in Tokyo (two hours ahead). The reminder is recorded on a Thursday night, the missed
    deadline on the Saturday; nobody is told then. On Monday at 00:30 UTC it is 07:30 in Bangkok (before
    office hours) and 09:30 in Tokyo: B's officer is told then, A's an hour later; the reminder, past its
    deadline by then, gives way to the missed-deadline notice."""
    officer_b, citizen_b = "U" + "d" * 32, "U" + "e" * 32
    with time_machine.travel(T0, tick=True):
        bind(bot, OFFICER, "officer")
        file_complaint(bot, CITIZEN, mode="anonymous")
        b = add_organisation(bot, "tokyo-b", "เทศบาลบีโตเกียว", "Asia/Tokyo")
        bind_in(bot, b, officer_b, "officer")
        with in_org(bot, b):
            file_complaint(bot, citizen_b, mode="anonymous")
    thursday_night = datetime(2024, 3, 21, 13, 0, tzinfo=UTC)  # 20:00 in Bangkok, 22:00 in Tokyo
    saturday = datetime(2024, 3, 23, 3, 0, tzinfo=UTC)
    for moment, expected in ((thursday_night, (2, 0, 0)), (saturday, (0, 2, 0))):
        with time_machine.travel(moment, tick=False):
            run = check_deadlines(bot.services.uow, bot.services.complaints, moment)
        assert (run.reminded, run.missed, run.pushes) == expected  # recorded, nobody told
    monday = datetime(2024, 3, 25, 0, 30, tzinfo=UTC)
    with time_machine.travel(monday, tick=False):
        run = check_deadlines(bot.services.uow, bot.services.complaints, monday)
        bot.deliver()
    assert (run.reminded, run.missed, run.pushes) == (0, 0, 1)
    assert [p for p in pushes_to(bot, OFFICER) if "กำหนด" in p] == []
    [told_b] = [p for p in pushes_to(bot, officer_b) if "กำหนด" in p]
    # the reminder waited past its deadline: dropped, the missed-deadline notice says it
    assert "(1 รายการ)" in told_b and "เลยกำหนด" in told_b and "ใกล้ครบกำหนด" not in told_b
    later = monday + timedelta(hours=1)  # 08:30 in Bangkok, 10:30 in Tokyo
    with time_machine.travel(later, tick=False):
        run = check_deadlines(bot.services.uow, bot.services.complaints, later)
        bot.deliver()
    assert (run.reminded, run.missed, run.pushes) == (0, 0, 1)
    [told_a] = [p for p in pushes_to(bot, OFFICER) if "กำหนด" in p]
    assert "(1 รายการ)" in told_a and "เรื่องร้องเรียน #1 " in told_a
    assert len([p for p in pushes_to(bot, officer_b) if "กำหนด" in p]) == 1  # nothing twice
