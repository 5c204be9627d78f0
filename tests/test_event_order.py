"""One chat's events are handled one at a time and in order, however many workers and threads run."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from bot.config import Settings
from bot.services import Services
from bot.worker import Worker, WorkerOptions
from handlers.base import Context
from handlers.events import IncomingEvent
from storage.clock import utcnow
from storage.models import InboxEvent, InboxStatus
from tests.conftest import RunningBot, make_env, wait_for

USERS = ["U" + c * 32 for c in "345"]


class SlowRecorder:
    """Takes every text, holds it a moment, and records when it ran (through the Application's API)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.runs: list[tuple[str, str, float, float]] = []

    def matches(self, event: IncomingEvent, ctx: Context) -> bool:
        return event.is_text

    def handle(self, event: IncomingEvent, ctx: Context) -> str:
        started = time.monotonic()
        time.sleep(0.03)
        with self.lock:
            self.runs.append((event.user_id or "", event.text or "", started, time.monotonic()))
        return "recorded"


def test_events_of_one_chat_never_overlap_and_keep_their_order(bot_without_worker: RunningBot,
                                                               database_url: str, tmp_path: Path) -> None:
    bot = bot_without_worker
    events = [bot.fake.text_event(user, f"{n}") for n in range(6) for user in USERS]
    assert bot.fake.send_events(events).status_code == 200

    env = make_env(database_url, bot.fake.base_url, tmp_path)
    recorder = SlowRecorder()
    workers = []
    for _ in range(2):
        services = Services.build(Settings.from_env(env))
        worker = Worker(services, WorkerOptions(event_threads=3, delivery_threads=1, idle_sleep=0.01,
                                                event_batch_size=2))
        worker.processor.application.add_handler(recorder, group=-1)
        thread = threading.Thread(target=worker.run_forever, daemon=True)
        thread.start()
        workers.append((worker, thread, services))
    try:
        assert wait_for(lambda: len(recorder.runs) == len(events), timeout=30)
    finally:
        for worker, thread, services in workers:
            worker.stop_event.set()
            thread.join(timeout=30)
            services.close()

    for user in USERS:
        runs = sorted((r for r in recorder.runs if r[0] == user), key=lambda r: r[2])
        assert [text for _, text, _, _ in runs] == [str(n) for n in range(6)]
        for earlier, later in itertools.pairwise(runs):
            assert earlier[3] <= later[2], "two events of one chat ran at the same time"
    # On PostgreSQL different chats run side by side. On SQLite a handler's transaction holds the one
    # write lock, so handlers run one at a time there.
    if database_url.startswith("postgresql"):
        assert any(a[0] != b[0] and a[2] < b[3] and b[2] < a[3]
                   for a in recorder.runs for b in recorder.runs)


def test_a_processor_whose_lease_ran_out_commits_nothing(bot_without_worker: RunningBot) -> None:
    """Issue #14's soak found it: on a loaded machine a claimed batch outlived its lease, another worker claimed
    an event again, and both committed its answer (the second reply was refused and pushed: a double). Now
    the overdue processor's work is rolled back; the event takes effect once, by the worker holding it."""
    bot = bot_without_worker
    [user] = USERS[:1]
    assert bot.fake.send_events([bot.fake.text_event(user, "ช่วยเหลือ")]).status_code == 200
    with bot.services.uow() as uow:  # worker A claims it with a lease that is over at once
        [stale] = uow.inbox.claim_due(utcnow(), 5, lease_seconds=0.0)
        uow.commit()
    with bot.services.uow() as uow:  # worker B claims it again
        [fresh] = uow.inbox.claim_due(utcnow(), 5, lease_seconds=60.0)
        uow.commit()
    assert (stale.id, stale.attempts + 1) == (fresh.id, fresh.attempts)
    processor = bot.processing.processor
    processor._process(stale)  # A finishes late: nothing of it commits
    with bot.services.uow() as uow:
        assert uow.outbox.counts_by_status() == {}
        assert uow.inbox.counts_by_status() == {"processing": 1}
    processor._process(fresh)
    bot.services.sender.deliver_due()
    assert len(bot.fake.deliveries(to=user)) == 1
    with bot.services.uow() as uow:
        assert uow.inbox.counts_by_status() == {"done": 1}


def test_a_claim_takes_the_batch_its_database_suits(bot_without_worker: RunningBot, database_url: str,
                                                    tmp_path: Path) -> None:
    """PostgreSQL: 50 events a claim (a claim costs what the backlog does, not the batch); SQLite: 20 (a batch
    holds the one write lock the webhook waits for). Each claim's events are finished together: one
    processed_at per claim."""
    bot = bot_without_worker
    events = [bot.fake.text_event("U" + f"{n:032x}", "ช่วยเหลือ") for n in range(60)]
    assert bot.fake.send_events(events).status_code == 200
    services = Services.build(Settings.from_env(make_env(database_url, bot.fake.base_url, tmp_path)))
    try:
        worker = Worker(services, WorkerOptions(scheduler=False))
        assert worker.processor.process_due(worker.event_batch_size) == \
            (50 if database_url.startswith("postgresql") else 20)
        while worker.processor.process_due(worker.event_batch_size):
            pass
        with services.uow() as uow:
            done = uow.session.scalars(select(InboxEvent.processed_at).where(
                InboxEvent.status == InboxStatus.DONE.value)).all()
    finally:
        services.close()
    assert sorted(Counter(done).values(), reverse=True) == \
        ([50, 10] if database_url.startswith("postgresql") else [20, 20, 20])
