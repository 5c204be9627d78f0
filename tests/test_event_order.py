"""One chat's events are handled one at a time and in order, however many workers and threads run."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

from bot.config import Settings
from bot.services import Services
from bot.worker import Worker, WorkerOptions
from handlers.base import Context
from handlers.events import IncomingEvent
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
