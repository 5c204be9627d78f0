"""The worker's CPU and outbox claims per event while events come in steadily, as during a burst of webhooks.

    .venv/bin/python bench/worker_trickle.py                 # --events 1500 --rate 200 --db both
    .venv/bin/python bench/worker_trickle.py --db sqlite --rate 100 --latency 50

`bench/worker_profile.py` drains a backlog that is all due at once; a worker that keeps up with the acks meets
its events a few at a time, and its delivery loops claim often. This runs `Worker.run_forever` (its event and
delivery threads, as `itabot worker`) in this process while a thread stores one-text events at `--rate` per
second (the fake LINE platform in a child process), until every reply is delivered; then prints the worker's
CPU per event (this process's process_time: the storing thread's share is small and the same for every
version), and the outbox claims made per event and how many of them found nothing. Not a timed test.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.worker_profile import ACCESS_TOKEN, CHANNEL_SECRET, ChildPlatform  # noqa: E402


class ClaimCounter:
    """Counts OutboxRepository.claim_due calls and those that claimed nothing (wraps the method)."""

    def __init__(self) -> None:
        from storage.outbox import OutboxRepository

        self.claims = self.empty = 0
        self._lock = threading.Lock()
        original = OutboxRepository.claim_due

        def counted(repository: Any, *args: Any, **kwargs: Any) -> Any:
            rows = original(repository, *args, **kwargs)
            with self._lock:
                self.claims += 1
                self.empty += not rows
            return rows

        OutboxRepository.claim_due = counted  # type: ignore[method-assign,assignment]


def run_db(url: str, label: str, args: argparse.Namespace, tmp: Path, counter: ClaimCounter) -> None:
    from bot.config import Settings
    from bot.services import Services
    from bot.worker import Worker, WorkerOptions
    from storage import migrate

    migrate.upgrade(url)
    with ChildPlatform(args.latency / 1000) as fake:
        settings = Settings.from_env({
            "ITABOT_ENV": "test", "LINE_CHANNEL_SECRET": CHANNEL_SECRET, "LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN,
            "SECRET_KEY": "bench-secret-key", "DATABASE_URL": url, "LINE_API_BASE_URL": fake.base_url,
            "ITABOT_INSTANCE_DIR": str(tmp / f"instance-{label}"), "LOG_LEVEL": "WARNING",
        }, load_dotenv=False)
        services = Services.build(settings)
        worker = Worker(services, WorkerOptions(evidence_threads=0, scheduler=False))
        thread = threading.Thread(target=worker.run_forever, name="worker", daemon=True)
        try:
            org_id = services.org_id()
            users = [f"U{index:032x}" for index in range(1, args.users + 1)]
            events = fake.text_events(users, args.events)
            thread.start()
            time.sleep(1.0)  # the worker's first housekeeping (quota read) before the measured run
            counter.claims = counter.empty = 0
            step = max(1, args.rate // 20)  # stored 20 times a second
            started, cpu0 = time.perf_counter(), time.process_time()
            for index in range(0, len(events), step):
                services.event_store.store(org_id, events[index : index + step])
                time.sleep(max(0.0, started + (index + step) / args.rate - time.perf_counter()))
            deadline = time.monotonic() + 180
            while sum(fake.delivery_kinds().values()) < args.events and time.monotonic() < deadline:
                time.sleep(0.01)
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu0
            delivered = sum(fake.delivery_kinds().values())
            print(f"  {label}: {delivered}/{args.events} replies in {wall:.2f}s (stored over "
                  f"{args.events / args.rate:.1f}s); worker CPU {cpu / args.events * 1000:.2f} ms/event; outbox claims "
                  f"{counter.claims / args.events:.2f}/event, {counter.empty / args.events:.2f}/event found nothing")
        finally:
            worker.stop_event.set()
            thread.join(timeout=30)
            services.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=1500)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--rate", type=int, default=200, help="events stored per second")
    parser.add_argument("--latency", type=float, default=0.0, help="fake LINE latency in ms")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args(argv)
    counter = ClaimCounter()
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="itabot-trickle-")))
        for db in (["sqlite", "postgresql"] if args.db == "both" else [args.db]):
            if db == "sqlite":
                run_db(f"sqlite:///{tmp / 'trickle.db'}", "SQLite", args, tmp, counter)
            else:
                from tests.support.pgcluster import PostgresCluster

                cluster = PostgresCluster()
                stack.callback(cluster.stop)
                run_db(cluster.start(), "PostgreSQL", args, tmp, counter)
                cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
