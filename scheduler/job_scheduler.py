"""APScheduler 3 in the leading worker: a SQLAlchemy job store in the app's database, the
organisation's time zone, coalescing (a job missed several times runs once) and a misfire grace time
(a job missed by less than it still runs when the worker comes back; the jobs themselves catch up on
anything older from the database)."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine

from storage.schedule_settings import ScheduleSettings
from storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

JOBS_TABLE = "apscheduler_jobs"
MISFIRE_GRACE_SECONDS = 3600
REMINDERS_JOB = "reminders"
SUMMARY_JOB_PREFIX = "weekly-summary-"
CRON_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def summary_job_id(settings: ScheduleSettings, timezone: str | None = None) -> str:
    """One job per summary time (and per time zone other than the deployment's)."""
    base = f"{SUMMARY_JOB_PREFIX}{settings.summary_weekday}-{settings.summary_time.replace(':', '')}"
    return base if timezone is None else f"{base}@{timezone}"


def reminders_job_id(timezone: str | None = None) -> str:
    return REMINDERS_JOB if timezone is None else f"{REMINDERS_JOB}@{timezone}"


def office_hours(settings: list[ScheduleSettings]) -> str:
    """The cron hours covering every organisation's working day (default 8-19)."""
    first = min((s.work_start_time.hour for s in settings), default=8)
    last = max(((s.work_end_time.hour - (1 if s.work_end_time.minute == 0 else 0)) for s in settings), default=19)
    return f"{min(first, 8)}-{max(last, 19)}"


class JobScheduler:
    def __init__(self, engine: Engine, uow: UnitOfWorkFactory, timezone: str,
                 reminder_minutes: str = "*/10") -> None:
        self.uow = uow
        self.tz = ZoneInfo(timezone)
        self.reminder_minutes = reminder_minutes
        self.scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)},
            job_defaults={"coalesce": True, "misfire_grace_time": MISFIRE_GRACE_SECONDS, "max_instances": 1},
            timezone=self.tz)

    @property
    def running(self) -> bool:
        return bool(self.scheduler.running)

    def start(self) -> None:
        self.scheduler.start()
        self.sync_jobs()
        log.info("scheduler started (leader): %s", ", ".join(j.id for j in self.scheduler.get_jobs()))

    def sync_jobs(self) -> None:
        """For each time zone the organisations are in: a reminders job in its office hours and one weekly-
        summary job per summary time its organisations use, firing in that zone (settings and organisations
        changed since are picked up here). The deployment's own zone keeps the plain job ids."""
        own = str(self.tz)
        reminders: dict[str, tuple[str | None, list[ScheduleSettings]]] = {}
        summaries: dict[str, tuple[str | None, ScheduleSettings]] = {}
        with self.uow() as uow:
            zones = uow.people.organisation_ids_by_timezone() or {own: []}
            for zone, org_ids in zones.items():
                key = None if zone == own else zone
                settings = [uow.schedule.settings(org_id) for org_id in org_ids]
                reminders[reminders_job_id(key)] = (key, settings)
                for one in settings:
                    summaries[summary_job_id(one, key)] = (key, one)
        for job in self.scheduler.get_jobs():
            if ((job.id.startswith(SUMMARY_JOB_PREFIX) and job.id not in summaries)
                    or (job.id.startswith(REMINDERS_JOB) and job.id not in reminders)):
                job.remove()
        for job_id, (job_zone, settings) in reminders.items():
            self.scheduler.add_job("scheduler.jobs:reminders", "cron", id=job_id, replace_existing=True,
                                   kwargs={"timezone": job_zone or own}, timezone=ZoneInfo(job_zone or own),
                                   day_of_week="mon-fri", hour=office_hours(settings), minute=self.reminder_minutes)
        existing = {job.id for job in self.scheduler.get_jobs()}
        for job_id, (job_zone, one) in summaries.items():
            if job_id in existing:
                continue
            clock = one.summary_clock
            self.scheduler.add_job("scheduler.jobs:weekly_summary", "cron", id=job_id, replace_existing=True,
                                   kwargs={"timezone": job_zone or own}, timezone=ZoneInfo(job_zone or own),
                                   day_of_week=CRON_DAYS[one.summary_weekday], hour=clock.hour,
                                   minute=clock.minute)

    def next_runs(self) -> dict[str, datetime | None]:
        return {job.id: job.next_run_time for job in self.scheduler.get_jobs()}

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
