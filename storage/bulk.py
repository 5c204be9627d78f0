"""Many rows into one table in one statement, whatever their number.

An executemany sends one INSERT per row (pipelined by psycopg, but each still bound, executed and checked on
its own, and each row's values adapted one by one in Python); on PostgreSQL `insert_rows` sends the rows as
one JSON document — made by the C JSON encoder, its Thai unescaped (storage/db.py `store_json`) — and inserts them with `INSERT … SELECT … FROM
json_to_recordset(…)`: the reminder run's 20,000 pushes, records and push days (#18) cost a statement per
table. Row-level security applies as to any INSERT (COPY would not be allowed under it). SQLite, and a
handful of rows, use the executemany."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from types import EllipsisType
from typing import Any

from sqlalchemy import JSON, Table, insert, text
from sqlalchemy.orm import Session

from storage.tenancy import SETTING

IN_ONE_FROM = 20  # fewer rows: an executemany is as quick


def _plain(value: object) -> str:
    """What the JSON encoder cannot write itself: times (UTC, ISO 8601) and dates."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a bulk insert")
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot insert a {type(value).__name__} in bulk")


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]], *,
                in_one_from: int = IN_ONE_FROM) -> None:
    """Insert `rows` (each with the same keys, column names of `table`) in one statement (on PostgreSQL, from
    `in_one_from` rows on)."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql" or len(rows) < in_one_from:
        session.connection().execute(insert(table), list(rows))  # an executemany, past the ORM's layer
        return
    session.execute(text(_from_json(table, list(rows[0]), dialect, ":rows")),
                    {"rows": json.dumps(rows, default=_plain, separators=(",", ":"), ensure_ascii=False)})


def insert_rows_scoped(session: Session, batches: Sequence[tuple[int, Table, Sequence[Mapping[str, Any]]]], *,
                       restore: int | EllipsisType | None = ...) -> None:
    """Insert each batch of rows (organisation, table, rows of that organisation) in an unscoped transaction,
    each under its organisation's scope: on PostgreSQL `itabot.org_id` is set to it (SET LOCAL) before its
    rows go in, so row-level security refuses a row of any other organisation, and is put back as it was
    after the last (an unscoped transaction is unscoped again; `restore`: the scope to put back, an
    organisation or None for unscoped, when the caller knows it: no round trip to read it). The statements are
    sent in one pipeline (no round trip each): a scope and an insert per table for 1,000 organisations cost
    what a few statements do. SQLite has no row-level security: the rows go in by table, as `insert_rows`
    does."""
    if not batches:
        return
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        by_table: dict[str, tuple[Table, list[Mapping[str, Any]]]] = {}
        for _, table, rows in batches:
            by_table.setdefault(table.name, (table, []))[1].extend(rows)
        for table, rows in by_table.values():
            insert_rows(session, table, rows)
        return
    statements: dict[tuple[str, tuple[str, ...]], str] = {}
    if restore is ...:
        scope = session.execute(text("SELECT current_setting(:name, true)"), {"name": SETTING}).scalar() or ""
    else:
        scope = "" if restore is None else str(restore)
    driver = session.connection().connection.driver_connection
    assert driver is not None
    with driver.pipeline(), driver.cursor() as cursor:
        scoped_to = None
        for org_id, table, rows in batches:
            if not rows:
                continue
            if org_id != scoped_to:
                cursor.execute("SELECT set_config(%s, %s, true)", (SETTING, str(org_id)))
                scoped_to = org_id
            names = tuple(rows[0])
            statement = statements.get((table.name, names))
            if statement is None:
                statement = statements[(table.name, names)] = _from_json(table, list(names), dialect, "%s")
            cursor.execute(statement, (json.dumps(rows, default=_plain, separators=(",", ":"), ensure_ascii=False),))
        cursor.execute("SELECT set_config(%s, %s, true)", (SETTING, scope))


def _from_json(table: Table, names: list[str], dialect: Any, placeholder: str) -> str:
    """INSERT INTO table (names) SELECT names FROM json_to_recordset(placeholder)."""
    columns = ", ".join(f'"{name}"' for name in names)
    record = ", ".join(f'"{name}" {"JSON" if isinstance(table.c[name].type, JSON) else table.c[name].type.compile(dialect=dialect)}'
                       for name in names)
    return (f'INSERT INTO "{table.name}" ({columns}) SELECT {columns} '
            f"FROM json_to_recordset(CAST({placeholder} AS JSON)) AS r({record})")
