"""A list of chats bound as one value, however long it is: the claims' way to leave out the chats that must wait.

A LINE outage can leave thousands of chats with a row waiting for its retry, and a burst of new chats thousands
of events in progress: a list bound a parameter per chat costs CPU per chat and meets the databases' limits on
parameters (SQLite's 32,766, or less where it was built so). Bound as one value instead — an array on
PostgreSQL, JSON text on SQLite read by `json_each` (an uncorrelated subquery, evaluated once) — it meets none.
The outbox claim (storage/outbox.py) and the inbox claim (storage/inbox.py) use it; the webhook's event store
(storage/inbox.py, storage/organisations.py) binds its lists so too, for one SQL text whatever their length."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Integer, String, any_, bindparam, column, func, select
from sqlalchemy.dialects import postgresql


def in_chats(chat_key: Any, dialect: str, name: str = "held") -> Any:
    """`chat_key` (a column) is one of the chats bound as `name` (`bound_chats`)."""
    if dialect == "postgresql":
        return chat_key == any_(bindparam(name, type_=postgresql.ARRAY(String)))
    return chat_key.in_(select(column("value")).select_from(func.json_each(bindparam(name, type_=String))))


def in_ids(id_column: Any, dialect: str, name: str = "ids") -> Any:
    """`id_column` (an integer column) is one of the ids bound as `name` (`bound_chats` binds them too)."""
    if dialect == "postgresql":
        return id_column == any_(bindparam(name, type_=postgresql.ARRAY(Integer)))
    return id_column.in_(select(column("value")).select_from(func.json_each(bindparam(name, type_=String))))


def bound_chats(dialect: str, chats: list[str] | list[int]) -> Any:
    """A list of chats (or ids) as `in_chats` (`in_ids`) binds it."""
    return chats if dialect == "postgresql" else json.dumps(chats)
