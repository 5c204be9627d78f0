"""The inbox claim's statements: which due events a worker takes, and taking them.

The rules (`InboxRepository.claim_due`): one chat's events in order and never in two places at once (a chat
another worker is handling, or with an event waiting for its retry, is left alone; so is one with an event in
progress this claim does not take); organisations take turns (#18: every organisation's oldest due event
first, the oldest of those first, then the rest oldest first); a row being finished by an overdue processor is
skipped (SKIP LOCKED), and the rows are read again where they are locked with the same conditions, so one it
committed as done meanwhile is not taken again (#14). Claims exclude each other (the caller's advisory lock on
PostgreSQL, the write lock on SQLite), so no chat becomes busy while one runs.

On PostgreSQL the claim is two statements: the chats to leave alone, then one statement that ranks, locks,
checks the chats held elsewhere and marks the events taken (every round trip is made while holding the lock
every other claim waits for, by a process whose GIL is shared with the worker's other threads). On SQLite
(in process, no round trips) it is the same steps as separate statements."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Integer,
    String,
    Table,
    and_,
    bindparam,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql

from storage.chat_lists import bound_chats, in_chats
from storage.models import InboxEvent, InboxStatus, status_written_in

_table = cast(Table, InboxEvent.__table__)
_PENDING, _PROCESSING = InboxStatus.PENDING.value, InboxStatus.PROCESSING.value

# The chats a claim leaves alone, read first (the index on status and next_attempt_at; a few hundred at most):
# those another worker is handling (one chat's events never run in two places at once), and those with an event
# waiting for its retry (only a failed event waits: a new one is due at once), whose later events wait for it —
# until it is done, or kept as failed when its retries run out — and never overtake it. Bound as one value
# however long it is (storage/chat_lists.py). As a subquery per due row, PostgreSQL once planned the busy check
# as a scan of the whole inbox for each of a 10,000-event burst's rows: one claim ran for over 9 minutes.
# The statuses written in, not bound (`status_written_in`: so that a generic plan uses the partial index).
_UNAVAILABLE = (select(_table.c.chat_key).distinct().where(or_(
    and_(_table.c.status == status_written_in(InboxStatus.PROCESSING),
         _table.c.lease_until >= bindparam("now", type_=_table.c.lease_until.type)),
    and_(_table.c.status == status_written_in(InboxStatus.PENDING),
         _table.c.next_attempt_at > bindparam("now", type_=_table.c.next_attempt_at.type)))))


def _conditions(dialect: str) -> tuple[Any, Any, Any]:
    """A row is due (new, a retry whose backoff is over, or one whose processor's lease ran out), its chat is
    not one of the unavailable ones (bound as `unavailable`), and the time it is ordered by."""
    t = _table
    now = bindparam("now", type_=t.c.lease_until.type)
    due = or_(and_(t.c.status == _PENDING, t.c.next_attempt_at <= now),
              and_(t.c.status == _PROCESSING, t.c.lease_until < now))
    return due, ~in_chats(t.c.chat_key, dialect, "unavailable"), func.coalesce(t.c.event_time, t.c.received_at)


def _firsts(dialect: str) -> Any:
    """Each organisation's oldest due event (ties on the time: the lowest id, as in the claim's order), ranked
    in one pass over the due rows. (It was the oldest time per organisation joined back to the rows on that
    time: with a burst of 10,000 events of one time, PostgreSQL once planned that join as a loop over the burst
    re-reading it each time, and one claim ran for over 9 minutes.)"""
    t = _table
    due, chat_is_free, at = _conditions(dialect)
    ranked = (select(t.c.id, func.row_number().over(partition_by=t.c.org_id, order_by=(at, t.c.id)).label("rank"))
              .where(due, chat_is_free).subquery())
    return select(ranked.c.id).where(ranked.c.rank == 1)


_COLUMNS = (_table.c.id, _table.c.org_id, _table.c.chat_key, _table.c.payload, _table.c.attempts)


def _postgresql_claim() -> Any:
    """The claim in one statement, after `_UNAVAILABLE`: the organisations' firsts, then the rest, each locked
    (SKIP LOCKED) where they are read again with the same conditions; the chats of those with an event in
    progress the claim does not take (one an overdue processor still holds, so skipped, or one the limit left
    out) left out, as their later events wait for it; the others marked taken. Its rows: id, org_id, chat_key,
    payload and the attempt, in the claim's order.

    One snapshot serves the whole statement: taken after the claim lock, it sees every earlier claim. A row an
    overdue processor committed since (done) is not locked: PostgreSQL checks a locked row's conditions again
    on its newest version. The rest are locked only as far as the firsts leave room (a LIMIT of 0 reads none).
    (Two locked reads, not one ORDER BY on "is it a first": that sorts every due row instead of keeping the top.)
    The few rows taken reach the other rows by index (`= ANY(ARRAY(...))`): as a join, PostgreSQL, which cannot
    tell how few they are, read the whole inbox once more to find them. The statuses are written in, not bound:
    the plan PostgreSQL keeps for a statement run often (a generic plan) then knows that few rows are pending.
    The unavailable chats are a hashed list (NOT IN a subquery): `<> ALL(the bound array)` compared each due
    row with every chat in turn in that plan (a 10,000-event backlog with 240 chats busy: 40 ms a scan)."""
    due = (f"(status = '{_PENDING}' AND next_attempt_at <= :now OR status = '{_PROCESSING}' AND lease_until < :now)"
           " AND chat_key NOT IN (SELECT chat_key FROM unavailable)")
    at = "coalesce(event_time, received_at)"
    rows = f"id, org_id, chat_key, payload, attempts, {at} AS at"
    statement = text(
        "WITH unavailable AS MATERIALIZED (SELECT unnest(:unavailable) AS chat_key),"
        " firsts AS MATERIALIZED ("
        f" SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY org_id ORDER BY {at}, id) AS rank"
        f" FROM inbox_events WHERE {due}) AS ranked WHERE rank = 1),"
        f" first_rows AS MATERIALIZED (SELECT {rows}, 0 AS pass FROM inbox_events"
        f" WHERE id IN (SELECT id FROM firsts) AND {due}"
        f" ORDER BY {at}, id LIMIT :limit FOR UPDATE SKIP LOCKED),"
        f" rest_rows AS MATERIALIZED (SELECT {rows}, 1 AS pass FROM inbox_events"
        f" WHERE {due} AND id NOT IN (SELECT id FROM firsts)"
        f" ORDER BY {at}, id LIMIT :limit - (SELECT count(*) FROM first_rows) FOR UPDATE SKIP LOCKED),"
        " taken AS MATERIALIZED (SELECT * FROM first_rows UNION ALL SELECT * FROM rest_rows),"
        " held_elsewhere AS MATERIALIZED (SELECT chat_key FROM inbox_events"
        f" WHERE chat_key = ANY(ARRAY(SELECT chat_key FROM taken)) AND status = '{_PROCESSING}'"
        " AND id <> ALL(ARRAY(SELECT id FROM taken))),"
        f" claimed AS (UPDATE inbox_events SET status = '{_PROCESSING}', lease_until = :lease_until,"
        " attempts = attempts + 1"
        " WHERE id = ANY(ARRAY(SELECT id FROM taken WHERE chat_key NOT IN (SELECT chat_key FROM held_elsewhere)))"
        " RETURNING id, attempts)"
        " SELECT taken.id, taken.org_id, taken.chat_key, taken.payload, claimed.attempts"
        " FROM taken JOIN claimed ON claimed.id = taken.id ORDER BY taken.pass, taken.at, taken.id")
    t = _table
    return (statement.bindparams(bindparam("now", type_=t.c.lease_until.type),
                                 bindparam("lease_until", type_=t.c.lease_until.type),
                                 bindparam("unavailable", type_=postgresql.ARRAY(String)),
                                 bindparam("limit", type_=Integer))
            .columns(t.c.id, t.c.org_id, t.c.chat_key, t.c.payload, t.c.attempts))


_CLAIM = _postgresql_claim()


def _sqlite_statements() -> tuple[Any, Any, Any, Any, Any]:
    """The claim's steps as separate statements (SQLite: in process, no round trips), as `_postgresql_claim`."""
    t = _table
    due, chat_is_free, at = _conditions("sqlite")
    first_rows = (select(*_COLUMNS).where(t.c.id.in_(bindparam("firsts", expanding=True)), due, chat_is_free)
                  .order_by(at, t.c.id).limit(bindparam("limit")))
    rest_rows = (select(*_COLUMNS).where(due, chat_is_free, t.c.id.not_in(bindparam("firsts", expanding=True)))
                 .order_by(at, t.c.id).limit(bindparam("limit")))
    held_elsewhere = (select(t.c.chat_key).distinct()
                      .where(t.c.chat_key.in_(bindparam("chats", expanding=True)), t.c.status == _PROCESSING,
                             t.c.id.not_in(bindparam("ids", expanding=True))))
    claim = (update(t).where(t.c.id.in_(bindparam("ids", expanding=True)))
             .values(status=_PROCESSING, lease_until=bindparam("lease_until"), attempts=t.c.attempts + 1))
    return _firsts("sqlite"), first_rows, rest_rows, held_elsewhere, claim


