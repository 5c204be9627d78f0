"""Changing a fiscal year's rounds to a scheme whose last round ends before the year does: "ตามแผน" for a
plan monitored only at six months (issue #15). The rounds that go hand their reports to the last round that
stays, directly, in LINE, by `itabot rounds set` and in the console."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from storage.clock import utcnow
from storage.plan_models import Measure, ProgressReport
from storage.schedule_settings import set_rounds
from tests.support.botcli import bind, run_cli
from tests.support.chat import say
from tests.support.console import add_console_user, flashes, logged_in
from tests.support.inprocess import ChatBot
from tests.support.plans import load_plan, measure

if TYPE_CHECKING:
    from tests.support.chat import Bot

YEAR = 2567
UNIT = "สำนักปลัดเทศบาล"
ADMIN = "U" + "d4" * 16


def plan_six_months(bot: Bot) -> None:
    """A plan whose monitoring column says only "รอบ 6 เดือน": its rounds end on 31 March."""
    only_six = replace(measure("มาตรการเผยแพร่ข้อมูลต่อสาธารณะ", [UNIT], fiscal_year_be=YEAR),
                       monitoring_rounds_months=[6])
    load_plan(bot.services.uow, bot.org_id, [only_six], YEAR)
    bind(bot, ADMIN, "admin")


@pytest.fixture
def six_month_plan(chat_bot: ChatBot) -> ChatBot:
    """In process (tests/support/inprocess.py): LINE, the CLI and the console."""
    plan_six_months(chat_bot)
    return chat_bot


def rounds_of(bot: Bot) -> list[int]:
    with bot.services.uow() as uow:
        return [r.months for r in uow.plans.rounds(bot.org_id, YEAR)]


def test_reports_of_rounds_after_the_plans_last_move_to_it(six_month_plan: ChatBot) -> None:
    bot = six_month_plan
    with bot.services.uow() as uow:
        set_rounds(uow.session, bot.org_id, YEAR, "quarterly", 7)
        by_months = {r.months: r.id for r in uow.plans.rounds(bot.org_id, YEAR)}
        measure_id = uow.session.scalars(select(Measure.id)).one()
        unit = uow.people.find_unit(bot.org_id, UNIT)
        assert unit is not None
        for months in (6, 9, 12):
            uow.session.add(ProgressReport(org_id=bot.org_id, measure_id=measure_id, unit_id=unit.id,
                                           round_id=by_months[months], version=1, status="in_progress",
                                           details=f"รอบ {months}", created_at=utcnow()))
        uow.session.flush()
        change = set_rounds(uow.session, bot.org_id, YEAR, "plan", 7)
        assert (change.kept, change.added, change.removed, change.reports_moved) == (1, 0, 3, 2)
        [six] = uow.plans.rounds(bot.org_id, YEAR)
        reports = uow.session.scalars(select(ProgressReport).order_by(ProgressReport.version)).all()
        assert [(r.round_id, r.version, r.details) for r in reports] == [
            (six.id, 1, "รอบ 6"), (six.id, 2, "รอบ 9"), (six.id, 3, "รอบ 12")]
        # six-monthly back to the plan: the 12-month round goes too
        set_rounds(uow.session, bot.org_id, YEAR, "six-monthly", 7)
        assert set_rounds(uow.session, bot.org_id, YEAR, "plan", 7).removed == 1
        assert [r.months for r in uow.plans.rounds(bot.org_id, YEAR)] == [6]


@pytest.mark.parametrize("before", ["รายไตรมาส", "ราย 6 เดือน"])
def test_rounds_back_to_the_plan_in_line(six_month_plan: ChatBot, before: str) -> None:
    bot = six_month_plan
    for label in (before, "ตามแผน"):
        say(bot, ADMIN, "ตั้งรอบ")
        say(bot, ADMIN, label)
        done = say(bot, ADMIN, "7")["text"]
        assert label in done
    assert done.count("•") == 1 and "รอบ 6 เดือน" in done
    assert rounds_of(bot) == [6]


def test_rounds_back_to_the_plan_by_the_cli(six_month_plan: ChatBot) -> None:
    bot = six_month_plan
    run_cli(bot, "rounds", "set", "--fiscal-year", str(YEAR), "--scheme", "quarterly")
    output = run_cli(bot, "rounds", "set", "--fiscal-year", str(YEAR), "--scheme", "plan", "--due-days", "7")
    assert "ตามแผน" in output and output.count("•") == 1
    assert rounds_of(bot) == [6]


def test_rounds_back_to_the_plan_in_the_console(six_month_plan: ChatBot) -> None:
    bot = six_month_plan
    add_console_user(bot, "admin")
    admin = logged_in(bot, "admin")
    admin.post("/settings/rounds", {"scheme": "six-monthly", "due_days": "7"}, form_page="/settings")
    back = admin.post("/settings/rounds", {"scheme": "plan", "due_days": "7"}, form_page="/settings")
    assert back.status_code == 200 and any("ตามแผน" in f for f in flashes(back))
    assert rounds_of(bot) == [6]
