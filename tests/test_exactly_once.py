"""Exactly one answer per message, whatever LINE and the worker do: slow answers past a short lease, answers
after the request timeout, connections dropped after LINE accepted, a sender killed mid-batch, a sender that
lost its lease. A reply that may have been accepted is never followed by a push of the same answer."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from bot.line.api import LineApi, SendResult
from bot.line.outbox_sender import DeliveryPolicy, OutboxSender
from storage.clock import utcnow
from storage.models import OutboxMessage, OutboxStatus, Priority
from storage.uow import UnitOfWork
from tests.conftest import RunningBot, wait_for
from tests.support.botcli import run_cli

REPLY_PATH = "/v2/bot/message/reply"
PUSH_PATH = "/v2/bot/message/push"


def users(count: int) -> list[str]:
    return [f"U{i:032x}" for i in range(1, count + 1)]


def ask(bot: RunningBot, people: list[str]) -> None:
    """Every person asks for help in one webhook body (one reply each)."""
    assert bot.fake.send_events([bot.fake.text_event(user, "ช่วยเหลือ") for user in people]).status_code == 200


def process_events(bot: RunningBot) -> None:
    """Handle the stored events (answers written to the outbox) without delivering anything."""
    while bot.processing.processor.process_due(20):
        pass


def statuses(bot: RunningBot) -> Counter[str]:
    with bot.services.uow() as uow:
        return Counter(uow.session.scalars(select(OutboxMessage.status)))


def settle(bot: RunningBot) -> Counter[str]:
    """One more delivery pass (the retries' backoff is short in tests); the statuses after it."""
    bot.services.sender.deliver_due()
    return statuses(bot)


def assert_exactly_once(bot: RunningBot, people: list[str]) -> None:
    """Each person got exactly one answer; no reply token and no retry key was accepted twice."""
    tokens = bot.fake.count_by_reply_token()
    assert all(count == 1 for count in tokens.values()), tokens
    keys = bot.fake.count_by_retry_key()
    assert all(count == 1 for count in keys.values()), keys
    doubled = {user: [d.kind for d in bot.fake.deliveries(to=user)] for user in people
               if len(bot.fake.deliveries(to=user)) != 1}
    assert doubled == {}, f"{len(doubled)} of {len(people)} did not get exactly one answer: {doubled}"


def test_replies_answered_late_past_a_short_lease_arrive_once(start_bot: Callable[..., RunningBot]) -> None:
    """LINE accepts every reply at once but answers 2 s later, while the lease is 0.5 s: the other delivery
    threads take the rows in flight. Nobody gets the answer twice, and every row ends delivered."""
    bot = start_bot(OUTBOX_LEASE_SECONDS=0.5)
    people = users(8)
    bot.fake.set_delay(REPLY_PATH, 2.0, times=len(people), after_accept=True)
    ask(bot, people)
    assert wait_for(lambda: statuses(bot) == Counter({OutboxStatus.DELIVERED.value: len(people)}), timeout=60), \
        statuses(bot)
    assert_exactly_once(bot, people)
    assert bot.fake.deliveries(kind="push") == []


def test_reply_accepted_but_answered_after_the_timeout_is_not_pushed(
        start_bot: Callable[..., RunningBot]) -> None:
    """The answer comes after our request timeout: the reply may have been accepted (it was), so it is
    never sent again by push; LINE cannot confirm it, so the row says 'uncertain' and the CLI counts it."""
    bot = start_bot(with_worker=False, LINE_REQUEST_TIMEOUT=0.5)
    people = users(3)
    bot.fake.set_delay(REPLY_PATH, 1.5, times=len(people), after_accept=True)
    ask(bot, people)
    process_events(bot)
    assert bot.services.sender.deliver_due() == Counter({"retry": 3})  # each first attempt timed out
    assert wait_for(lambda: settle(bot) == Counter({OutboxStatus.UNCERTAIN.value: len(people)}), timeout=30), \
        statuses(bot)
    assert_exactly_once(bot, people)
    assert bot.fake.deliveries(kind="push") == []
    assert all(r["retry_key"] is None for r in bot.fake.requests_log())  # no push was even tried
    output = run_cli(bot, "outbox", "status")
    assert "uncertain=3" in output
    assert "may have been delivered" in output


def test_connection_dropped_after_line_accepted_the_reply(bot_without_worker: RunningBot) -> None:
    bot = bot_without_worker
    people = users(3)
    bot.fake.drop_connection(REPLY_PATH, times=len(people), after_accept=True)
    ask(bot, people)
    process_events(bot)
    assert bot.services.sender.deliver_due() == Counter({"retry": 3})  # each first attempt: no answer
    assert wait_for(lambda: settle(bot) == Counter({OutboxStatus.UNCERTAIN.value: len(people)}), timeout=30), \
        statuses(bot)
    assert_exactly_once(bot, people)
    assert bot.fake.deliveries(kind="push") == []


def test_connection_dropped_before_line_accepted_the_reply_is_replied_again(
        start_bot: Callable[..., RunningBot]) -> None:
    """Resending a reply can never double it (a token is accepted once): the second try is delivered."""
    bot = start_bot()
    people = users(3)
    bot.fake.drop_connection(REPLY_PATH, times=len(people), after_accept=False)
    ask(bot, people)
    assert wait_for(lambda: statuses(bot) == Counter({OutboxStatus.DELIVERED.value: len(people)}), timeout=30), \
        statuses(bot)
    assert_exactly_once(bot, people)
    assert {d.kind for d in bot.fake.deliveries()} == {"reply"}


def test_expired_token_falls_back_to_push_once_with_the_rows_retry_key(bot_without_worker: RunningBot) -> None:
    """LINE says 400 on the first reply: nothing was delivered, so the answer goes by push; that push's
    answer is lost (connection dropped after accepting) and the resend carries the same key: 409."""
    bot = bot_without_worker
    [user] = users(1)
    bot.fake.reply_token_ttl = 0.0
    ask(bot, [user])
    bot.fake.drop_connection(PUSH_PATH, after_accept=True)
    process_events(bot)
    assert wait_for(lambda: bot.services.sender.deliver_due().get("delivered") == 1, timeout=10)
    [push] = bot.fake.deliveries(to=user)
    assert push.kind == "push"
    with bot.services.uow() as uow:
        [message] = uow.session.scalars(select(OutboxMessage)).all()
    assert (message.status, message.delivered_via, message.retry_key) == ("delivered", "push", push.retry_key)
    assert [r["status"] for r in bot.fake.requests_log()] == [400, None, 409]
    assert_exactly_once(bot, [user])


# ----- a sender that dies or loses its lease --------------------------------------------------------
class Killed(BaseException):
    """The process is gone: nothing after this reaches LINE or the database (no finally can record)."""


class Doomed:
    """A sender's LINE client and database that die at the `die_at`-th send: before it leaves, or after
    LINE answered it (the answer is lost with the process)."""

    def __init__(self, bot: RunningBot, die_at: int, after_send: bool) -> None:
        self.bot, self.die_at, self.after_send = bot, die_at, after_send
        self.sends = 0
        self.dead = False

    def uow(self) -> UnitOfWork:
        if self.dead:
            raise Killed
        return self.bot.services.uow()

    def _send(self, call: Callable[[], SendResult]) -> SendResult:
        if self.dead:
            raise Killed
        self.sends += 1
        if self.sends == self.die_at and not self.after_send:
            self.dead = True
            raise Killed
        result = call()
        if self.sends == self.die_at:
            self.dead = True
            raise Killed
        return result

    def reply(self, reply_token: str, messages: list[dict[str, Any]]) -> SendResult:
        return self._send(lambda: self.bot.services.line.reply(reply_token, messages))

    def push(self, to: str, messages: list[dict[str, Any]], retry_key: str) -> SendResult:
        return self._send(lambda: self.bot.services.line.push(to, messages, retry_key))

    def multicast(self, to: list[str], messages: list[dict[str, Any]], retry_key: str) -> SendResult:
        return self._send(lambda: self.bot.services.line.multicast(to, messages, retry_key))


def doomed_sender(doom: Doomed, lease_seconds: float) -> OutboxSender:
    line: LineApi = doom  # type: ignore[assignment]
    # one send at a time, so that the kill lands at a known send
    return OutboxSender(doom.uow, line, DeliveryPolicy(lease_seconds=lease_seconds, concurrency=1))  # type: ignore[arg-type]


@pytest.mark.parametrize("after_send", [True, False], ids=["after-line-answered", "before-sending"])
def test_sender_killed_mid_batch_then_another_sender_delivers_without_doubles(
        bot_without_worker: RunningBot, after_send: bool) -> None:
    """One sender claims a batch of two pushes and six replies, sends five (two pushes, three replies) and
    dies at the fifth; its lease runs out and another sender takes the rows. A reply LINE may have accepted
    is not sent by push; a reply never sent goes as a reply; a push is protected by its key."""
    bot = bot_without_worker
    people, pushed = users(6), users(8)[6:]
    ask(bot, people)
    process_events(bot)
    with bot.services.uow() as uow:
        for user in pushed:  # complaint priority: claimed ahead of the replies
            uow.outbox.add_push(bot.org_id, user, [{"type": "text", "text": "แจ้งเตือน"}], Priority.COMPLAINT,
                                utcnow())
        uow.commit()
    doom = Doomed(bot, die_at=5, after_send=after_send)
    with pytest.raises(Killed):
        doomed_sender(doom, lease_seconds=0.3).deliver_due(20)
    assert len(bot.fake.deliveries()) == (5 if after_send else 4)
    assert wait_for(lambda: sum(bot.services.sender.deliver_due().values()) == 0
                    and not statuses(bot).keys() & {"pending", "sending"}, timeout=20), statuses(bot)
    assert_exactly_once(bot, people + pushed)
    assert {d.kind for user in people for d in bot.fake.deliveries(to=user)} == {"reply"}
    if after_send:  # the reply in flight when the sender died: LINE answers the resend "Invalid reply token"
        assert statuses(bot) == Counter({"delivered": 7, "uncertain": 1})
    else:  # its token was never sent: the resend is the reply
        assert statuses(bot) == Counter({"delivered": 8})


def test_a_sender_that_lost_its_lease_does_not_fall_back_to_push(bot_without_worker: RunningBot) -> None:
    """Sender A's reply is held before it reaches LINE until its lease has run out and sender B has replied
    (delivered). A's reply then gets "Invalid reply token": A no longer holds the row, so it does not push."""
    bot = bot_without_worker
    [user] = users(1)
    ask(bot, [user])
    process_events(bot)
    held, go = threading.Event(), threading.Event()

    class Held:
        def reply(self, reply_token: str, messages: list[dict[str, Any]]) -> SendResult:
            held.set()
            assert go.wait(30)
            return bot.services.line.reply(reply_token, messages)

        def push(self, to: str, messages: list[dict[str, Any]], retry_key: str) -> SendResult:
            return bot.services.line.push(to, messages, retry_key)

    sender_a = OutboxSender(bot.services.uow, Held(), DeliveryPolicy(lease_seconds=0.2))  # type: ignore[arg-type]
    results: list[Counter[str]] = []
    thread = threading.Thread(target=lambda: results.append(sender_a.deliver_due(20)))
    thread.start()
    try:
        assert held.wait(10)
        assert wait_for(lambda: bot.services.sender.deliver_due().get("delivered") == 1, timeout=10)
    finally:
        go.set()
        thread.join(30)
    assert [d.kind for d in bot.fake.deliveries(to=user)] == ["reply"]
    assert statuses(bot) == Counter({"delivered": 1})
    assert bot.fake.deliveries(kind="push") == []
    assert results and "delivered" not in results[0]
