"""What a unit head receives as a reminder, whatever the outbox stores (#18): the outbox keeps a compact
payload that delivery renders; the Flex message the fake platform was sent is compared with a golden copy
taken from the path that wrote the whole Flex message into the outbox (tests/fixtures/reminders/). A payload
that cannot be rendered is retried, then parked, never lost nor sent with another organisation's measure.
In process, SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from domain.digits import DigitStyle, Surface
from storage.clock import utcnow
from storage.models import OutboxMessage, OutboxStatus, Priority
from tests.support.botcli import bind
from tests.support.inprocess import ChatBot
from tests.support.orgs import add_organisation
from tests.support.plans import load_plan, measure
from usecases.reminder_run import run_reminders

BKK = ZoneInfo("Asia/Bangkok")
YEAR = 2567
DUE_SOON = datetime(2024, 4, 1, 9, 0, tzinfo=BKK)  # Monday; the six-month round is due Sunday 7 April
HEAD = "U" + "a" * 32
GOLDEN = Path(__file__).parent / "fixtures" / "reminders"
PICK = re.compile(r"report:pick:(\d+)")
THAI = re.compile("[\u0e00-\u0e7f]")


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


def test_a_reminder_that_cannot_be_rendered_is_retried_then_parked_never_lost(
        bot: ChatBot, caplog: pytest.LogCaptureFixture) -> None:
    other = add_organisation(bot, "tambon-b", "เทศบาลตำบลบี")
    load_plan(bot.services.uow, other, [measure("มาตรการของเทศบาลอื่น", [], all_units=True, fiscal_year_be=YEAR)], YEAR)
    assert run_reminders(bot.services.uow, DUE_SOON).pushes == 1
    with bot.services.uow() as uow:
        [row] = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.priority == int(Priority.REMINDER)))
        kept = row.messages
        [foreign] = [m.id for plan in uow.plans.plans_for_years(other, [YEAR]) for m in uow.plans.measures(plan.id)]
        # the fault: the payload names a measure that is not its organisation's (as a corrupted row would)
        row.messages = [{**kept[0], "items": [[foreign, -6]]}]
        uow.commit()
        row_id = row.id
    caplog.set_level(logging.INFO)
    before = utcnow()
    bot.services.sender.deliver_due(20)  # one batch: a loaded machine may reach the retry time before asserting
    assert not bot.fake.deliveries("push", HEAD)  # nothing sent, another organisation's title least of all
    with bot.services.uow() as uow:
        row = uow.outbox.get(row_id)
        assert row is not None and row.status == OutboxStatus.PENDING.value and row.attempts == 1
        assert row.next_attempt_at > before  # after a backoff (OUTBOX_RETRY_BASE_SECONDS: 0.05 s in tests)
        assert row.last_error == "not sent: reminder payload not renderable (KeyError)"
    said = [r.getMessage() for r in caplog.records if r.name == "bot.line.outbox_sender"]
    assert f"outbox {row_id}: reminder payload not renderable (KeyError); tried again later" in said
    assert not [line for line in said if THAI.search(line)]
    # retries used up: parked, kept with its payload
    with bot.services.uow() as uow:
        uow.session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id)
                            .values(attempts=bot.services.sender.policy.retry.max_attempts,
                                    next_attempt_at=utcnow()))
        uow.commit()
    bot.services.sender.deliver_due(20)
    with bot.services.uow() as uow:
        row = uow.outbox.get(row_id)
        assert row is not None and row.status == OutboxStatus.PARKED.value and row.messages[0]["items"] == [[foreign, -6]]
        # put right, and back in line (as the quota monitor does with parked rows): delivered as it should be
        row.messages = kept
        uow.outbox.unpark(bot.org_id, utcnow())
        uow.commit()
    bot.deliver()
    check_golden("head-arabic", delivered_reminder(bot))
