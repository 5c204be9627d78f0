"""`itabot worker --processes N`: N worker processes from one command (issue #17: one process uses one core).
They share the work as separate workers do, and none outlives the first, even when it is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import RunningBot, make_env, wait_for
from tests.test_outbox import enqueue_push


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.long
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_two_worker_processes_share_the_outbox_and_the_second_dies_with_the_first(
        bot_without_worker: RunningBot, database_url: str, tmp_path: Path) -> None:
    bot = bot_without_worker
    rows = enqueue_push(bot, count=30)
    env = make_env(database_url, bot.fake.base_url, tmp_path)
    first = subprocess.Popen([sys.executable, "-c", "from bot.cli.main import main; main()", "worker",
                              "--processes", "2", "--threads", "2"],
                             env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: len(_children(first.pid)) == 1, timeout=30)
        [second] = _children(first.pid)
        assert wait_for(lambda: len(bot.fake.deliveries()) >= len(rows), timeout=90)
        counts = bot.fake.count_by_retry_key()
        assert set(counts) == {r.retry_key for r in rows} and set(counts.values()) == {1}
        first.send_signal(signal.SIGKILL)  # no chance to stop the second: it is told by the kernel
        first.wait(timeout=10)
        assert wait_for(lambda: not _alive(second), timeout=40)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(timeout=10)
