"""`itabot dev`: the whole bot on one machine with no LINE account — the README's first command.

Migrates the database (SQLite under instance/ unless DATABASE_URL says otherwise), loads the demo
personas, and runs three processes: the fake LINE platform with its chat page, the web app under gunicorn,
and the worker. Ctrl-C stops all three.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from bot.config import Settings
from bot.services import Services
from linesim.demo import load_demo, personas_for_chat_page
from storage import migrate
from texts import cli


def _bin(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


STOP_GRACE_SECONDS = 10.0  # Ctrl-C: how long the fake platform, the web and the worker have to stop


def _stop_on_sigterm(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def _wait_for_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)


def _deploy_rich_menu(settings: Settings) -> None:
    """Install the bot's rich menu on the fake platform, as `itabot richmenu deploy` does on LINE: the chat
    page shows it. A failure is reported and the local run goes on without a menu."""
    from bot.line.richmenu_api import RichMenuApi
    from bot.richmenu.image import ThaiFontError
    from bot.richmenu.menu import DeployError, build_menu, deploy

    try:
        built = build_menu()
        with RichMenuApi(settings.line_channel_access_token, settings.line_api_base_url,
                         settings.line_request_timeout) as api:
            deploy(api, built, progress=lambda line: print(f"  richmenu: {line}", flush=True))
    except (ThaiFontError, DeployError) as exc:
        print(cli.DEV_RICHMENU_FAILED.format(error=exc), file=sys.stderr, flush=True)


def local_env(environ: Mapping[str, str], web_port: int, line_port: int) -> dict[str, str]:
    """The environment of the local run's processes: development mode, LINE calls to the fake platform,
    and links (report downloads, the weekly summary's full report) to this run's web port unless
    PUBLIC_BASE_URL says otherwise."""
    env = dict(environ)
    env.setdefault("ITABOT_ENV", "development")
    env["LINE_API_BASE_URL"] = f"http://127.0.0.1:{line_port}"
    if not env.get("PUBLIC_BASE_URL", "").strip():
        env["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{web_port}"
    return env


def run_local(web_port: int, line_port: int) -> int:
    env = local_env(os.environ, web_port, line_port)
    settings = Settings.from_env(env)
    env.setdefault("DATABASE_URL", settings.database_url)

    migrate.upgrade(settings.database_url)
    services = Services.build(settings)
    try:
        for line in load_demo(services):
            print(f"  demo: {line}")
    finally:
        services.close()

    settings.instance_dir.mkdir(parents=True, exist_ok=True)
    personas_file = settings.instance_dir / "personas.json"
    personas_file.write_text(json.dumps(personas_for_chat_page(), ensure_ascii=False, indent=1), encoding="utf-8")

    commands = {
        "fake LINE": [sys.executable, "-m", "linesim", "--port", str(line_port),
                      "--webhook-url", f"http://127.0.0.1:{web_port}/callback",
                      "--channel-secret", settings.line_channel_secret,
                      "--access-token", settings.line_channel_access_token,
                      "--personas", str(personas_file)],
        "web": [_bin("gunicorn"), "--worker-class", "gthread", "--workers", "1", "--threads", "8",
                "--bind", f"127.0.0.1:{web_port}", "bot:create_app()"],
        "worker": [_bin("itabot"), "worker", "--threads", "2"],
    }
    processes: dict[str, subprocess.Popen[bytes]] = {}
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    # Ctrl-C stops it even when it was started with SIGINT ignored (Python then leaves it so: a command started
    # in the background by a script, or by a test run that was): the banner promises it
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        for name, command in commands.items():
            # each in a process group of its own, stopped as a group: nothing it started outlives the local run
            processes[name] = subprocess.Popen(command, env=env, start_new_session=True)
            if name == "fake LINE":  # the worker reads the quota from it at once
                _wait_for_port(line_port)
                _deploy_rich_menu(settings)
        _wait_for_port(web_port)  # the banner's links answer once it is printed
        print(cli.DEV_BANNER.format(line_port=line_port, web_port=web_port), flush=True)
        while True:
            for name, process in processes.items():
                code = process.poll()
                if code is not None:
                    print(f"  {name} stopped (exit {code}); stopping the rest", file=sys.stderr)
                    return code or 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        return 0
    finally:
        _stop_all(processes)


def _stop_all(processes: dict[str, subprocess.Popen[bytes]], grace: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM to every process group, one shared wait of `grace` seconds for them all, then SIGKILL to every
    group (what is left of it: a web worker that lingers after its master): at most `grace` + 5 s in all, and
    it says what it did. A second Ctrl-C (or SIGTERM) meanwhile is ignored: it would leave them running, and the
    stop ends soon anyway."""
    previous = {signum: signal.signal(signum, signal.SIG_IGN) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        if processes:
            print(cli.DEV_STOPPING.format(names=", ".join(processes)), file=sys.stderr, flush=True)
        for process in processes.values():
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for name, process in processes.items():
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                print(cli.DEV_KILLED.format(name=name, seconds=grace), file=sys.stderr, flush=True)
        for process in processes.values():
            _signal_group(process, signal.SIGKILL)
        deadline = time.monotonic() + 5
        for process in processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
