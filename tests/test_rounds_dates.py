"""Reports belong to the round whose period holds the day they were sent, across every change of scheme
(issue #15 item 3): after six-monthly → quarterly a report of December stays in the October–December
quarter, `สรุป` still counts it and the head's list still shows it reported. Round names say what they
cover. In process (tests/support/inprocess.py), on a real database."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import UTC, date, datetime
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from domain.fiscal import fiscal_year_of
from domain.rounds import ROUND_SCHEMES, current_round, round_periods, scheme_months
from storage.plan_models import Measure, ProgressReport
from storage.schedule_settings import SCHEMES, plan_round_months, set_rounds
from tests.support.botcli import bind
from tests.support.chat import say
from tests.support.inprocess import ChatBot
from tests.support.plans import load_plan, measure
from tests.test_reports_links import fetch, link_in
from views.rounds import period_name

YEAR = 2567
UNIT = "สำนักปลัดเทศบาล"
HEAD, ADMIN = "U" + "1" * 32, "U" + "3" * 32
BANGKOK = ZoneInfo("Asia/Bangkok")
# Days reports were sent on, across the year (and one in the days after a round closes, before it is due).
SENT = [datetime(2023, 10, 20, 9), datetime(2023, 12, 28, 23, 30), datetime(2024, 1, 2, 8),
        datetime(2024, 2, 14, 10), datetime(2024, 4, 3, 16), datetime(2024, 7, 1, 1),
        datetime(2024, 9, 29, 12), datetime(2024, 10, 5, 9)]


@pytest.fixture
def bot(chat_bot: ChatBot) -> ChatBot:
    """This module runs in process (tests/support/inprocess.py): no HTTP, no worker thread."""
    return chat_bot


def add_reports(bot: ChatBot) -> None:
    load_plan(bot.services.uow, bot.org_id, [measure("มาตรการเผยแพร่ข้อมูลต่อสาธารณะ", [UNIT], fiscal_year_be=YEAR),
                                             measure("มาตรการจัดซื้อจัดจ้างโปร่งใส", [UNIT], fiscal_year_be=YEAR)],
              YEAR)
    with bot.services.uow() as uow:
        set_rounds(uow.session, bot.org_id, YEAR, "six-monthly", 7)
        rounds = uow.plans.rounds(bot.org_id, YEAR)
        unit = uow.people.find_unit(bot.org_id, UNIT)
        assert unit is not None
        periods = round_periods(YEAR, ROUND_SCHEMES["six-monthly"], 7)
        by_months = {r.months: r.id for r in rounds}
        versions: dict[tuple[int, int], int] = defaultdict(int)
        for n, (measure_id, sent) in enumerate(itertools.product(uow.session.scalars(select(Measure.id)), SENT)):
            rnd = by_months[current_round(periods, sent.date()).months]
            versions[(measure_id, rnd)] += 1
            uow.session.add(ProgressReport(
                org_id=bot.org_id, measure_id=measure_id, unit_id=unit.id, round_id=rnd,
                version=versions[(measure_id, rnd)], status="in_progress", details=f"ฉบับ {n}",
                created_at=sent.replace(tzinfo=BANGKOK).astimezone(UTC)))
        uow.commit()


def check(bot: ChatBot, scheme: str) -> None:
    """Every report is in the round its day belongs to, none lost or doubled, versions 1..n in order sent."""
    with bot.services.uow() as uow:
        plan_months = plan_round_months(uow.session, uow.plans.plan_for_year(bot.org_id, YEAR).id)
        periods = round_periods(YEAR, scheme_months(scheme, plan_months), 7)
        months_of = {r.id: r.months for r in uow.plans.rounds(bot.org_id, YEAR)}
        reports = list(uow.session.scalars(select(ProgressReport).order_by(ProgressReport.created_at,
                                                                           ProgressReport.id)))
    assert sorted(r.details for r in reports) == sorted(f"ฉบับ {n}" for n in range(2 * len(SENT)))
    seen: dict[tuple[int, int], list[int]] = defaultdict(list)
    for report in reports:
        day = report.created_at.astimezone(BANGKOK).date()
        assert months_of[report.round_id] == current_round(periods, day).months, (scheme, day)  # type: ignore[union-attr]
        seen[(report.measure_id, report.round_id)].append(report.version)
    assert all(versions == list(range(1, len(versions) + 1)) for versions in seen.values())


def test_every_scheme_change_keeps_each_report_in_the_round_of_its_day(bot: ChatBot) -> None:
    add_reports(bot)
    for before, after in itertools.permutations(SCHEMES, 2):
        with bot.services.uow() as uow:
            set_rounds(uow.session, bot.org_id, YEAR, before, 7)
            set_rounds(uow.session, bot.org_id, YEAR, after, 7)
            uow.commit()
        check(bot, after)


def test_a_report_of_today_stays_in_this_round_after_six_monthly_becomes_quarterly(bot: ChatBot) -> None:
    today = datetime.now(BANGKOK).date()
    year = fiscal_year_of(today)
    load_plan(bot.services.uow, bot.org_id, [measure("มาตรการเผยแพร่ข้อมูลต่อสาธารณะ", [UNIT], fiscal_year_be=year),
                                             measure("มาตรการจัดซื้อจัดจ้างโปร่งใส", [UNIT], fiscal_year_be=year)],
              year)
    bind(bot, HEAD, "head", UNIT)
    bind(bot, ADMIN, "admin")
    for label in ("ราย 6 เดือน", "รายไตรมาส"):
        if label == "รายไตรมาส":
            say(bot, HEAD, "รายงาน ม.1 เสร็จแล้ว จัดทำประกาศแล้ว")
            say(bot, HEAD, "ยืนยัน")
        say(bot, ADMIN, "ตั้งรอบ")
        say(bot, ADMIN, label)
        say(bot, ADMIN, "7")
    summary = say(bot, ADMIN, "สรุป")
    assert "รายงานแล้ว 1/2" in summary["altText"]
    carousel = say(bot, HEAD, "รายงาน")
    assert "ดำเนินการแล้วเสร็จ (100%)" in str(carousel)  # this round's report, shown on its card
    with bot.services.uow() as uow:
        [report] = uow.session.scalars(select(ProgressReport)).all()
        rnd = uow.plans.round(report.round_id)
        assert rnd is not None and rnd.start_date <= today <= rnd.due_date


@pytest.mark.parametrize(("months", "start", "end", "name"), [
    (6, date(2023, 10, 1), date(2024, 3, 31), "รอบ 6 เดือน"),
    (12, date(2023, 10, 1), date(2024, 9, 30), "รอบ 12 เดือน"),
    (12, date(2024, 4, 1), date(2024, 9, 30), "รอบ 12 เดือน (เฉพาะ เม.ย.–ก.ย.)"),
    (3, date(2023, 10, 1), date(2023, 12, 31), "รอบ 3 เดือน"),
    (6, date(2024, 1, 1), date(2024, 3, 31), "ไตรมาส 2 (ม.ค.–มี.ค.)"),
    (4, date(2024, 1, 1), date(2024, 1, 31), "เดือน ม.ค."),
    (1, date(2023, 10, 1), date(2023, 10, 31), "เดือน ต.ค."),
])
def test_round_names_say_what_they_cover(months: int, start: date, end: date, name: str) -> None:
    assert period_name(months, start, end) == name


def test_asking_for_a_report_offers_the_rounds_by_what_they_cover(bot: ChatBot) -> None:
    """ขอรายงาน after a change to quarterly rounds: the January–March quarter is offered, tapped and named as
    "ไตรมาส 2 (ม.ค.–มี.ค.)", not "รอบ 6 เดือน" (which, said of a quarter, would promise October–March)."""
    load_plan(bot.services.uow, bot.org_id, [measure("มาตรการเผยแพร่ข้อมูลต่อสาธารณะ", [UNIT], fiscal_year_be=YEAR)],
              YEAR)
    bind(bot, ADMIN, "admin")
    with bot.services.uow() as uow:
        set_rounds(uow.session, bot.org_id, YEAR, "quarterly", 7)
        uow.commit()
    with time_machine.travel(datetime(2024, 2, 15, 10, tzinfo=BANGKOK), tick=True):
        choose = say(bot, ADMIN, "ขอรายงาน")
        offered = [item["action"]["text"] for item in choose["quickReply"]["items"]]
        assert offered == ["รอบ 3 เดือน", "ไตรมาส 2 (ม.ค.–มี.ค.)", "สถิติเรื่องร้องเรียน"]
        formats = say(bot, ADMIN, "ไตรมาส 2 (ม.ค.–มี.ค.)")
        assert "ปีงบประมาณ 2567 ไตรมาส 2 (ม.ค.–มี.ค.)" in formats["text"]
        answer = say(bot, ADMIN, "Word")["text"]
        assert "ปีงบประมาณ 2567 ไตรมาส 2 (ม.ค.–มี.ค.) (Word)" in answer
        response = fetch(bot, link_in(answer))
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert unquote(disposition.split("UTF-8''")[1]) == "รายงานผลการดำเนินงาน-2567-ไตรมาส2(ม.ค.–มี.ค.).docx"
