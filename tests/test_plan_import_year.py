"""The plan-import year trap (issue #15 item 8): a 2567 table previewed under 2570 used to show 2566–2567
periods with "คำเตือน (0)", and saving replaced the live plan. The year is now read from the table's own
periods when the field is left empty, a typed year that disagrees gets a loud warning, and the preview
lists what saving would deactivate. The console in process (tests/support/console.py); `read_year` on the
fixtures' tables."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from domain.plan_import import parse_plan
from domain.plan_table import read_table
from domain.plan_year import read_year
from storage.plan_models import Plan
from tests.support.console import Console, add_console_user, logged_in
from tests.support.inprocess import ChatBot
from tests.support.plans import load_plan, measure, this_fiscal_year

PLANS = Path(__file__).parent / "fixtures" / "plans"
TABLE_2567 = PLANS / "wiang-chiang-saen-2567.tsv"  # periods written with their years ("ต.ค. ๖๖ – ก.ย. ๖๗")
UNDATED = PLANS / "mueang-phon-2564.tsv"  # periods without a year


@pytest.mark.parametrize("chosen", [2565, 2567, 2570])
def test_the_year_is_read_from_the_written_periods_whatever_year_is_chosen(chosen: int) -> None:
    rows = read_table(TABLE_2567)
    reading = read_year(lambda year: parse_plan(rows, year), chosen)
    assert reading.detected == 2567 and reading.dated == reading.agreeing > 10
    assert reading.mismatch is (chosen != 2567)


def test_a_table_without_written_years_gives_none() -> None:
    rows = read_table(UNDATED)
    reading = read_year(lambda year: parse_plan(rows, year), 2570)
    assert reading.detected is None and reading.dated == 0 and not reading.mismatch


def text_of(response: object) -> str:
    return html.unescape(response.text)  # type: ignore[attr-defined]


def preview(console: Console, path: Path, year: str) -> str:
    console.get("/plan")
    response = console.post("/plan/preview", {"fiscal_year": year}, files={"file": (path.name, path.read_bytes())})
    assert response.status_code == 200, response.text[:500]
    return text_of(response)


def plan_years(bot: ChatBot) -> list[int]:
    with bot.services.uow() as uow:
        return [p.fiscal_year_be for p in uow.session.scalars(select(Plan).order_by(Plan.id))]


@pytest.fixture
def admin(chat_bot: ChatBot) -> Console:
    add_console_user(chat_bot, "admin")
    return logged_in(chat_bot, "admin")


def test_the_form_leaves_the_year_to_the_table(admin: Console) -> None:
    form = text_of(admin.get("/plan"))
    field = re.search(r'<input type="number" id="fiscal_year"[^>]*>', form)
    assert field is not None and 'value=""' in field.group(0) and "required" not in field.group(0)
    assert str(this_fiscal_year()) not in field.group(0)


def test_an_empty_year_is_read_from_the_table_and_saved_as_that_year(chat_bot: ChatBot,
                                                                     admin: Console) -> None:
    page = preview(admin, TABLE_2567, "")
    assert "ปีงบประมาณ 2567 อ่านจากช่วงเวลาดำเนินการในตาราง" in page and 'id="year-alarm"' not in page
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    admin.post("/plan/save", {"token": token})
    assert plan_years(chat_bot) == [2567]


def test_an_undated_table_says_which_year_it_assumed(admin: Console) -> None:
    page = preview(admin, UNDATED, "")
    assert f"ไม่ระบุปี จึงใช้ปีงบประมาณปัจจุบัน {this_fiscal_year()}" in page


def test_a_typed_year_that_disagrees_with_the_table_is_warned_loudly(chat_bot: ChatBot,
                                                                    admin: Console) -> None:
    bot = chat_bot
    load_plan(bot.services.uow, bot.org_id, [measure("มาตรการเดิมที่ใช้อยู่", [], all_units=True),
                                             measure("มาตรการเดิมอีกข้อ", [], all_units=True)])
    live = this_fiscal_year()
    page = preview(admin, TABLE_2567, str(live))
    alarm = re.search(r'<div class="error" id="year-alarm"[^>]*>(.*?)</div>', page, re.S)
    assert alarm is not None and f"เป็นของปีงบประมาณ 2567 แต่กำลังจะบันทึกเป็นแผนปีงบประมาณ {live}" in alarm.group(1)
    assert "คำเตือน (0)" not in page and f"ไม่ใช่ปี {live} ที่เลือก" in page  # counted among the warnings
    deactivates = re.search(r'<div class="notice" id="deactivates">(.*?)</div>', page, re.S)
    assert deactivates is not None and "2 มาตรการ" in deactivates.group(1)
    assert "มาตรการเดิมที่ใช้อยู่" in deactivates.group(1) and "มาตรการเดิมอีกข้อ" in deactivates.group(1)
    assert plan_years(bot) == [live]  # nothing saved by a preview


def test_the_matching_year_typed_gets_no_alarm(admin: Console) -> None:
    page = preview(admin, TABLE_2567, "2567")
    assert 'id="year-alarm"' not in page and 'id="deactivates"' not in page
