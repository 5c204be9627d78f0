"""Test harness: a real database (SQLite file, or PostgreSQL when ITABOT_TEST_DATABASE_URL is set — the
test script starts a throwaway cluster), the fake LINE platform over real HTTP, and the bot served over
real HTTP so webhooks travel signed exactly as LINE sends them."""

from __future__ import annotations

import faulthandler
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from werkzeug.serving import BaseWSGIServer, make_server

from bot.app import create_app
from bot.config import Settings
from bot.services import Services
from bot.worker import EventProcessing, Worker, WorkerOptions
from domain import passwords
from linesim import FakeLinePlatform
from storage import migrate
from storage.db import is_sqlite, make_engine
from storage.models import InboxStatus, OutboxStatus
from storage.schema import Base

CHANNEL_SECRET = "test-channel-secret-0123456789ab"
ACCESS_TOKEN = "test-access-token"
SECRET_KEY = "test-secret-key"
PG_URL_ENV = "ITABOT_TEST_DATABASE_URL"
# The bot connects to PostgreSQL as an ordinary role, as in production: a superuser would pass row-level
# security (migration 0013) and the tests would prove nothing about it.
APP_ROLE = "itabot_app"
EXIT_LIMIT_SECONDS = 180

pytest_plugins = [
    "tests.support.browser",  # browser, page, new_page, steps (Playwright + Debian's Chromium)
    "tests.support.inprocess",  # chat_bot, start_chat_bot: the in-process tier (no HTTP, no worker thread)
    "tests.support.overruns",  # where a test stood shortly before its time limit, printed even under xdist
    "tests.support.route_builders",  # werkzeug's URL builders compiled once per run, not once per app
    "tests.support.statement_cache",  # SQL compiled once per run, not once per test's engine
]


# `itabot worker` runs below the web's CPU priority (WORKER_NICE, default 10). The worker processes tests start
# compete with the test run itself, not with a web to give way to: under a loaded run a niced worker waited
# seconds for a core. They run at the tests' own priority (test_worker_processes sets and checks it).
os.environ.setdefault("WORKER_NICE", "0")


# Console passwords are argon2id at argon2-cffi's defaults: a quarter of a second and 64 MiB a hash, on
# purpose. Tests hash and check hundreds, so they use argon2id at its smallest cost; the production
# hasher (kept here) and its cost are checked in test_console_security.
PRODUCTION_PASSWORD_HASHER = passwords._hasher
QUICK_PASSWORD_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_hasher", QUICK_PASSWORD_HASHER)
    passwords._dummy_hash.cache_clear()  # the dummy verification costs what a real one does: cheap too


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--database-tests-only", action="store_true",
                     help="run only the tests that use the database (the fixture database_url, directly or "
                          "through bot, chat_bot, ...): scripts/test's PostgreSQL run, since the others do "
                          "not depend on the database and ran in its SQLite run already")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The longest tests first: started last, one of them would keep one xdist process busy alone at the end.
    items.sort(key=lambda item: item.get_closest_marker("long") is None)  # stable: otherwise as collected
    if not config.getoption("--database-tests-only"):
        return
    uses_database = [item for item in items if "database_url" in getattr(item, "fixturenames", ())]
    others = [item for item in items if "database_url" not in getattr(item, "fixturenames", ())]
    if others:
        config.hook.pytest_deselected(items=others)
        items[:] = uses_database


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # `scripts/test -k parse` selects no test that uses the database: nothing to run on PostgreSQL is fine.
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED and session.config.getoption("--database-tests-only"):
        session.exitstatus = pytest.ExitCode.OK


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    # A thread a test left running (not a daemon) would keep this process from exiting, and the run would
    # stall with every test passed: three minutes on, every thread's stack is printed and the process ends.
    faulthandler.dump_traceback_later(EXIT_LIMIT_SECONDS, exit=True, file=sys.__stderr__)


def pytest_report_header(config: pytest.Config) -> str:
    url = os.environ.get(PG_URL_ENV)
    return f"itabot database: {'PostgreSQL ' + url if url else 'SQLite (a file per test)'}"


def worker_database(url: str) -> str:
    """The PostgreSQL database of this pytest-xdist worker ("itabot_gw0", … created on the cluster once),
    so that workers never truncate each other's tables; without xdist, the database itself."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first() is None:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once per session (per xdist worker): a SQLite template file, or the PostgreSQL database."""
    url = os.environ.get(PG_URL_ENV)
    if url:
        url = worker_database(url)
        migrate.upgrade(url)
        _grant_app_role(url)
        return url
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return str(path)


