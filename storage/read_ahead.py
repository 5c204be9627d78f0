"""Rows read ahead for several organisations at once (the worker's claim), kept out of the session until their
organisation's turn: work for one organisation never finds another's rows in the session (a lookup by primary
key would be answered from it, past row-level security). Used by `PeopleRepository` and `ConversationRepository`."""

from __future__ import annotations

from typing import Generic, TypeVar

from sqlalchemy.orm import Session

Row = TypeVar("Row")


class ReadAhead(Generic[Row]):
    """{org_id: {key: row or None (none found)}}, held until `admit`."""

    def __init__(self) -> None:
        self._waiting: dict[int, dict[str, Row | None]] = {}

    def hold(self, org_id: int, key: str, row: Row | None) -> None:
        self._waiting.setdefault(org_id, {})[key] = row

    def admit(self, session: Session, org_id: int, cache: dict[tuple[int, str], Row | None] | None
              ) -> dict[tuple[int, str], Row | None] | None:
        """Put the organisation's rows in `session` (no query) and in `cache` (made if None, returned), which
        then answers for them from memory; `cache` unchanged when nothing was read for it."""
        waiting = self._waiting.pop(org_id, None)
        if not waiting:
            return cache
        cache = {} if cache is None else cache
        for key, row in waiting.items():
            if row is not None:
                session.add(row)
            cache[(org_id, key)] = row
        return cache

    def forget(self) -> None:
        self._waiting = {}


