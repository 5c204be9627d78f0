"""`itabot worker --processes N`: N worker processes from one command (issue #17: one process uses one core).
They share the work as separate workers do, and none outlives the first, even when it is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.main import worker
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


def _niceness(pid: int) -> set[int]:
    """The niceness of each of the process's threads (a thread has its own)."""
    found = set()
    for task in (Path("/proc") / str(pid) / "task").iterdir():
        try:
            found.add(int((task / "stat").read_text().rsplit(")", 1)[1].split()[16]))
        except OSError:
            continue
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
    env = make_env(database_url, bot.fake.base_url, tmp_path, WORKER_NICE=3)
    first = subprocess.Popen([sys.executable, "-c", "from bot.cli.main import main; main()", "worker",
                              "--processes", "2", "--threads", "2"],
                             env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: len(_children(first.pid)) == 1, timeout=30)
        [second] = _children(first.pid)
        assert wait_for(lambda: len(bot.fake.deliveries()) >= len(rows), timeout=90)
        counts = bot.fake.count_by_retry_key()
        assert set(counts) == {r.retry_key for r in rows} and set(counts.values()) == {1}
        # both run below the web's priority (WORKER_NICE), every thread of them
        assert _niceness(first.pid) == _niceness(second) == {max(3, os.nice(0))}
        first.send_signal(signal.SIGKILL)  # no chance to stop the second: it is told by the kernel
        first.wait(timeout=10)
        assert wait_for(lambda: not _alive(second), timeout=40)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(timeout=10)


def test_the_worker_gives_way_to_the_web_by_default() -> None:
    [option] = [p for p in worker.params if p.name == "niceness"]
    assert option.default == 10 and option.envvar == "WORKER_NICE"


# A signal handler runs in the main thread between two of its bytecodes: here while that thread holds the
# worker's stop event's own lock (as inside its 1 s wait, or inside a first handler when SIGINT and SIGTERM
# come together, as Ctrl-C and `itabot dev` send them). A handler that set the event there waited for ever.
STOP_WHILE_HOLDING_THE_STOP_LOCK = """
import signal, sys
from bot.config import Settings
from bot.services import Services
from bot.worker import Worker
settings = Settings.from_env({"ITABOT_ENV": "development", "DATABASE_URL": sys.argv[1], "ITABOT_INSTANCE_DIR": sys.argv[2]})
worker = Worker(Services.build(settings))
worker.install_signal_handlers()
with worker.stop_event._cond:
    signal.raise_signal(signal.SIGINT)
    signal.raise_signal(signal.SIGTERM)
print("stop asked by", worker.stop_signal)
"""


def test_stop_signals_are_taken_while_the_main_thread_holds_the_stop_events_lock(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    run = subprocess.run([sys.executable, "-c", STOP_WHILE_HOLDING_THE_STOP_LOCK, f"sqlite:///{tmp_path / 'w.db'}",
                          str(tmp_path / "instance")], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"stop asked by {int(signal.SIGTERM)}", run.stdout + run.stderr


LOWER_WITH_A_THREAD_RUNNING = """
import os, threading
from bot.worker import lower_priority
started, stop = threading.Event(), threading.Event()
ids = []
def run():
    ids.append(threading.get_native_id())
    started.set()
    stop.wait()
thread = threading.Thread(target=run)
thread.start()
started.wait()
lower_priority(7)
print(os.getpriority(os.PRIO_PROCESS, ids[0]), os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
stop.set()
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="Linux: a niceness per thread")
def test_lowering_the_priority_lowers_the_threads_already_running_too() -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    run = subprocess.run([sys.executable, "-c", LOWER_WITH_A_THREAD_RUNNING], env=env, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    expected = max(7, os.nice(0))
    assert run.stdout.split() == [str(expected), str(expected)]
