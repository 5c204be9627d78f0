"""The PostgreSQL harness's reset between tests (tests/conftest.py `fresh_database`): it empties only the
tables that have pages and restarts every sequence, instead of a TRUNCATE of all tables. Each test must still
start from empty tables with ids from 1, whatever the test before left: rows in a few tables, many rows,
sequences moved by a rolled-back insert or set by a snapshot's restore, a writer not yet committed; and its
rows must be stored in the order it writes them, as after a TRUNCATE."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from storage.schema import Base
from tests.conftest import fresh_database, wait_for
from tests.support.owner import database_owner

ORG = "INSERT INTO organisations (slug, name, timezone, created_at) VALUES (:slug, 'x', 'Asia/Bangkok', now())"
WAIT_SECONDS = 20


@pytest.fixture
def owner(database_url: str, migrated_template: str) -> Iterator[Engine]:
    with database_owner(migrated_template, "the SQLite harness copies a template file per test") as engine:
        yield engine


def rows(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        counts = {table.name: connection.scalar(text(f'SELECT count(*) FROM "{table.name}"'))
                  for table in Base.metadata.sorted_tables}
    return {name: count for name, count in counts.items() if count}


def pages(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        sizes = {table.name: connection.scalar(text(f"SELECT pg_relation_size('\"{table.name}\"')"))
                 for table in Base.metadata.sorted_tables}
    return {name: size for name, size in sizes.items() if size}


def next_org_id(engine: Engine, slug: str) -> int:
    with engine.begin() as connection:
        return int(connection.scalar(text(ORG + " RETURNING id"), {"slug": slug}))


def test_rows_few_and_many_and_moved_sequences_are_all_reset(owner: Engine, migrated_template: str,
                                                             tmp_path: Path) -> None:
    with owner.begin() as connection:
        org_id = connection.scalar(text(ORG + " RETURNING id"), {"slug": "a"})
        connection.execute(text("INSERT INTO units (org_id, name, aliases, created_at) VALUES (:o, 'u', '[]', now())"), {"o": org_id})
        connection.execute(text("INSERT INTO complaint_attempts (key_hash, at) "
                                "SELECT md5(i::text), now() FROM generate_series(1, 8000) AS i"))  # many: TRUNCATE
        connection.execute(text("SELECT setval('complaints_id_seq', 41, false)"))  # as a snapshot's restore
    with pytest.raises(IntegrityError), owner.begin() as connection:  # a rolled-back insert moves the sequence
        connection.execute(text(ORG), {"slug": "b"})
        connection.execute(text(ORG), {"slug": "b"})
    assert rows(owner) == {"organisations": 1, "units": 1, "complaint_attempts": 8000}

    fresh_database(migrated_template, tmp_path)

    assert rows(owner) == {}
    assert pages(owner) == {}  # the heaps cut back: nothing left for the next test to fill out of order
    with owner.begin() as connection:
        assert connection.scalar(text("SELECT nextval('complaints_id_seq')")) == 1
        assert connection.scalar(text("SELECT nextval('complaint_attempts_id_seq')")) == 1
    assert next_org_id(owner, "c") == 1
    fresh_database(migrated_template, tmp_path)
    assert rows(owner) == {}


def test_a_writer_still_open_is_waited_for_and_its_rows_emptied(owner: Engine, migrated_template: str,
                                                               tmp_path: Path) -> None:
    writer = owner.connect()
    reset = threading.Thread(target=fresh_database, args=(migrated_template, tmp_path), daemon=True)
    try:
        transaction = writer.begin()
        writer.execute(text(ORG), {"slug": "late"})  # not committed yet when the reset starts
        reset.start()
        # the reset waits on the writer's lock (each look in a transaction of its own: PostgreSQL keeps what
        # pg_stat_activity showed for the rest of a transaction)
        with owner.connect().execution_options(isolation_level="AUTOCOMMIT") as watcher:
            assert wait_for(lambda: bool(watcher.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE 'LOCK TABLE%' AND datname = current_database()"))), timeout=WAIT_SECONDS), \
                "the reset did not wait for the open writer"
        transaction.commit()
        reset.join(WAIT_SECONDS)
        assert not reset.is_alive()
    finally:
        writer.close()
        reset.join(WAIT_SECONDS)
    assert rows(owner) == {}
    assert next_org_id(owner, "after") == 1


def test_rows_written_after_a_reset_are_stored_in_the_order_written(owner: Engine, migrated_template: str,
                                                                   tmp_path: Path) -> None:
    """A read without ORDER BY gets the rows in the order they were stored. After a reset by DELETE alone
    the deleted rows' pages stay: once (auto)vacuum has found them free, a later row is stored in the first
    of them, before an earlier row stored at the end of the table."""
    with owner.begin() as connection:  # several pages of rows
        org_id = connection.scalar(text(ORG + " RETURNING id"), {"slug": "a"})
        connection.execute(text("INSERT INTO units (org_id, name, aliases, created_at) "
                                "SELECT :o, 'old' || i, '[]', now() FROM generate_series(1, 2000) AS i"), {"o": org_id})

    fresh_database(migrated_template, tmp_path)

    org_id = next_org_id(owner, "b")
    for name in ("first", "second"):
        owner.dispose()  # each in a new session, as the bot's connections come and go
        with owner.begin() as connection:
            connection.execute(text("INSERT INTO units (org_id, name, aliases, created_at) "
                                    "VALUES (:o, :name, '[]', now())"), {"o": org_id, "name": name})
        with owner.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM units"))  # as autovacuum may at any moment
    with owner.connect() as connection:
        assert connection.scalars(text("SELECT name FROM units")).all() == ["first", "second"]
