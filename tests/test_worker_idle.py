"""An idle worker sleeps instead of polling, and wakes at once when events come in (issue #17): from this
process's webhook, or from another process's through the database (PostgreSQL NOTIFY, SQLite's files)."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.config import Settings
from bot.services import Services
from bot.worker import Worker, WorkerOptions
from linesim import FakeLinePlatform
from storage.clock import utcnow
from storage.db import make_engine
from storage.event_store import EventStore
from storage.models import Priority
from tests.conftest import make_env, wait_for

USER = "U" + "f" * 32


def test_an_idle_loop_waits_twice_as_long_each_time_up_to_the_longest_pause() -> None:
    worker = Worker.__new__(Worker)  # only the loop: no services needed
    worker.options = WorkerOptions(idle_sleep=0.01, idle_max_sleep=0.08)
    worker.stop_event = threading.Event()
    calls: list[float] = []

    def nothing() -> int:
        calls.append(time.monotonic())
        return 0

    thread = threading.Thread(target=worker._loop, args=("test", nothing, threading.Event(), 0.01), daemon=True)
    thread.start()
    try:
        assert wait_for(lambda: len(calls) >= 7, timeout=10)
    finally:
        worker.stop_event.set()
        thread.join(timeout=5)
    gaps = [b - a for a, b in itertools.pairwise(calls[:7])]
    for n, gap in enumerate(gaps):
        assert gap >= min(0.01 * 2 ** n, 0.08) * 0.9, gaps


class CountingPasses:
    def __init__(self, work: Callable[[int], int]) -> None:
        self.work = work
        self.empty_passes = 0

    def __call__(self, limit: int = 20) -> int:
        done = self.work(limit)
        if not done:
            self.empty_passes += 1
        return done


@pytest.mark.parametrize("webhook", ["this process", "another process"])
def test_an_idle_worker_wakes_when_events_are_stored(webhook: str, database_url: str, fake_line: FakeLinePlatform,
                                                      tmp_path: Path) -> None:
    """Its loops sleep 30 s after a pass that found nothing: only the wake-up can answer within 10 s."""
    services = Services.build(Settings.from_env(make_env(database_url, fake_line.base_url, tmp_path)))
    worker = Worker(services, WorkerOptions(event_threads=1, delivery_threads=1, evidence_threads=0,
                                            idle_sleep=30.0, idle_max_sleep=30.0, quota_every=3600,
                                            scrub_every=3600, expire_every=3600, complaint_deadlines_every=3600,
                                            scheduler=False))
    passes = CountingPasses(worker.processor.process_due)
    worker.processor.process_due = passes  # type: ignore[method-assign]
    org_id = services.org_id()
    thread = threading.Thread(target=worker.run_forever, daemon=True)
    thread.start()
    other_engine = make_engine(database_url)
    try:
        assert wait_for(lambda: passes.empty_passes >= 1, timeout=10)  # asleep for 30 s from now
        store = services.event_store if webhook == "this process" else EventStore(other_engine)
        store.store(org_id, [fake_line.text_event(USER, "ช่วยเหลือ")])
        assert wait_for(lambda: len(fake_line.deliveries(to=USER)) == 1, timeout=10)
    finally:
        worker.stop_event.set()
        thread.join(timeout=10)
        other_engine.dispose()
        services.close()
    assert not thread.is_alive()


def test_an_idle_worker_sends_at_once_what_another_process_queued(database_url: str, fake_line: FakeLinePlatform,
                                                                   tmp_path: Path) -> None:
    """A push queued by another process (a console action, a CLI command) wakes the delivery loop, asleep
    for 30 s: PostgreSQL's NOTIFY from the transaction that queued it, or SQLite's files changing."""
    settings = Settings.from_env(make_env(database_url, fake_line.base_url, tmp_path))
    services = Services.build(settings)
    worker = Worker(services, WorkerOptions(event_threads=1, delivery_threads=1, evidence_threads=0,
                                            idle_sleep=30.0, idle_max_sleep=30.0, quota_every=3600,
                                            scrub_every=3600, expire_every=3600, complaint_deadlines_every=3600,
                                            scheduler=False))
    passes = CountingPasses(services.sender.dispatch_due)  # the delivery loop's pass (pipelined)
    services.sender.dispatch_due = lambda limit=20, wait_seconds=0.5: passes(limit)  # type: ignore[method-assign]
    org_id = services.org_id()
    console = Services.build(settings)  # the web process: its commits wake only its own loops
    thread = threading.Thread(target=worker.run_forever, daemon=True)
    thread.start()
    try:
        assert wait_for(lambda: passes.empty_passes >= 1, timeout=10)  # asleep for 30 s from now
        with console.uow() as uow:
            uow.outbox.add_push(org_id, USER, [{"type": "text", "text": "เจ้าหน้าที่ตอบเรื่องของท่านแล้ว"}],
                                Priority.NORMAL, utcnow())
            uow.commit()
        assert wait_for(lambda: len(fake_line.deliveries(to=USER)) == 1, timeout=10)
    finally:
        worker.stop_event.set()
        thread.join(timeout=10)
        console.close()
        services.close()
    assert not thread.is_alive()
