"""A claimed batch is one transaction: its events held at the start, each in a savepoint, the senders' member
records and conversations read once for the whole batch (issue #17). In process (`chat_bot`)."""

from __future__ import annotations

from handlers.base import Context
from handlers.events import IncomingEvent
from storage.clock import utcnow
from storage.models import InboxStatus
from tests.support.inprocess import ChatBot
from texts import chat

ANN, BEN = "U" + "a" * 32, "U" + "b" * 32


class Boom(RuntimeError):
    pass


class FailsOnBoom:
    """Makes the sender a member (a row written in the event's savepoint), then fails."""

    def matches(self, event: IncomingEvent, ctx: Context) -> bool:
        return event.is_text and event.text == "boom"

    def handle(self, event: IncomingEvent, ctx: Context) -> str:
        assert ctx.member is not None
        raise Boom("on purpose")


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


def test_a_failed_event_of_a_batch_leaves_nothing_the_next_event_of_its_chat_would_reuse(chat_bot: ChatBot) -> None:
    """The failing event created the sender's member record in its savepoint; rolled back, the batch's
    cached record is forgotten, and the chat's next event in the same batch creates it again."""
    bot = chat_bot
    bot.processing.processor.application.add_handler(FailsOnBoom(), group=-1)
    bot.store([bot.fake.text_event(ANN, "boom"), bot.fake.text_event(ANN, "ช่วยเหลือ")])
    assert bot.processing.processor.process_due(10) == 2
    bot.deliver()
    assert len(bot.fake.deliveries(to=ANN)) == 1  # the menu
    with bot.services.uow() as uow:
        counts = uow.inbox.counts_by_status()
        member = uow.people.member(bot.org_id, ANN)
    assert counts == {InboxStatus.PENDING.value: 1, InboxStatus.DONE.value: 1}  # "boom" waits for its retry
    assert member is not None


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
