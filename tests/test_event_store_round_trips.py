"""The group commit's round trips on PostgreSQL (#17/#18): the channel check, the insert and the workers'
notification are one statement (storage/checked_store.py), then the tombstones are read; a stale request is told
apart from a current one of the same organisation, and its copy of an event does not keep the current one's out;
the notification is sent only when something was stored."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from sqlalchemy import func, select

from linesim import events
from storage.event_store import ANY_VERSION, EventStore, _Request
from storage.models import InboxEvent
from storage.wakeups import INBOX_CHANNEL
from tests.support.inprocess import ChatBot
from tests.support.orgs import add_organisation
from tests.support.sent_sql import sent_statements

USER = "U" + "2" * 32


@pytest.fixture(autouse=True)
def _postgresql_only(on_postgresql: bool) -> None:
    if not on_postgresql:
        pytest.skip("round trips to PostgreSQL (SQLite runs in process)")


def _event() -> dict[str, Any]:
    return events.message_event(USER, None, events.text_message("ช่วยเหลือ"))


def test_a_checked_group_commit_sends_two_statements(chat_bot: ChatBot) -> None:
    a = chat_bot.org_id
    b = add_organisation(chat_bot, "tambon-b", "เทศบาลตำบลบี")
    store = EventStore(chat_bot.services.engine)
    batch = [_Request(a, [_event()], ANY_VERSION), _Request(b, [_event()], 0), _Request(b, [_event()], 1),
             _Request(a, [_event()])]
    with sent_statements(chat_bot.services.engine) as sent:
        store._write(batch)
    assert [(len(r.inserted), r.stale, r.error) for r in batch] == [(1, False, None), (1, False, None),
                                                                    (0, True, None), (1, False, None)]
    # the check, the insert and pg_notify in one; the tombstones after it
    assert len(sent) == 2, [s.statement for s in sent]
    assert "org_credentials" in sent[0].statement and "pg_notify" in sent[0].statement
    assert "inbox_tombstones" in sent[1].statement


def test_a_stale_requests_copy_of_an_event_does_not_keep_a_current_ones_out(chat_bot: ChatBot) -> None:
    b = add_organisation(chat_bot, "tambon-b", "เทศบาลตำบลบี")
    shared = _event()
    batch = [_Request(b, [shared], 1), _Request(b, [shared, _event()], 0)]
    EventStore(chat_bot.services.engine)._write(batch)
    assert [(r.stale, sorted(r.inserted)) for r in batch] == [
        (True, []), (False, sorted(e["webhookEventId"] for e in batch[1].events))]
    with chat_bot.services.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(InboxEvent)
                                  .where(InboxEvent.org_id == b)) == 2


def test_workers_are_notified_only_when_events_were_stored(chat_bot: ChatBot) -> None:
    url = chat_bot.services.engine.url.set(drivername="postgresql")
    store = EventStore(chat_bot.services.engine)
    first = _event()
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as listener:
        listener.execute(f"LISTEN {INBOX_CHANNEL}")
        store._write([_Request(chat_bot.org_id, [first], ANY_VERSION)])
        assert [n.payload for n in listener.notifies(timeout=5, stop_after=1)] == ["events"]
        store._write([_Request(chat_bot.org_id, [first], ANY_VERSION)])  # a redelivery: nothing new
        store._write([_Request(chat_bot.org_id, [_event()], 7)])  # stale: nothing stored
        assert list(listener.notifies(timeout=0.5)) == []
        store._write([_Request(chat_bot.org_id, [_event()], ANY_VERSION)])
        assert [n.payload for n in listener.notifies(timeout=5, stop_after=1)] == ["events"]
