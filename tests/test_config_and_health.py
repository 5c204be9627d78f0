"""Configuration from the environment, /healthz, migrations that match the models."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.config import ConfigError, Settings
from storage.db import make_engine
from storage.schema import Base, include_object
from tests.conftest import RunningBot


def test_production_refuses_to_start_without_secrets_and_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="LINE_CHANNEL_SECRET"):
        Settings.from_env({"ITABOT_ENV": "production"})
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Settings.from_env({"LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t"})
    with pytest.raises(ConfigError, match="ORG_TIMEZONE"):
        Settings.from_env({"ITABOT_ENV": "development", "ORG_TIMEZONE": "Mars/Olympus"})


def test_cli_refusal_is_a_clear_message_not_a_traceback(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = subprocess.run([sys.executable, "-c", "from bot.cli.main import main; main()", "members"],
                            env={"PATH": "/usr/bin:/bin", "ITABOT_ENV": "production", "HOME": str(tmp_path)},
                            cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "LINE_CHANNEL_SECRET" in result.stderr and "Traceback" not in result.stderr


def test_development_defaults_and_line_base_url() -> None:
    settings = Settings.from_env({"ITABOT_ENV": "development", "LINE_API_BASE_URL": "http://127.0.0.1:9/"})
    assert settings.is_development and settings.timezone == "Asia/Bangkok"
    assert settings.line_api_base_url == "http://127.0.0.1:9"
    assert settings.database_url.startswith("sqlite:///") and settings.database_url.endswith("instance/itabot.db")
    assert Settings.from_env({"ITABOT_ENV": "development"}).line_api_base_url is None


def test_healthz_reports_database_and_oldest_undelivered(bot_without_worker: RunningBot) -> None:
    bot = bot_without_worker
    body = requests.get(f"{bot.url}/healthz", timeout=5).json()
    assert body["status"] == "ok" and body["database"]["reachable"] is True
    assert body["outbox"]["oldest_undelivered_age_seconds"] is None
    from storage.clock import utcnow
    from storage.models import Priority

    with bot.services.uow() as uow:
        uow.outbox.add_push(bot.org_id, "U" + "d" * 32, [{"type": "text", "text": "x"}], Priority.NORMAL, utcnow())
        uow.commit()
    body = requests.get(f"{bot.url}/healthz", timeout=5).json()
    assert body["outbox"]["oldest_undelivered_age_seconds"] >= 0
    assert body["outbox"]["by_status"] == {"pending": 1}


def test_migrations_match_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"include_object": include_object}),
                                Base.metadata)
    engine.dispose()
    assert diff == []


def test_sqlite_runs_in_wal_mode(database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    engine = make_engine(database_url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_database_unavailable_is_503_not_500(start_bot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bot = start_bot(with_worker=False, DATABASE_URL=f"sqlite:///{tmp_path / 'never-migrated.db'}")
    assert requests.get(f"{bot.url}/healthz", timeout=5).status_code == 503
    assert bot.fake.send_text("U" + "f" * 32, "สวัสดี").status_code == 503
