"""Many rows into one table in one statement, whatever their number.

An executemany sends one INSERT per row (pipelined by psycopg, but each still bound, executed and checked on
its own, and each row's values adapted one by one in Python); on PostgreSQL `insert_rows` sends the rows as
one JSON document — made by the C JSON encoder — and inserts them with `INSERT … SELECT … FROM
json_to_recordset(…)`: the reminder run's 20,000 pushes, records and push days (#18) cost a statement per
table. Row-level security applies as to any INSERT (COPY would not be allowed under it). SQLite, and a
handful of rows, use the executemany."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Table, insert, text
from sqlalchemy.orm import Session

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


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (each with the same keys, column names of `table`) in one statement."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql" or len(rows) < IN_ONE_FROM:
        session.execute(insert(table), list(rows))
        return
    names = list(rows[0])
    columns = ", ".join(f'"{name}"' for name in names)
    record = ", ".join(f'"{name}" {"JSON" if isinstance(table.c[name].type, JSON) else table.c[name].type.compile(dialect=dialect)}'
                       for name in names)
    session.execute(text(f'INSERT INTO "{table.name}" ({columns}) SELECT {columns} '
                         f"FROM json_to_recordset(CAST(:rows AS JSON)) AS r({record})"),
                    {"rows": json.dumps(rows, default=_plain, separators=(",", ":"))})
