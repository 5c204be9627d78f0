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


def _org_ids(ctx: JobContext, timezone: str | None) -> list[int] | None:
    """The organisations in `timezone` (None: every organisation)."""
    if timezone is None:
        return None
    with ctx.uow() as uow:
        return uow.people.organisation_ids_by_timezone().get(timezone, [])


def reminders(timezone: str | None = None) -> None:
    """Every few minutes in office hours of `timezone`: queue the reminders due for its organisations (and a
    late weekly summary). Each organisation decides in its own time zone and settings; one that fails is
    logged and the others go on."""
    ctx = _context()
    now = utcnow()
    org_ids = _org_ids(ctx, timezone)
    run = run_reminders(ctx.uow, now, org_ids)
    summaries = send_weekly_summaries(ctx.uow, ctx.deadlines, now, ctx.report_link, org_ids)
    if run.pushes or run.escalations or summaries:
        ctx.wake_delivery.set()


def weekly_summary(timezone: str | None = None) -> None:
    """At a summary time the organisations of `timezone` use (default Monday 08:30)."""
    ctx = _context()
    if send_weekly_summaries(ctx.uow, ctx.deadlines, utcnow(), ctx.report_link, _org_ids(ctx, timezone)):
        ctx.wake_delivery.set()
