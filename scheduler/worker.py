"""`itabot worker`: drains the outbox, picks up events the web process did not finish, reads the quota.

Several workers may run at once: outbox rows and inbox events are claimed with leases (on PostgreSQL with
FOR UPDATE SKIP LOCKED), so nothing is sent or processed twice. Stop with SIGTERM or Ctrl-C; a worker
killed mid-send leaves a lease that runs out, and the resend carries the same retry key.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from dataclasses import dataclass

from bot.services import Services
from scheduler.retention import scrub_expired

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerOptions:
    delivery_threads: int = 4
    batch_size: int = 20
    idle_sleep: float = 0.25
    inbox_sweep_every: float = 2.0
    quota_every: float = 600.0
    quota_every_while_parked: float = 60.0
    scrub_every: float = 3600.0


class Worker:
    def __init__(self, services: Services, options: WorkerOptions | None = None) -> None:
        self.services = services
        self.options = options or WorkerOptions()
        self.stop_event = threading.Event()

    def run_once(self) -> dict[str, int]:
        """One pass of everything (used by tests and `itabot worker --once`)."""
        processed = self.services.processor.process_due()
        self.services.quota.refresh(self.services.org_id())
        handled = 0
        while batch := sum(self.services.sender.deliver_due(self.options.batch_size).values()):
            handled += batch
        return {"processed": processed, "sent": handled}

    def run_forever(self) -> None:
        log.info("worker started: %s delivery threads", self.options.delivery_threads)
        threads = [threading.Thread(target=self._delivery_loop, name=f"outbox-{i}", daemon=True)
                   for i in range(self.options.delivery_threads)]
        for thread in threads:
            thread.start()
        next_sweep = next_quota = next_scrub = 0.0
        while not self.stop_event.is_set():
            now = time.monotonic()
            try:
                if now >= next_sweep:
                    self.services.processor.process_due()
                    next_sweep = now + self.options.inbox_sweep_every
                if now >= next_quota:
                    next_quota = now + self._refresh_quota()
                if now >= next_scrub:
                    scrub_expired(self.services.uow, self.services.settings.retention_days)
                    next_scrub = now + self.options.scrub_every
            except Exception:
                log.exception("worker pass failed; trying again")
            self.stop_event.wait(self.options.idle_sleep)
        for thread in threads:
            thread.join(timeout=30)
        log.info("worker stopped")

    def _refresh_quota(self) -> float:
        self.services.quota.refresh(self.services.org_id())
        with self.services.uow() as uow:
            parked = uow.outbox.counts_by_status().get("parked", 0)
        return self.options.quota_every_while_parked if parked else self.options.quota_every

    def _delivery_loop(self) -> None:
        while not self.stop_event.is_set():
            try:
                sent = sum(self.services.sender.deliver_due(self.options.batch_size).values())
            except Exception:
                log.exception("outbox delivery pass failed; trying again")
                sent = 0
            if not sent:
                self.stop_event.wait(self.options.idle_sleep)

    def install_signal_handlers(self) -> None:
        def stop(signum: int, _frame: object) -> None:
            log.info("worker: signal %s, stopping after the current sends", signum)
            self.stop_event.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
