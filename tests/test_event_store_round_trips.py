"""The group commit's round trips on PostgreSQL (#17/#18): the channel check, the insert and the workers'
notification are one statement (storage/checked_store.py), the tombstones a second, both sent in one pipeline
in one implicit transaction (one round trip, no BEGIN or COMMIT); the second sees a tombstone left by a handler
the insert waited for; a stale request is told apart from a current one of the same organisation, and its copy
of an event does not keep the current one's out; the notification is sent only when something was stored."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from psycopg import pq
from sqlalchemy import delete, func, insert, select, text

from linesim import events
from storage.event_store import ANY_VERSION, EventStore, _Request
from storage.inbox import tombstone_of
from storage.models import InboxEvent, InboxTombstone
from storage.wakeups import INBOX_CHANNEL
from tests.conftest import wait_for
from tests.support.inprocess import ChatBot
from tests.support.orgs import add_organisation

USER = "U" + "2" * 32


@pytest.fixture(autouse=True)
def _postgresql_only(on_postgresql: bool) -> None:
    if not on_postgresql:
        pytest.skip("round trips to PostgreSQL (SQLite runs in process)")


def _event() -> dict[str, Any]:
    return events.message_event(USER, None, events.text_message("ช่วยเหลือ"))


@contextmanager
def _wire(store: EventStore) -> Iterator[list[tuple[str, str]]]:
    """The protocol messages between the writer's held connection and the server meanwhile, as (F: sent, B:
    received; the message's type), from libpq's trace."""
    driver = store._held._connection.connection.driver_connection  # type: ignore[union-attr]
    messages: list[tuple[str, str]] = []
    with tempfile.TemporaryFile("w+") as trace:
        driver.pgconn.trace(trace.fileno())
        driver.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
        try:
            yield messages
        finally:
            driver.pgconn.untrace()
            trace.seek(0)
            messages.extend((fields[0], fields[2].strip()) for fields in (line.split("\t") for line in trace)
                            if len(fields) > 2)


def test_a_checked_group_commit_is_one_round_trip(chat_bot: ChatBot) -> None:
    a = chat_bot.org_id
    b = add_organisation(chat_bot, "tambon-b", "เทศบาลตำบลบี")
    store = EventStore(chat_bot.services.engine)
    store._write([_Request(a, [_event()], ANY_VERSION)])  # the writer holds its connection from now on
    batch = [_Request(a, [_event()], ANY_VERSION), _Request(b, [_event()], 0), _Request(b, [_event()], 1),
             _Request(a, [_event()])]
    with _wire(store) as wire:
        store._write(batch)
    assert [(len(r.inserted), r.stale, r.error) for r in batch] == [(1, False, None), (1, False, None),
                                                                    (0, True, None), (1, False, None)]
    # the check, the insert and pg_notify in one statement, the tombstones in a second, one Sync: one round trip,
    # one implicit transaction (four round trips before: BEGIN, the two statements, COMMIT)
    sent = [kind for side, kind in wire if side == "F"]
    assert sent.count("Execute") == 2 and sent.count("Sync") == 1 and "Query" not in sent, wire
    assert [kind for side, kind in wire if side == "B"].count("ReadyForQuery") == 1, wire
    with chat_bot.services.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(InboxEvent)) == 4


def test_an_insert_that_waited_for_a_handlers_delete_sees_the_tombstone_it_left(chat_bot: ChatBot) -> None:
    """A redelivery of an event whose handler is deleting it (a complaint's: `InboxRepository.scrub_now`) waits on
    the row the handler deletes; once the handler commits, the insert goes ahead, and the tombstone read in the
    same transaction takes it out again: nothing stored, the redelivery answered as a duplicate."""
    engine = chat_bot.services.engine
    key = b"t" * 32
    store = EventStore(engine, events_key=key)
    event = _event()
    first = _Request(chat_bot.org_id, [event], ANY_VERSION)
    store._write([first])
    assert first.inserted
    redelivery = _Request(chat_bot.org_id, [event], ANY_VERSION)
    with engine.connect() as handler, engine.connect() as observer:
        handler.begin()
        handler.execute(insert(InboxTombstone), {"event_hash": tombstone_of(key, event["webhookEventId"])})
        handler.execute(delete(InboxEvent).where(InboxEvent.webhook_event_id == event["webhookEventId"]))
        writer = threading.Thread(target=store._write, args=([redelivery],))
        writer.start()
        waiting = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
        assert wait_for(lambda: observer.execute(waiting).scalar() == 1)
        handler.commit()
        writer.join(10)
    assert not writer.is_alive()
    assert (redelivery.inserted, redelivery.stale, redelivery.error) == ({}, False, None)
    with chat_bot.services.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(InboxEvent)) == 0


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
