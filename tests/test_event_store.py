"""Group commit: concurrent webhook requests share transactions; each returns only once its events are
stored, duplicates racing in one batch are stored once; requests to several organisations share one INSERT,
and one whose organisation's credentials or status changed since it was verified is not stored."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from linesim import events
from storage.clock import utcnow
from storage.event_store import EventStore, StaleChannel, _Request
from storage.models import InboxEvent
from tests.conftest import RunningBot
from tests.support.inprocess import ChatBot
from tests.support.orgs import add_organisation

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


def test_one_commit_stores_several_organisations_requests_and_refuses_only_the_stale_ones(chat_bot: ChatBot) -> None:
    """Requests to many organisations' callbacks share a group commit (one INSERT); one verified with credentials
    replaced since, or for an organisation disabled since, is not stored and is told so; the others are."""
    a = chat_bot.org_id
    b = add_organisation(chat_bot, "tambon-b", "เทศบาลตำบลบี")
    c = add_organisation(chat_bot, "tambon-c", "เทศบาลตำบลซี")
    with chat_bot.services.uow() as uow:
        assert uow.organisations.disable(c, utcnow())
        uow.commit()

    def event() -> dict[str, Any]:
        return events.message_event(USER, None, events.text_message("ช่วยเหลือ"))

    batch = [_Request(a, [event()]), _Request(b, [event(), event()], 0), _Request(b, [event()], 1),
             _Request(c, [event()], 0)]
    store = EventStore(chat_bot.services.engine)
    store._write(batch)
    assert [(len(r.inserted), r.stale, r.error) for r in batch] == [(1, False, None), (2, False, None),
                                                                    (0, True, None), (0, True, None)]
    with chat_bot.services.uow() as uow:
        stored = dict(uow.session.execute(select(InboxEvent.org_id, func.count()).group_by(InboxEvent.org_id)).all())
    assert stored == {a: 1, b: 2}
    with pytest.raises(StaleChannel):  # what the webhook hears, and then reads the organisation again
        store.store(b, [event()], 1)


def test_a_body_is_plain_only_when_cleaning_its_events_would_change_nothing() -> None:
    """The webhook skips walking each event's values (`storable_event`) for a body `plain_body` passes: it
    must never pass one with a NUL, a lone surrogate or nesting past MAX_DEPTH, whatever the escape's case."""
    import json

    from storage.inbox import MAX_DEPTH, UnstorableEvent, plain_body, storable_event, with_storable_time

    def body(text: str, nested: int = 0, timestamp: float = 1_700_000_000_000) -> bytes:
        message: Any = {"type": "text", "text": text}
        for _ in range(nested):
            message = {"inner": [message]}
        event = {"type": "message", "webhookEventId": "01H", "timestamp": timestamp, "message": message}
        return ('{"destination":"U1","events":[' + json.dumps(event, ensure_ascii=True).replace(
            "\\\\u", "\\u") + "]}").encode()

    samples = [body("ช่วยเหลือ"), body("\\u0e01\\u0E01"), body("a\\u0000b"), body("\\uD800x"), body("\\udfff"),
               body("\\udBff"), body("\\\\u0000"), body("x", nested=MAX_DEPTH // 2 - 4),
               body("x", nested=MAX_DEPTH // 2 + 1), body("ok", timestamp=1e300)]
    verdicts = [plain_body(b) for b in samples]
    assert verdicts == [True, True, False, False, False, False, False, True, False, True]
    for raw, plain in zip(samples, verdicts, strict=True):
        event = json.loads(raw)["events"][0]
        try:
            cleaned = storable_event(event)
        except UnstorableEvent:
            assert not plain
            continue
        if plain:
            assert with_storable_time(event) == cleaned
