"""What a unit head receives as a reminder, whatever the outbox stores (#18): the Flex message the fake
platform was sent is compared with a golden copy taken from the path that wrote the whole Flex message into
the outbox (tests/fixtures/reminders/). In process, SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain.digits import DigitStyle, Surface
from storage.clock import utcnow
from tests.support.botcli import bind
from tests.support.inprocess import ChatBot
from tests.support.plans import load_plan, measure
from usecases.reminder_run import run_reminders

BKK = ZoneInfo("Asia/Bangkok")
YEAR = 2567
DUE_SOON = datetime(2024, 4, 1, 9, 0, tzinfo=BKK)  # Monday; the six-month round is due Sunday 7 April
HEAD = "U" + "a" * 32
GOLDEN = Path(__file__).parent / "fixtures" / "reminders"
PICK = re.compile(r"report:pick:(\d+)")


@pytest.fixture
def bot(chat_bot: ChatBot) -> ChatBot:
    load_plan(chat_bot.services.uow, chat_bot.org_id, [
        measure("มาตรการเผยแพร่ข้อมูลต่อสาธารณะ ครั้งที่ ๑ ปี 2567", ["สำนักปลัดเทศบาล"], fiscal_year_be=YEAR),
        measure("มาตรการจัดการเรื่องร้องเรียนการทุจริต", [], all_units=True, fiscal_year_be=YEAR),
        measure("มาตรการ" + "ป้องกันผลประโยชน์ทับซ้อน" * 8, ["สำนักปลัดเทศบาล"], fiscal_year_be=YEAR),
    ], YEAR)
    bind(chat_bot, HEAD, "head", "สำนักปลัด", org=chat_bot.services.settings.org_slug)
    return chat_bot


def delivered_reminder(bot: ChatBot) -> Any:
    """The one reminder pushed to the head, as the fake platform received it, its measure ids written as
    their sequence numbers (ids differ between databases)."""
    with bot.services.uow() as uow:
        seq_of = {m.id: m.seq for plan in uow.plans.plans_for_years(bot.org_id, [YEAR])
                  for m in uow.plans.measures(plan.id)}
    [push] = bot.fake.deliveries("push", HEAD)
    text = PICK.sub(lambda found: f"report:pick:seq{seq_of[int(found.group(1))]}",
                    json.dumps(push.messages, ensure_ascii=False, sort_keys=True))
    return json.loads(text)


def check_golden(name: str, got: Any) -> None:
    path = GOLDEN / f"{name}.json"
    if os.environ.get("ITABOT_WRITE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(got, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    assert got == json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("digits", [DigitStyle.ARABIC, DigitStyle.THAI])
def test_the_reminder_delivered_is_the_golden_one(bot: ChatBot, digits: DigitStyle) -> None:
    with bot.services.uow() as uow:
        uow.report_settings.save(bot.org_id, utcnow(), digits={Surface.CHAT: digits})
        uow.commit()
    run = run_reminders(bot.services.uow, DUE_SOON)
    assert run.pushes == 1 and run.measures == 3
    bot.deliver()
    check_golden(f"head-{digits.value}", delivered_reminder(bot))
