"""The event store's writer keeps its PostgreSQL connection while requests keep coming (no pool checkout and no
pre-ping per group commit), gives it back when idle and when the services close, and a held connection that
died meanwhile does not turn a webhook request into a 503 (storage/held_connection.py)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, func, select, text

from linesim import events
from storage.event_store import EventStore
from storage.models import InboxEvent
from tests.conftest import RunningBot, wait_for
from tests.support.inprocess import ChatBot

USER = "U" + "3" * 32


@pytest.fixture(autouse=True)
def _postgresql_only(on_postgresql: bool) -> None:
    if not on_postgresql:
        pytest.skip("the writer holds a connection on PostgreSQL only (SQLite: no round trips)")


def _event() -> dict[str, Any]:
    return events.message_event(USER, None, events.text_message("ช่วยเหลือ"))


def test_the_writer_checks_out_one_connection_while_busy_and_gives_it_back_when_idle(chat_bot: ChatBot) -> None:
    engine = chat_bot.services.engine
    store = EventStore(engine, idle_seconds=30)
    org_id = chat_bot.org_id  # (read before counting: its first read looks the organisation up)
    checkouts: list[object] = []

    def checked_out(*_: object) -> None:
        checkouts.append(_)

    event.listen(engine, "checkout", checked_out)
    try:
        for _ in range(3):
            assert len(store.store(org_id, [_event()])) == 1
    finally:
        event.remove(engine, "checkout", checked_out)
    assert len(checkouts) == 1
    held = engine.pool.checkedout()  # type: ignore[attr-defined]
    store.close()  # what the services' close does before the engine is disposed
    assert engine.pool.checkedout() == held - 1  # type: ignore[attr-defined]

    idle = EventStore(engine, idle_seconds=0.05)
    idle.store(org_id, [_event()])
    assert wait_for(lambda: engine.pool.checkedout() == held - 1, 5)  # type: ignore[attr-defined]


def test_a_held_connection_that_died_costs_a_retry_not_a_503(bot: RunningBot) -> None:
    store = bot.services.event_store
    store.idle_seconds = 60  # held across the two requests (the writer starts with the first)
    assert bot.fake.send_text(USER, "ช่วยเหลือ").status_code == 200
    held = store._held._connection
    assert held is not None
    pid = held.connection.dbapi_connection.info.backend_pid  # type: ignore[union-attr]
    with bot.services.engine.connect() as connection:
        assert connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    def gone() -> bool:
        with bot.services.engine.connect() as connection:  # (a transaction sees one snapshot of the activity)
            return not connection.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                                         {"pid": pid})
    assert wait_for(gone, 5)

    answer = bot.fake.send_text(USER, "สวัสดี")

    assert answer.status_code == 200
    with bot.services.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(InboxEvent)) == 2
    bot.wait_idle()
