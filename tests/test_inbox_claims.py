"""A claim takes only events that are due at the moment it locks them (issue #14, the soak's doubled answer).

A worker whose lease ran out (a slow batch on a loaded machine) may still finish its events. Another
worker's claim first reads which events are due (no lock), then locks them (FOR UPDATE SKIP LOCKED): an
event the late worker commits as done between those two statements was taken again, handled a second
time in the state the first run left (a head's "เสร็จ" answered "กรุณากด ยืนยัน"), and its second answer,
refused on the used reply token, went out by push. In process (`chat_bot`), two processors on one
PostgreSQL database; the late worker's commit is injected right before the claim reads which events are due.
(On PostgreSQL that read and the locks are one statement, storage/inbox_claim.py: a commit between its
snapshot and its locks, which a test cannot place, is met by PostgreSQL checking a locked row's conditions
again on its newest version, as it was between the statements before.)"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from storage.clock import utcnow
from storage.inbox import ClaimedEvent
from storage.models import InboxStatus
from tests.support.inprocess import ChatBot

ANN, BEN = "U" + "a" * 32, "U" + "b" * 32
DUE_READ = "row_number() OVER"  # the claim's read of each organisation's oldest due event


def _claim(bot: ChatBot, lease_seconds: float, limit: int = 10) -> list[ClaimedEvent]:
    with bot.services.uow() as uow:
        claimed = uow.inbox.claim_due(utcnow(), limit, lease_seconds)
        uow.commit()
    return claimed


@contextmanager
def before_the_claims_due_read(bot: ChatBot, action: Callable[[], None]) -> Iterator[list[int]]:
    """Run `action` (another worker's commit) once, after a claim has taken its lock and right before it reads
    which events are due; yields a list that holds 1 once it ran."""
    ran: list[int] = []

    def hook(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if DUE_READ in statement and not ran:
            ran.append(1)
            action()

    event.listen(bot.services.engine, "before_cursor_execute", hook)
    try:
        yield ran
    finally:
        event.remove(bot.services.engine, "before_cursor_execute", hook)


def _statuses(bot: ChatBot) -> dict[str, int]:
    with bot.services.uow() as uow:
        return uow.inbox.counts_by_status()


@pytest.mark.parametrize("batch", [False, True], ids=["one event", "a batch"])
def test_an_event_a_late_worker_finishes_during_a_claim_is_not_taken_again(
        chat_bot: ChatBot, on_postgresql: bool, batch: bool) -> None:
    if not on_postgresql:
        pytest.skip("SQLite's BEGIN IMMEDIATE lets no commit in while a claim runs: the race needs PostgreSQL")
    bot = chat_bot
    processor = bot.processing.processor
    bot.store([bot.fake.text_event(ANN, "ช่วยเหลือ")] + ([bot.fake.text_event(BEN, "ช่วยเหลือ")] if batch else []))
    late = _claim(bot, lease_seconds=0.0)  # worker A: its lease is over at once, and it goes on regardless

    def late_worker_commits() -> None:
        if batch:
            processor._handle_batch(bot.org_id, late)
        else:
            processor._process(late[0])

    with before_the_claims_due_read(bot, late_worker_commits) as ran:
        taken = processor.process_due(10)  # worker B: the events were due when its claim looked
    assert ran, "the claim no longer reads the due events first: move the injected commit"
    assert taken == 0
    bot.deliver()
    assert [d.kind for d in bot.fake.deliveries(to=ANN)] == ["reply"]
    if batch:
        assert [d.kind for d in bot.fake.deliveries(to=BEN)] == ["reply"]
    assert _statuses(bot) == {InboxStatus.DONE.value: len(late)}


def test_a_claim_still_takes_the_events_of_a_worker_that_died(chat_bot: ChatBot) -> None:
    """The other side of the rule: a lease that ran out with nobody finishing the event (the worker was
    killed) lets the next claim take it, once."""
    bot = chat_bot
    bot.store([bot.fake.text_event(ANN, "ช่วยเหลือ")])
    [dead] = _claim(bot, lease_seconds=0.0)
    [taken] = _claim(bot, lease_seconds=60.0)
    assert taken.id == dead.id and taken.attempts == dead.attempts + 1
    assert _claim(bot, lease_seconds=60.0) == []  # held by the live claim now


def test_a_chats_next_event_waits_while_a_late_worker_still_holds_its_earlier_one(
        chat_bot: ChatBot, on_postgresql: bool) -> None:
    """Worker A's lease on Ann's first event ran out, but A holds it in its batch (locked, not committed).
    Her next message must wait for it: handled beside it, it would run in the state before the first."""
    if not on_postgresql:
        pytest.skip("SQLite's write lock keeps a claim out while a batch holds events: nothing to overtake")
    bot = chat_bot
    bot.store([bot.fake.text_event(ANN, "ช่วยเหลือ")])
    [first] = _claim(bot, lease_seconds=0.0)
    with bot.services.uow(bot.org_id) as batch:  # worker A's batch transaction, under way
        assert batch.inbox.hold({first.id: first.attempts}, utcnow(), 60.0) == {first.id}
        bot.store([bot.fake.text_event(ANN, "ยกเลิก"), bot.fake.text_event(BEN, "ช่วยเหลือ")])
        taken = _claim(bot, lease_seconds=60.0)
        assert [event.chat_key for event in taken] == [BEN]  # Ben's chat does not wait for Ann's
        batch.inbox.finish_held([(first.id, InboxStatus.DONE, "help")], utcnow())
        batch.commit()
    [second] = _claim(bot, lease_seconds=60.0)
    assert second.chat_key == ANN and second.id > first.id
