"""An admin pastes a few measures in LINE ("นำเข้าแผน", issue #16): a preview of every decision, then
ยืนยัน adds them to the plan of the year their periods say, without deactivating any measure; too big a
paste goes to the console; non-admins are refused; ยกเลิก works at each step. In process, on a real database."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from handlers.plan_paste_preview import pack
from storage.console_models import AuditEntry
from storage.plan_models import Measure, Plan
from tests.support.botcli import bind
from tests.support.chat import quick_replies, say, say_all
from tests.support.inprocess import ChatBot
from tests.support.plans import load_plan, small_plan, this_fiscal_year
from texts import chat
from usecases.plan_paste import MAX_MEASURES, utf16_length

ADMIN, HEAD = "U" + "a" * 32, "U" + "b" * 32
HEADER = "ลำดับ\tมาตรการ\tขั้นตอน/วิธีดำเนินการ\tผู้รับผิดชอบ\tระยะเวลาดำเนินการ"


def period(year: int) -> str:
    """A period naming its fiscal year (ต.ค. of the year before – ก.ย.), in two-digit Buddhist years."""
    return f"ต.ค. {(year - 1) % 100} - ก.ย. {year % 100}"


def paste(year: int) -> str:
    """Three measures as Word pastes them (tabs): a known unit, a sub-section, a unit not in the directory."""
    return "\n".join([
        HEADER,
        f"1\tมาตรการตรวจสอบการใช้รถราชการ\t1. จัดทำทะเบียนคุมการใช้รถ 2. ตรวจสอบรายเดือน\tกองคลัง\t{period(year)}",
        f"2\tมาตรการประชาสัมพันธ์ช่องทางร้องเรียน\t1. ประกาศเสียงตามสาย\tงานประชาสัมพันธ์\t{period(year)}",
        f"3\tมาตรการลดขั้นตอนการขออนุญาตก่อสร้าง\t1. ทบทวนขั้นตอน\tกองสวัสดิการสังคม\t{period(year)}",
    ])


@pytest.fixture
def bot(chat_bot: ChatBot) -> ChatBot:
    load_plan(chat_bot.services.uow, chat_bot.org_id, small_plan())
    bind(chat_bot, ADMIN, "admin")
    bind(chat_bot, HEAD, "head", "กองคลัง")
    return chat_bot


def measures(bot: ChatBot, year: int) -> list[tuple[int, str, bool]]:
    with bot.services.uow() as uow:
        return [(m.seq, m.title, m.active) for m in uow.session.scalars(
            select(Measure).join(Plan, Plan.id == Measure.plan_id).where(Plan.fiscal_year_be == year)
            .order_by(Measure.seq))]


def flow_of(bot: ChatBot, user: str) -> str | None:
    with bot.services.uow() as uow:
        row = uow.conversations.get(bot.org_id, user)
        return row.flow if row else None


def texts(answers: list[dict[str, Any]]) -> str:
    return "\n".join(m["text"] for m in answers)


def test_a_pasted_table_is_previewed_decision_by_decision_then_added_to_the_plan(bot: ChatBot) -> None:
    year = this_fiscal_year()
    before = measures(bot, year)
    assert "วางตารางมาตรการ" in say(bot, ADMIN, "นำเข้าแผน")["text"]
    answers = say_all(bot, ADMIN, paste(year))
    preview = texts(answers)
    assert len(answers) <= 5 and all(utf16_length(m["text"]) <= 5000 for m in answers)
    assert f"ปีงบประมาณ {year} (อ่านจากระยะเวลาในตาราง: 3 จาก 3 มาตรการ)" in preview
    assert "ใหม่ 3 ปรับปรุงข้อเดิม 0" in preview and "ไม่มีการปิดใช้งาน" in preview
    # every measure with its units: known, a sub-section given to its กอง, a new unit flagged
    assert "ม.4 มาตรการตรวจสอบการใช้รถราชการ" in preview and "ผู้รับผิดชอบ: กองคลัง\n" in preview
    assert "ม.5 มาตรการประชาสัมพันธ์ช่องทางร้องเรียน" in preview
    assert "⚠ งานประชาสัมพันธ์ → สำนักปลัดเทศบาล" in preview
    assert "⚠ กองสวัสดิการสังคม (ไม่มีในระบบ" in preview
    # every source row's reading
    for row, kind in [(1, "หัวตาราง"), (2, "มาตรการใหม่ ม.1"), (3, "มาตรการใหม่ ม.2"), (4, "มาตรการใหม่ ม.3")]:
        assert f"แถว {row}: {kind}" in preview
    question = answers[-1]
    assert quick_replies(question) == ["ยืนยัน", "ยกเลิก"]
    assert "กองสวัสดิการสังคม" in question["text"] and "สำนักปลัดเทศบาล" in question["text"]  # the question names both
    assert measures(bot, year) == before  # nothing saved before ยืนยัน

    done = say(bot, ADMIN, "ยืนยัน")["text"]
    assert done.startswith(f"บันทึกแล้วครับ แผนปีงบประมาณ {year}: เพิ่มใหม่ 3 ปรับปรุง 0 มาตรการ (ตอนนี้มี 6 มาตรการ)")
    assert "เพิ่มหน่วยงานใหม่: กองสวัสดิการสังคม" in done
    after = measures(bot, year)
    assert after[:3] == before and all(active for _, _, active in after)  # the live plan is untouched
    assert [(seq, title) for seq, title, _ in after[3:]] == [
        (4, "มาตรการตรวจสอบการใช้รถราชการ"), (5, "มาตรการประชาสัมพันธ์ช่องทางร้องเรียน"),
        (6, "มาตรการลดขั้นตอนการขออนุญาตก่อสร้าง")]
    assert flow_of(bot, ADMIN) is None
    with bot.services.uow() as uow:
        (entry,) = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "plan.import"))
    assert (entry.channel, entry.target) == ("line", f"plan:{year}")
    assert entry.detail["created"] == 3 and entry.detail["deactivated"] == 0 and entry.detail["source"] == "LINE"

    # the same paste again only updates those measures: still six, none deactivated
    say(bot, ADMIN, "นำเข้าแผน\n" + paste(year))
    assert "ใหม่ 0 ปรับปรุงข้อเดิม 3" in texts(bot.fake.messages_to(ADMIN)[-3:])
    assert say(bot, ADMIN, "ยืนยัน")["text"].startswith(
        f"บันทึกแล้วครับ แผนปีงบประมาณ {year}: เพิ่มใหม่ 0 ปรับปรุง 3 มาตรการ (ตอนนี้มี 6 มาตรการ)")
    assert measures(bot, year) == after


def test_the_word_and_the_table_in_one_message_for_another_year_make_that_years_plan(bot: ChatBot) -> None:
    year, other = this_fiscal_year(), this_fiscal_year() + 1
    live = measures(bot, year)
    answers = say_all(bot, ADMIN, "วางแผน\n" + paste(other))
    preview = texts(answers)
    assert f"ปีงบประมาณ {other} (อ่านจากระยะเวลาในตาราง" in preview
    assert f"ยังไม่มีแผนปีงบประมาณ {other}: จะสร้างแผนใหม่ที่มี 3 มาตรการ" in preview
    say(bot, ADMIN, "ยืนยัน")
    assert [seq for seq, _, _ in measures(bot, other)] == [1, 2, 3]
    assert measures(bot, year) == live


def test_cancel_at_each_step_saves_nothing(bot: ChatBot) -> None:
    year = this_fiscal_year()
    before = measures(bot, year)
    say(bot, ADMIN, "นำเข้าแผน")
    assert say(bot, ADMIN, "ยกเลิก")["text"] == chat.FLOW_CANCELLED["plan_paste"]
    say(bot, ADMIN, "นำเข้าแผน\n" + paste(year))
    assert flow_of(bot, ADMIN) == "plan_paste"
    assert say(bot, ADMIN, "ยกเลิก")["text"] == chat.FLOW_CANCELLED["plan_paste"]
    assert flow_of(bot, ADMIN) is None and measures(bot, year) == before
    with bot.services.uow() as uow:
        assert not list(uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "plan.import")))


def test_text_that_is_no_table_gets_the_reason_and_may_be_pasted_again(bot: ChatBot) -> None:
    say(bot, ADMIN, "นำเข้าแผน")
    answers = say_all(bot, ADMIN, "มาตรการตรวจสอบการใช้รถราชการ กองคลัง\nอีกบรรทัด")
    assert "อ่านข้อความนี้เป็นตารางมาตรการไม่ได้ครับ: ไม่พบหัวตาราง" in answers[0]["text"]
    assert flow_of(bot, ADMIN) == "plan_paste"
    assert "ใหม่ 3" in texts(say_all(bot, ADMIN, paste(this_fiscal_year())))
    # in the preview, a word that is neither ยืนยัน nor a table is asked again
    assert say(bot, ADMIN, "อะไรนะ")["text"] == chat.PLAN_PASTE_CONFIRM_AGAIN


def test_too_big_a_paste_is_sent_to_the_console(bot: ChatBot) -> None:
    year = this_fiscal_year()
    rows = [f"{n}\tมาตรการที่ {n}\t1. ทำ\tกองคลัง\t{period(year)}" for n in range(1, MAX_MEASURES + 2)]
    answer = say(bot, ADMIN, "นำเข้าแผน\n" + "\n".join([HEADER, *rows]))["text"]
    assert f"มี {MAX_MEASURES + 1} มาตรการ" in answer and "/console" in answer and "itabot import-plan" in answer
    assert flow_of(bot, ADMIN) is None
    say(bot, ADMIN, "นำเข้าแผน")
    assert "ขีดจำกัดข้อความของ LINE" in say(bot, ADMIN, HEADER + "\n" + "ก" * 5000)["text"]
    assert flow_of(bot, ADMIN) is None


def test_thirty_long_measures_fit_lines_limits_with_a_cut_note(bot: ChatBot) -> None:
    year = this_fiscal_year()
    title = "มาตรการส่งเสริมความโปร่งใสในการจัดซื้อจัดจ้างและการเผยแพร่ข้อมูลข่าวสารของทางราชการแก่ประชาชน"
    # each row's sub-section (งานพัสดุ) adds a long warning: the preview outgrows three messages
    rows = [f"{n}\t{title} {n}\t1. ทำ\tงานพัสดุ\t{period(year)}" for n in range(1, MAX_MEASURES + 1)]
    text = "นำเข้าแผน\n" + "\n".join([HEADER, *rows])
    assert utf16_length(text) < 5000
    answers = say_all(bot, ADMIN, text)
    assert len(answers) <= 5 and all(utf16_length(m["text"]) <= 5000 for m in answers)
    assert quick_replies(answers[-1]) == ["ยืนยัน", "ยกเลิก"]
    preview = texts(answers)
    assert f"ม.{3 + MAX_MEASURES} {title} {MAX_MEASURES}" in preview
    assert "… ตัดไว้อีก " in answers[-2]["text"] and "/console" in answers[-2]["text"]


def test_non_admins_are_refused(bot: ChatBot) -> None:
    assert say(bot, HEAD, "นำเข้าแผน")["text"] == chat.PLAN_PASTE_ADMIN_ONLY
    assert say(bot, HEAD, "นำเข้าแผน\n" + paste(this_fiscal_year()))["text"] == chat.PLAN_PASTE_ADMIN_ONLY
    assert flow_of(bot, HEAD) is None and len(measures(bot, this_fiscal_year())) == 3


def test_pack_cuts_with_a_count_of_the_lines_left_out() -> None:
    lines = [f"บรรทัด {n} " + "ก" * 90 for n in range(200)]
    texts_ = pack(lines, budget=1000, most=3)
    assert len(texts_) == 3 and all(utf16_length(t) <= 1000 for t in texts_)
    shown = sum(1 for t in texts_ for line in t.split("\n") if line.startswith("บรรทัด "))
    assert texts_[-1].endswith(chat.PLAN_PASTE_CUT.format(count=200 - shown))
    assert pack(lines[:3]) == ["\n".join(lines[:3])]



def test_periods_without_a_year_take_this_fiscal_year_and_say_so(bot: ChatBot) -> None:
    table = "มาตรการ\tขั้นตอน\tผู้รับผิดชอบ\tระยะเวลาดำเนินการ\nมาตรการทดสอบการวาง\t1. ประชุม\tกองคลัง\tไตรมาส 2"
    preview = texts(say_all(bot, ADMIN, "นำเข้าแผน\n" + table))
    assert chat.PLAN_PASTE_YEAR_ASSUMED.format(year=this_fiscal_year()) in preview
    assert flow_of(bot, ADMIN) == "plan_paste"
