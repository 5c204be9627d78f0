"""Retention: past RETENTION_DAYS, stored events and sent messages keep no user id and no text."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from storage.clock import utcnow
from storage.models import InboxEvent, OutboxMessage, Priority
from tests.support.inprocess import ChatBot
from usecases.retention import scrub_expired

USER = "U" + "7" * 32
TEXT = "ข้อความที่ไม่ควรเก็บไว้นาน"


@pytest.fixture
def bot(chat_bot: ChatBot) -> ChatBot:
    """This module runs in process (tests/support/inprocess.py): no HTTP, no worker thread."""
    return chat_bot


def test_old_finished_events_and_messages_are_scrubbed_pending_work_is_not(bot: ChatBot) -> None:
    bot.fake.send_text(USER, TEXT)
    bot.wait_idle()
    with bot.services.uow() as uow:  # an answer still waiting (e.g. parked) must survive
        uow.outbox.add_push(bot.org_id, USER, [{"type": "text", "text": "ยังไม่ส่ง"}], Priority.NORMAL, utcnow())
        old = utcnow() - timedelta(days=31)
        uow.session.execute(update(InboxEvent).values(received_at=old))
        uow.session.execute(update(OutboxMessage).values(created_at=old))
        uow.commit()
    result = scrub_expired(bot.services.uow, retention_days=30)
    assert (result.events, result.messages) == (1, 1)
    with bot.services.uow() as uow:
        [event] = uow.session.scalars(select(InboxEvent)).all()
        assert event.scrubbed_at is not None and event.event_type == "message"
        assert USER not in str(event.payload) and TEXT not in str(event.payload)
        messages = {m.status: m for m in uow.session.scalars(select(OutboxMessage))}
        assert messages["delivered"].messages == [] and messages["delivered"].recipients == []
        assert messages["delivered"].chat_key is None  # it names the recipient too
        assert messages["pending"].recipients == [USER] and messages["pending"].chat_key == USER
    assert scrub_expired(bot.services.uow, retention_days=30) == type(result)(0, 0)


def test_recent_work_is_kept(bot: ChatBot) -> None:
    bot.fake.send_text(USER, TEXT)
    bot.wait_idle()
    assert scrub_expired(bot.services.uow, retention_days=30).events == 0
