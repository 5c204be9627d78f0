"""A claimed batch is one transaction: its events held at the start, run together in one savepoint with their
replies written in one executemany (again each in its own savepoint when one fails), the senders' member
records and conversations read once for the whole batch (issue #17). In process (`chat_bot`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from handlers.base import Context
from handlers.events import IncomingEvent
from storage.clock import utcnow
from storage.models import InboxEvent, InboxStatus, OutboxMessage, OutboxStatus, Priority
from storage.outbox import DeferredRepliesLost
from tests.support.inprocess import ChatBot
from texts import chat

ANN, BEN, CAT = "U" + "a" * 32, "U" + "b" * 32, "U" + "c" * 32


class Boom(RuntimeError):
    pass


class FailsOnBoom:
    """Makes the sender a member (a row written in the event's savepoint), then fails."""

    def matches(self, event: IncomingEvent, ctx: Context) -> bool:
        return event.is_text and event.text == "boom"

    def handle(self, event: IncomingEvent, ctx: Context) -> str:
        assert ctx.member is not None
        raise Boom("on purpose")


class PokesAnn:
    """Pushes to Ann and answers the sender: a push written by one event of a batch to the chat of another."""

    def matches(self, event: IncomingEvent, ctx: Context) -> bool:
        return event.is_text and event.text == "poke"

    def handle(self, event: IncomingEvent, ctx: Context) -> str:
        ctx.push(ANN, {"type": "text", "text": "poked"})
        ctx.reply({"type": "text", "text": "done"})
        return "poked"


def _outbox_rows(bot: ChatBot) -> list[OutboxMessage]:
    with bot.services.uow() as uow:
        return sorted((row for status in (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.DELIVERED)
                       for row in uow.outbox.list_by_status(status, 100)), key=lambda row: row.id)


def _claim(bot: ChatBot, lease_seconds: float, limit: int = 10) -> list:  # type: ignore[type-arg]
    with bot.services.uow() as uow:
        claimed = uow.inbox.claim_due(utcnow(), limit, lease_seconds)
        uow.commit()
    return claimed


def test_an_event_claimed_again_mid_batch_takes_effect_once_and_the_rest_of_the_batch_commits(
        chat_bot: ChatBot) -> None:
    bot = chat_bot
    bot.store([bot.fake.text_event(ANN, "ช่วยเหลือ"), bot.fake.text_event(BEN, "ช่วยเหลือ")])
    stale = _claim(bot, lease_seconds=0.0)  # worker A: its lease is over at once
    [fresh] = _claim(bot, lease_seconds=60.0, limit=1)  # worker B takes Ann's event again
    assert len(stale) == 2 and fresh.id == stale[0].id and fresh.attempts == stale[0].attempts + 1
    processor = bot.processing.processor
    assert processor._handle_batch(bot.org_id, stale)  # Ben's answer is written, Ann's is not
    with bot.services.uow() as uow:
        assert uow.inbox.counts_by_status() == {"processing": 1, "done": 1}
    processor._process(fresh)
    bot.deliver()
    assert len(bot.fake.deliveries(to=ANN)) == 1
    assert len(bot.fake.deliveries(to=BEN)) == 1
    with bot.services.uow() as uow:
        assert uow.inbox.counts_by_status() == {"done": 2}


def _inbox(bot: ChatBot) -> list[tuple[str, str, int]]:
    """(sender, status, attempts) of every stored event, in the order received."""
    with bot.services.uow() as uow:
        return [(row.chat_key, row.status, row.attempts)
                for row in uow.session.scalars(select(InboxEvent).order_by(InboxEvent.id))]


def test_a_failed_event_holds_its_chats_later_events_in_the_batch_until_its_retries_end(chat_bot: ChatBot) -> None:
    """Ann's "boom" fails: her next event in the same batch is not run after it (it would overtake it) but
    given back, its attempt not counted, and waits; Ben's is answered. When "boom"'s retries run out (kept
    as failed), Ann's next event is answered, once. The failed event's member record, created in its
    savepoint, is gone with it, and made again by the event that ran."""
    bot = chat_bot
    bot.processing.processor.application.add_handler(FailsOnBoom(), group=-1)
    bot.store([bot.fake.text_event(ANN, "boom"), bot.fake.text_event(ANN, "ช่วยเหลือ"),
               bot.fake.text_event(BEN, "ช่วยเหลือ")])
    assert bot.processing.processor.process_due(10) == 3
    bot.deliver()
    assert bot.texts_to(ANN) == [] and len(bot.texts_to(BEN)) == 1
    assert _inbox(bot) == [(ANN, InboxStatus.PENDING.value, 1), (ANN, InboxStatus.PENDING.value, 0),
                           (BEN, InboxStatus.DONE.value, 1)]
    with bot.services.uow() as uow:
        assert uow.people.member(bot.org_id, ANN) is None
    bot.wait_idle()
    assert len(bot.texts_to(ANN)) == 1  # the menu, once, after "boom" was given up
    assert _inbox(bot) == [(ANN, InboxStatus.FAILED.value, 5), (ANN, InboxStatus.DONE.value, 1),
                           (BEN, InboxStatus.DONE.value, 1)]
    with bot.services.uow() as uow:
        assert uow.people.member(bot.org_id, ANN) is not None


def test_a_chats_new_events_wait_while_an_earlier_one_waits_for_its_retry(
        start_chat_bot: Callable[..., ChatBot]) -> None:
    """Across claims: while Ann's failed event waits for its retry (a minute here), her newer events are not
    claimed, Ben's are; when the retry is due, hers are claimed in order behind it."""
    bot = start_chat_bot(INBOX_RETRY_BASE_SECONDS=60)
    bot.processing.processor.application.add_handler(FailsOnBoom(), group=-1)
    bot.store([bot.fake.text_event(ANN, "boom")])
    assert bot.processing.processor.process_due(10) == 1
    bot.store([bot.fake.text_event(ANN, "ช่วยเหลือ"), bot.fake.text_event(BEN, "ช่วยเหลือ")])
    claimed = _claim(bot, 600.0)
    assert [c.chat_key for c in claimed] == [BEN]
    with time_machine.travel(utcnow() + timedelta(minutes=2), tick=True):
        claimed = _claim(bot, 600.0)
    assert [(c.chat_key, c.payload["message"]["text"]) for c in claimed] == [(ANN, "boom"), (ANN, "ช่วยเหลือ")]


def test_a_conversation_started_in_a_batch_is_seen_by_the_chats_next_events_in_it(chat_bot: ChatBot) -> None:
    bot = chat_bot
    bot.store([bot.fake.text_event(ANN, chat.COMPLAINT_WORDS[0]), bot.fake.text_event(ANN, "ยกเลิก"),
               bot.fake.text_event(ANN, "ยกเลิก")])
    assert bot.processing.processor.process_due(10) == 3
    bot.deliver()
    texts = bot.texts_to(ANN)
    assert len(texts) >= 3
    assert texts[-2] == chat.FLOW_CANCELLED["complaint"]
    assert texts[-1] == chat.NOTHING_TO_CANCEL


def test_a_failing_event_mid_batch_undoes_the_batch_pass_and_every_other_event_is_answered_once(
        chat_bot: ChatBot) -> None:
    """The batch first runs its events together in one savepoint; "boom" fails there, so that pass is undone
    (the replies it had deferred and the members it created included) and the events run again each in its
    own savepoint: one row and one answer per other event, in each chat's order, and "boom" waits for its
    retry."""
    bot = chat_bot
    bot.processing.processor.application.add_handler(FailsOnBoom(), group=-1)
    bot.store([bot.fake.text_event(BEN, "ช่วยเหลือ"), bot.fake.text_event(ANN, "boom"),
               bot.fake.text_event(CAT, "ช่วยเหลือ"), bot.fake.text_event(BEN, "ยกเลิก")])
    assert bot.processing.processor.process_due(10) == 4
    rows = _outbox_rows(bot)
    assert [row.recipients for row in rows] == [[BEN], [CAT], [BEN]]  # nothing of the undone pass is left
    bot.deliver()
    assert len(bot.texts_to(BEN)) == 2 and bot.texts_to(BEN)[1] == chat.NOTHING_TO_CANCEL
    assert len(bot.texts_to(CAT)) == 1 and bot.texts_to(ANN) == []
    with bot.services.uow() as uow:
        assert uow.inbox.counts_by_status() == {InboxStatus.PENDING.value: 1, InboxStatus.DONE.value: 3}
        assert uow.people.member(bot.org_id, ANN) is None  # created in the failing event: undone with it
        assert uow.people.member(bot.org_id, CAT) is not None


def test_a_reply_written_together_stays_ahead_of_a_later_events_push_to_its_chat(chat_bot: ChatBot) -> None:
    """Ann's reply is deferred to the end of the batch; Ben's later event pushes to Ann. The deferred replies
    are written before the push, so Ann's rows (and what she receives) keep the order they were written in."""
    bot = chat_bot
    bot.processing.processor.application.add_handler(PokesAnn(), group=-1)
    bot.store([bot.fake.text_event(ANN, "ช่วยเหลือ"), bot.fake.text_event(BEN, "poke")])
    assert bot.processing.processor.process_due(10) == 2
    rows = _outbox_rows(bot)
    assert [(row.kind, row.recipients) for row in rows] == [("reply", [ANN]), ("push", [ANN]), ("reply", [BEN])]
    bot.deliver()
    assert bot.texts_to(ANN)[-1] == "poked" and len(bot.texts_to(ANN)) == 2
    assert bot.texts_to(BEN)[0] == "done"  # (with the fallback's answer to "poke", in the same reply)


def test_deferred_replies_written_inside_an_undone_savepoint_spoil_the_pass(chat_bot: ChatBot) -> None:
    """A push writes the deferred replies first; if that happened inside a savepoint later rolled back, the
    replies are gone with it, and the pass must not be kept (the processor then runs each event again)."""
    bot = chat_bot
    org_id = bot.org_id
    with bot.services.uow(org_id) as uow:
        uow.outbox.defer_replies()
        uow.outbox.add_reply(org_id, "token-a", ANN, [{"type": "text", "text": "a"}], utcnow())
        with pytest.raises(Boom), uow.savepoint():
            uow.outbox.add_push(org_id, BEN, [{"type": "text", "text": "b"}], Priority.NORMAL, utcnow())
            raise Boom("undo")
        with pytest.raises(DeferredRepliesLost):
            uow.outbox.write_deferred()
        uow.outbox.add_reply(org_id, "token-c", CAT, [{"type": "text", "text": "c"}], utcnow())  # at once again
        uow.commit()
    assert [row.recipients for row in _outbox_rows(bot)] == [[CAT]]
