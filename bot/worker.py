"""`itabot worker`: processes webhook events, delivers the outbox, reads the quota, applies retention.

Several workers may run at once: events and outbox rows are claimed with leases (on PostgreSQL outbox rows
with FOR UPDATE SKIP LOCKED, inbox claims under an advisory lock), so nothing is processed or sent twice
and one chat's events never run in two places at once. Stop with SIGTERM or Ctrl-C; a worker killed
mid-work leaves leases that run out: a push is resent with the same retry key, a reply that may have gone
out is never pushed (bot/line/outbox_sender.py).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from bot.line.api import load_sdk
from bot.report_links import report_links
from bot.services import Services
from domain.retry import RetryPolicy
from handlers import build_application, build_flows
from handlers.conversation import Conversations
from handlers.expiry import expire_abandoned
from handlers.processor import EventProcessor, ProcessingPolicy
from scheduler import jobs
from scheduler.job_scheduler import JobScheduler
from scheduler.leader import leader_lock_for
from storage.models import OutboxStatus
from storage.wakeups import EVENTS, OUTBOX, DatabaseWakeups
from usecases.complaint_deadlines import check_deadlines
from usecases.complaint_retention import apply_complaint_retention, end_intake_days
from usecases.retention import scrub_expired

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EventProcessing:
    """The LINE handlers on an Application, and the processor that runs them on stored events."""

    conversations: Conversations
    processor: EventProcessor

    @classmethod
    def build(cls, services: Services) -> EventProcessing:
        settings, reports = services.settings, report_links(services.settings)
        conversations = Conversations(build_flows(services.complaints, reports=reports))
        processor = EventProcessor(
            services.uow, build_application(services.complaints, conversations, reports=reports),
            settings.secret_key,
            ProcessingPolicy(lease_seconds=settings.inbox_lease_seconds, max_attempts=settings.inbox_max_attempts,
                             retry_base_seconds=settings.inbox_retry_base_seconds),
            services.answers_committed,
        )
        return cls(conversations, processor)


HOUSEKEEPING_RETRY = RetryPolicy(base_seconds=60.0, max_seconds=60.0)


# Events a claim takes at most, by database. On PostgreSQL a claim ranks every due event (its cost grows with
# the backlog, ~2 ms with a burst's, not with the batch) and each batch is a transaction of ~10 statements:
# 50 a claim make 2.5× fewer of both than 20 (issue #17: end to end 0.66–0.69× → 0.77–0.89× the echo bot with
# LINE answering at once, 1.73–1.87× → 1.94–2.12× at 50 ms; bench/README.md). On SQLite a batch's transaction
# holds the one write lock the webhook's writes wait for: 20 (50 gained nothing there).
EVENT_BATCH_SIZE = {"postgresql": 50, "sqlite": 20}


@dataclass(frozen=True)
class WorkerOptions:
    event_threads: int = 2
    delivery_threads: int = 4
    batch_size: int = 20
    # Events per claim, handled in one transaction (one savepoint, per event only when one fails), one chat's
    # events in order; None: EVENT_BATCH_SIZE of the database.
    event_batch_size: int | None = None
    idle_sleep: float = 0.1  # a loop that found nothing looks again after this, then twice as long each time …
    idle_max_sleep: float = 2.0  # … up to this (new events and answers wake it at once: see run_forever)
    # A loop woken from its sleep waits this long before it looks, so that what else comes meanwhile (a burst's
    # next webhook requests, the answers of the other event thread) is claimed in the same batch: far fewer
    # claims and transactions per event for a few milliseconds more.
    wake_linger: float = 0.005
    quota_every: float = 600.0
    quota_every_while_parked: float = 60.0
    scrub_every: float = 3600.0
    expire_every: float = 30.0
    evidence_threads: int = 1
    evidence_idle_sleep: float = 1.0
    complaint_deadlines_every: float = 600.0
    scheduler: bool = True  # take part in the leader election and, when leading, run APScheduler's jobs
    leader_every: float = 5.0  # how often a follower tries to take the lead (and the leader checks it)
    sync_jobs_every: float = 600.0
    reminder_minutes: str = "*/10"  # cron minutes of the reminders job in office hours
    # after housekeeping (quota, retention, expiry, complaint deadlines) failed: again in a minute, always
    housekeeping_retry: RetryPolicy = HOUSEKEEPING_RETRY


class Worker:
    def __init__(self, services: Services, options: WorkerOptions | None = None,
                 processing: EventProcessing | None = None) -> None:
        self.services = services
        self.options = options or WorkerOptions()
        self.event_batch_size = (self.options.event_batch_size
                                 or EVENT_BATCH_SIZE.get(services.engine.dialect.name, 20))
        self.processing = processing or EventProcessing.build(services)
        self.processor = self.processing.processor
        self.stop_event = threading.Event()
        # The signal that asked this worker to stop (install_signal_handlers): a plain attribute, read by the
        # main loop, which then sets stop_event. A handler runs in the main thread between two of its
        # bytecodes, possibly while that thread holds stop_event's own lock (inside its 1 s wait, or inside
        # a first handler's set() when SIGINT and SIGTERM come together, as Ctrl-C and `itabot dev` send
        # them): set() there waited for ever on a lock its own thread held, and the worker never stopped.
        self.stop_signal: int | None = None
        # Committed answers wake the delivery threads, so event processing never waits for LINE.
        self.outbox_ready = services.answers_committed
        # Stored events wake the event threads: from this process's webhook, or another's (storage/wakeups.py).
        self.events_ready = services.events_arrived
        self.complaints = services.complaints  # keys and settings (COMPLAINT_KEY, deadlines, limits)
        self.job_scheduler: JobScheduler | None = None  # set while this worker leads

    def run_once(self) -> dict[str, int]:
        """Everything due, until nothing is (used by tests and `itabot worker --once`)."""
        processed = sent = 0
        while batch := self.processor.process_due(self.event_batch_size):
            processed += batch
        while self.services.evidence.fetch_due():
            pass
        self._expire_conversations()
        self._complaint_deadlines()
        apply_complaint_retention(self.services.uow, self.complaints.retention_days)
        self.services.org_id()  # the default organisation exists
        self.services.quota.refresh_all()  # each organisation's own quota, with its own token
        while batch := sum(self.services.sender.deliver_due(self.options.batch_size).values()):
            sent += batch
        return {"processed": processed, "sent": sent}

    def _woken_by_another_process(self, kind: str | None) -> None:
        """Another process stored events (EVENTS: the event loops look) or queued pushes (OUTBOX: a console
        action, a CLI command; the delivery loops look); not known (SQLite's files changed): both look (a
        loop with nothing to do goes back to sleep). A webhook's events no longer send every delivery loop
        to claim nothing: their answers wake those when they are committed, in this process."""
        if kind != OUTBOX:
            self.events_ready.set()
        if kind != EVENTS:
            self.outbox_ready.set()

    def run_forever(self) -> None:
        load_sdk()  # imported on first use elsewhere (bot/line/api.py): here before the first answer waits
        opts = self.options
        log.info("worker started: %s event threads, %s delivery threads", opts.event_threads,
                 opts.delivery_threads)
        # An idle loop sleeps longer and longer (idle_sleep doubling up to idle_max_sleep) and wakes at once
        # when its event is set: new events (this process's webhook, or another process's through the
        # database: storage/wakeups.py) for the event threads, committed answers for delivery and evidence.
        loops: list[tuple[str, Callable[[], int], threading.Event, float]] = (
            [(f"events-{i}", lambda: self.processor.process_due(self.event_batch_size),
              self.events_ready, opts.idle_sleep) for i in range(opts.event_threads)]
            # Delivery is pipelined (OutboxSender.dispatch_due): a loop claims as send slots free up and does
            # not wait for a claim's sends, so one slow LINE call never holds up the next claim.
            + [(f"outbox-{i}", lambda: self.services.sender.dispatch_due(opts.batch_size),
                self.outbox_ready, opts.idle_sleep) for i in range(opts.delivery_threads)]
            # Evidence arrives with a committed answer ("received"), which wakes these at once; the idle
            # poll only picks up retries (content still being prepared).
            + [(f"evidence-{i}", self.services.evidence.fetch_due, self.outbox_ready, opts.evidence_idle_sleep)
               for i in range(opts.evidence_threads)]
        )
        wakeups = DatabaseWakeups(self.services.engine, self._woken_by_another_process)
        wakeups.start()
        threads = [threading.Thread(target=self._loop, args=loop, name=loop[0], daemon=True) for loop in loops]
        if opts.scheduler:
            threads.append(threading.Thread(target=self._lead, name="scheduler-leader", daemon=True))
        for thread in threads:
            thread.start()
        next_quota = next_scrub = next_expiry = next_deadlines = 0.0
        failures = 0
        while not self.stop_event.is_set() and self.stop_signal is None:
            now = time.monotonic()
            try:
                if now >= next_quota:
                    next_quota = now + self._refresh_quota()
                if now >= next_scrub:
                    scrub_expired(self.services.uow, self.services.settings.retention_days)
                    apply_complaint_retention(self.services.uow, self.complaints.retention_days)
                    next_scrub = now + opts.scrub_every
                if now >= next_expiry:
                    self._expire_conversations()
                    end_intake_days(self.services.uow)  # a day's intake secret goes as soon as the day is over
                    next_expiry = now + opts.expire_every
                if now >= next_deadlines:
                    self._complaint_deadlines()
                    next_deadlines = now + opts.complaint_deadlines_every
                failures = 0
            except Exception:
                failures += 1
                log.exception("worker housekeeping failed; trying again")
                next_quota = next_scrub = next_expiry = next_deadlines = now + opts.housekeeping_retry.delay(failures)
            self.stop_event.wait(1.0)
        if self.stop_signal is not None:
            log.info("worker: signal %s, stopping after the current work", self.stop_signal)
        self.stop_event.set()
        self.outbox_ready.set()
        self.events_ready.set()
        wakeups.stop()
        for thread in threads:
            thread.join(timeout=30)
        log.info("worker stopped")

    def job_context(self) -> jobs.JobContext:
        return jobs.JobContext(self.services.uow, self.complaints.policy, self.outbox_ready,
                               self.services.report_link)

    def _lead(self) -> None:
        """Take the lead when nobody has it; while leading, run the job scheduler."""
        services, opts = self.services, self.options
        lock = leader_lock_for(services.engine, services.settings.instance_dir)
        next_sync = 0.0
        while not self.stop_event.is_set():
            try:
                if self.job_scheduler is None:
                    if lock.try_acquire():
                        jobs.bind(self.job_context())
                        scheduler = JobScheduler(services.engine, services.uow, services.settings.timezone,
                                                 opts.reminder_minutes)
                        scheduler.start()
                        self.job_scheduler = scheduler
                        next_sync = time.monotonic() + opts.sync_jobs_every
                elif not lock.still_held():
                    log.warning("scheduler: lost the lead; stopping the job scheduler")
                    self._stop_jobs()
                elif time.monotonic() >= next_sync:
                    self.job_scheduler.sync_jobs()
                    next_sync = time.monotonic() + opts.sync_jobs_every
            except Exception:
                log.exception("scheduler leader election failed; trying again")
                self._stop_jobs()
                lock.release()
            self.stop_event.wait(opts.leader_every)
        self._stop_jobs()
        lock.release()

    def _stop_jobs(self) -> None:
        if self.job_scheduler is not None:
            scheduler, self.job_scheduler = self.job_scheduler, None
            try:
                scheduler.shutdown()
            except Exception:
                log.exception("scheduler: shutdown failed")

    def _expire_conversations(self) -> None:
        if expire_abandoned(self.services.uow, self.processing.conversations, self.services.settings.secret_key):
            self.outbox_ready.set()

    def _complaint_deadlines(self) -> None:
        run = check_deadlines(self.services.uow, self.complaints)
        if run.pushes:
            self.outbox_ready.set()

    def _refresh_quota(self) -> float:
        self.services.org_id()  # the default organisation exists
        self.services.quota.refresh_all()
        with self.services.uow() as uow:
            parked = uow.outbox.counts_in_line().get(OutboxStatus.PARKED.value, 0)
        return self.options.quota_every_while_parked if parked else self.options.quota_every

    def _loop(self, name: str, work: Callable[[], int], wake: threading.Event, idle: float) -> None:
        """Work while there is work; when a pass finds none, sleep until `wake` is set or the pause is over,
        the pause doubling (up to idle_max_sleep) while nothing comes. `wake` is cleared before each pass,
        so what is set during a pass makes the next wait return at once."""
        longest = max(idle, self.options.idle_max_sleep)
        pause = idle
        while not self.stop_event.is_set():
            wake.clear()
            try:
                done = work()
            except Exception:
                log.exception("%s pass failed; trying again", name)
                done = 0
            if done:
                pause = idle
                continue
            if wake.wait(pause) and self.options.wake_linger > 0:
                self.stop_event.wait(self.options.wake_linger)
            pause = min(pause * 2, longest)

    def install_signal_handlers(self) -> None:
        def stop(signum: int, _frame: object) -> None:
            self.stop_signal = signum  # no lock, no logging here: see __init__ (the main loop sees it within 1 s)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        # `kill -USR1 <pid>`: every thread's stack to stderr (the log), for a worker that seems stuck.
        signal.signal(signal.SIGUSR1, write_thread_stacks)


def write_thread_stacks(_signum: int = 0, _frame: object = None) -> None:
    """Every thread's stack, most recent call first, to standard error (the worker's log): SIGUSR1's handler.

    Python runs it in the main thread between two bytecodes, holding the GIL, so the other threads stand
    still while their frames are read (`faulthandler`'s dump, used before, reads them from C while they run:
    a busy worker could crash in it). It takes no lock (a handler interrupting the code that holds one would
    wait for itself): thread names are read from threading's table without its lock, and the text goes out
    with one `os.write`, past the buffers of `sys.stderr`."""
    names = {ident: thread.name for ident, thread in dict(getattr(threading, "_active", {})).items()}
    parts = [f"itabot worker {os.getpid()}: the stacks of its threads (SIGUSR1)\n"]
    for ident, frame in sys._current_frames().items():
        parts.append(f"\nThread 0x{ident:x} {names.get(ident, '?')} (most recent call first):\n")
        parts += reversed(traceback.format_stack(frame))
    data = "".join(parts).encode("utf-8", "replace")
    with contextlib.suppress(OSError):
        while data:
            data = data[os.write(2, data):]


def lower_priority(niceness: int) -> None:
    """Run at `niceness` (Unix; raised only, never lowered): where the web runs on the same host, a burst's
    webhook answers — which LINE waits for, 2 s at most — get the CPU before the worker's backlog, which
    waits in the database and takes every core the web leaves (issue #17: p99 of the acknowledgements under
    a burst with the worker running, 104–113 → 47–69 ms: bench/README.md). Threads started afterwards, and
    sibling processes, inherit it; on Linux, where each thread has its own, the threads already running
    are lowered too."""
    if not hasattr(os, "nice"):
        return
    current = os.nice(0)
    if niceness > current:
        os.nice(niceness - current)
    tasks = "/proc/self/task"
    for thread_id in map(int, os.listdir(tasks) if os.path.isdir(tasks) else ()):
        with contextlib.suppress(OSError):
            if os.getpriority(os.PRIO_PROCESS, thread_id) < niceness:
                os.setpriority(os.PRIO_PROCESS, thread_id, niceness)


def start_siblings(count: int, argv: list[str]) -> list[subprocess.Popen[bytes]]:
    """Start `count` more worker processes (`python -m bot.cli.main worker ARGV…`, this environment) beside
    this one, to use more cores than one process can (the GIL). They share the work as any workers do:
    inbox claims exclude each other (one chat's events never in two places at once), outbox rows are leased
    to one sender. On Linux each is sent SIGTERM should this process die (PR_SET_PDEATHSIG)."""
    return [subprocess.Popen([sys.executable, "-m", "bot.cli.main", "worker", *argv], preexec_fn=_die_with_parent)
            for _ in range(count)]


def stop_siblings(siblings: list[subprocess.Popen[bytes]], timeout: float = 60.0) -> None:
    """SIGTERM each (they stop after their current work, as this one does) and wait for them."""
    for sibling in siblings:
        if sibling.poll() is None:
            sibling.terminate()
    deadline = time.monotonic() + timeout
    for sibling in siblings:
        try:
            sibling.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("worker process %s did not stop in time: killed", sibling.pid)
            sibling.kill()


PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
