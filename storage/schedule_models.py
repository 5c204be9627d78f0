"""Tables of the scheduler: each organisation's reminder and round settings, what was reminded (so a
restart never sends a reminder twice nor skips one), the daily one-push-per-person mark and the weekly
summaries sent. APScheduler keeps its own `apscheduler_jobs` table, created by its job store."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.clock import utcnow
from storage.models import Base, UtcDateTime


class SchedulePolicy(Base):
    """An organisation's reminder policy, weekly summary time and round scheme (a missing row = defaults)."""

    __tablename__ = "schedule_policies"

    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    days_before: Mapped[list[int]] = mapped_column(JSON, default=lambda: [7, 3, 1])
    on_due_day: Mapped[bool] = mapped_column(default=True)
    overdue_every_days: Mapped[int] = mapped_column(Integer, default=3)
    overdue_max: Mapped[int] = mapped_column(Integer, default=5)
    escalate_after_days: Mapped[int] = mapped_column(Integer, default=7)
    escalate_to_admins: Mapped[bool] = mapped_column(default=False)
    work_start: Mapped[str] = mapped_column(String(5), default="08:00")
    work_end: Mapped[str] = mapped_column(String(5), default="20:00")
    summary_weekday: Mapped[int] = mapped_column(Integer, default=0)  # Monday
    summary_time: Mapped[str] = mapped_column(String(5), default="08:30")
    round_scheme: Mapped[str] = mapped_column(String(16), default="plan")  # plan|quarterly|six-monthly|...
    round_due_days: Mapped[int] = mapped_column(Integer, default=7)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ReminderRecord(Base):
    """What one reminder run decided for one unit in one round: per measure, the stages handled — sent,
    superseded by a later stage, dropped for the quota, or with nobody to push (no head, or every head
    blocked). A stage of an obligation appears once; runs of one organisation are serialised."""

    __tablename__ = "reminder_records"
    __table_args__ = (Index("ix_reminder_records_round", "org_id", "round_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    round_id: Mapped[int] = mapped_column(ForeignKey("reporting_rounds.id"))
    outcome: Mapped[str] = mapped_column(String(16))  # sent|superseded|dropped|no-recipient|blocked
    stages: Mapped[dict[str, list[int]]] = mapped_column(JSON)  # measure id → stages (days to the deadline)
    day: Mapped[date] = mapped_column(Date)  # the local day it was decided
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ReminderPushDay(Base):
    """A person got their reminder push on this local day: at most one a day."""

    __tablename__ = "reminder_push_days"
    __table_args__ = (UniqueConstraint("member_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    day: Mapped[date] = mapped_column(Date)
    measures: Mapped[int] = mapped_column(Integer, default=0)


class WeeklySummaryRecord(Base):
    """The weekly summary of a week (its Monday) went out to the administrators."""

    __tablename__ = "weekly_summaries"
    __table_args__ = (UniqueConstraint("org_id", "week_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    week_start: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    recipients: Mapped[int] = mapped_column(Integer, default=0)


class QuotaNotice(Base):
    """Administrators were told that the month's message quota is short (once per level per month)."""

    __tablename__ = "quota_notices"
    __table_args__ = (UniqueConstraint("org_id", "month", "level"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    month: Mapped[str] = mapped_column(String(7))  # 2024-03
    level: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
