"""Fairness between organisations (#18): one organisation's backlog — a burst of 10,000 webhook events, or
10,000 answers waiting in the outbox while its quota-parked pushes sit there too — never delays another's
answers: inbox and outbox claims rotate across organisations. In process (tests/support/inprocess.py),
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from storage.clock import utcnow
from storage.inbox import storable_event, store_new_events
from storage.models import OutboxMessage, OutboxStatus, Priority
from tests.support.inprocess import ChatBot
from tests.support.orgs import add_organisation, in_org

BURST = 10_000
CITIZEN_B = "U" + "b" * 32


@pytest.fixture
def bot(chat_bot: ChatBot) -> ChatBot:
    return chat_bot


def burst_in(bot: ChatBot, org_id: int, count: int = BURST, chats: int = 1_000) -> None:
    """`count` text events in `org_id`'s inbox, from `chats` people, older than anything sent after."""
    now = utcnow() - timedelta(minutes=5)
    events = [storable_event(bot.fake.text_event(f"U{n % chats:032x}", "สวัสดีครับ")) for n in range(count)]
    for event in events:
        event["timestamp"] = int(now.timestamp() * 1000)
    with bot.services.engine.begin() as connection:
        store_new_events(connection, org_id, events, now)


def test_a_burst_in_one_organisation_does_not_delay_anothers_answer(bot: ChatBot) -> None:
    burst_in(bot, bot.org_id)
    b = add_organisation(bot, "tambon-b", "เทศบาลตำบลบี")
    with in_org(bot, b):
        bot.fake.send_text(CITIZEN_B, "ช่วยเหลือ")
    # one pass of the worker: B's event is in the first batch, handled and answered
    handled = bot.processing.processor.process_due(20)
    assert handled == 20
    bot.deliver()
    assert bot.texts_to(CITIZEN_B), "B's citizen waited behind A's backlog"
    with bot.services.uow() as uow:
        counts = uow.inbox.counts_by_status()
    assert counts.get("pending") == BURST - 19  # the rest of A's burst is still there, in its turn


def test_an_outbox_backlog_in_one_organisation_does_not_delay_anothers_answer(bot: ChatBot) -> None:
    """A's quota ran out: 10,000 pushes sat parked; the quota allows again and they are all due at once."""
    a = bot.org_id
    b = add_organisation(bot, "tambon-b", "เทศบาลตำบลบี")
    now = utcnow() - timedelta(minutes=5)
    with bot.services.uow() as uow:
        message = [{"type": "text", "text": "ประกาศ"}]
        uow.outbox.add_pushes(a, [(f"U{n:032x}", message, Priority.NORMAL) for n in range(BURST)], now)
        uow.session.execute(update(OutboxMessage).where(OutboxMessage.org_id == a)
                            .values(status=OutboxStatus.PARKED.value))
        uow.commit()
    with bot.services.uow() as uow:
        assert uow.outbox.unpark(a, now) == BURST
        uow.commit()
    with in_org(bot, b):
        bot.fake.send_text(CITIZEN_B, "ช่วยเหลือ")
    assert bot.processing.processor.process_due(20) == 1
    # one claim of the delivery threads: B's answer is in the first batch
    sent = bot.services.sender.deliver_due(20)
    assert sum(sent.values()) == 20
    assert bot.texts_to(CITIZEN_B), "B's citizen waited behind A's outbox"
    with bot.services.uow() as uow:
        assert uow.outbox.counts_by_status(a).get(OutboxStatus.PENDING.value) == BURST - 19
