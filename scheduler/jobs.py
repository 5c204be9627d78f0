"""The scheduler's jobs. APScheduler's SQLAlchemy job store keeps jobs by reference ("module:function"),
so they are plain functions here; the worker that leads binds its services before the scheduler starts.
Each job decides what is due from the database, so a job run late, twice or after a restart sends
nothing twice and skips nothing."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from domain.complaints.workflow import DeadlinePolicy
from storage.clock import utcnow
from storage.uow import UnitOfWorkFactory
from usecases.reminder_run import run_reminders
from usecases.weekly_summary_run import send_weekly_summaries
from views.weekly_summary import ReportLink

log = logging.getLogger(__name__)


@dataclass
class JobContext:
    uow: UnitOfWorkFactory
    deadlines: DeadlinePolicy
    wake_delivery: threading.Event
    report_link: ReportLink | None = None


_bound: JobContext | None = None


def bind(context: JobContext | None) -> None:
    global _bound
    _bound = context


def _context() -> JobContext:
    if _bound is None:
        raise RuntimeError("scheduler jobs ran before a worker bound its services")
    return _bound


def reminders() -> None:
    """Every few minutes in office hours: queue the reminders that are due (and a late weekly summary)."""
    ctx = _context()
    now = utcnow()
    run = run_reminders(ctx.uow, now)
    summaries = send_weekly_summaries(ctx.uow, ctx.deadlines, now, ctx.report_link)
    if run.pushes or run.escalations or summaries:
        ctx.wake_delivery.set()


def weekly_summary() -> None:
    """At each organisation's summary time (default Monday 08:30)."""
    ctx = _context()
    if send_weekly_summaries(ctx.uow, ctx.deadlines, utcnow(), ctx.report_link):
        ctx.wake_delivery.set()
