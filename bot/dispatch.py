"""Processing after the 200: stored events go to a thread pool in the web process.

Events of one chat go to one task, oldest first, so a person's messages are handled in order. The pool
starts lazily (after gunicorn forks). Whatever it does not finish — the process dies, the pool is full —
stays in the inbox, and the worker's sweep takes it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from handlers.processor import EventProcessor

log = logging.getLogger(__name__)


class EventDispatcher:
    def __init__(self, processor: EventProcessor, threads: int) -> None:
        self.processor = processor
        self.threads = max(1, threads)
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="itabot-events")
            return self._pool

    def submit(self, chats: Sequence[Sequence[int]]) -> None:
        executor = self._executor()
        for inbox_ids in chats:
            executor.submit(self._run, list(inbox_ids))

    def _run(self, inbox_ids: list[int]) -> None:
        try:
            self.processor.process_many(inbox_ids)
        except Exception:  # left in the inbox for the worker's sweep
            log.exception("processing of events %s stopped", inbox_ids)

    def shutdown(self, wait: bool = True) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=wait)
