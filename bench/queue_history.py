"""Whether the queues' hot statements cost more with a long history of handled events and delivered messages
(PostgreSQL; issue #17/#18: a deployment keeps every finished row, retention only scrubs it).

    .venv/bin/python bench/queue_history.py --history 0 300000

For each history size, in a fresh database: `--history` done inbox events and as many delivered outbox rows
(bench/history.py: 200 organisations, 20,000 chats, 60 days, the older half scrubbed; VACUUM ANALYZE), then a
live backlog of `--backlog` pending events and pending replies over `--live-chats` chats. Then, `--rounds`
times, each in a transaction rolled back: EXPLAIN (ANALYZE, BUFFERS) of the webhook's store (20 new events),
the inbox claim's two statements, marking the claimed events done, the outbox claim and marking its rows
delivered, each claiming `--limit` rows. Prints each statement's median execution time and the buffers it
touched (shared hit + read), and the queues' index sizes. Not a timed test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
import warnings
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import event, text  # noqa: E402

from bench.history import add_history, index_sizes  # noqa: E402
from storage.clock import utcnow as utcnow_  # noqa: E402


class Explainer:
    """EXPLAIN (ANALYZE, BUFFERS) of the next statement run on the engine, as the application runs it."""

    def __init__(self, engine: Any) -> None:
        self.armed = False
        self.plan: Any = None
        event.listen(engine, "before_cursor_execute", self._before, retval=True)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                executemany: bool) -> tuple[str, Any]:
        if self.armed:
            statement = "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement
        return statement, parameters

    def _after(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
               executemany: bool) -> None:
        if self.armed:
            self.armed = False
            plan = cursor.fetchall()[0][0]
            self.plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]

    @contextmanager
    def explain(self) -> Iterator[None]:
        self.armed = True
        try:
            yield
        except Exception:  # the result's columns are the plan's, not the statement's
            if self.plan is None:
                raise
        finally:
            self.armed = False


def _buffers(node: dict[str, Any]) -> int:
    return int(node.get("Shared Hit Blocks", 0)) + int(node.get("Shared Read Blocks", 0))


def _print_plan(node: dict[str, Any], depth: int) -> None:
    """One line a node: its type, relation or index, rows, loops and the buffers it (and its children) touched."""
    where = node.get("Index Name") or node.get("Relation Name") or node.get("CTE Name") or ""
    print(f"{' ' * depth}{node['Node Type']} {where} rows={node.get('Actual Rows')} loops={node.get('Actual Loops')}"
          f" buffers={_buffers(node)} time={node.get('Actual Total Time')}")
    for child in node.get("Plans", []):
        _print_plan(child, depth + 2)


def _other_queries(engine: Any, explainer: Explainer, org_id: int, org_ids: list[int]) -> None:
    """The other queries that read the queues by status (console, `itabot … status`, /healthz, retention, the
    quota's unparking): the first statement of each, EXPLAIN ANALYZEd once in a transaction rolled back."""
    from storage.db import make_session_factory
    from storage.models import OutboxStatus
    from storage.uow import UnitOfWorkFactory

    uow_factory = UnitOfWorkFactory(make_session_factory(engine))
    now = utcnow_()
    cut = now - timedelta(days=30)
    queries: dict[str, Any] = {
        "inbox counts_by_status (all rows)": lambda uow: uow.inbox.counts_by_status(),
        "outbox counts_by_status (all rows)": lambda uow: uow.outbox.counts_by_status(),
        "inbox counts_in_line (/healthz, CLI)": lambda uow: uow.inbox.counts_in_line(),
        "outbox counts_in_line (/healthz, quota, CLI)": lambda uow: uow.outbox.counts_in_line(),
        "outbox oldest_undelivered (/healthz)": lambda uow: uow.outbox.oldest_undelivered_created_at(),
        "outbox list_by_status failed (CLI)": lambda uow: uow.outbox.list_by_status(OutboxStatus.FAILED, 20),
        "outbox list_by_status uncertain (CLI)": lambda uow: uow.outbox.list_by_status(OutboxStatus.UNCERTAIN, 20),
        "inbox failed (CLI)": lambda uow: uow.inbox.failed(20),
        "inbox retry_failed (CLI)": lambda uow: uow.inbox.retry_failed(now),
        "outbox count_waiting_pushes": lambda uow: uow.outbox.count_waiting_pushes(org_id),
        "outbox waiting_pushes_of (reminders)": lambda uow: uow.outbox.waiting_pushes_of(org_ids),
        "outbox unpark": lambda uow: uow.outbox.unpark(org_id, now),
        "outbox due_behind": lambda uow: uow.outbox.due_behind(now),
        "inbox scrub_finished (retention)": lambda uow: uow.inbox.scrub_finished(cut, now),
        "outbox scrub_finished (retention)": lambda uow: uow.outbox.scrub_finished(cut, now),
    }
    print("  -- other queries on the queues (one run each) --")
    for name, query in queries.items():
        explainer.plan = None
        with uow_factory() as uow, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                with explainer.explain():
                    query(uow)
            except Exception as exc:  # an ORM result read from a plan's rows
                if explainer.plan is None:
                    print(f"  {name:42s} failed: {type(exc).__name__}")
                    continue
            uow.session.rollback()
        plan = explainer.plan
        scans = sorted({node for node in _scans(plan["Plan"])})
        print(f"  {name:42s} {float(plan['Execution Time']):8.3f} ms  {_buffers(plan['Plan']):6d} buffers  "
              + ", ".join(scans))


def _time_healthz(url: str, requests: int) -> None:
    """`GET /healthz` through the Flask app in this process, `requests` times after one warm-up: median wall
    time, and this process's CPU time per request (the database server's is not counted)."""
    from bot.app import create_app
    from bot.config import Settings

    settings = Settings.from_env({"ITABOT_ENV": "test", "DATABASE_URL": url, "LINE_CHANNEL_SECRET": "s",
                                  "LINE_CHANNEL_ACCESS_TOKEN": "t", "SECRET_KEY": "bench-secret-key" * 2})
    client = create_app(settings).test_client()
    assert client.get("/healthz").status_code == 200
    walls: list[float] = []
    cpu = time.process_time()
    for _ in range(requests):
        started = time.perf_counter()
        assert client.get("/healthz").status_code == 200
        walls.append(time.perf_counter() - started)
    cpu = time.process_time() - cpu
    print(f"  GET /healthz x{requests}: median {statistics.median(walls) * 1000:.1f} ms wall "
          f"(min {min(walls) * 1000:.1f}, max {max(walls) * 1000:.1f}), {cpu / requests * 1000:.1f} ms CPU of this "
          "process per request")


def _scans(node: dict[str, Any]) -> Iterator[str]:
    if "Relation Name" in node or "Index Name" in node:
        yield f"{node['Node Type']} {node.get('Index Name') or node.get('Relation Name')}"
    for child in node.get("Plans", []):
        yield from _scans(child)


def run(url: str, history: int, args: argparse.Namespace) -> dict[str, tuple[float, int]]:
    from storage import migrate
    from storage.clock import utcnow
    from storage.db import make_engine
    from storage.inbox import _FINISH_ALL, store_events_of
    from storage.inbox_claim import _CLAIM, _UNAVAILABLE
    from storage.outbox import _CLAIM_IN_ONE, _MARK_DELIVERED_ALL

    migrate.upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    add_history(engine, history)
    print(f"\n== history {history:,} events and {history:,} messages (inserted and analysed in "
          f"{time.perf_counter() - started:.1f} s) ==")
    with engine.begin() as c:
        org_ids = list(c.execute(text("SELECT id FROM organisations ORDER BY id")).scalars())
    chats = [f"U{uuid.uuid4().hex}" for _ in range(args.live_chats)]

    def events(n: int, tag: str) -> list[tuple[int, list[dict[str, Any]]]]:
        by_org: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for i in range(n):
            chat = chats[i % len(chats)]
            by_org[org_ids[i % len(org_ids)]].append({
                "type": "message", "webhookEventId": f"{tag}{i:08d}", "timestamp": int(time.time() * 1000),
                "replyToken": uuid.uuid4().hex, "mode": "active", "deliveryContext": {"isRedelivery": False},
                "source": {"type": "user", "userId": chat},
                "message": {"type": "text", "id": str(i), "text": "ช่วยเหลือ", "quoteToken": "q"}})
        return list(by_org.items())

    now = utcnow()
    with engine.begin() as c:  # the live backlog
        store_events_of(c, events(args.backlog, "live"), now)
        c.execute(text(
            "INSERT INTO outbox_messages (org_id, kind, chat_key, retry_key, reply_token, recipients, messages,"
            " priority, status, attempts, next_attempt_at, created_at, private)"
            " SELECT o[1 + i % cardinality(o)], 'reply', h[1 + i % cardinality(h)],"
            " gen_random_uuid()::text, md5('t' || i), json_build_array(h[1 + i % cardinality(h)]),"
            " json_build_array(json_build_object('type', 'text', 'text', 'ช่วยเหลือ')), 0, 'pending', 0, :now, :now,"
            " false FROM generate_series(0, :n - 1) i, CAST(:orgs AS integer[]) o, CAST(:chats AS text[]) h"), {"orgs": org_ids, "chats": chats, "n": args.backlog,
                                                            "now": now})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("ANALYZE inbox_events, outbox_messages"))
    explainer = Explainer(engine)
    times: dict[str, list[float]] = defaultdict(list)
    buffers: dict[str, list[int]] = defaultdict(list)
    plans: dict[str, Any] = {}

    def explained(name: str, c: Any, statement: Any, params: dict[str, Any]) -> Any:
        explainer.plan = None
        with explainer.explain(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the result's columns are the plan's
            c.execute(statement, params).all()
        plan = explainer.plan
        plans[name] = plan
        times[name].append(float(plan["Execution Time"]))
        buffers[name].append(_buffers(plan["Plan"]))
        return plan

    for round_ in range(args.rounds):
        now = utcnow()
        lease = now + timedelta(seconds=30)
        with engine.connect() as c:
            transaction = c.begin()
            explainer.plan = None
            with explainer.explain():
                store_events_of(c, events(20, f"r{round_}-"), now)
            times["webhook store (20 events)"].append(float(explainer.plan["Execution Time"]))
            buffers["webhook store (20 events)"].append(_buffers(explainer.plan["Plan"]))
            explained("inbox: unavailable chats", c, _UNAVAILABLE, {"now": now})
            unavailable = list(c.execute(_UNAVAILABLE, {"now": now}).scalars())
            claim = {"now": now, "unavailable": unavailable, "limit": args.limit, "lease_until": lease}
            explained("inbox: claim", c, _CLAIM, claim)
            ids = list(c.execute(text("SELECT id FROM inbox_events WHERE status = 'processing'")).scalars())
            explained("inbox: mark done (one statement)", c, _FINISH_ALL,
                      {"ids": ids, "statuses": ["done"] * len(ids), "outcomes": ["handled"] * len(ids), "at": now})
            explained("outbox: claim", c, _CLAIM_IN_ONE,
                      {"now": now, "limit": args.limit, "owner": "bench", "lease_until": lease})
            sent = list(c.execute(text("SELECT id FROM outbox_messages WHERE status = 'sending'")).scalars())
            explained("outbox: mark delivered (one statement)", c, _MARK_DELIVERED_ALL, {
                "delivered": "delivered", "now": now,
                "deliveries": json.dumps([{"id": i, "via": "reply", "request_id": "r"} for i in sent])})
            transaction.rollback()
        if round_ % 5 == 4:  # the rolled-back rows' dead versions, as autovacuum would
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("VACUUM inbox_events, outbox_messages"))
    result = {name: (statistics.median(times[name]), int(statistics.median(buffers[name]))) for name in times}
    for name, (ms, blocks) in result.items():
        print(f"  {name:42s} {ms:8.3f} ms  {blocks:6d} buffers  (median of {args.rounds})")
    if args.other:
        _other_queries(engine, explainer, org_ids[0], org_ids)
    if args.healthz:
        _time_healthz(url, args.healthz)
    if args.plans:
        for name, plan in plans.items():
            print(f"  -- {name} --")
            _print_plan(plan["Plan"], 2)
    sizes = index_sizes(engine)
    print("  indexes: " + ", ".join(f"{name} {size // 1024} kB" for name, size in sizes.items()))
    engine.dispose()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--history", type=int, nargs="+", default=[0, 300_000])
    parser.add_argument("--backlog", type=int, default=1000, help="pending events and replies when measured")
    parser.add_argument("--live-chats", type=int, default=200)
    parser.add_argument("--limit", type=int, default=20, help="rows per claim")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--other", action="store_true", help="also EXPLAIN ANALYZE the other queries by status")
    parser.add_argument("--healthz", type=int, default=0, metavar="N",
                        help="also time N GET /healthz through the app (wall and CPU per request)")
    parser.add_argument("--plans", action="store_true", help="print each statement's last plan, a line a node")
    args = parser.parse_args(argv)
    from tests.support.pgcluster import PostgresCluster

    with PostgresCluster() as cluster:
        for n, history in enumerate(args.history):
            run(cluster.create_database(f"history{n}"), history, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
