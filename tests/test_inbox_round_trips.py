"""The inbox's round trips on PostgreSQL (#17): a claim is its lock and two statements whatever it holds (the chats
to leave alone, then one that ranks, locks, checks and takes), and a claimed batch's events are marked handled
in one statement. Every claim waits for the one before it to commit, and each statement it sends while holding
the lock is a round trip from a process whose GIL the worker's other threads share: 20 ms of waiting per claim
in the end-to-end bench before. The rules stay: each organisation's oldest first, a chat held elsewhere left
out, the limit kept. In process (`chat_bot`); SQLite claims in process, with no round trips to save. A batch's
hold is one SQL text whatever its size, on both."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from storage.clock import utcnow
from storage.inbox import ClaimedEvent, storable_event, store_new_events
from storage.models import InboxEvent, InboxStatus
from tests.support.inprocess import ChatBot
from tests.support.orgs import add_organisation
from tests.support.sent_sql import Sent, sent_statements

ANN, BEN, CAT, DAN = "U" + "a" * 32, "U" + "b" * 32, "U" + "c" * 32, "U" + "d" * 32


@pytest.fixture
def bot(chat_bot: ChatBot, on_postgresql: bool) -> ChatBot:
    if not on_postgresql:
        pytest.skip("SQLite claims in process: no round trips to save")
    return chat_bot


def _store(bot: ChatBot, org_id: int, events: list[dict[str, Any]]) -> None:
    with bot.services.engine.begin() as connection:
        store_new_events(connection, org_id, [storable_event(e) for e in events], utcnow())


def _claim(bot: ChatBot, limit: int, lease_seconds: float = 60.0) -> tuple[list[ClaimedEvent], list[Sent]]:
    with sent_statements(bot.services.engine) as sent, bot.services.uow() as uow:
        claimed = uow.inbox.claim_due(utcnow(), limit, lease_seconds)
        uow.commit()
    return claimed, sent


def _text(event: ClaimedEvent) -> tuple[str, str]:
    return event.chat_key, event.payload["message"]["text"]


def test_a_claim_is_its_lock_and_two_statements_and_keeps_the_rules(bot: ChatBot) -> None:
    """Three organisations. Dan's first event (the third's) was claimed by a worker whose lease ran out and
    that still holds it (its batch under way): it is skipped, and his next one waits for it. The first claim
    (a limit of 2) takes each organisation's oldest: Ann's, then Cat's (though Ben's is older than Cat's);
    the next one Ben's (Ann's second waits for her first, in progress; Dan's for his); then, Dan's first done,
    his second. Three statements each time."""
    a, b, c = bot.org_id, add_organisation(bot, "tambon-b", "เทศบาลตำบลบี"), add_organisation(bot, "tambon-c", "ซี")
    _store(bot, c, [bot.fake.text_event(DAN, "d1")])
    [late] = _claim(bot, 5, lease_seconds=0.0)[0]
    with bot.services.uow(c) as batch:  # the late worker's batch, holding Dan's first event
        assert batch.inbox.hold({late.id: late.attempts}, utcnow(), 60.0) == {late.id}
        _store(bot, a, [bot.fake.text_event(ANN, "a1"), bot.fake.text_event(BEN, "b1"),
                        bot.fake.text_event(ANN, "a2")])
        _store(bot, b, [bot.fake.text_event(CAT, "c1")])
        _store(bot, c, [bot.fake.text_event(DAN, "d2")])
        claims = [_claim(bot, 2), _claim(bot, 10)]
        batch.inbox.finish_held([(late.id, InboxStatus.DONE, "d1")], utcnow())
        batch.commit()
    claims.append(_claim(bot, 10))
    assert [[_text(event) for event in claimed] for claimed, _ in claims] == [
        [(ANN, "a1"), (CAT, "c1")], [(BEN, "b1")], [(DAN, "d2")]]
    assert all(event.attempts == 1 for claimed, _ in claims for event in claimed)
    assert [len(sent) for _, sent in claims] == [3, 3, 3], [[x.statement for x in sent] for _, sent in claims]


def test_a_claimed_batch_is_marked_handled_in_one_statement(bot: ChatBot) -> None:
    """Five events of three chats, answered in one claim: one UPDATE holds them, one marks them handled, each
    with its own outcome, none an executemany."""
    bot.store([bot.fake.text_event(ANN, "ช่วยเหลือ"), bot.fake.text_event(BEN, "ช่วยเหลือ"),
               bot.fake.unfollow_event(CAT), bot.fake.text_event(ANN, "ยกเลิก"), bot.fake.text_event(BEN, "เมนู")])
    with sent_statements(bot.services.engine) as sent:
        assert bot.processing.processor.process_due(10) == 5
    updates = [x for x in sent if x.statement.lstrip().upper().startswith("UPDATE INBOX_EVENTS")]
    assert len(updates) == 2 and not any(x.executemany for x in updates), updates  # hold, finish
    with bot.services.uow() as uow:
        rows = list(uow.session.scalars(select(InboxEvent).order_by(InboxEvent.id)))
    assert [(row.status, row.outcome) for row in rows] == [
        (InboxStatus.DONE.value, outcome) for outcome in ("help", "help", "unfollow", "cancel:nothing", "help")]
    assert all(row.processed_at and row.lease_until is None and row.attempts == 1 for row in rows)


def test_a_batchs_hold_is_one_sql_text_whatever_its_size(chat_bot: ChatBot) -> None:
    """The claimed ids are bound as one value: PostgreSQL parses and plans the hold once per connection."""
    bot = chat_bot
    with sent_statements(bot.services.engine) as sent:
        for texts in (["ช่วยเหลือ", "ยกเลิก"], ["ช่วยเหลือ", "ยกเลิก", "เมนู"]):
            bot.store([bot.fake.text_event(user, text) for user, text in zip((ANN, BEN, CAT), texts, strict=False)])
            assert bot.processing.processor.process_due(10) == len(texts)
    holds = {x.statement for x in sent if x.statement.lstrip().upper().startswith("UPDATE INBOX_EVENTS SET LEASE_UNTIL")}
    assert len(holds) == 1, holds
