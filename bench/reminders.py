"""Reminder planning and delivery at scale.

    .venv/bin/python bench/reminders.py [--orgs 100] [--units 20] [--measures 20] [--db sqlite|postgresql|both]
                                        [--plan-only] [--profile LINES]

1. Builds one database with N organisations × U units (a head bound to each) × M measures for every unit
   (N×U×M obligations), all due in 7 days, so every head is due the 7-day notice.
2. Times the reminder run (`run_reminders`: every organisation's plan, reports, reminder records, quota;
   one push per head written to the outbox with the records). Goal: < 5 s at 100 organisations, < 10 s at
   1,000 (#18). Then times the same run again at once (nothing new to send) and a run on a working day with
   no deadline near; each with its wall time, this process's CPU time and the statements it sent.
3. Starts two `itabot worker --no-scheduler` processes against the database and the fake LINE platform and
   times how long they take to deliver all the pushes. Goal: >= 300 messages/s. It also prints the workers'
   CPU time per message: the fake platform shares the machine's cores, LINE does not.
It prints figures; it is not a timed test.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, insert, select  # noqa: E402

from bench.databases import CHOICES, chosen, database  # noqa: E402
from domain.rounds import PLAN_SCHEME, round_periods, scheme_months  # noqa: E402
from linesim import FakeLinePlatform  # noqa: E402
from storage.clock import utcnow  # noqa: E402
from storage.db import make_engine, make_session_factory  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import Member, Organisation, Role, Unit  # noqa: E402
from storage.plan_models import Measure, Plan, ReportingRound  # noqa: E402
from storage.schedule_settings import ScheduleRepository, ScheduleSettings  # noqa: E402
from storage.uow import UnitOfWorkFactory  # noqa: E402
from usecases.reminder_run import run_reminders  # noqa: E402

BKK = ZoneInfo("Asia/Bangkok")
YEAR = 2567
PLAN_AT = datetime(2024, 4, 1, 9, 0, tzinfo=BKK)  # Monday; the six-month round is due Sunday 7 April
NOTHING_NEAR = datetime(2024, 2, 1, 9, 0, tzinfo=BKK)  # a working Thursday, no deadline within the horizon
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
SECRET, TOKEN = "bench-channel-secret", "bench-access-token"


def build(url: str, orgs: int, units: int, measures: int) -> tuple[UnitOfWorkFactory, Any]:
    upgrade(url)
    engine = make_engine(url)
    uow_factory = UnitOfWorkFactory(make_session_factory(engine))
    now = utcnow()
    with uow_factory() as uow:
        s = uow.session
        s.execute(insert(Organisation), [{"slug": f"org-{o}", "name": f"เทศบาลตำบลทดสอบ {o}",
                                          "timezone": "Asia/Bangkok", "created_at": now} for o in range(orgs)])
        org_ids = list(s.scalars(select(Organisation.id).order_by(Organisation.id)))
        s.execute(insert(Unit), [{"org_id": o, "name": f"กองที่ {u + 1}", "aliases": [], "created_at": now}
                                 for o in org_ids for u in range(units)])
        unit_rows = s.execute(select(Unit.id, Unit.org_id)).all()
        s.execute(insert(Member), [{"org_id": org, "line_user_id": f"U{uid:032x}", "role": Role.HEAD.value,
                                    "unit_id": uid, "blocked": False, "bound_at": now, "created_at": now}
                                   for uid, org in unit_rows])
        s.execute(insert(Plan), [{"org_id": o, "fiscal_year_be": YEAR, "source_name": "bench",
                                  "imported_at": now} for o in org_ids])
        plans = s.execute(select(Plan.id, Plan.org_id)).all()
        s.execute(insert(Measure), [
            {"org_id": org, "plan_id": pid, "seq": m + 1, "match_key": f"m{m}", "issue_no": m % 5 + 1,
             "issue": "ประเด็น", "title": f"มาตรการที่ {m + 1} ส่งเสริมคุณธรรมและความโปร่งใส", "steps": [],
             "all_units": True, "start_date": date(2023, 10, 1), "end_date": date(2024, 9, 30), "ita_codes": [],
             "monitoring_rounds_months": [6, 12], "active": True, "updated_at": now}
            for pid, org in plans for m in range(measures)])
        # the rounds a plan import makes (usecases/plan_import.py): a run finds them, as in a deployment
        periods = round_periods(YEAR, scheme_months(PLAN_SCHEME, [6, 12]), ScheduleSettings().round_due_days)
        s.execute(insert(ReportingRound), [{"org_id": o, "fiscal_year_be": YEAR, "months": p.months,
                                            "start_date": p.start, "end_date": p.end, "due_date": p.due}
                                           for o in org_ids for p in periods])
        uow.commit()
    return uow_factory, engine


def cpu_seconds(pid: int) -> float:
    """The CPU time (user + system) a live process has used so far, from /proc (0 where there is no /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def deliver(url: str, fake: FakeLinePlatform, expected: int, workers: int, tmp: str) -> tuple[float, float, float]:
    """(seconds from start until the first push arrived, messages per second from the first to the last, the
    workers' CPU seconds until the last push arrived)."""
    env = dict(os.environ, ITABOT_ENV="development", DATABASE_URL=url, LINE_API_BASE_URL=fake.base_url,
               LINE_CHANNEL_SECRET=SECRET, LINE_CHANNEL_ACCESS_TOKEN=TOKEN, ITABOT_INSTANCE_DIR=tmp,
               ORG_SLUG="org-0", LOG_LEVEL="WARNING")
    started = time.time()
    procs = [subprocess.Popen([str(ROOT / ".venv" / "bin" / "itabot"), "worker", "--no-scheduler",
                               "--threads", str(THREADS)], env=env, cwd=tmp, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for _ in range(workers)]
    try:
        deadline = time.time() + 600
        while len(fake.deliveries("push")) < expected and time.time() < deadline:
            time.sleep(0.05)
        worker_cpu = sum(cpu_seconds(p.pid) for p in procs)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(30)
    times = sorted(d.at for d in fake.deliveries("push"))
    if len(times) < 2:
        return 0.0, 0.0, worker_cpu
    return times[0] - started, (len(times) - 1) / max(1e-6, times[-1] - times[0]), worker_cpu


def timed_run(uow_factory: UnitOfWorkFactory, engine: Any, at: datetime, label: str, what: str,
              profile: int) -> Any:
    """One reminder run at `at`: prints its wall time, this process's CPU time and the statements it sent
    (an executemany counts once), and with `profile` cProfile's costliest calls."""
    statements = [0]
    by_kind: dict[str, list[float]] = {}  # the statement's first words → [count, seconds]
    started: list[float] = []

    def count(*_: Any) -> None:
        statements[0] += 1
        started.append(time.perf_counter())

    def done(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        kind = " ".join(statement.split()[:6])[:70]
        tally = by_kind.setdefault(kind, [0, 0.0])
        tally[0] += 1
        tally[1] += time.perf_counter() - started.pop()

    event.listen(engine, "before_cursor_execute", count)
    event.listen(engine, "after_cursor_execute", done)
    # the chunks' writes: one statement per table and organisation, pipelined outside SQLAlchemy's events
    queue = ScheduleRepository.queue_reminders
    writes = [0, 0.0, 0]  # calls, seconds, organisations

    def timed_queue(self: ScheduleRepository, runs: Any) -> None:
        t = time.perf_counter()
        queue(self, runs)
        writes[0] += 1
        writes[1] += time.perf_counter() - t
        writes[2] += len(runs)

    ScheduleRepository.queue_reminders = timed_queue  # type: ignore[method-assign]
    profiler = cProfile.Profile() if profile else None
    t0, cpu0 = time.perf_counter(), time.process_time()
    if profiler is not None:
        profiler.enable()
    try:
        run = run_reminders(uow_factory, at)
    finally:
        if profiler is not None:
            profiler.disable()
        event.remove(engine, "before_cursor_execute", count)
        event.remove(engine, "after_cursor_execute", done)
        ScheduleRepository.queue_reminders = queue  # type: ignore[method-assign]
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    if profiler is not None:
        for order in ("cumulative", "tottime"):
            pstats.Stats(profiler).sort_stats(order).print_stats(profile)
    print(f"{'':>12}costliest statements by their first words (count, seconds until the cursor returned):")
    for kind, (n, seconds) in sorted(by_kind.items(), key=lambda item: -item[1][1])[:15 if profile else 4]:
        print(f"{'':>14}{n:>7,} {seconds:7.2f} s  {kind}")
    if writes[0]:
        print(f"{'':>12}the chunks' writes (records, push days, pushes; per organisation, pipelined): "
              f"{writes[0]} calls for {writes[2]:,} organisations, {writes[1]:.2f} s")
    print(f"{label:>10}: {what}: {wall:.2f} s wall, {cpu:.2f} s CPU of this process (the database's not counted), "
          f"{statements[0]:,} statements; {run.measures} obligations → {run.pushes} pushes"
          + (f", {len(run.failed)} organisations failed" if run.failed else ""))
    return run


def bench(url: str, label: str, args: argparse.Namespace, tmp: str) -> None:
    t0 = time.perf_counter()
    uow_factory, engine = build(url, args.orgs, args.units, args.measures)
    print(f"{label:>10}: built {args.orgs} organisations × {args.units} units × {args.measures} measures "
          f"in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    run = timed_run(uow_factory, engine, PLAN_AT, label, "everything due", args.profile)
    planning = time.perf_counter() - t0
    goal = 5 if args.orgs <= 100 else 10
    print(f"{'':>12}goal < {goal} s: {'met' if planning < goal else 'NOT met'}")
    timed_run(uow_factory, engine, PLAN_AT, label, "run again at once (nothing new)", args.profile)
    timed_run(uow_factory, engine, NOTHING_NEAR, label, "a working day with no deadline near", 0)
    if args.plan_only:
        return
    fake = FakeLinePlatform(channel_secret=SECRET, access_token=TOKEN)
    fake.start()
    try:
        start_up, rate, worker_cpu = deliver(url, fake, run.pushes, args.workers, tmp)
        got = len(fake.deliveries("push"))
    finally:
        fake.stop()
    print(f"{label:>10}: delivered {got}/{run.pushes} with {args.workers} workers × {THREADS} threads: "
          f"{rate:.0f} messages/s from the first push to the last (goal >= 300: {'met' if rate >= 300 else 'NOT met'}); "
          f"worker start-up to the first push {start_up:.1f} s")
    if got:  # what our side costs, whatever the fake platform costs on the same cores
        per_message = worker_cpu / got
        print(f"{'':>12}workers' CPU (start-up included): {per_message * 1000:.1f} ms a message → "
              f"{1 / per_message:.0f} messages/s per core when LINE is not on this machine")

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orgs", type=int, default=100)
    parser.add_argument("--units", type=int, default=20)
    parser.add_argument("--measures", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--plan-only", action="store_true", help="time the planning, not the delivery")
    parser.add_argument("--db", choices=CHOICES, default="both")
    parser.add_argument("--profile", type=int, default=0, metavar="LINES",
                        help="profile the planning (cProfile) and print its LINES costliest calls")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for db in chosen(args.db):
            with database(db, tmp) as url:
                bench(url, db, args, tmp)


if __name__ == "__main__":
    main()
