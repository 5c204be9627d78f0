"""No wait on a PostgreSQL lock is for ever (storage/db.py POSTGRES_SESSION_SETTINGS): a transaction left open
somewhere — a stuck process, a forgotten console session — holding the lock that serialises the worker's
inbox claims makes a claim fail after the lock timeout (the worker tries again, as after any database
error), and a transaction left idle is ended by the server, its locks with it. SQLite's busy timeout is
the same bound there (storage/db.py SQLITE_BUSY_TIMEOUT_MS)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from storage.clock import utcnow
from storage.db import CLAIM_STATEMENT_TIMEOUT, POSTGRES_SESSION_SETTINGS, make_engine, make_session_factory
from storage.inbox import CLAIM_LOCK_KEY
from storage.uow import UnitOfWorkFactory
from tests.conftest import wait_for


@pytest.fixture
def postgres_url(database_url: str, on_postgresql: bool) -> str:
    if not on_postgresql:
        pytest.skip("PostgreSQL's lock waits: SQLite's are bounded by its busy timeout")
    return database_url


@pytest.fixture
def engines(postgres_url: str) -> Iterator[list[Engine]]:
    made: list[Engine] = []
    yield made
    for engine in made:
        engine.dispose()


def claim(engine: Engine) -> int:
    with UnitOfWorkFactory(make_session_factory(engine))() as uow:
        claimed = uow.inbox.claim_due(utcnow(), 20, 30.0)
        uow.commit()
    return len(claimed)


def test_every_session_has_the_bounds_even_after_a_rollback(postgres_url: str, engines: list[Engine]) -> None:
    engine = make_engine(postgres_url)
    engines.append(engine)
    for _ in range(2):
        with engine.connect() as connection:
            assert connection.execute(text("SHOW lock_timeout")).scalar() == "30s"
            assert connection.execute(text("SHOW idle_in_transaction_session_timeout")).scalar() == \
                POSTGRES_SESSION_SETTINGS["idle_in_transaction_session_timeout"]
            connection.rollback()  # a SET inside the transaction would be undone here


def test_a_claim_behind_a_transaction_left_open_fails_in_time_then_goes_through(
        postgres_url: str, engines: list[Engine]) -> None:
    worker = make_engine(postgres_url, postgres_settings={"lock_timeout": "200ms"})
    stuck = make_engine(postgres_url)
    engines += [worker, stuck]
    with stuck.connect() as holder:
        holder.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CLAIM_LOCK_KEY})
        started = time.monotonic()
        with pytest.raises(OperationalError, match="lock timeout"):
            claim(worker)
        assert time.monotonic() - started < 10
        holder.rollback()
    assert claim(worker) == 0  # nothing stored: the claim itself went through


def test_a_transaction_left_idle_is_ended_by_the_server_and_its_locks_freed(
        postgres_url: str, engines: list[Engine]) -> None:
    stuck = make_engine(postgres_url, postgres_settings={"idle_in_transaction_session_timeout": "300ms"})
    worker = make_engine(postgres_url)
    engines += [worker, stuck]
    holder = stuck.connect()
    holder.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CLAIM_LOCK_KEY})
    pid = holder.execute(text("SELECT pg_backend_pid()")).scalar()

    def ended() -> bool:
        with worker.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                                      {"pid": pid}).scalar() == 0

    assert wait_for(ended, timeout=10)
    assert claim(worker) == 0
    holder.invalidate()
    holder.close()


@pytest.mark.parametrize("queue", ["inbox", "outbox"])
def test_a_claims_statements_are_bounded_and_only_its_own(postgres_url: str, engines: list[Engine], queue: str) -> None:
    """A claim runs in well under a second; one that met a bad query plan is ended after
    CLAIM_STATEMENT_TIMEOUT (and tried again) instead of holding the claim lock for as long as it runs. The
    bound is the claim transaction's alone."""
    engine = make_engine(postgres_url)
    engines.append(engine)
    factory = UnitOfWorkFactory(make_session_factory(engine))
    with factory() as uow:
        if queue == "inbox":
            uow.inbox.claim_due(utcnow(), 20, 30.0)
        else:
            uow.outbox.claim_due(utcnow(), 20, 30.0, "owner")
        assert uow.session.execute(text("SHOW statement_timeout")).scalar() == CLAIM_STATEMENT_TIMEOUT
        uow.commit()
    with factory() as uow:
        assert uow.session.execute(text("SHOW statement_timeout")).scalar() == "0"
