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
