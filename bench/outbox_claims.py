"""What one outbox claim costs with a large backlog, and the claim it replaced (issue #17, step 2).

    .venv/bin/python bench/outbox_claims.py [--backlog 10000] [--chats 1000] [--waiting 100] [--db both]

Builds a database with `--backlog` due pushes in one organisation spread over `--chats` chats (each chat's
rows in the order written), and, written before them, `--waiting` chats with a row waiting for its retry and
32 chats with a row being sent (their later rows must not be claimed), plus one due row in a second
organisation. Then times one claim of 20 (`OutboxRepository.claim_due`, rolled back; median of 30) against
the previous claim (kept here as the baseline: a NOT EXISTS per due row for "an earlier row of this chat that
cannot go now"), and checks that both take the same rows. `--alone`: the waiting chats have nothing behind
their waiting row (as after a LINE outage). Prints figures; it is not a timed test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import Table, and_, insert, select  # noqa: E402

from bench.databases import CHOICES, chosen, database  # noqa: E402
from storage.clock import utcnow  # noqa: E402
from storage.db import bounded_claim, make_engine, make_session_factory  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import OutboxMessage, OutboxStatus  # noqa: E402
from storage.outbox import IN_LINE, OutboxRepository, _due, claim_statements_where  # noqa: E402
from storage.uow import UnitOfWork, UnitOfWorkFactory  # noqa: E402

REPEAT = 30
SENDING_CHATS = 32  # the rows in flight of one worker's delivery (OUTBOX_SEND_CONCURRENCY)


def _before_statements() -> tuple[Any, Any, Any, Any]:
    """The claim as it was (storage/outbox.py before #17 step 2): held back by a correlated NOT EXISTS."""
    t = cast(Table, OutboxMessage.__table__)
    earlier = t.alias("earlier")
    held_back = select(earlier.c.id).where(
        earlier.c.chat_key == t.c.chat_key, earlier.c.id < t.c.id, earlier.c.status.in_(IN_LINE),
        ~_due(earlier)).exists()
    return claim_statements_where(and_(_due(t), ~held_back))


_BEFORE = _before_statements()


def claim_before(uow: UnitOfWork, limit: int) -> list[int]:
    firsts_of, first_rows_of, rest_rows_of, claim = _BEFORE
    now = utcnow()
    connection = uow.session.connection()
    bounded_claim(connection)
    firsts = list(connection.execute(firsts_of, {"now": now}).scalars())
    rows = list(connection.execute(first_rows_of, {"now": now, "firsts": firsts, "limit": limit}).all())
    if len(rows) < limit:
        rows += connection.execute(rest_rows_of, {"now": now, "firsts": firsts, "limit": limit - len(rows)}).all()
    rows = OutboxRepository(uow.session)._in_chat_order(rows)
    if rows:
        connection.execute(claim, {"ids": [row.id for row in rows], "now": now, "owner": "bench",
                                   "lease_until": now + timedelta(seconds=60)})
    return [row.id for row in rows]


def claim_after(uow: UnitOfWork, limit: int) -> list[int]:
    return [row.id for row in uow.outbox.claim_due(utcnow(), limit, 60, "bench")]


def _row(org_id: int, chat: str, status: OutboxStatus, at: Any, **extra: Any) -> dict[str, Any]:
    return {"org_id": org_id, "kind": "push", "retry_key": str(uuid.uuid4()), "recipients": [chat],
            "chat_key": chat, "messages": [{"type": "text", "text": "x"}], "priority": 50, "next_attempt_at": at,
            "created_at": at, "status": status.value, **extra}


def build(factory: UnitOfWorkFactory, backlog: int, chats: int, waiting: int, alone: bool) -> None:
    with factory() as uow:
        ids = [uow.people.ensure_organisation(f"org-{n}", f"เทศบาล {n}", "Asia/Bangkok").id for n in range(2)]
        uow.commit()
    now = utcnow()
    old = now - timedelta(minutes=10)
    first = chats if alone else 0  # alone: chats of their own, nothing behind their waiting row (an outage)
    rows = [_row(ids[0], f"U{n:032d}", OutboxStatus.PENDING, old, next_attempt_at=now + timedelta(minutes=10),
                 attempts=1) for n in range(first, first + waiting)]
    rows += [_row(ids[0], f"U{n:032d}", OutboxStatus.SENDING, old, lease_until=now + timedelta(minutes=10),
                  lease_owner="another", attempts=1) for n in range(waiting, waiting + SENDING_CHATS)]
    rows += [_row(ids[0], f"U{n % chats:032d}", OutboxStatus.PENDING, old) for n in range(backlog)]
    rows.append(_row(ids[1], "U" + "f" * 32, OutboxStatus.PENDING, now))
    with factory() as uow:
        for start in range(0, len(rows), 5000):
            uow.session.execute(insert(OutboxMessage), rows[start:start + 5000])
        uow.commit()
        if uow.session.get_bind().dialect.name == "postgresql":
            uow.session.connection().exec_driver_sql("ANALYZE outbox_messages")


def timed(factory: UnitOfWorkFactory, claim: Callable[[UnitOfWork], list[int]]) -> tuple[float, float, list[int]]:
    times, claimed = [], []
    for _ in range(REPEAT):
        with factory() as uow:
            start = time.perf_counter()
            claimed = claim(uow)
            times.append(time.perf_counter() - start)
            uow.rollback()
    return statistics.median(times) * 1000, max(times) * 1000, claimed


def run(url: str, args: argparse.Namespace) -> None:
    upgrade(url)
    engine = make_engine(url)
    factory = UnitOfWorkFactory(make_session_factory(engine))
    build(factory, args.backlog, args.chats, args.waiting, args.alone)
    results = {}
    for name, claim in (("before (NOT EXISTS per row)", lambda uow: claim_before(uow, 20)),
                        ("after (held chats read first)", lambda uow: claim_after(uow, 20)),
                        ("before, again", lambda uow: claim_before(uow, 20)),
                        ("after, again", lambda uow: claim_after(uow, 20))):
        median, worst, claimed = timed(factory, claim)
        results[name] = claimed
        print(f"  {name:<32} {median:8.2f} ms per claim of 20 (median of {REPEAT}; worst {worst:.1f} ms), "
              f"{len(claimed)} rows")
    same = results["before (NOT EXISTS per row)"] == results["after (held chats read first)"]
    print(f"  both claim the same rows: {'yes' if same else 'NO'}")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--backlog", type=int, default=10_000)
    parser.add_argument("--chats", type=int, default=1_000)
    parser.add_argument("--waiting", type=int, default=100, help="chats with a row waiting for its retry")
    parser.add_argument("--alone", action="store_true",
                        help="the waiting chats are chats of their own with nothing behind (as after an outage)")
    parser.add_argument("--db", choices=CHOICES, default="both")
    args = parser.parse_args()
    for kind in chosen(args.db):
        with tempfile.TemporaryDirectory() as tmp, database(kind, tmp) as url:
            print(f"{kind}: {args.backlog} due rows over {args.chats} chats in one organisation; {args.waiting} "
                  f"chats with a row waiting for its retry, {SENDING_CHATS} with one being sent; one row in another")
            run(url, args)


if __name__ == "__main__":
    main()
