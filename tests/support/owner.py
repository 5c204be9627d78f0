"""The test's PostgreSQL database as its owner (who may ANALYZE, create and drop), for tests that need more than
the application's role."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine

from storage.db import make_engine


@contextmanager
def database_owner(migrated_template: str, skip_reason: str) -> Iterator[Engine]:
    """An engine on the test's emptied database as its owner; the test is skipped (`skip_reason`) on SQLite."""
    if not migrated_template.startswith("postgresql"):
        pytest.skip(skip_reason)
    engine = make_engine(migrated_template)
    try:
        yield engine
    finally:
        engine.dispose()
