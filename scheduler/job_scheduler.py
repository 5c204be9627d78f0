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


def summary_job_id(settings: ScheduleSettings) -> str:
    return f"{SUMMARY_JOB_PREFIX}{settings.summary_weekday}-{settings.summary_time.replace(':', '')}"


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
        """The reminders job, and one weekly-summary job per summary time the organisations use
        (settings changed since are picked up here)."""
        self.scheduler.add_job("scheduler.jobs:reminders", "cron", id=REMINDERS_JOB, replace_existing=True,
                               day_of_week="mon-fri", hour="8-19", minute=self.reminder_minutes)
        wanted: dict[str, ScheduleSettings] = {}
        with self.uow() as uow:
            for org_id in uow.people.organisation_ids():
                settings = uow.schedule.settings(org_id)
                wanted[summary_job_id(settings)] = settings
        for job in self.scheduler.get_jobs():
            if job.id.startswith(SUMMARY_JOB_PREFIX) and job.id not in wanted:
                job.remove()
        existing = {job.id for job in self.scheduler.get_jobs()}
        for job_id, settings in wanted.items():
            if job_id in existing:
                continue
            clock = settings.summary_clock
            self.scheduler.add_job("scheduler.jobs:weekly_summary", "cron", id=job_id, replace_existing=True,
                                   day_of_week=CRON_DAYS[settings.summary_weekday], hour=clock.hour,
                                   minute=clock.minute)

    def next_runs(self) -> dict[str, datetime | None]:
        return {job.id: job.next_run_time for job in self.scheduler.get_jobs()}

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
