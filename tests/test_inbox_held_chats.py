"""The inbox claim leaves out the chats that must wait by one bound value, as the outbox claim does
(storage/chat_lists.py): thousands of chats with an event waiting for its retry meet no limit on a statement's
parameters, and the claim still finds the chat that may go."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert

from storage.clock import utcnow
from storage.models import InboxEvent, InboxStatus
from tests.support.inprocess import ChatBot
from tests.support.sent_sql import sent_statements
from tests.test_outbox_claims import _bound_list, _few_parameters

BEN = "U" + "b" * 32
WAITING = 1_200


def test_a_claim_leaves_out_more_waiting_chats_than_a_statement_has_parameters(chat_bot: ChatBot) -> None:
    """1,200 chats each have an event waiting for its retry and a newer one due behind it; SQLite is made to
    take at most 500 parameters in a statement (bound a parameter per chat, the claim failed there). The claim
    takes only Ben's event, and binds the waiting chats as one value."""
    bot = chat_bot
    now = utcnow()

    def row(n: int, suffix: str, status: InboxStatus, attempts: int, due: timedelta) -> dict[str, object]:
        return {"org_id": bot.org_id, "webhook_event_id": f"W{n:08d}{suffix}", "chat_key": f"U{n:032d}",
                "event_type": "message", "payload": {"type": "message"}, "is_redelivery": False,
                "event_time": now, "received_at": now, "status": status.value, "attempts": attempts,
                "next_attempt_at": now + due}

    rows = [row(n, "a", InboxStatus.PENDING, 1, timedelta(minutes=10)) for n in range(WAITING)]
    rows += [row(n, "b", InboxStatus.PENDING, 0, timedelta(0)) for n in range(0, WAITING, 100)]  # due, behind
    with bot.services.uow() as uow:
        uow.session.execute(insert(InboxEvent), rows)
        uow.commit()
    bot.store([bot.fake.text_event(BEN, "ช่วยเหลือ")])
    with _few_parameters(bot, 500), sent_statements(bot.services.engine) as sent, bot.services.uow() as uow:
        claimed = uow.inbox.claim_due(utcnow() + timedelta(seconds=1), 20, 30.0)
        uow.commit()
    assert [event.chat_key for event in claimed] == [BEN]
    lists = [found for x in sent if (found := _bound_list(x.parameters)) is not None]
    assert lists and all(len(found) == WAITING for found in lists)
