"""The local run (`itabot dev`, which scripts/run-local runs) links to its own web port: report downloads and
the weekly summary's "รายงานฉบับเต็ม" follow `--web-port` unless PUBLIC_BASE_URL is set (issue #15)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner

from bot.cli.main import cli
from bot.config import Settings
from linesim import devserver


class _Stopped:
    """A process of the local run that has already stopped: run_local stops the rest and returns."""

    started: ClassVar[dict[str, dict[str, str]]] = {}

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        name = "fake LINE" if "linesim" in command else "web" if "gunicorn" in command[0] else "worker"
        self.started[name] = env

    def poll(self) -> int:
        return 0

    def wait(self, timeout: float | None = None) -> int:
        return 0


def test_itabot_dev_links_to_its_own_web_port(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'itabot.db'}")
    monkeypatch.setenv("ITABOT_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setattr(devserver.subprocess, "Popen", _Stopped)
    monkeypatch.setattr(devserver, "_wait_for_port", lambda port: None)
    monkeypatch.setattr(devserver, "_deploy_rich_menu", lambda settings: None)
    monkeypatch.setattr(devserver, "load_demo", lambda services: [])
    monkeypatch.setattr(devserver.signal, "signal", lambda *args: None)
    monkeypatch.setattr(devserver.time, "sleep", lambda seconds: None)
    _Stopped.started.clear()

    result = CliRunner().invoke(cli, ["dev", "--web-port", "5311", "--line-port", "8092"])

    assert set(_Stopped.started) == {"fake LINE", "web", "worker"}, result.output
    for env in _Stopped.started.values():
        settings = Settings.from_env(env)
        assert settings.public_base_url == "http://127.0.0.1:5311"
        assert settings.line_api_base_url == "http://127.0.0.1:8092"


def test_an_explicit_public_base_url_is_kept() -> None:
    explicit = {"PUBLIC_BASE_URL": "https://ita.example.go.th"}
    assert devserver.local_env(explicit, 5311, 8092)["PUBLIC_BASE_URL"] == "https://ita.example.go.th"
    assert devserver.local_env({"PUBLIC_BASE_URL": " "}, 5311, 8092)["PUBLIC_BASE_URL"] == "http://127.0.0.1:5311"
