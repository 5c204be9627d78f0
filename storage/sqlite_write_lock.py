"""SQLite's one writer, taken in turn by the threads of a process and by the processes on one database.

SQLite lets one transaction write at a time; every transaction here starts with BEGIN IMMEDIATE (storage/db.py).
A BEGIN that finds another process writing can only be tried again after a pause, and a process that keeps
trying meets a writer that commits and begins again in the meantime: under a burst the web's acknowledgements
waited behind the worker's transactions for up to 150 ms (p99), with a third of the machine idle (issue #17,
bench/README.md). So a writer first takes this lock, which waits without polling:

- the threads of one process queue on a `threading.Lock` (one per engine);
- processes queue on an exclusive `flock` of a file beside the database (`<database>.write-lock`, as the
  scheduler's leader lock): the kernel wakes a waiter the moment the holder lets go, and frees the lock of a
  process that dies;
- a process whose writes can wait (the worker: `yield_to_others`) first passes a gate
  (`<database>.write-gate`) that a waiting writer of any other process holds closed: the worker's next
  transaction waits for the web's waiting one instead of taking the lock again first.

No wait is for ever: a holder that hangs makes the others fail after `timeout` (the caller's busy timeout, as
SQLite's own), as before. The kernel's wait cannot be given a timeout, so a contended wait is handed to this
lock's waiting thread, which gives up the file lock again if its asker has gone.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field

try:
    import fcntl
except ImportError:  # not a Unix: the threads' lock only, and SQLite's BEGIN tried again (storage/db.py)
    fcntl = None  # type: ignore[assignment]


class WriteLockTimeout(Exception):
    """The write lock was not had within the timeout."""


@dataclass
class _Wait:
    fd: int
    operation: int
    done: threading.Event = field(default_factory=threading.Event)
    granted: bool = False
    abandoned: bool = False


class _FileWaiter:
    """A thread that waits in `flock` for whoever asks, one wait at a time, so the asker can stop waiting."""

    def __init__(self) -> None:
        self._guard = threading.Condition()
        self._waits: deque[_Wait] = deque()
        self._thread = threading.Thread(target=self._run, name="sqlite-write-lock", daemon=True)
        self._thread.start()

    def pending(self) -> bool:
        """A wait is still in the kernel (perhaps one whose asker has gone): ask through it, not around it, or
        the lock got around it would be given back when that wait is granted on the same descriptor."""
        with self._guard:
            return bool(self._waits)

    def wait(self, fd: int, operation: int, deadline: float) -> None:
        wait = _Wait(fd, operation)
        with self._guard:
            self._waits.append(wait)
            self._guard.notify()
        wait.done.wait(max(0.0, deadline - time.monotonic()))
        with self._guard:
            if not wait.granted:
                wait.abandoned = True
                raise WriteLockTimeout

    def _run(self) -> None:
        while True:
            with self._guard:
                while not self._waits:
                    self._guard.wait()
                wait = self._waits[0]
            fcntl.flock(wait.fd, wait.operation)
            with self._guard:
                self._waits.popleft()
                if wait.abandoned:
                    fcntl.flock(wait.fd, fcntl.LOCK_UN)
                else:
                    wait.granted = True
                    wait.done.set()


@dataclass
class _Files:
    pid: int
    lock: int
    gate: int
    waiter: _FileWaiter | None = None  # started at the first wait that is not granted at once


class SqliteWriteLock:
    """The write lock of one engine on one SQLite database (`path`: the database file; None for a database in
    memory, which only this process sees: the threads' lock alone)."""

    def __init__(self, path: str | None) -> None:
        self.path = path if fcntl is not None else None
        self.yield_to_others = False
        self._threads = threading.Lock()
        self._files: _Files | None = None
        self._files_guard = threading.Lock()

    def acquire(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        if not self._threads.acquire(timeout=timeout):
            raise WriteLockTimeout
        try:
            if self.path is not None:
                self._acquire_file(deadline)
        except BaseException:
            self._threads.release()
            raise

    def release(self) -> None:
        try:
            if self.path is not None:
                fcntl.flock(self._open().lock, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _acquire_file(self, deadline: float) -> None:
        files = self._open()
        if self.yield_to_others:
            # Pass the gate: shut while a writer of another process waits.
            self._flock(files, files.gate, fcntl.LOCK_SH, deadline)
            fcntl.flock(files.gate, fcntl.LOCK_UN)
            self._flock(files, files.lock, fcntl.LOCK_EX, deadline)
            return
        if self._try(files, files.lock, fcntl.LOCK_EX):
            return
        # Shut the gate while waiting, so that yielding writers do not go first.
        self._flock(files, files.gate, fcntl.LOCK_EX, deadline)
        try:
            self._flock(files, files.lock, fcntl.LOCK_EX, deadline)
        finally:
            fcntl.flock(files.gate, fcntl.LOCK_UN)

    def _flock(self, files: _Files, fd: int, operation: int, deadline: float) -> None:
        if self._try(files, fd, operation):
            return
        if files.waiter is None:
            with self._files_guard:
                if files.waiter is None:
                    files.waiter = _FileWaiter()
        files.waiter.wait(fd, operation, deadline)

    @staticmethod
    def _try(files: _Files, fd: int, operation: int) -> bool:
        """The lock at once, if no earlier wait is still queued for it."""
        if files.waiter is not None and files.waiter.pending():
            return False
        try:
            fcntl.flock(fd, operation | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _open(self) -> _Files:
        """This process's open lock files (opened again in a child after a fork: a descriptor inherited from
        the parent shares the parent's lock)."""
        files = self._files
        if files is not None and files.pid == os.getpid():
            return files
        with self._files_guard:
            if self._files is None or self._files.pid != os.getpid():
                assert self.path is not None
                self._files = _Files(os.getpid(), _open_lock_file(self.path + ".write-lock"),
                                     _open_lock_file(self.path + ".write-gate"))
            return self._files


def _open_lock_file(path: str) -> int:
    return os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