_SQLITE = _sqlite_statements()


def claim_rows(connection: Connection, now: datetime, limit: int,
               lease_until: datetime) -> Sequence[tuple[int, int, str, Any, int]]:
    """Take the due events (see the module's rules), at most `limit`, held until `lease_until`, in the order to
    process them: (id, org_id, chat_key, payload, the attempt this claim counts) each. The caller holds the
    claim lock (PostgreSQL) or the write lock (SQLite)."""
    dialect = connection.dialect.name
    unavailable = bound_chats(dialect, list(connection.execute(_UNAVAILABLE, {"now": now}).scalars()))
    if dialect == "postgresql":
        return cast(Sequence[tuple[int, int, str, Any, int]],
                    connection.execute(_CLAIM, {"now": now, "unavailable": unavailable, "limit": limit,
                                                "lease_until": lease_until}).all())
    firsts_of, first_rows, rest_rows, held_elsewhere, claim = _SQLITE
    firsts = list(connection.execute(firsts_of, {"now": now, "unavailable": unavailable}).scalars())
    params = {"now": now, "unavailable": unavailable, "firsts": firsts}
    candidates = list(connection.execute(first_rows, {**params, "limit": limit}).all())
    if len(candidates) < limit:
        candidates += connection.execute(rest_rows, {**params, "limit": limit - len(candidates)}).all()
    if not candidates:
        return []
    # A chat busy with an event this claim skipped (one the limit left out) is not busy by what the others
    # committed: its lease ran out. Its later events must not run beside it, out of order (#14).
    held = set(connection.execute(held_elsewhere, {"chats": list({row.chat_key for row in candidates}),
                                                   "ids": [row.id for row in candidates]}).scalars())
    candidates = [row for row in candidates if row.chat_key not in held]
    if candidates:
        connection.execute(claim, {"ids": [row.id for row in candidates], "lease_until": lease_until})
    return [(row.id, row.org_id, row.chat_key, row.payload, row.attempts + 1) for row in candidates]
