"""Group commit: concurrent webhook requests share transactions; each returns only once its events are
stored, duplicates racing in one batch are stored once."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import func, select

from storage.event_store import EventStore
from storage.models import InboxEvent
from tests.conftest import RunningBot

USER = "U" + "1" * 32


def test_concurrent_requests_are_all_stored_once_and_visible_when_store_returns(bot: RunningBot) -> None:
    store = EventStore(bot.services.engine)
    events = [bot.fake.text_event(f"U{i % 7:032d}", f"ข้อความ {i}") for i in range(120)]
    problems: list[str] = []

    def send(chunk: list[dict[str, Any]]) -> None:
        store.store(bot.org_id, chunk)
        with bot.services.uow() as uow:  # committed: another connection sees it at once
            ids = [e["webhookEventId"] for e in chunk]
            seen = uow.session.scalar(select(func.count()).where(InboxEvent.webhook_event_id.in_(ids)))
            if seen != len(set(ids)):
                problems.append(f"{seen} of {len(set(ids))} visible")

    # 40 requests at once; every event is sent twice (by two different requests)
    chunks = [events[i : i + 6] for i in range(0, 120, 6)] * 2
    threads = [threading.Thread(target=send, args=(chunk,)) for chunk in chunks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert problems == []
    with bot.services.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(InboxEvent)) == 120
    bot.wait_idle(timeout=30)


def test_events_the_database_refuses_fail_only_their_own_request(bot: RunningBot, monkeypatch: Any) -> None:
    # Should an event the database refuses get past storable_event, it must not make the requests that share
    # its transaction answer 503 (LINE would send them all again, the refused one for ever).
    monkeypatch.setattr("storage.event_store.storable_event", lambda event: event)
    store = EventStore(bot.services.engine)
    bad = {**bot.fake.text_event(USER, "x"), "source": {"type": "user", "userId": "U\ud800"}}
    good = [[bot.fake.text_event(f"U{i:032d}", "ช่วยเหลือ")] for i in range(30)]
    start = threading.Barrier(len(good) + 1)
    outcomes: dict[int, str] = {}

    def send(n: int, events: list[dict[str, Any]]) -> None:
        start.wait()
        try:
            store.store(bot.org_id, events)
            outcomes[n] = "stored"
        except Exception as exc:
            outcomes[n] = type(exc).__name__

    threads = [threading.Thread(target=send, args=(n, events)) for n, events in enumerate([[bad], *good])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes == {0: "UnstorableEvent", **{n: "stored" for n in range(1, len(good) + 1)}}
    with bot.services.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(InboxEvent)) == len(good)
