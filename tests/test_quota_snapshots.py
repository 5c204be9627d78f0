"""The quota snapshot is one row per organisation, written by whichever worker read the quota last (issue #14:
two workers inserting it at once made one's housekeeping fail with a unique violation). In process
(`chat_bot`), both databases; the race itself on PostgreSQL (SQLite lets one writer in at a time, from BEGIN)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import text

from storage.clock import utcnow
from tests.conftest import wait_for
from tests.support.inprocess import ChatBot


def _snapshot(bot: ChatBot) -> tuple[str, int | None, int, bool]:
    with bot.services.uow() as uow:
        snapshot = uow.outbox.quota(bot.org_id)
        assert snapshot is not None
        return snapshot.quota_type, snapshot.quota_limit, snapshot.total_usage, snapshot.exhausted_at is not None


def test_saving_the_quota_again_updates_the_row_and_keeps_when_it_was_first_used_up(chat_bot: ChatBot) -> None:
    bot, org_id = chat_bot, chat_bot.org_id
    start = utcnow()
    with bot.services.uow() as uow:
        uow.outbox.save_quota(org_id, "none", None, 0, start)
        uow.commit()
    assert _snapshot(bot) == ("none", None, 0, False)
    with bot.services.uow() as uow:
        first = uow.outbox.save_quota(org_id, "limited", 100, 100, start + timedelta(minutes=1))
        assert first.exhausted_at == start + timedelta(minutes=1)
        again = uow.outbox.save_quota(org_id, "limited", 100, 103, start + timedelta(minutes=2))
        assert again.exhausted_at == start + timedelta(minutes=1) and again.total_usage == 103
        uow.commit()
    with bot.services.uow() as uow:
        room = uow.outbox.save_quota(org_id, "limited", 500, 103, start + timedelta(minutes=3))
        assert room.exhausted_at is None and room.quota_limit == 500
        uow.commit()
    assert _snapshot(bot) == ("limited", 500, 103, False)


def test_a_used_up_quota_is_marked_once_with_or_without_a_snapshot(chat_bot: ChatBot) -> None:
    bot, org_id = chat_bot, chat_bot.org_id
    start = utcnow()
    with bot.services.uow() as uow:
        uow.outbox.mark_quota_exhausted(org_id, start)  # no snapshot yet: one is made
        uow.outbox.mark_quota_exhausted(org_id, start + timedelta(minutes=5))  # the first time stays
        snapshot = uow.outbox.quota(org_id)
        assert snapshot is not None and snapshot.exhausted_at == start
        uow.commit()
    with bot.services.uow() as uow:
        uow.outbox.save_quota(org_id, "limited", 100, 40, start + timedelta(minutes=6))  # a read with room
        uow.outbox.mark_quota_exhausted(org_id, start + timedelta(minutes=7))
        snapshot = uow.outbox.quota(org_id)
        assert snapshot is not None and snapshot.exhausted_at == start + timedelta(minutes=7)
        assert snapshot.total_usage == 40
        uow.commit()


def test_two_workers_saving_the_first_snapshot_at_once_both_succeed(chat_bot: ChatBot, on_postgresql: bool) -> None:
    """Worker A has inserted the organisation's first snapshot and not committed; worker B saves it too and
    waits for A's row. Once A commits, B's save updates that row instead of failing on it."""
    if not on_postgresql:
        pytest.skip("SQLite's BEGIN IMMEDIATE lets worker B in only after A committed: no race to lose")
    bot, org_id = chat_bot, chat_bot.org_id
    errors: list[BaseException] = []

    def worker_b() -> None:
        try:
            with bot.services.uow() as uow:
                uow.outbox.save_quota(org_id, "limited", 1000, 7, utcnow())
                uow.commit()
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    def b_waits_for_a() -> bool:
        with bot.services.engine.connect() as connection:
            return bool(connection.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE "
                "'%quota_snapshots%'")))

    with bot.services.uow() as uow:
        uow.outbox.save_quota(org_id, "none", None, 0, utcnow())
        thread = threading.Thread(target=worker_b)
        thread.start()
        try:
            assert wait_for(b_waits_for_a, timeout=10), "worker B never waited for A's insert"
        finally:
            uow.commit()
            thread.join(10)
    assert not thread.is_alive() and errors == []
    assert _snapshot(bot) == ("limited", 1000, 7, False)
