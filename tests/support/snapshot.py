"""A world built once and given to each test as it was: every row of the database and the fake platform's
records, taken after an expensive setup and put back into the next test's own (fresh) database and platform.

For a module whose tests all start from the same setup (tests/test_isolation.py: two organisations, their
plans, members bound through the chat and a complaint each): the setup runs once, each test still gets its
own database and platform in that state, changes what it likes and leaves nothing to the next.

The rows are read and written as the database's owner (on PostgreSQL the superuser: row-level security
would hide other organisations' rows from the bot's role, and foreign-key triggers are held during the
copy), with the sequences moved past the copied ids, so new rows get new ids as they would have."""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, delete, insert, select, text

from storage.db import is_sqlite, make_engine
from storage.schema import Base


@dataclass(frozen=True)
class DatabaseSnapshot:
    rows: dict[str, list[dict[str, Any]]]

    @classmethod
    def take(cls, owner_url: str) -> DatabaseSnapshot:
        engine = make_engine(owner_url)
        try:
            with engine.connect() as connection:
                return cls({table.name: [dict(row) for row in connection.execute(select(table)).mappings()]
                            for table in Base.metadata.sorted_tables})
        finally:
            engine.dispose()

    def restore(self, owner_url: str) -> None:
        """Make the database hold exactly the snapshot's rows (it may hold others: they go)."""
        engine = make_engine(owner_url)
        tables = Base.metadata.sorted_tables
        try:
            with engine.begin() as connection:
                if is_sqlite(owner_url):
                    for table in reversed(tables):
                        connection.execute(delete(table))
                else:
                    connection.execute(text("SET LOCAL session_replication_role = replica"))
                    names = ", ".join(f'"{table.name}"' for table in tables)
                    connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
                for table in tables:
                    if self.rows[table.name]:
                        connection.execute(insert(table), self.rows[table.name])
                if not is_sqlite(owner_url):
                    for table in tables:
                        _move_sequences_on(connection, table)
        finally:
            engine.dispose()


def _move_sequences_on(connection: Any, table: Table) -> None:
    for column in table.primary_key.columns:
        sequence = connection.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                     {"t": table.name, "c": column.name})
        if sequence is not None:
            connection.execute(text(f'SELECT setval(:s, COALESCE((SELECT max("{column.name}") FROM "{table.name}"), 0) + 1, '
                                    "false)"), {"s": sequence})


def copy_platform_state(state: Any) -> Any:
    """A deep copy of `linesim.state.PlatformState` (deliveries, reply tokens, retry keys, content...), each
    lock a new one."""
    memo: dict[int, Any] = {}
    for holder in (state, state.richmenus):
        memo[id(holder._lock)] = threading.Lock()
    return copy.deepcopy(state, memo)
