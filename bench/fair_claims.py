"""What the organisations' turns cost the inbox and outbox claims (#18), and what they buy.

    .venv/bin/python bench/fair_claims.py [--backlog 10000] [--orgs 2] [--db sqlite|postgresql|both] [--held 0]

Builds a database with a backlog of `--backlog` due inbox events and as many due outbox rows in the first
organisation (1,000 chats) and one of each in every other organisation, then times one claim of 20 (rolled
back, repeated) with the rotating claim (`InboxRepository.claim_due`, `OutboxRepository.claim_due`) and with
the previous global oldest-first order (kept here as the baseline), and says in which claim of 20 the
other organisations' first event would be taken by each. `--held N` adds N chats in the first organisation
whose event waits for its retry, each with a due event behind it (the claims read them first and leave them out
by one bound list). It prints figures; it is not a timed test.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import and_, exists, func, insert, or_, select  # noqa: E402
from sqlalchemy.orm import aliased  # noqa: E402

from bench.databases import CHOICES, chosen, database  # noqa: E402
from storage.clock import utcnow  # noqa: E402
from storage.db import make_engine, make_session_factory  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import InboxEvent, InboxStatus, OutboxMessage, OutboxStatus  # noqa: E402
from storage.uow import UnitOfWork, UnitOfWorkFactory  # noqa: E402

REPEAT = 30


def build(factory: UnitOfWorkFactory, backlog: int, orgs: int, held: int = 0) -> list[int]:
    with factory() as uow:
        ids = [uow.people.ensure_organisation(f"org-{n}", f"เทศบาล {n}", "Asia/Bangkok").id for n in range(orgs)]
        uow.commit()
    old = utcnow() - timedelta(minutes=10)
    inbox, outbox = [], []
    for org_id, count, at in [(ids[0], backlog, old)] + [(i, 1, utcnow()) for i in ids[1:]]:
        for n in range(count):
            inbox.append({"org_id": org_id, "webhook_event_id": uuid.uuid4().hex, "chat_key": f"u:{org_id}:{n % 1000}",
                          "event_type": "message", "payload": {"type": "message"}, "event_time": at,
                          "received_at": at, "next_attempt_at": at, "status": InboxStatus.PENDING.value})
            outbox.append({"org_id": org_id, "kind": "push", "retry_key": str(uuid.uuid4()), "recipients": ["U0"],
                           "messages": [{"type": "text", "text": "x"}], "priority": 50, "next_attempt_at": at,
                           "created_at": at, "status": OutboxStatus.PENDING.value})
    later = utcnow() + timedelta(minutes=10)
    for n in range(held):  # a chat whose event waits for its retry, and a due one behind it
        for at_, due, attempts in ((old, later, 1), (old, old, 0)):
            inbox.append({"org_id": ids[0], "webhook_event_id": uuid.uuid4().hex, "chat_key": f"held:{n}",
                          "event_type": "message", "payload": {"type": "message"}, "event_time": at_,
                          "received_at": at_, "next_attempt_at": due, "attempts": attempts,
                          "status": InboxStatus.PENDING.value})
    with factory() as uow:
        uow.session.execute(insert(InboxEvent), inbox)
        uow.session.execute(insert(OutboxMessage), outbox)
        uow.commit()
    return ids


def global_inbox_claim(uow: UnitOfWork, limit: int) -> list[int]:
    """The claim's order before the turns: every organisation's events oldest first."""
    now = utcnow()
    busy = aliased(InboxEvent)
    chat_is_busy = exists().where(busy.chat_key == InboxEvent.chat_key, busy.status == InboxStatus.PROCESSING.value,
                                  busy.lease_until >= now)
    due = or_(and_(InboxEvent.status == InboxStatus.PENDING.value, InboxEvent.next_attempt_at <= now),
              and_(InboxEvent.status == InboxStatus.PROCESSING.value, InboxEvent.lease_until < now))
    rows = uow.session.scalars(select(InboxEvent).where(due, ~chat_is_busy).order_by(
        func.coalesce(InboxEvent.event_time, InboxEvent.received_at), InboxEvent.id).limit(limit)).all()
    return [r.org_id for r in rows]


def global_outbox_claim(uow: UnitOfWork, limit: int) -> list[int]:
    now = utcnow()
    condition = or_(and_(OutboxMessage.status == OutboxStatus.PENDING.value, OutboxMessage.next_attempt_at <= now),
                    and_(OutboxMessage.status == OutboxStatus.SENDING.value, OutboxMessage.lease_until < now))
    rows = uow.session.scalars(select(OutboxMessage).where(condition)
                               .order_by(OutboxMessage.priority.desc(), OutboxMessage.id)
                               .limit(limit).with_for_update(skip_locked=True)).all()
    return [r.org_id for r in rows]


def timed(factory: UnitOfWorkFactory, claim: Callable[[UnitOfWork], list[int]]) -> tuple[float, list[int]]:
    times, orgs = [], []
    for _ in range(REPEAT):
        with factory() as uow:
            start = time.perf_counter()
            orgs = claim(uow)
            times.append(time.perf_counter() - start)
            uow.rollback()
    return statistics.median(times) * 1000, orgs


def run(url: str, backlog: int, orgs: int, held: int = 0) -> None:
    upgrade(url)
    engine = make_engine(url)
    factory = UnitOfWorkFactory(make_session_factory(engine))
    ids = build(factory, backlog, orgs, held)
    others = set(ids[1:])
    cases = {
        "inbox, turns": lambda uow: [c.org_id for c in uow.inbox.claim_due(utcnow(), 20, 60)],
        "inbox, oldest first (before)": lambda uow: global_inbox_claim(uow, 20),
        "outbox, turns": lambda uow: [r.org_id for r in uow.outbox.claim_due(utcnow(), 20, 60, "bench")],
        "outbox, by id (before)": lambda uow: global_outbox_claim(uow, 20),
    }
    for name, claim in cases.items():
        ms, claimed = timed(factory, claim)
        taken = len(others & set(claimed))
        print(f"  {name:<30} {ms:8.2f} ms per claim of 20   other organisations served in the first claim: "
              f"{taken}/{len(others)}")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--backlog", type=int, default=10_000)
    parser.add_argument("--orgs", type=int, default=2)
    parser.add_argument("--db", choices=CHOICES, default="sqlite")
    parser.add_argument("--held", type=int, default=0, help="chats whose event waits for its retry")
    args = parser.parse_args()
    for kind in chosen(args.db):
        with tempfile.TemporaryDirectory() as tmp, database(kind, tmp) as url:
            print(f"{kind}: backlog {args.backlog} in one organisation, {args.orgs - 1} other(s) with one each, "
                  f"{args.held} chats waiting for a retry")
            run(url, args.backlog, args.orgs, args.held)


if __name__ == "__main__":
    main()
