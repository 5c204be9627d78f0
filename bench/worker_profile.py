"""Where a worker's time goes per event: process the inbox, then deliver the outbox, under cProfile.

    .venv/bin/python bench/worker_profile.py               # --events 1000 --users 200 --db both --top 25
    .venv/bin/python bench/worker_profile.py --db sqlite --no-profile   # timings and statements only

Stores N one-text events ("ช่วยเหลือ", as bench/webhook.py sends) from many users in a freshly migrated
database (SQLite file or a throwaway PostgreSQL cluster), then, in this process and one thread each:
  1. `EventProcessor.process_due` until the inbox is empty (claim, handle, record: the outbox rows written);
  2. `OutboxSender.deliver_due` (with --pipelined `dispatch_due`, as the worker) until the outbox is empty, to the fake LINE platform (in a child process,
     so that this process's CPU time is the worker's alone; `--fake-in-process` for the old way).
For each phase it prints ms per event, CPU ms per event (process_time: far steadier than wall time on a
loaded machine), SQL statements per event (counted on the engine) and, unless --no-profile, cProfile's top
functions by own time and by cumulative time. Not a timed test.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import cProfile
import dataclasses
import functools
import io
import os
import pstats
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHANNEL_SECRET = "bench-channel-secret-0123456789ab"
ACCESS_TOKEN = "bench-access-token"
HELP_TEXT = "ช่วยเหลือ"


class StatementCounter:
    """Counts statements by their first word (SELECT, INSERT, UPDATE, …) on an engine."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.counts: Counter[str] = Counter()
        self.transactions = 0
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)

    def _statement(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                   executemany: bool) -> None:
        self.counts[statement.lstrip().split(None, 1)[0].upper()] += 1

    def _commit(self, conn: Any) -> None:
        self.transactions += 1

    def reset(self) -> None:
        self.counts.clear()
        self.transactions = 0
        DriverCounter.sent = DriverCounter.pipelined = 0


