"""The queues' status indexes hold only the rows still in line (#17/#18, migration 0019): a deployment keeps every
handled event and delivered message, and on PostgreSQL neither the claims' index reads nor the index writes of a
status change may grow with that history. SQLite keeps the indexes whole (it uses a partial index only when a
query repeats its condition word for word)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, text

from storage import migrate
from storage.clock import utcnow
from storage.db import make_engine
from storage.inbox_claim import _CLAIM, _UNAVAILABLE
from storage.outbox import _CHATS_OUT, _CLAIM_IN_ONE, _DUE_IN_CHATS
from tests.support.owner import database_owner

QUEUE_INDEXES = ("ix_inbox_events_due", "ix_inbox_events_chat", "ix_outbox_messages_due", "ix_outbox_messages_chat")
HISTORY = 3000


@pytest.fixture
def owner(database_url: str, migrated_template: str) -> Iterator[Engine]:
    """The test's emptied PostgreSQL database, as its owner (it may ANALYZE)."""
    with database_owner(migrated_template, "PostgreSQL only: SQLite keeps the queues' indexes whole") as engine:
        yield engine


def _history(engine: Engine, rows: int, now: datetime) -> None:
    """`rows` handled events and delivered messages in 100 chats, and one of each still in line."""
    with engine.begin() as c:
        org = c.scalar(text("INSERT INTO organisations (slug, name, timezone, created_at)"
                            " VALUES ('h', 'H', 'Asia/Bangkok', :now) RETURNING id"), {"now": now})
        c.execute(text(
            "INSERT INTO inbox_events (org_id, webhook_event_id, chat_key, event_type, payload, is_redelivery,"
            " received_at, status, attempts, next_attempt_at, processed_at)"
            " SELECT :org, 'e' || i, 'U' || (i % 100), 'message', '{}', false, :now,"
            " CASE WHEN i = 0 THEN 'pending' ELSE 'done' END, 1, :now, :now FROM generate_series(0, :n) i"),
            {"org": org, "now": now, "n": rows})
        c.execute(text(
            "INSERT INTO outbox_messages (org_id, kind, chat_key, retry_key, recipients, messages, priority,"
            " status, attempts, next_attempt_at, created_at, private)"
            " SELECT :org, 'push', 'U' || (i % 100), 'r' || i, '[]', '[]', 0,"
            " CASE WHEN i = 0 THEN 'pending' ELSE 'delivered' END, 1, :now, :now, false"
            " FROM generate_series(0, :n) i"), {"org": org, "now": now, "n": rows})
        c.execute(text("ANALYZE inbox_events, outbox_messages"))


def test_a_long_history_adds_nothing_to_the_queues_status_indexes(owner: Engine) -> None:
    """3,000 finished rows in each queue and one still in line: the four indexes hold that one (as ANALYZE
    counts an index's rows: a whole index would hold 3,001)."""
    _history(owner, HISTORY, utcnow())
    with owner.connect() as c:
        entries = {name: c.scalar(text("SELECT reltuples FROM pg_class WHERE oid = CAST(:name AS regclass)"),
                                  {"name": name}) for name in QUEUE_INDEXES}
    assert entries == dict.fromkeys(QUEUE_INDEXES, 1), entries


def _generic_plan(engine: Engine, statement: Any, values: dict[str, str]) -> str:
    """The plan PostgreSQL keeps for `statement` once it is run often (a generic plan: no bound value known),
    as psycopg sends it (its bound values become $n)."""
    compiled = str(statement.compile(dialect=engine.dialect))
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    sql = re.sub(r"%\((\w+)\)s", number, compiled).replace("%%", "%")
    with engine.connect() as c:
        c.execute(text("SET plan_cache_mode = force_generic_plan"))
        c.exec_driver_sql(f"PREPARE queue_statement AS {sql}")
        bound = statement.compile(dialect=engine.dialect).params  # the statement's own values
        arguments = ", ".join(values[name] if name in values else f"'{bound[name]}'" for name in names)
        try:
            plan = "\n".join(c.exec_driver_sql(f"EXPLAIN EXECUTE queue_statement({arguments})").scalars())
        finally:
            c.rollback()
            c.exec_driver_sql("DEALLOCATE queue_statement")
            c.exec_driver_sql("RESET plan_cache_mode")
            c.commit()
    return plan


def test_the_claims_plans_kept_for_statements_run_often_read_the_rows_in_line_by_index(owner: Engine) -> None:
    """The claims' statements written with their statuses as literals: PostgreSQL's generic plan (the one it
    keeps for a statement psycopg prepared) can tell their rows fall under the indexes' condition; a bound
    status could not, and each would read the whole history."""
    _history(owner, HISTORY, utcnow())
    now, chats = "now()", "ARRAY['U1', 'U2']::varchar[]"
    plans = {
        "inbox unavailable": _generic_plan(owner, _UNAVAILABLE, {"now": now}),
        "inbox claim": _generic_plan(owner, _CLAIM, {"now": now, "unavailable": chats, "limit": "20",
                                                     "lease_until": now}),
        "outbox claim": _generic_plan(owner, _CLAIM_IN_ONE, {"now": now, "limit": "20", "owner": "'o'",
                                                             "lease_until": now}),
        "outbox chats out": _generic_plan(owner, _CHATS_OUT, {"now": now}),
        "outbox due behind": _generic_plan(owner, _DUE_IN_CHATS["postgresql"], {"now": now, "held": chats}),
    }
    for name, plan in plans.items():
        assert "Seq Scan" not in plan, f"{name}:\n{plan}"
        assert re.search(r"ix_(inbox_events|outbox_messages)_(due|chat)", plan), f"{name}:\n{plan}"


def _index_sql(url: str) -> dict[str, str]:
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            if engine.dialect.name == "postgresql":
                rows = c.execute(text("SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(:names)"),
                                 {"names": list(QUEUE_INDEXES)})
            else:
                rows = c.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'index'"))
            found = {name: sql for name, sql in rows if name in QUEUE_INDEXES}
            assert {name for table in ("inbox_events", "outbox_messages")
                    for name in (i["name"] for i in inspect(c).get_indexes(table))} >= set(QUEUE_INDEXES)
            return found
    finally:
        engine.dispose()


def test_migration_0019_applies_and_goes_back(database_url: str, migrated_template: str, tmp_path: Path) -> None:
    """On PostgreSQL 0019 makes the four indexes partial and its downgrade makes them whole again; on SQLite
    both leave them as they were. (`database_url`: run on both databases; on PostgreSQL the worker's own
    database is taken back and forth, as its owner.)"""
    from alembic import command

    url = migrated_template if migrated_template.startswith("postgresql") else f"sqlite:///{tmp_path}/q.db"
    migrate.upgrade(url)
    postgres = url.startswith("postgresql")
    try:
        assert all((" WHERE " in sql) == postgres for sql in _index_sql(url).values())
        command.downgrade(migrate.alembic_config(url), "0018")
        whole = _index_sql(url)
        assert len(whole) == 4 and all(" WHERE " not in sql for sql in whole.values()), whole
    finally:
        migrate.upgrade(url)
    partial = _index_sql(url)
    assert len(partial) == 4 and all((" WHERE " in sql) == postgres for sql in partial.values()), partial
