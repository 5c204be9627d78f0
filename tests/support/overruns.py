"""Where a test stood when it ran out of time, even under pytest-xdist.

pytest-timeout (thread method) prints every thread's stack and ends the process when a test overruns its
limit; but in an xdist process that output goes to pytest's capture of the test and is lost with the
process, and the run shows only "worker crashed while running ...". So each test also sets a timer that,
shortly before the limit, appends the test's name and every thread's stack to a file in a directory the
whole run shares; the controlling process prints those files at the end of the run's summary."""

from __future__ import annotations

import faulthandler
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Generator
from pathlib import Path
from typing import IO

import pytest

DIRECTORY_ENV = "ITABOT_TEST_OVERRUNS_DIR"  # set by the controlling process, inherited by xdist's processes
MARGIN_SECONDS = 30.0  # the stacks are written this long before the limit (a quarter of a short limit)
TITLE = "stacks of tests still running shortly before their time limit"

_file: IO[str] | None = None


def _limit(item: pytest.Item) -> float:
    """pytest-timeout's limit for this test: its marker, else --timeout, else the ini's (0: none)."""
    marker = item.get_closest_marker("timeout")
    if marker is not None and (marker.args or "timeout" in marker.kwargs):
        return float(marker.args[0] if marker.args else marker.kwargs["timeout"])
    return float(item.config.getoption("timeout", None) or item.config.getini("timeout") or 0)


def _stack_file() -> IO[str]:
    global _file
    if _file is None:
        directory = Path(os.environ[DIRECTORY_ENV])
        name = os.environ.get("PYTEST_XDIST_WORKER", "main")
        _file = open(directory / f"{name}-{os.getpid()}.txt", "a", encoding="utf-8")  # noqa: SIM115
    return _file


def _write_stacks(nodeid: str, started: float) -> None:
    stacks = _stack_file()
    stacks.write(f"\n--- {nodeid}: still running after {time.monotonic() - started:.0f} s ---\n")
    stacks.flush()
    faulthandler.dump_traceback(stacks, all_threads=True)
    stacks.flush()


def pytest_configure(config: pytest.Config) -> None:
    if DIRECTORY_ENV not in os.environ:  # the controlling process (or a run without xdist)
        os.environ[DIRECTORY_ENV] = tempfile.mkdtemp(prefix="itabot-overruns-")
        config.stash[_owner] = Path(os.environ[DIRECTORY_ENV])


_owner = pytest.StashKey[Path]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
    limit = _limit(item)
    timer = None
    if limit > 0:
        at = limit - min(MARGIN_SECONDS, limit / 4)
        timer = threading.Timer(at, _write_stacks, args=(item.nodeid, time.monotonic()))
        timer.daemon = True
        timer.start()
    try:
        yield
    finally:
        if timer is not None:
            timer.cancel()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    directory = config.stash.get(_owner, None)
    if directory is None:
        return
    texts = [path.read_text(encoding="utf-8", errors="replace") for path in sorted(directory.glob("*.txt"))]
    if any(text.strip() for text in texts):
        terminalreporter.write_sep("=", TITLE)
        for text in texts:
            terminalreporter.write(text)


def pytest_unconfigure(config: pytest.Config) -> None:
    directory = config.stash.get(_owner, None)
    if directory is not None:
        shutil.rmtree(directory, ignore_errors=True)
        os.environ.pop(DIRECTORY_ENV, None)
