"""The local run: `scripts/run-local` (the README's first command) works from the checkout, and `itabot dev`,
which it runs, links to its own web port: report downloads and the weekly summary's "รายงานฉบับเต็ม" follow
`--web-port` unless PUBLIC_BASE_URL is set (issue #15)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import pytest
import requests
from click.testing import CliRunner

from bot.cli.main import cli
from bot.config import Settings
from linesim import devserver
from linesim.demo import DEMO_PERSONAS
from storage.models import Role
from tests.conftest import wait_for
from tests.support.soak import free_port


class _Stopped:
    """A process of the local run that has already stopped: run_local stops the rest and returns."""

    started: ClassVar[dict[str, dict[str, str]]] = {}
    pid = 2**22 + 1  # above Linux's largest pid: signalling its process group finds nobody

    def __init__(self, command: list[str], env: dict[str, str], start_new_session: bool = False) -> None:
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


ROOT = Path(__file__).resolve().parent.parent

NOT_SET_UP = pytest.mark.skipif(not (ROOT / ".venv" / ".itabot-installed").exists(),
                                reason="scripts/setup has not been run in this checkout (scripts/test runs it first)")


def _status(url: str) -> int:
    try:
        return requests.get(url, timeout=5).status_code
    except requests.RequestException:
        return 0


def _answered(line: str, user: str) -> bool:
    found = requests.get(f"{line}/_fake/deliveries", params={"to": user}, timeout=5).json()["deliveries"]
    return bool(found)


@pytest.mark.long
@NOT_SET_UP
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_scripts_run_local_answers_a_demo_persona_and_ctrl_c_stops_everything(tmp_path: Path) -> None:
    """The README's first command as a newcomer runs it, from the checkout: the chat page, the web app and the
    worker with the demo data; a demo persona's message is answered; Ctrl-C stops every process it started.
    (It once failed on a fresh clone: linesim/ is not installed with the package, and the installed `itabot
    dev` could not import it.)"""
    [citizen] = [persona.user_id for persona in DEMO_PERSONAS if persona.role is Role.CITIZEN]
    web_port, line_port = free_port(), free_port()
    marks = (f"--bind\x00127.0.0.1:{web_port}\x00".encode(), f"--port\x00{line_port}\x00".encode())  # its own
    line, web = f"http://127.0.0.1:{line_port}", f"http://127.0.0.1:{web_port}"
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV") and not k.startswith(("ITABOT_", "LINE_", "DATABASE_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'itabot.db'}", ITABOT_INSTANCE_DIR=str(tmp_path / "instance"))
    log = tmp_path / "run-local.log"
    with open(log, "ab") as output:
        process = subprocess.Popen(
            [str(ROOT / "scripts" / "run-local"), "--web-port", str(web_port), "--line-port", str(line_port)],
            cwd=tmp_path, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        def up() -> bool:
            return _status(f"{web}/healthz") == 200 and _status(f"{line}/") == 200

        assert wait_for(lambda: process.poll() is not None or up(), timeout=120), log.read_text(errors="replace")
        assert process.poll() is None, log.read_text(errors="replace")  # it did not stop on its own
        sent = requests.post(f"{line}/_fake/send", json={"user_id": citizen, "text": "สวัสดี"}, timeout=10)
        assert sent.status_code == 200, sent.text
        assert wait_for(lambda: _answered(line, citizen), timeout=60), log.read_text(errors="replace")
        assert len(_processes_with(marks)) >= 3  # the fake LINE platform, gunicorn's master and its worker
    finally:
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in the terminal reaches the whole process group
        left: list[str] = []
        try:
            process.wait(timeout=60)  # itabot dev stops its processes within 15 s (linesim/devserver.py)
        except subprocess.TimeoutExpired:
            left = [*_processes_with(marks), f"run-local {process.pid} still running"]
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
            _kill_processes_with(marks)  # its children run in sessions of their own: not left to run on
    assert process.returncode == 0, "\n".join([log.read_text(errors="replace"), *left])
    # Nothing it started is left (a gunicorn worker was seen outliving its master after Ctrl-C)
    assert wait_for(lambda: not _processes_with(marks), timeout=10), _processes_with(marks)
    assert _status(f"{web}/healthz") == 0 and _status(f"{line}/") == 0


def _processes_with(marks: tuple[bytes, ...]) -> list[str]:
    """The command lines of running processes that mention any of `marks` (e.g. a port they serve)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                command = (entry / "cmdline").read_bytes()
                if any(mark in command for mark in marks):
                    found.append(command.replace(b"\x00", b" ").decode(errors="replace"))
    return found


def _kill_processes_with(marks: tuple[bytes, ...]) -> None:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if any(mark in (entry / "cmdline").read_bytes() for mark in marks):
                    os.kill(int(entry.name), signal.SIGKILL)


def test_a_process_that_ignores_ctrl_c_is_killed_within_the_shared_grace(capsys: pytest.CaptureFixture[str]) -> None:
    """itabot dev's stop: SIGTERM to every group, one shared wait, then SIGKILL: a process ignoring SIGTERM
    does not hold the others (or the terminal) for long, and the developer is told which one was killed."""
    stubborn = subprocess.Popen(
        [sys.executable, "-c", "import signal; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                               "print('ready', flush=True); signal.pause()"],
        stdout=subprocess.PIPE, start_new_session=True)
    polite = subprocess.Popen([sys.executable, "-c", "import signal; print('ready', flush=True); signal.pause()"],
                              stdout=subprocess.PIPE, start_new_session=True)
    try:
        for process in (stubborn, polite):
            assert process.stdout is not None and process.stdout.readline() == b"ready\n"  # its handler is set
        handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
        devserver._stop_all({"worker": stubborn, "web": polite}, grace=0.5)
        assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == handlers  # given back
        assert stubborn.returncode == -signal.SIGKILL and polite.returncode == -signal.SIGTERM
        assert "worker ไม่หยุดภายใน" in capsys.readouterr().err
    finally:
        for process in (stubborn, polite):
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)
            if process.stdout is not None:
                process.stdout.close()
