"""The test run's own diagnostics: a test that overruns its time limit in a pytest-xdist process is reported
with where it stood (every thread's stack), not only as "worker crashed" (tests/support/overruns.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.overruns import DIRECTORY_ENV, TITLE

ROOT = Path(__file__).resolve().parent.parent

OVERRUNNING = '''
import threading
import pytest

@pytest.mark.timeout(2)
def test_waits_on_something_that_never_comes():
    threading.Event().wait(60)
'''


def test_an_overrunning_test_under_xdist_is_reported_with_its_stack(tmp_path: Path) -> None:
    (tmp_path / "test_stuck.py").write_text(OVERRUNNING, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in (DIRECTORY_ENV, "PYTEST_XDIST_WORKER")}
    env.update(PYTHONPATH=str(ROOT), PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")  # the three plugins it needs only
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "xdist", "-p", "pytest_timeout", "-p", "tests.support.overruns",
         "-p", "no:cacheprovider", "-n", "1", "-o", "timeout_method=thread", "test_stuck.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert "crashed while running" in out, out  # pytest-timeout ended the xdist process
    summary = out[out.index(TITLE):]
    assert "test_stuck.py::test_waits_on_something_that_never_comes: still running after" in summary
    assert 'test_stuck.py", line 7 in test_waits_on_something_that_never_comes' in summary
