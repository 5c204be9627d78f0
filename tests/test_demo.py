"""`itabot demo load`: the local run's personas are bound and this fiscal year's sample plan is there, so a
newcomer can report progress from the chat page at once. Loading again changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from linesim.demo import DEMO_CONSOLE_PASSWORD, DEMO_PERSONAS
from storage.models import Role
from storage.plan_models import Measure, Plan
from tests.support.botcli import run_cli
from tests.support.console import logged_in
from tests.support.inprocess import ChatBot
from tests.support.plans import this_fiscal_year


@pytest.fixture
def bot(chat_bot: ChatBot) -> ChatBot:
    """In process (tests/support/inprocess.py): the CLI and the console on the same app and real database,
    no server and no worker."""
    return chat_bot


def test_demo_load_binds_personas_and_imports_the_sample_plan_once(bot: ChatBot) -> None:
    first = run_cli(bot, "demo", "load")
    assert f"แผนตัวอย่างปีงบประมาณ {this_fiscal_year()}" in first
    assert f"ผู้ใช้ admin, officer, head รหัสผ่าน {DEMO_CONSOLE_PASSWORD}" in first
    run_cli(bot, "demo", "load")
    with bot.services.uow() as uow:
        [plan] = uow.session.scalars(select(Plan)).all()
        assert plan.fiscal_year_be == this_fiscal_year()
        measures = uow.session.scalar(select(func.count()).select_from(Measure))
        assert measures == 17  # wiang-chiang-saen's measures, not duplicated by the second load
    head = next(p for p in DEMO_PERSONAS if p.role is Role.HEAD)
    bot.fake.send_text(head.user_id, "รายงาน")
    bot.wait_idle()
    [*_, intro, carousel] = bot.fake.messages_to(head.user_id)
    assert head.unit and head.unit in intro["text"] and carousel["type"] == "flex"


def test_demo_console_logins_open_each_roles_home(bot: ChatBot) -> None:
    run_cli(bot, "demo", "load")
    run_cli(bot, "demo", "load")  # made once: loading again neither fails nor adds a login
    homes = {"admin": "/console/dashboard", "officer": "/console/complaints", "head": "/console/dashboard"}
    for username, home in homes.items():
        page = logged_in(bot, username, DEMO_CONSOLE_PASSWORD).get("/")
        assert page.status_code == 200 and page.url.endswith(home), (username, page.url)
    with bot.services.uow() as uow:
        assert len(uow.console_users.all(bot.org_id)) == 3
