"""The scheduler's features one at a time, in process on a real database (tests/support/inprocess.py): the
weekly summary (on time and on request, counts only), a blocked head, escalation to administrators, the
quota projection holding back the least important reminders (never a complaint message), and setting the
rounds in LINE."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from storage.clock import utcnow
from tests.support.botcli import bind, run_cli
from tests.support.chat import quick_replies, say
from tests.support.complaints import file_complaint
from tests.support.inprocess import ChatBot
from tests.support.plans import load_plan, measure
from usecases.reminder_run import run_reminders
from usecases.weekly_summary_run import send_weekly_summaries

BKK = ZoneInfo("Asia/Bangkok")
YEAR = 2567
OFFICE, FINANCE, WORKS = "U" + "a1" * 16, "U" + "b2" * 16, "U" + "c3" * 16
ADMIN, CITIZEN = "U" + "d4" * 16, "U" + "e5" * 16


def flex_texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["text"]] if node.get("type") == "text" and "text" in node else []
        return found + [t for v in node.values() for t in flex_texts(v)]
    if isinstance(node, list):
        return [t for v in node for t in flex_texts(v)]
    return []


@pytest.fixture
def org(start_chat_bot: Callable[..., ChatBot]) -> ChatBot:
    bot = start_chat_bot()
    load_plan(bot.services.uow, bot.org_id, [
        measure("มาตรการเผยแพร่ข้อมูลต่อสาธารณะ", ["สำนักปลัดเทศบาล"], fiscal_year_be=YEAR),
        measure("มาตรการจัดการเรื่องร้องเรียนการทุจริต", [], all_units=True, fiscal_year_be=YEAR, issue_no=2),
        measure("มาตรการเปิดเผยการจัดซื้อจัดจ้าง", ["กองคลัง"], issue_no=5, fiscal_year_be=YEAR),
    ], YEAR)
    bind(bot, OFFICE, "head", "สำนักปลัดเทศบาล")
    bind(bot, FINANCE, "head", "กองคลัง")
    bind(bot, WORKS, "head", "กองช่าง")
    bind(bot, ADMIN, "admin")
    bot.fake.reset()
    return bot


def at(bot: ChatBot, moment: datetime) -> None:
    with time_machine.travel(moment, tick=False):
        run_reminders(bot.services.uow, moment)
        send_weekly_summaries(bot.services.uow, bot.services.complaints.policy, moment)
        bot.worker_pass()


def test_weekly_summary_on_monday_and_on_request(org: ChatBot) -> None:
    bot = org
    # Monday 22 Apr 2024, 08:10: too early; 08:40: the summary goes, once
    at(bot, datetime(2024, 4, 22, 8, 10, tzinfo=BKK))
    assert not [d for d in bot.fake.deliveries("push", ADMIN) if "สรุปประจำสัปดาห์" in d.messages[0].get("altText", "")]
    at(bot, datetime(2024, 4, 22, 8, 40, tzinfo=BKK))
    at(bot, datetime(2024, 4, 22, 15, 0, tzinfo=BKK))
    summaries = [d.messages[0] for d in bot.fake.deliveries("push", ADMIN)
                 if "สรุปประจำสัปดาห์" in d.messages[0].get("altText", "")]
    assert len(summaries) == 1
    lines = flex_texts(summaries[0]["contents"])
    assert any("ความคืบหน้ารวม 0%" in t for t in lines)
    assert any(t.startswith("ประเด็น 5: 0/1") for t in lines)
    assert any("กองคลัง: 2 มาตรการ" in t for t in lines)  # overdue past 7 days: ค้างส่ง
    assert any("กองการศึกษา: ยังไม่มีหัวหน้าผูกบัญชี" in t for t in lines)
    assert any("ร้องเรียน" in t for t in lines) or any("ใหม่สัปดาห์นี้" in t for t in lines)
    # on request, any time; a head may not
    with time_machine.travel(datetime(2024, 4, 24, 10, 0, tzinfo=BKK), tick=True):
        answer = say(bot, ADMIN, "สรุปประจำสัปดาห์")
        assert answer["type"] == "flex" and "สรุปประจำสัปดาห์" in answer["altText"]
        assert "ผู้ดูแลระบบ" in say(bot, FINANCE, "สรุปประจำสัปดาห์")["text"]


def test_summary_counts_complaints_and_never_says_who_or_what(org: ChatBot) -> None:
    bot = org
    file_complaint(bot, CITIZEN, mode="anonymous", details=("เจ้าหน้าที่เรียกรับเงินใต้โต๊ะ 5,000 บาท ที่กองช่าง",))
    answer = say(bot, ADMIN, "สรุปประจำสัปดาห์")
    lines = flex_texts(answer["contents"])
    assert any("ใหม่สัปดาห์นี้ 1" in t for t in lines)
    dumped = str(answer)
    assert "ใต้โต๊ะ" not in dumped and CITIZEN not in dumped


def test_a_blocked_head_is_not_pushed_and_the_summary_says_so(org: ChatBot) -> None:
    bot = org
    bot.fake.send_events([bot.fake.unfollow_event(FINANCE)])
    bot.wait_idle()
    at(bot, datetime(2024, 4, 1, 9, 0, tzinfo=BKK))
    assert not bot.fake.deliveries("push", FINANCE)
    assert bot.fake.deliveries("push", OFFICE)
    with time_machine.travel(datetime(2024, 4, 3, 10, 0, tzinfo=BKK), tick=True):
        lines = flex_texts(say(bot, ADMIN, "สรุปประจำสัปดาห์")["contents"])
    assert "กองคลัง: หัวหน้าบล็อกบอท" in lines


def test_escalation_to_administrators_when_asked(org: ChatBot) -> None:
    bot = org
    run_cli(bot, "reminders", "set", "--escalate-to-admins", "--escalate-after", "7")
    at(bot, datetime(2024, 4, 12 + 5, 9, 0, tzinfo=BKK))  # 17 Apr: 10 days past 7 Apr
    at(bot, datetime(2024, 4, 18, 9, 0, tzinfo=BKK))
    escalations = [m["text"] for d in bot.fake.deliveries("push", ADMIN) for m in d.messages
                   if "ค้างส่งรายงานเกินกำหนด" in m.get("text", "")]
    assert len(escalations) == 1
    assert "กองคลัง: ม.3 เลยกำหนด 10 วัน" in escalations[0]


def test_a_short_quota_holds_back_advance_notices_and_tells_admins(org: ChatBot) -> None:
    bot = org
    bot.fake.set_monthly_quota(100)
    with bot.services.uow() as uow:  # 60 of 100 used on the 1st: the month would need far more
        uow.outbox.save_quota(bot.org_id, "limited", 100, 60, utcnow())
        uow.commit()
    at(bot, datetime(2024, 4, 1, 9, 0, tzinfo=BKK))  # the 7-day notice: the least important
    assert not bot.fake.deliveries("push", OFFICE)
    notices = [m["text"] for d in bot.fake.deliveries("push", ADMIN) for m in d.messages
               if "โควตาข้อความ" in m.get("text", "")]
    assert len(notices) == 1 and "ใช้ไปแล้ว 60 จาก 100" in notices[0]
    at(bot, datetime(2024, 4, 9, 9, 0, tzinfo=BKK))  # the due-day notice still goes
    assert bot.fake.deliveries("push", OFFICE)
    # a complaint's notice to officers is never held back
    bind(bot, "U" + "f6" * 16, "officer")
    file_complaint(bot, CITIZEN, mode="anonymous", details=("มีการฮั้วประมูลโครงการก่อสร้างถนน",))
    assert any("เรื่องร้องเรียน" in t for t in [m.get("text", m.get("altText", ""))
                                                for d in bot.fake.deliveries("push", "U" + "f6" * 16)
                                                for m in d.messages])


def test_rounds_in_line(org: ChatBot) -> None:
    bot = org
    with time_machine.travel(datetime(2024, 2, 5, 10, 0, tzinfo=BKK), tick=True):
        first = say(bot, ADMIN, "ตั้งรอบ")
        assert "รายไตรมาส" in quick_replies(first)
        assert "กรุณาเลือก" in say(bot, ADMIN, "ทุกสัปดาห์")["text"]
        say(bot, ADMIN, "รายไตรมาส")
        assert "ตัวเลข" in say(bot, ADMIN, "สิบวัน")["text"]
        done = say(bot, ADMIN, "๑๐")["text"]
        assert "รายไตรมาส" in done and "10 วัน" in done and done.count("•") == 4
        assert "เฉพาะผู้ดูแลระบบ" in say(bot, FINANCE, "ตั้งรอบ")["text"]
    with bot.services.uow() as uow:
        assert [r.months for r in uow.plans.rounds(bot.org_id, YEAR)] == [3, 6, 9, 12]
