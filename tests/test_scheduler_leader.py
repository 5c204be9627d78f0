"""Several workers, one scheduler: the leader lock (an advisory lock on PostgreSQL, a file lock on SQLite)
lets exactly one worker run APScheduler; its jobs live in the database's job store; when the leader stops,
another worker takes over. Two workers send each reminder once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import text

from bot.config import Settings
from bot.services import Services
from bot.worker import Worker, WorkerOptions
from tests.conftest import RunningBot, make_env, wait_for
from tests.support.botcli import bind
from tests.support.plans import load_plan, measure

BKK = ZoneInfo("Asia/Bangkok")
HEADS = {"สำนักปลัดเทศบาล": "U" + "a1" * 16, "กองคลัง": "U" + "b2" * 16, "กองช่าง": "U" + "c3" * 16}


def _worker(bot: RunningBot, tmp_path) -> tuple[Worker, threading.Thread]:  # type: ignore[no-untyped-def]
    env = make_env(bot.services.settings.database_url, bot.fake.base_url, tmp_path)
    services = Services.build(Settings.from_env(env))
    worker = Worker(services, WorkerOptions(idle_sleep=0.02, quota_every=3600, scrub_every=3600,
                                            leader_every=0.2, reminder_minutes="*"))
    thread = threading.Thread(target=worker.run_forever, daemon=True)
    return worker, thread


def test_two_workers_one_scheduler_each_reminder_once(start_bot: Callable[..., RunningBot], tmp_path) -> None:  # type: ignore[no-untyped-def]
    bot = start_bot(with_worker=False)
    load_plan(bot.services.uow, bot.org_id, [
        measure("มาตรการเผยแพร่ข้อมูลต่อสาธารณะ", [], all_units=True, fiscal_year_be=2567)], 2567)
    for unit, user in HEADS.items():
        bind(bot, user, "head", unit)
    bot.fake.reset()
    workers = [_worker(bot, tmp_path) for _ in range(2)]
    # Monday 1 April 2024, 09:59:40: the six-month round is due on the 7th, so the 7-day notice is due
    with time_machine.travel(datetime(2024, 4, 1, 9, 59, 40, tzinfo=BKK), tick=True) as clock:
        for _, thread in workers:
            thread.start()
        try:
            assert wait_for(lambda: sum(w.job_scheduler is not None for w, _ in workers) == 1, 30)
            leader = next(w for w, _ in workers if w.job_scheduler is not None)
            follower = next(w for w, _ in workers if w is not leader)
            assert follower.job_scheduler is None
            with bot.services.engine.connect() as connection:
                jobs = set(connection.execute(text("SELECT id FROM apscheduler_jobs")).scalars())
            assert {"reminders", "weekly-summary-0-0830"} <= jobs
            # the reminders job fires at 10:00 in the leader only: rather than wait for it in real time,
            # the clock goes to a moment before it and the leader's scheduler reads the clock again
            almost = datetime(2024, 4, 1, 9, 59, 58, tzinfo=BKK)
            if datetime.now(BKK) < almost:
                clock.move_to(almost)
                assert leader.job_scheduler is not None
                leader.job_scheduler.scheduler.wakeup()
            assert wait_for(lambda: all(bot.fake.messages_to(u) for u in HEADS.values()), 40)
            # the leader stops: the other worker takes over
            leader.stop_event.set()
            assert wait_for(lambda: follower.job_scheduler is not None, 30)
        finally:
            for worker, thread in workers:
                worker.stop_event.set()
                thread.join(timeout=30)
                worker.services.close()
    assert all(w.job_scheduler is None for w, _ in workers)
    # both workers have stopped with nothing left to send: every reminder planned was sent, once
    with bot.services.uow() as uow:
        left = uow.outbox.counts_by_status()
    assert not left.get("pending") and not left.get("sending"), left
    pushes = [d for d in bot.fake.deliveries("push") if d.to[0] in HEADS.values()]
    assert sorted(d.to[0] for d in pushes) == sorted(HEADS.values())
    assert set(bot.fake.count_by_retry_key().values()) == {1}