class DriverCounter:
    """Statements psycopg sends, counted below SQLAlchemy: also those a repository sends on the driver's own
    cursor (storage/bulk.py `insert_rows_scoped`'s pipeline), which the engine's events do not see; `pipelined`:
    those of them sent in a pipeline (no round trip each). An executemany counts once."""

    sent = 0
    pipelined = 0
    installed = False

    @classmethod
    def install(cls) -> None:
        import psycopg

        if getattr(psycopg.Cursor, "_bench_counted", False):
            return
        for name in ("execute", "executemany"):
            original = getattr(psycopg.Cursor, name)

            def counted(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
                cls.sent += 1
                if self.connection._pipeline is not None:
                    cls.pipelined += 1
                return _original(self, *args, **kwargs)

            setattr(psycopg.Cursor, name, counted)
        psycopg.Cursor._bench_counted = True  # type: ignore[attr-defined]
        cls.installed = True


def measure(name: str, events: int, work: Callable[[], int], counter: StatementCounter, profile: bool,
            top: int, dump: str | None = None, server_cpu: Callable[[], float | None] | None = None) -> None:
    counter.reset()
    server0 = server_cpu() if server_cpu else None
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    cpu0 = time.process_time()
    if profiler:
        profiler.enable()
    while work():
        pass
    if profiler:
        profiler.disable()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu0
    server1 = server_cpu() if server_cpu else None
    server = (f"; PostgreSQL CPU {(server1 - server0) / events * 1000:.2f} ms/event"
              if server0 is not None and server1 is not None else "")
    statements = sum(counter.counts.values())
    detail = ", ".join(f"{kind} {n / events:.1f}" for kind, n in counter.counts.most_common())
    driver = (f"; sent by psycopg {DriverCounter.sent / events:.2f}/event, {DriverCounter.pipelined / events:.2f} "
              "of them pipelined" if DriverCounter.installed else "")
    print(f"\n  {name}: {events} events in {wall:.2f}s = {wall / events * 1000:.2f} ms/event "
          f"({events / wall:.0f}/s; CPU {cpu / events * 1000:.2f} ms/event{', profiled' if profile else ''}{server}); "
          f"{statements / events:.1f} statements/event ({detail}){driver}; "
          f"{counter.transactions / events:.2f} commits/event")
    if profiler and dump:
        profiler.dump_stats(dump)
    if profiler:
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats(order).print_stats(top)
            lines = out.getvalue().splitlines()
            start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
            print(f"  -- top {top} by {order} --")
            for line in lines[start:]:
                if line.strip():
                    print("   " + line[:160])


class ChildPlatform:
    """The fake LINE platform in a child process (forked): it issues the events' reply tokens and counts
    what it received; this process asks it over a pipe."""

    def __init__(self, latency: float) -> None:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self._pipe, child_end = context.Pipe()
        self._process = context.Process(target=_serve_platform, args=(child_end, latency), daemon=True)
        self._process.start()
        self.base_url = self._ask(("base_url",))

    def _ask(self, request: tuple[Any, ...]) -> Any:
        self._pipe.send(request)
        return self._pipe.recv()

    def text_events(self, users: list[str], count: int, orgs: int = 0) -> list[dict[str, Any]]:
        return list(self._ask(("text_events", users, count, orgs)))

    def delivery_kinds(self) -> dict[str, int]:
        return dict(self._ask(("delivery_kinds",)))

    def connections(self) -> int | None:
        return self._ask(("connections",))  # type: ignore[no-any-return]

    def __enter__(self) -> ChildPlatform:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pipe.send(("stop",))
        self._process.join(timeout=10)


def _serve_platform(pipe: Any, latency: float) -> None:
    from linesim import FakeLinePlatform

    with FakeLinePlatform(channel_secret=CHANNEL_SECRET, access_token=ACCESS_TOKEN, latency=latency) as fake:
        while True:
            request = pipe.recv()
            if request[0] == "base_url":
                pipe.send(fake.base_url)
            elif request[0] == "text_events":
                pipe.send(_text_events(fake, *request[1:]))
            elif request[0] == "delivery_kinds":
                pipe.send(Counter(d.kind for d in fake.deliveries()))
            elif request[0] == "connections":
                pipe.send(getattr(fake, "connections_accepted", None))
            else:
                return


def org_credentials(n: int) -> tuple[str, str, str]:
    """The slug, channel secret and access token of the bench's organisation n (--orgs)."""
    return f"org-{n}", f"bench-secret-{n:04d}-0123456789abcdef", f"bench-token-{n:04d}"


def _text_events(fake: Any, users: list[str], count: int, orgs: int) -> list[dict[str, Any]]:
    """`count` text events from the users in turn; with `orgs`, spread round-robin over that many channels
    (event i to organisation i % orgs, the channels added on first use)."""
    if not orgs:
        return [fake.text_event(users[i % len(users)], HELP_TEXT) for i in range(count)]
    channels = getattr(fake, "bench_channels", [])
    for n in range(len(channels), orgs):
        slug, secret, token = org_credentials(n)
        channels.append(fake.add_channel(slug, channel_secret=secret, access_token=token))
    fake.bench_channels = channels
    return [channels[i % orgs].text_event(users[i % len(users)], HELP_TEXT) for i in range(count)]


class InProcessPlatform:
    def __init__(self, latency: float) -> None:
        from linesim import FakeLinePlatform

        self.fake = FakeLinePlatform(channel_secret=CHANNEL_SECRET, access_token=ACCESS_TOKEN, latency=latency)
        self.base_url = self.fake.start()

    def text_events(self, users: list[str], count: int, orgs: int = 0) -> list[dict[str, Any]]:
        return _text_events(self.fake, users, count, orgs)

    def delivery_kinds(self) -> dict[str, int]:
        return dict(Counter(d.kind for d in self.fake.deliveries()))

    def connections(self) -> int | None:
        return getattr(self.fake, "connections_accepted", None)

    def __enter__(self) -> InProcessPlatform:
        return self

    def __exit__(self, *exc: object) -> None:
        self.fake.stop()


def run_db(url: str, label: str, args: argparse.Namespace, tmp: Path) -> None:
    from bot.config import Settings
    from bot.line.api import load_sdk
    from bot.services import Services
    from bot.worker import EventProcessing
    from storage import migrate

    migrate.upgrade(url)
    platform = InProcessPlatform if args.fake_in_process else ChildPlatform
    with platform(args.latency / 1000) as fake:
        settings = Settings.from_env({
            "CREDENTIALS_KEY": base64.b64encode(os.urandom(32)).decode(),
            "ITABOT_ENV": "test", "LINE_CHANNEL_SECRET": CHANNEL_SECRET, "LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN,
            "SECRET_KEY": "bench-secret-key", "DATABASE_URL": url, "LINE_API_BASE_URL": fake.base_url,
            "ITABOT_INSTANCE_DIR": str(tmp / f"instance-{label}"), "LOG_LEVEL": "WARNING",
        }, load_dotenv=False)
        services = Services.build(settings)
        try:
            processing = EventProcessing.build(services)
            org_id = services.org_id()
            users = [f"U{index:032x}" for index in range(1, args.users + 1)]
            org_ids = [org_id]
            if args.orgs:  # every organisation with its own channel; event i to organisation i % orgs
                from storage.clock import utcnow
                from usecases.organisations import NewCredentials, add_organisation

                with services.uow() as uow:
                    org_ids = [add_organisation(uow, services.credentials_box, slug, f"เทศบาลทดสอบ {n}", "Asia/Bangkok",
                                                NewCredentials(secret, token), utcnow()).id
                               for n, (slug, secret, token) in enumerate(map(org_credentials, range(args.orgs)))]
                    uow.commit()
            if args.history:  # a deployment's finished rows (bench/history.py), in 200 organisations
                from bench.history import add_history

                started = time.perf_counter()
                add_history(services.engine, args.history)
                print(f"\n  history: {args.history:,} done events and {args.history:,} finished messages "
                      f"(inserted and analysed in {time.perf_counter() - started:.1f} s)")
            counter = StatementCounter(services.engine)
            from bench.webhook_profile import postmaster_of

            postmaster = postmaster_of(services.engine)
            if postmaster is not None:
                DriverCounter.install()
            if args.send_concurrency:
                # 1: every send in this thread, so that cProfile (which sees one thread) shows the SDK call too
                services.sender.policy = dataclasses.replace(services.sender.policy,
                                                             concurrency=args.send_concurrency)
            load_sdk()  # as the worker does when it starts: not counted in the first send's phase
            spread = f", spread over {args.orgs} organisations" if args.orgs else ""
            sender = services.sender

            def pipelined_pass() -> int:  # the worker's delivery loop, until nothing is due and nothing is out
                if sender.dispatch_due(args.delivery_batch or 20):
                    return 1
                return 0 if sender.wait_sent(0.5) and not sender.dispatch_due(args.delivery_batch or 20) else 1

            for round_ in range(1, args.rounds + 1):
                events = fake.text_events(users, args.events, args.orgs)
                if args.orgs:
                    for n, event in enumerate(events):
                        services.event_store.store(org_ids[n % args.orgs], [event])
                else:
                    for start in range(0, len(events), 100):
                        services.event_store.store(org_id, events[start : start + 100])
                again = f", round {round_} (the same users and organisations again)" if round_ > 1 else ""
                print(f"\n== {label}: {args.events} events from {args.users} users{spread}, "
                      f"LINE latency {args.latency:g} ms{again} ==")
                measure("process (claim, handle, record)", args.events,
                        lambda: processing.processor.process_due(args.event_batch), counter, args.profile, args.top,
                        f"{args.dump}-{label}-process-{round_}.prof" if args.dump else None, args.server_cpu)
                if args.pipelined:  # claims as send slots free up (CPU of every thread)
                    measure("deliver pipelined (dispatch_due: claim, send, record)", args.events, pipelined_pass,
                            counter, args.profile, args.top,
                            f"{args.dump}-{label}-deliver-{round_}.prof" if args.dump else None, args.server_cpu)
                else:
                    measure("deliver (claim, send, record)", args.events,
                            lambda: sum(services.sender.deliver_due(args.delivery_batch).values()), counter,
                            args.profile, args.top, f"{args.dump}-{label}-deliver-{round_}.prof" if args.dump else None,
                            args.server_cpu)
            print(f"\n  fake LINE received: {fake.delivery_kinds()} over {fake.connections()} connections")
        finally:
            services.sender.close()  # its send threads (each send bounded by LINE_REQUEST_TIMEOUT)
            services.line.close()
            services.engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--orgs", type=int, default=0,
                        help="spread the events round-robin over N organisations, each with its own channel")
    parser.add_argument("--rounds", type=int, default=1,
                        help="store and process the events this many times (round 2: every organisation and member "
                             "known, as a running worker finds them)")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--latency", type=float, default=0.0, help="fake LINE latency in ms (default 0)")
    parser.add_argument("--event-batch", type=int, default=None, help="events per claim (the worker's default)")
    parser.add_argument("--delivery-batch", type=int, default=None, help="outbox rows per claim (the worker's default)")
    parser.add_argument("--send-concurrency", type=int, default=None,
                        help="LINE calls in flight per delivery batch (the worker's default); 1 puts the sends in "
                             "the profiled thread")
    parser.add_argument("--pipelined", action="store_true",
                        help="deliver as the worker's loop does (OutboxSender.dispatch_due, sends on the pool's "
                             "threads: cProfile sees only the claims; the CPU figure counts every thread)")
    parser.add_argument("--history", type=int, default=0,
                        help="PostgreSQL: first add N done inbox events and N finished outbox rows over 200 "
                             "organisations and 20,000 chats, VACUUM ANALYZEd (bench/history.py)")
    parser.add_argument("--no-profile", dest="profile", action="store_false")
    parser.add_argument("--dump", default=None, help="also write each phase's cProfile stats to DUMP-<db>-<phase>.prof")
    parser.add_argument("--fake-in-process", action="store_true",
                        help="run the fake platform in this process (its CPU then counts in the figures)")
    args = parser.parse_args(argv)
    args.server_cpu = None
    from bot.worker import WorkerOptions

    defaults = WorkerOptions()
    args.event_batch = args.event_batch or defaults.event_batch_size
    args.delivery_batch = args.delivery_batch or defaults.batch_size
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="itabot-profile-")))
        for db in (["sqlite", "postgresql"] if args.db == "both" else [args.db]):
            if db == "sqlite":
                run_db(f"sqlite:///{tmp / 'profile.db'}", "SQLite", args, tmp)
            else:
                from tests.support.pgcluster import PostgresCluster

                cluster = PostgresCluster()
                stack.callback(cluster.stop)
                from bench.history import server_cpu_seconds

                url = cluster.start()
                args.server_cpu = functools.partial(server_cpu_seconds, cluster.data_dir)
                run_db(url, "PostgreSQL", args, tmp)
                cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
