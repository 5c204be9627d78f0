"""How long migration 0019 (the queues' status indexes made partial) holds off writes to the queues (PostgreSQL,
#18): a database at 0018 with `--history` handled events and as many delivered messages (bench/history.py), then
`alembic upgrade 0019` while another connection inserts one inbox event every `--every` seconds, each in its own
transaction. Prints the upgrade's wall time and the inserts' latencies during it (the longest is the pause).

    PYTHONPATH=$PWD .venv/bin/python bench/migration_pause.py --history 300000

Run it from each checkout to compare (the migration is the checkout's own). Not a timed test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bench.history import add_history  # noqa: E402


def _writes(url: str, every: float, stop: threading.Event, latencies: list[float]) -> None:
    from storage.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as c:
            org = c.scalar(text("SELECT min(id) FROM organisations"))
            c.commit()
            n = 0
            while not stop.is_set():
                started = time.perf_counter()
                c.execute(text(
                    "INSERT INTO inbox_events (org_id, webhook_event_id, chat_key, event_type, payload,"
                    " is_redelivery, received_at, status, attempts, next_attempt_at)"
                    " VALUES (:org, :id, 'Ubench', 'message', '{}', false, now(), 'pending', 0, now())"),
                    {"org": org, "id": f"pause{n}"})
                c.commit()
                latencies.append(time.perf_counter() - started)
                n += 1
                stop.wait(every)
    finally:
        engine.dispose()


def run(url: str, history: int, every: float) -> None:
    from storage import migrate
    from storage.db import make_engine

    migrate.upgrade(url, "0018")
    engine = make_engine(url)
    add_history(engine, history)
    engine.dispose()
    latencies: list[float] = []
    stop = threading.Event()
    writer = threading.Thread(target=_writes, args=(url, every, stop, latencies))
    writer.start()
    time.sleep(1)  # a few writes before
    before = len(latencies)
    started = time.perf_counter()
    migrate.upgrade(url, "0019")
    took = time.perf_counter() - started
    during = latencies[before:]
    time.sleep(1)
    stop.set()
    writer.join()
    during_ms = sorted(x * 1000 for x in during)
    print(f"history {history:,}: upgrade 0018 -> 0019 took {took:.2f} s; {len(during)} inserts during it, "
          f"median {statistics.median(during_ms):.1f} ms, longest {during_ms[-1]:.0f} ms "
          f"(before it: median {statistics.median(latencies[:before]) * 1000:.1f} ms)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--history", type=int, nargs="+", default=[300_000])
    parser.add_argument("--every", type=float, default=0.01, help="seconds between two inserts")
    args = parser.parse_args(argv)
    from tests.support.pgcluster import PostgresCluster

    with PostgresCluster() as cluster:
        for n, history in enumerate(args.history):
            run(cluster.create_database(f"pause{n}"), history, args.every)
    return 0


if __name__ == "__main__":
    sys.exit(main())
