"""The reminder run reads many organisations at once (#18): when that bulk read fails each organisation
reads its own and all are still reminded; an organisation with no deadline near costs no transaction; a
run scoped to one organisation sees only it. In process, two organisations, SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from storage.clock import utcnow
from storage.models import OutboxStatus
from storage.plans import PlanRepository
from storage.tenancy import org_scope
from tests.support.botcli import bind
from tests.support.inprocess import ChatBot
from tests.support.orgs import add_organisation, bind_in
from tests.support.plans import load_plan, measure
from tests.support.sent_sql import Sent, sent_statements
from usecases.reminder_run import run_reminders

BKK = ZoneInfo("Asia/Bangkok")
YEAR = 2567
DUE_SOON = datetime(2024, 4, 1, 9, 0, tzinfo=BKK)  # Monday; the six-month round is due Sunday 7 April
NOTHING_NEAR = datetime(2024, 2, 1, 9, 0, tzinfo=BKK)  # a working Thursday, no deadline within the horizon
HEAD_A, HEAD_B = "U" + "a" * 32, "U" + "b" * 32


@pytest.fixture
def bot(chat_bot: ChatBot) -> ChatBot:
    b = add_organisation(chat_bot, "tambon-b", "เทศบาลตำบลบี")
    for org_id in (chat_bot.org_id, b):
        load_plan(chat_bot.services.uow, org_id,
                  [measure("มาตรการเผยแพร่ข้อมูลต่อสาธารณะ", ["สำนักปลัดเทศบาล"], fiscal_year_be=YEAR)], YEAR)
    bind(chat_bot, HEAD_A, "head", "สำนักปลัด", org=chat_bot.services.settings.org_slug)
    bind_in(chat_bot, b, HEAD_B, "head", "สำนักปลัดเทศบาล")
    return chat_bot


@pytest.fixture
def statements(bot: ChatBot) -> Iterator[list[Sent]]:
    """The SQL sent to the database while the test runs."""
    with sent_statements(bot.services.engine) as sent:
        yield sent


def test_a_failed_bulk_read_falls_back_to_each_organisations_own(
        bot: ChatBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def broken(*_: Any, **__: Any) -> Any:  # the fault: the query across organisations fails
        raise RuntimeError("connection lost")

    monkeypatch.setattr(PlanRepository, "plans_of", broken)
    caplog.set_level(logging.ERROR)
    run = run_reminders(bot.services.uow, DUE_SOON)
    assert "2 organisations at once failed (RuntimeError); each runs on its own" in caplog.text
    # each organisation's own read fails the same way here: both are logged, neither stops the other
    assert sorted(run.failed) == sorted([bot.org_id, add_organisation_id(bot, "tambon-b")])
    monkeypatch.undo()
    run = run_reminders(bot.services.uow, DUE_SOON)
    assert run.pushes == 2 and run.failed == []


def test_a_failed_bulk_read_still_reminds_every_organisation(bot: ChatBot, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    original = PlanRepository.plans_of

    def fails_once(self: PlanRepository, org_ids: Any, years: Any) -> Any:
        calls.append(len(list(org_ids)))
        if len(calls) == 1:
            raise RuntimeError("connection lost")
        return original(self, org_ids, years)

    monkeypatch.setattr(PlanRepository, "plans_of", fails_once)
    run = run_reminders(bot.services.uow, DUE_SOON)
    assert run.pushes == 2 and run.failed == [] and calls[0] == 2 and calls[1:] == [1, 1]
    bot.deliver()
    assert bot.fake.deliveries("push", HEAD_A) and bot.fake.deliveries("push", HEAD_B)


def test_no_deadline_near_costs_no_transaction_per_organisation(bot: ChatBot, statements: list[Sent]) -> None:
    run_reminders(bot.services.uow, NOTHING_NEAR)  # the first run makes each year's rounds
    statements.clear()
    run = run_reminders(bot.services.uow, NOTHING_NEAR)
    assert run.organisations == 2 and run.pushes == 0
    # no organisation was locked (its own transaction begins with that), nor scoped
    assert not [s for s in (x.statement for x in statements) if "WHERE organisations.id = " in s or "set_config" in s]
    assert len([s for s in (x.statement for x in statements) if s.lstrip().startswith("SELECT")]) <= 9  # who has plans, a query per table


def test_a_run_scoped_to_one_organisation_reminds_only_it(bot: ChatBot) -> None:
    with org_scope(bot.org_id):
        run = run_reminders(bot.services.uow, DUE_SOON, [bot.org_id])
    assert run.pushes == 1
    bot.deliver()
    assert bot.fake.deliveries("push", HEAD_A) and not bot.fake.deliveries("push", HEAD_B)


def add_organisation_id(bot: ChatBot, slug: str) -> int:
    with bot.services.uow() as uow:
        found = uow.people.organisation(slug)
        assert found is not None
        return found.id


def test_each_organisations_reminders_go_in_under_its_own_scope(bot: ChatBot) -> None:
    """The chunk's transaction is unscoped, its writes are not: a row of organisation A among B's is refused
    by row-level security (PostgreSQL; SQLite has none), and the transaction's scope is as it was after."""
    if bot.services.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    b = add_organisation_id(bot, "tambon-b")
    push = [(HEAD_A, [{"type": "text", "text": "x"}], 10)]
    with bot.services.uow() as uow:
        uow.schedule.queue_reminders([(b, [], [], uow.outbox.push_rows(b, [(HEAD_B, push[0][1], 10)], utcnow()))])
        assert {row.org_id for row in uow.outbox.list_by_status(OutboxStatus.PENDING)} >= {b}
        # unscoped again after: a tenant table shows both organisations
        assert {m.org_id for m in uow.people.heads_and_admins_of([bot.org_id, b])} == {bot.org_id, b}
    with bot.services.uow(b) as uow:  # a scoped transaction keeps its scope after
        uow.schedule.queue_reminders([(b, [], [], uow.outbox.push_rows(b, [(HEAD_B, push[0][1], 10)], utcnow()))])
        assert {m.org_id for m in uow.people.heads_and_admins_of([bot.org_id, b])} == {b}
    with bot.services.uow() as uow, pytest.raises(Exception, match="row-level security"):
        # the fault: A's push in B's batch
        uow.schedule.queue_reminders([(b, [], [], uow.outbox.push_rows(bot.org_id, push, utcnow()))])
