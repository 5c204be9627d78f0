"""Configuration from the environment, the CLI's refusals (in process, and once as a fresh process),
/healthz, migrations that match the models."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner

from bot.cli.main import cli, main
from bot.config import ConfigError, Settings
from storage.db import make_engine
from storage.schema import Base, include_object
from tests.conftest import RunningBot
from texts import cli as cli_texts

CHECKOUT = Path(__file__).resolve().parents[1]


def test_production_refuses_to_start_without_secrets_and_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="LINE_CHANNEL_SECRET"):
        Settings.from_env({"ITABOT_ENV": "production"})
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Settings.from_env({"LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t"})
    with pytest.raises(ConfigError, match="ORG_TIMEZONE"):
        Settings.from_env({"ITABOT_ENV": "development", "ORG_TIMEZONE": "Mars/Olympus"})


# the last line of stderr: the top-level packages the process had imported when it ended
LOADED_AT_EXIT = ("import atexit, sys; atexit.register(lambda: print('loaded:', *sorted({n.split('.')[0] "
                  "for n in sys.modules}), file=sys.stderr)); ")


def itabot(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`itabot` as a fresh checkout runs it: this checkout's code, nothing set but `env` (production). A new
    process costs seconds of imports: the tests below run `main()` in process (`itabot_here`) unless it is the
    process itself they check."""
    return subprocess.run([sys.executable, "-c", LOADED_AT_EXIT + "from bot.cli.main import main; main()", *args],
                          env={"PATH": "/usr/bin:/bin", "ITABOT_ENV": "production", "HOME": str(tmp_path),
                               "PYTHONPATH": str(CHECKOUT), **env},
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)


def itabot_here(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str,
                **env: str) -> subprocess.CompletedProcess[str]:
    """`main()` as `itabot` runs it, in this process: no itabot or LINE setting in the environment but `env`
    (production), no .env (the working directory is `tmp_path`); its exit status and output."""
    for name in list(os.environ):
        if name.startswith(("ITABOT_", "LINE_", "DATABASE_", "PUBLIC_", "ORG_", "FLASK_")) or name in (
                "SECRET_KEY", "COMPLAINT_KEY", "CREDENTIALS_KEY"):
            monkeypatch.delenv(name)
    for name, value in {"ITABOT_ENV": "production", **env}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["itabot", *args])
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main()
    out, err = capsys.readouterr()
    code = exited.value.code
    return subprocess.CompletedProcess(["itabot", *args], code if isinstance(code, int) else 1, out, err)


def test_cli_refusal_is_a_clear_message_not_a_traceback(tmp_path: Path) -> None:
    """The one test of the real process: `itabot` started fresh, as a deployment starts it."""
    result = itabot(tmp_path, "members")
    assert result.returncode == 2
    assert "SECRET_KEY" in result.stderr and "Traceback" not in result.stderr
    # the SDK (seconds of imports), Thai word lists and document writers only come with a command using them,
    # Alembic (with Mako and Pygments, 0.2 s) only with `itabot db`
    loaded = result.stderr.splitlines()[-1].split()
    assert loaded[0] == "loaded:" and "bot" in loaded, loaded
    assert not {"linebot", "pythainlp", "docx", "openpyxl", "pypdfium2", "alembic", "mako", "pygments"} & set(
        loaded), loaded


def test_cli_help_needs_no_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    result = itabot_here(monkeypatch, capsys, tmp_path, "--help")
    assert result.returncode == 0 and "Usage: itabot" in result.stdout and "rounds" in result.stdout
    assert result.stderr == ""


def test_cli_without_line_secrets_and_on_a_database_never_migrated(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Only commands that talk to LINE need its secrets; an empty database is one line: migrate it."""
    (tmp_path / "empty.db").touch()
    env = {"SECRET_KEY": "s" * 32, "COMPLAINT_KEY": base64.b64encode(bytes(range(32))).decode(),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}", "ITABOT_INSTANCE_DIR": str(tmp_path / "instance")}
    refused = itabot_here(monkeypatch, capsys, tmp_path, "members", **env)
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    [line] = refused.stderr.splitlines()
    assert "itabot db upgrade" in line and "ฐานข้อมูล" in line
    # the same environment (itabot_here left it set), no .env
    assert CliRunner().invoke(cli, ["db", "upgrade"]).exit_code == 0
    listed = CliRunner().invoke(cli, ["members"])
    assert listed.exit_code == 0 and cli_texts.CLI_NO_MEMBERS in listed.output
    worker = CliRunner().invoke(cli, ["worker", "--once"])
    assert isinstance(worker.exception, ConfigError) and "LINE_CHANNEL_SECRET" in str(worker.exception)


def test_line_secrets_are_required_only_where_asked() -> None:
    key = base64.b64encode(bytes(32)).decode()
    with pytest.raises(ConfigError, match="LINE_CHANNEL_SECRET"):
        Settings.from_env({"SECRET_KEY": "s", "COMPLAINT_KEY": key})
    settings = Settings.from_env({"SECRET_KEY": "s", "COMPLAINT_KEY": key}, require_line=False)
    assert (settings.line_channel_secret, settings.line_channel_access_token) == ("", "")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Settings.from_env({"COMPLAINT_KEY": key}, require_line=False)


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
