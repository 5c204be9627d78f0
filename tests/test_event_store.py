"""Group commit: concurrent webhook requests share transactions; each returns only once its events are
stored, duplicates racing in one batch are stored once."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import func, select

from storage.event_store import EventStore
from storage.models import InboxEvent
from tests.conftest import RunningBot


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