def _grant_app_role(url: str) -> None:
    """An ordinary login role with the rights the bot needs (no superuser, no BYPASSRLS, owns nothing)."""
    engine = make_engine(url)
    with engine.begin() as connection:
        # one role for the cluster; pytest-xdist workers may create it at the same moment
        connection.execute(text(f"DO $$ BEGIN CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS; "
                                "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"))
        database = connection.scalar(text("SELECT current_database()"))
        connection.execute(text(f'GRANT CONNECT, TEMPORARY ON DATABASE "{database}" TO {APP_ROLE}'))
        connection.execute(text(f"GRANT USAGE, CREATE ON SCHEMA public TO {APP_ROLE}"))
        connection.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public "
                                f"TO {APP_ROLE}"))
        connection.execute(text(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}"))
    engine.dispose()


def app_role_url(superuser_url: str) -> str:
    """The same database, as the bot's ordinary role."""
    return make_url(superuser_url).set(username=APP_ROLE, password=None).render_as_string(hide_password=False)


@pytest.fixture
def database_url(migrated_template: str, tmp_path: Path) -> str:
    return fresh_database(migrated_template, tmp_path)


def fresh_database(migrated_template: str, directory: Path) -> str:
    """An empty migrated database, as the bot's role: a copy of the SQLite template in `directory`, or the
    worker's PostgreSQL database with every table emptied."""
    if not migrated_template.startswith("postgresql"):
        target = directory / "itabot.db"
        shutil.copy(migrated_template, target)
        return f"sqlite:///{target}"
    engine = _reset_engine(migrated_template)
    try:
        with engine.begin() as connection:
            deleted = _empty_tables(connection)
        if deleted:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text(f"VACUUM (INDEX_CLEANUP ON) {', '.join(deleted)}"))
    except OperationalError as exc:  # the lock timeout (storage/db.py): say who held the tables, end them
        raise RuntimeError(f"the tables could not be emptied for this test: {_end_open_transactions(engine)}"
                           ) from exc
    return app_role_url(migrated_template)


_TABLES = [f'"{table.name}"' for table in reversed(Base.metadata.sorted_tables)]  # referencing ones first
_MANY_PAGES = 64  # a table this large (512 kB) is emptied by TRUNCATE: a DELETE and VACUUM would cost more
# Each table's size in pages, in one statement: a table that was never written to (most, in most tests) has
# none; one with rows or with only dead ones (a test deleted its rows, or a rolled-back insert) has some.
_PAGES = "SELECT " + ", ".join(f"pg_relation_size('{name}') / current_setting('block_size')::int"
                               for name in _TABLES)
# Every sequence back at its start: cheap (no new files), and pg_sequences cannot tell which moved (its
# last_value is NULL after a setval(…, false) to any value, as tests/support/snapshot.py restores).
_RESTART_SEQUENCES = ("SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, false) "
                      "FROM pg_sequences WHERE schemaname = current_schema()")
_reset_engines: dict[str, Engine] = {}


def _reset_engine(url: str) -> Engine:
    """The superuser engine that empties this process's database, kept for the session (pool_pre_ping:
    a connection a test ended is replaced)."""
    if url not in _reset_engines:
        _reset_engines[url] = make_engine(url)
    return _reset_engines[url]


def _empty_tables(connection: Connection) -> list[str]:
    """What `TRUNCATE <all 33 tables> RESTART IDENTITY CASCADE` did, at a fraction of its cost (it gives
    every table and index new files, the empty ones too: 60-125 ms a test): only the tables that have
    pages are emptied — with DELETE, referencing tables first, or TRUNCATE … CASCADE past _MANY_PAGES —
    and every sequence is restarted (a rolled-back insert moves one too, and so does a snapshot's
    restore). The SHARE lock first waits for any transaction still writing (an earlier test's thread or
    process), as the TRUNCATE did, so no row is missed; it conflicts with no reader. Returns the tables
    emptied by DELETE, for the caller to VACUUM once this transaction has committed: VACUUM cuts a table
    whose rows are all dead back to no pages, so the next test's rows are stored in the order they are
    written, as after a TRUNCATE. Without it, space freed by the deleted rows (once autovacuum has been)
    takes later rows before earlier ones, and a read without ORDER BY comes out of order
    (tests/test_fresh_database.py)."""
    connection.execute(text(f"LOCK TABLE {', '.join(_TABLES)} IN SHARE MODE"))
    pages = connection.execute(text(_PAGES)).one()
    many = [name for name, count in zip(_TABLES, pages, strict=True) if count >= _MANY_PAGES]
    if many:  # CASCADE: with the tables referencing them (emptied below anyway)
        connection.execute(text(f"TRUNCATE {', '.join(many)} CASCADE"))
    deleted = [name for name, count in zip(_TABLES, pages, strict=True) if 0 < count < _MANY_PAGES]
    for name in deleted:
        connection.execute(text(f"DELETE FROM {name}"))
    connection.execute(text(_RESTART_SEQUENCES)).all()
    return deleted


