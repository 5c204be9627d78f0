"""Tables of the measures plan: plans, measures and the units answering for them, reporting rounds and
the progress reports units send in each round (every report kept; an edit is a new version)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.clock import utcnow
from storage.models import Base, UtcDateTime


class Plan(Base):
    """A municipality's measure table for one fiscal year (re-importing updates it)."""

    __tablename__ = "plans"
    __table_args__ = (UniqueConstraint("org_id", "fiscal_year_be"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    fiscal_year_be: Mapped[int] = mapped_column(Integer)
    source_name: Mapped[str] = mapped_column(String(255), default="")
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Measure(Base):
    """One measure (มาตรการ) of a plan. `seq` is its place in the table: "ม.3" is seq 3. A measure that
    disappears from a re-imported plan is kept inactive, with its reports."""

    __tablename__ = "measures"
    __table_args__ = (Index("ix_measures_plan_active", "plan_id", "active", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    seq: Mapped[int] = mapped_column(Integer)
    match_key: Mapped[str] = mapped_column(String(64))  # what identifies it across re-imports
    issue_no: Mapped[int | None] = mapped_column(Integer, nullable=True)
    issue: Mapped[str] = mapped_column(Text, default="")
    title: Mapped[str] = mapped_column(Text)
    steps: Mapped[list[str]] = mapped_column(JSON, default=list)
    all_units: Mapped[bool] = mapped_column(default=False)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    ita_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    monitoring_rounds_months: Mapped[list[int]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class MeasureUnit(Base):
    """A unit answering for a measure (a measure for every unit has no rows: each unit reports)."""

    __tablename__ = "measure_units"

    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True, index=True)


class ReportingRound(Base):
    """A reporting round of a fiscal year: "รอบ ๖ เดือน" covers Oct–Mar and is due `due_date`."""

    __tablename__ = "reporting_rounds"
    __table_args__ = (UniqueConstraint("org_id", "fiscal_year_be", "months"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    fiscal_year_be: Mapped[int] = mapped_column(Integer)
    months: Mapped[int] = mapped_column(Integer)  # months since the fiscal year began at the round's end
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)


class ProgressReport(Base):
    """What a unit reported on a measure in a round. Never updated: an edit is version + 1."""

    __tablename__ = "progress_reports"
    __table_args__ = (
        UniqueConstraint("measure_id", "unit_id", "round_id", "version"),
        Index("ix_progress_reports_round", "round_id", "measure_id", "unit_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    round_id: Mapped[int] = mapped_column(ForeignKey("reporting_rounds.id"))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    percent: Mapped[int | None] = mapped_column(Integer, nullable=True)
    details: Mapped[str] = mapped_column(Text, default="")
    problems: Mapped[str] = mapped_column(Text, default="")
    reporter_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
