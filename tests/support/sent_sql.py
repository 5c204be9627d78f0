"""The SQL an engine sends meanwhile, for tests that check which statements a piece of work costs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event


@dataclass(frozen=True)
class Sent:
    statement: str
    parameters: Any
    executemany: bool


@contextmanager
def sent_statements(engine: Engine) -> Iterator[list[Sent]]:
    """Every statement `engine` sends inside the block, in order."""
    seen: list[Sent] = []

    def hook(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool) -> None:
        seen.append(Sent(statement, parameters, many))

    event.listen(engine, "before_cursor_execute", hook)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", hook)
