"""Several messages at once from one chat (issue #14): a person sends N messages in quick succession, some
as separate webhook deliveries and some as several events in one delivery, while LINE answers 500, 429 with
Retry-After, or accepts a request and answers past the client's timeout. Each chat's answers (replies, and
pushes for the events that carry no reply token) reach it exactly once and in the order of its events, and
the other chats' answers are not held up for good. Then the rule itself, deterministically: a row not
delivered holds back the later rows of its chat, never another chat's. End to end: signed webhooks to the served app, the
worker's threads, the real line-bot-sdk over HTTP to the fake LINE platform."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from linesim.chaos import Chaos
from storage.clock import utcnow
from storage.models import OutboxStatus
from tests.conftest import RunningBot
from tests.support.chat import say
from tests.support.outbox_rows import claim, push

USERS = ["U" + c * 32 for c in "ab"]
SINGLE = 4  # events sent one per webhook delivery, one right after another
TOGETHER = 4  # then this many per chat in one delivery (every chat's in the same body)
PUSHED = {2, 5}  # events without a reply token: answered by push
COUNT = re.compile(r"\(รวม (\d+) ตัวอักษร\)")
REQUEST_TIMEOUT = 0.3  # LINE_REQUEST_TIMEOUT; the "timeout" fault answers after twice this


def part(number: int) -> str:
    return f"รายละเอียดส่วนที่ {number + 1} ของเหตุการณ์"


def expected_count(number: int) -> int:
    """The complaint flow answers each part of the story with how long the story is so far."""
    return len("\n".join(part(n) for n in range(number + 1)))


def test_one_chats_burst_is_answered_once_each_in_order_through_faults(
        start_bot: Callable[..., RunningBot]) -> None:
    bot = start_bot(LINE_REQUEST_TIMEOUT=REQUEST_TIMEOUT)
    fake = bot.fake
    for user in USERS:  # each at the step where every message is answered with the story's length so far
        for text in ("ร้องเรียน", "ไม่ระบุตัวตน", "ทุจริต/ประพฤติมิชอบ"):
            say(bot, user, text)
    before = {user: len(fake.deliveries(to=user)) for user in USERS}
    chaos = Chaos(seed=3, rates={"500": 0.15, "429": 0.08, "timeout": 0.08}, timeout_seconds=2 * REQUEST_TIMEOUT)
    fake.set_chaos(chaos)

    def event(user: str, number: int) -> dict[str, object]:
        built = fake.text_event(user, part(number))
        if number in PUSHED:
            del built["replyToken"]
        return built

    for number in range(SINGLE):
        for user in USERS:
            assert fake.send_events([event(user, number)]).status_code == 200
    body = [event(user, number) for user in USERS for number in range(SINGLE, SINGLE + TOGETHER)]
    assert fake.send_events(body).status_code == 200
    bot.wait_idle(timeout=60)
    fake.set_chaos(None)

    for user in USERS:
        answers = fake.deliveries(to=user)[before[user]:]
        got = [(d.kind, int(m.group(1)) if (m := COUNT.search(d.messages[0]["text"])) else None) for d in answers]
        expected = [("push" if n in PUSHED else "reply", expected_count(n)) for n in range(SINGLE + TOGETHER)]
        assert got == expected, f"{user}: answers {got}, expected {expected}"
    assert all(n == 1 for n in fake.count_by_retry_key().values())
    assert all(n == 1 for n in fake.count_by_reply_token().values())
    injected = chaos.counts()
    assert all(injected.get(kind, 0) > 0 for kind in ("500", "429", "timeout")), injected


def test_a_row_not_delivered_holds_back_its_chats_later_rows_and_no_other_chats(
        bot_without_worker: RunningBot) -> None:
    bot = bot_without_worker
    first, second, other = push(bot, USERS[0], "a1"), push(bot, USERS[0], "a2"), push(bot, USERS[1], "b1")
    assert claim(bot, "sender-1", limit=1) == [first]
    assert claim(bot, "sender-2") == [other]  # `second` waits while `first` is being sent elsewhere
    with bot.services.uow() as uow:  # `first` failed and waits a minute to be sent again
        assert uow.outbox.mark_retry(first, "sender-1", utcnow() + timedelta(minutes=1), "HTTP 500")
        uow.commit()
    assert claim(bot, "sender-3") == []
    with bot.services.uow() as uow:  # its time has come: both go, in the order written
        assert uow.outbox.mark_retry(first, "sender-3", utcnow(), "HTTP 500") is False  # not its holder
        row = uow.outbox.get(first)
        assert row is not None
        row.next_attempt_at = utcnow()
        uow.commit()
    assert claim(bot, "sender-4") == [first, second]


def test_a_parked_push_does_not_hold_back_its_chats_replies(bot_without_worker: RunningBot) -> None:
    """A push parked on the month's quota waits for the quota; the chat's (free) replies still go."""
    bot = bot_without_worker
    parked, later = push(bot, USERS[0], "a1"), push(bot, USERS[0], "a2")
    assert claim(bot, "sender-1", limit=1) == [parked]
    with bot.services.uow() as uow:
        assert uow.outbox.mark_parked(parked, "sender-1", "monthly limit")
        uow.commit()
    assert claim(bot, "sender-2") == [later]


def test_in_a_batch_a_row_to_retry_sends_its_chats_later_rows_back_unsent(bot_without_worker: RunningBot) -> None:
    """LINE answers a chat's first push 500: its second row, in the same batch, goes back unsent (the attempt
    not counted) instead of overtaking it; the next passes send the two in order."""
    bot = bot_without_worker
    first, second = push(bot, USERS[0], "a1"), push(bot, USERS[0], "a2")
    bot.fake.inject_fault("/v2/bot/message/push", 500)
    assert bot.services.sender.deliver_due(20) == Counter({"retry": 1})
    assert bot.fake.deliveries() == []
    with bot.services.uow() as uow:
        rows = [uow.outbox.get(first), uow.outbox.get(second)]
        assert [(r.status, r.attempts) for r in rows if r] == [(OutboxStatus.PENDING.value, 1),
                                                                (OutboxStatus.PENDING.value, 0)]
    bot.wait_idle()
    assert [d.messages[0]["text"] for d in bot.fake.deliveries(to=USERS[0])] == ["a1", "a2"]
