"""The pipelined sender's outcomes are written by one recording thread (bot/line/outbox_sender.py `_Recorder`):
a send thread is free for its next row as soon as LINE has answered, not when the outcome is committed."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

from sqlalchemy import event

from bot.line.outbox_sender import OutboxSender
from storage.models import OutboxStatus
from tests.conftest import RunningBot, wait_for
from tests.test_outbox import enqueue_push, row


def test_a_send_thread_takes_the_next_row_while_the_last_outcome_is_still_being_recorded(
        bot_without_worker: RunningBot) -> None:
    """One send thread; the recording of the first push is held up (its connection checkout waits, as when the
    pool is exhausted; no lock is held meanwhile; whichever thread records). The other chat's push is claimed and sent during that wait —
    before, the send thread wrote the outcome itself and its slot stayed taken until the commit. Both rows end
    delivered, each sent once."""
    bot = bot_without_worker
    base = bot.services.sender
    sender = OutboxSender(base.uow_factory, base.channels, replace(base.policy, concurrency=1))
    release = threading.Event()
    claiming = threading.current_thread()  # claims are made here; the send and recording threads are others

    def slow_recording(*_: Any) -> None:
        if threading.current_thread() is not claiming and bot.fake.deliveries():
            release.wait(10)

    event.listen(bot.services.engine.pool, "checkout", slow_recording)
    try:
        first = enqueue_push(bot, "U" + "a" * 32)[0]
        second = enqueue_push(bot, "U" + "b" * 32)[0]
        assert sender.dispatch_due() == 1  # one thread, nothing claimed ahead: the first row only
        assert wait_for(lambda: len(bot.fake.deliveries()) == 1, timeout=10)

        def second_sent() -> bool:
            sender.dispatch_due(wait_seconds=0.1)
            return len(bot.fake.deliveries()) == 2

        assert wait_for(second_sent, timeout=5)  # the old sender: its one slot taken until `release`
        assert row(bot, first.id).status == OutboxStatus.SENDING.value  # still being recorded
        release.set()
        assert sender.wait_sent(10)
        assert {row(bot, m.id).status for m in (first, second)} == {OutboxStatus.DELIVERED.value}
    finally:
        release.set()
        event.remove(bot.services.engine.pool, "checkout", slow_recording)
        sender.close()
    assert set(bot.fake.count_by_retry_key().values()) == {1}


def test_a_chats_rows_queued_in_one_send_thread_take_one_slot(bot_without_worker: RunningBot) -> None:
    """Two send threads and one row claimed ahead (three slots). Three rows of one chat are claimed together and
    go one after another in one thread: they take one slot, so the next claim takes the other two chats' rows
    while the first chat's first send is still out. Before, each queued row took a slot of its own: the other
    chats waited for the first chat's sends (with 16 chats in a burst, ~11 sends at LINE at once, not 16)."""
    bot = bot_without_worker
    base = bot.services.sender
    sender = OutboxSender(base.uow_factory, base.channels, replace(base.policy, concurrency=2))
    bot.fake.set_delay("/v2/bot/message/push", 2.0, times=1, after_accept=True)
    first_chat = enqueue_push(bot, "U" + "a" * 32, count=3)
    others = [enqueue_push(bot, "U" + letter * 32)[0] for letter in "bc"]
    try:
        assert sender.dispatch_due() == 3  # the first chat's three rows (three free slots)
        assert wait_for(lambda: len(bot.fake.deliveries()) == 1, timeout=10)  # its first send out for 2 s
        assert sender.dispatch_due(wait_seconds=0.2) == 2  # the other chats' rows, at once
        assert wait_for(lambda: len(bot.fake.deliveries()) == 3, timeout=1)  # before the first chat's 2 s end
        assert wait_for(lambda: sender.dispatch_due(wait_seconds=0.1) >= 0 and sender.wait_sent(0.1), timeout=10)
    finally:
        sender.close()
    assert {row(bot, m.id).status for m in first_chat + others} == {OutboxStatus.DELIVERED.value}
    assert [d.messages[0]["text"] for d in bot.fake.deliveries(to="U" + "a" * 32)] == [
        "แจ้งเตือน 0", "แจ้งเตือน 1", "แจ้งเตือน 2"]
    assert set(bot.fake.count_by_retry_key().values()) == {1}
