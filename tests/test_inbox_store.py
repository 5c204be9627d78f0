"""The webhook's event store (`storage.inbox.store_events_of`, #17/#18): one SQL text per statement whatever the
number of events and organisations a group commit gathers (so neither SQLAlchemy nor PostgreSQL compiles or
parses it again for each new group size), with every rule of the store kept in a mixed group: each event under
its organisation, stored once (a duplicate in the group, one stored before, one handled and deleted since: its
tombstone), row ids in the order received. In process, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Connection, insert, select

from storage.clock import utcnow
from storage.inbox import storable_event, store_events_of, tombstone_of
from storage.models import InboxEvent, InboxTombstone
from storage.organisations import channel_versions
from tests.support.inprocess import ChatBot
from tests.support.orgs import add_organisation
from tests.support.sent_sql import Sent, sent_statements
from usecases.organisations import disable_organisation

KEY = b"k" * 32


def _events(bot: ChatBot, tag: str, count: int) -> list[dict[str, Any]]:
    return [storable_event(bot.fake.text_event(f"U{n:032x}", f"{tag} {n}")) for n in range(count)]


@pytest.fixture
def statements(chat_bot: ChatBot) -> Iterator[list[Sent]]:
    """The SQL sent to the database while the test runs."""
    with sent_statements(chat_bot.services.engine) as sent:
        yield sent


def _store(bot: ChatBot, batches: list[tuple[int, list[dict[str, Any]]]]) -> dict[str, int]:
    with bot.services.engine.begin() as connection:
        return store_events_of(connection, batches, utcnow(), KEY)


def test_one_sql_text_per_statement_whatever_the_group_size(chat_bot: ChatBot, statements: list[Sent]) -> None:
    other = add_organisation(chat_bot, "tambon-b", "เทศบาลตำบลบี")
    statements.clear()
    for size in (1, 2, 5, 17):
        group = _events(chat_bot, f"g{size}", size)
        stored = _store(chat_bot, [(chat_bot.org_id, group[: size // 2]), (other, group[size // 2:])])
        assert len(stored) == size
    inserts = {s for s in (x.statement for x in statements) if s.lstrip().upper().startswith("INSERT INTO INBOX_EVENTS")}
    lookups = {s for s in (x.statement for x in statements) if "inbox_tombstones" in s}
    assert len(inserts) == 1, inserts
    assert len(lookups) == 1, lookups


def test_the_channel_versions_check_is_one_sql_text_and_leaves_out_disabled_organisations(
        chat_bot: ChatBot, statements: list[Sent]) -> None:
    others = [add_organisation(chat_bot, f"tambon-{n}", f"เทศบาลตำบล {n}") for n in range(3)]
    with chat_bot.services.uow() as uow:
        disable_organisation(uow, "tambon-2", utcnow())
        uow.commit()
    own = chat_bot.org_id  # (read outside the transaction: it takes SQLite's write lock itself)
    statements.clear()
    with chat_bot.services.engine.begin() as connection:
        assert channel_versions(connection, [others[0]]) == {others[0]: 0}
        assert channel_versions(connection, [own, *others, 10_000]).keys() == {own, *others[:2]}
    assert len({s for s in (x.statement for x in statements) if "org_credentials" in s}) == 1, statements


def test_a_mixed_group_is_stored_once_under_each_organisation_in_order(chat_bot: ChatBot) -> None:
    other = add_organisation(chat_bot, "tambon-b", "เทศบาลตำบลบี")
    before, handled, *new = _events(chat_bot, "m", 6)
    new[1]["deliveryContext"] = {"isRedelivery": True}
    new[2]["timestamp"] = None
    # texts the store's JSON must carry through unchanged: quotes, backslashes, Thai, an emoji (a surrogate pair
    # once escaped), a zero-width space
    new[0]["message"]["text"] = 'ร้องเรียน "นายก" \\ ทาง C:\\new 😀\u200b }], ["'
    assert _store(chat_bot, [(chat_bot.org_id, [before])]).keys() == {before["webhookEventId"]}
    with chat_bot.services.engine.begin() as connection:
        connection.execute(insert(InboxTombstone), {"event_hash": tombstone_of(KEY, handled["webhookEventId"])})
    group = [(chat_bot.org_id, [new[0], before, handled, new[1]]), (other, [new[2], new[0], new[3]])]

    stored = _store(chat_bot, group)

    assert list(stored) == [e["webhookEventId"] for e in new]
    assert sorted(stored.values()) == list(stored.values())  # ids in the order received
    with chat_bot.services.engine.connect() as connection:
        rows = _rows(connection)
    assert [row.webhook_event_id for row in rows] == [e["webhookEventId"] for e in [before, *new]]
    by_id = {row.webhook_event_id: row for row in rows}
    assert [by_id[e["webhookEventId"]].org_id for e in new] == [chat_bot.org_id, chat_bot.org_id, other, other]
    assert [by_id[e["webhookEventId"]].is_redelivery for e in new] == [False, True, False, False]
    for stored_event in new:
        row = by_id[stored_event["webhookEventId"]]
        assert row.payload == stored_event
        assert row.chat_key == stored_event["source"]["userId"] and row.event_type == "message"
        assert row.status == "pending" and row.attempts == 0
        assert row.received_at.tzinfo is UTC and row.next_attempt_at == row.received_at
    assert by_id[new[2]["webhookEventId"]].event_time is None
    assert by_id[new[3]["webhookEventId"]].event_time == datetime.fromtimestamp(new[3]["timestamp"] / 1000, UTC)
    # and again: nothing new
    assert _store(chat_bot, group) == {}


def _rows(connection: Connection) -> list[Any]:
    return list(connection.execute(select(InboxEvent.__table__).order_by(InboxEvent.id)))