def _end_open_transactions(engine: Engine) -> str:
    """Ends every other session of this database that is in a transaction (an earlier test's thread or
    process left it open); what they were."""
    with engine.begin() as connection:
        rows = connection.execute(text(
            "SELECT pid, application_name, state, now() - xact_start AS open_for, left(query, 200) AS query, "
            "pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL")).all()
    return "; ".join(f"pid {r.pid} ({r.application_name or '?'}, {r.state}, open {r.open_for}): {r.query}"
                     for r in rows) or "no session in a transaction any more"


@pytest.fixture
def superuser_database_url(database_url: str, migrated_template: str) -> str:
    """The test database as its superuser (PostgreSQL), for what the bot's role may not do; on SQLite the
    same file."""
    return migrated_template if migrated_template.startswith("postgresql") else database_url


@pytest.fixture
def on_postgresql(database_url: str) -> bool:
    return not is_sqlite(database_url)


@pytest.fixture
def fake_line() -> Iterator[FakeLinePlatform]:
    fake = FakeLinePlatform(channel_secret=CHANNEL_SECRET, access_token=ACCESS_TOKEN)
    fake.start()
    yield fake
    fake.stop()


def make_env(database_url: str, fake_url: str, tmp_path: Path, **overrides: Any) -> dict[str, str]:
    env = {
        "ITABOT_ENV": "test",
        "LINE_CHANNEL_SECRET": CHANNEL_SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN,
        "SECRET_KEY": SECRET_KEY,
        "LINE_API_BASE_URL": fake_url,
        "DATABASE_URL": database_url,
        "ITABOT_INSTANCE_DIR": str(tmp_path / "instance"),
        "ORG_NAME": "เทศบาลทดสอบ",
        "LINE_REQUEST_TIMEOUT": "3",
        "OUTBOX_RETRY_BASE_SECONDS": "0.05",
        "INBOX_RETRY_BASE_SECONDS": "0.05",
    }
    env.update({k: str(v) for k, v in overrides.items()})
    return env


@dataclass
class RunningBot:
    """The bot served on 127.0.0.1 with the fake LINE platform pointed at it, and (unless a test drives
    it by hand) a worker running in the background, as in production."""

    services: Services
    fake: FakeLinePlatform
    url: str
    server: BaseWSGIServer
    processing: EventProcessing
    worker: Worker | None
    worker_thread: threading.Thread | None = None

    def stop(self) -> None:
        if self.worker is not None and self.worker_thread is not None:
            self.worker.stop_event.set()
            self.worker_thread.join(timeout=30)
        self.server.shutdown()
        self.services.close()

    @property
    def org_id(self) -> int:
        return self.services.org_id()

    @property
    def app(self) -> Flask:
        return self.server.app  # type: ignore[attr-defined,no-any-return]

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Wait until every stored event is finished and no answer is still being sent (it returns as soon
        as they are; the timeout is for a loaded machine, where one event took over 10 s)."""
        busy = {InboxStatus.PENDING.value, InboxStatus.PROCESSING.value}
        sending = {OutboxStatus.PENDING.value, OutboxStatus.SENDING.value}

        def idle() -> bool:
            if self.worker is None:
                self.worker_pass()
            with self.services.uow() as uow:
                inbox = uow.inbox.counts_by_status()
                outbox = uow.outbox.counts_by_status()
            return not any(inbox.get(s) for s in busy) and not any(outbox.get(s) for s in sending)

        assert wait_for(idle, timeout), "the bot did not settle in time"

    def worker_pass(self) -> dict[str, int]:
        return Worker(self.services, processing=self.processing).run_once()

    def texts_to(self, user_id: str) -> list[str]:
        return [m.get("text", m.get("altText", "")) for m in self.fake.messages_to(user_id)]


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


@pytest.fixture
def start_bot(database_url: str, fake_line: FakeLinePlatform, tmp_path: Path) -> Iterator[Callable[..., RunningBot]]:
    started: list[RunningBot] = []

    def start(with_worker: bool = True, **overrides: Any) -> RunningBot:
        env = make_env(database_url, fake_line.base_url, tmp_path, **overrides)
        app = create_app(Settings.from_env(env))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_port}"
        fake_line.webhook_url = f"{url}/callback"
        services: Services = app.extensions["itabot"]
        running = RunningBot(services, fake_line, url, server, EventProcessing.build(services), None)
        if with_worker:
            running.worker = Worker(services, WorkerOptions(idle_sleep=0.02, quota_every=3600, scrub_every=3600,
                                                              expire_every=0.5, scheduler=False),
                                    running.processing)
            running.worker_thread = threading.Thread(target=running.worker.run_forever, daemon=True)
            running.worker_thread.start()
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


@pytest.fixture
def bot(start_bot: Callable[..., RunningBot]) -> RunningBot:
    return start_bot()


@pytest.fixture
def bot_without_worker(start_bot: Callable[..., RunningBot]) -> RunningBot:
    """For tests that drive processing and delivery step by step."""
    return start_bot(with_worker=False)
