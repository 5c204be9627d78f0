"""Each organisation's scheduler settings (reminder policy, working hours, weekly summary time, round scheme)
and the service that changes a fiscal year's rounds without losing a report."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime, time
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, Text, delete, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from domain.reminders import ReminderPolicy
from domain.rounds import PLAN_SCHEME, ROUND_SCHEMES, RoundPeriod, current_round, round_periods, scheme_months
from storage.bulk import insert_rows, insert_rows_scoped
from storage.models import Organisation, OutboxMessage
from storage.plan_models import Measure, Plan, ProgressReport, ReportingRound
from storage.plans import PlanRepository
from storage.schedule_models import (
    QuotaNotice,
    ReminderPushDay,
    ReminderRecord,
    SchedulePolicy,
    WeeklySummaryRecord,
)

SCHEMES = (PLAN_SCHEME, *ROUND_SCHEMES)


class SettingError(ValueError):
    """A setting value that cannot be used; the message names the setting (for a Thai answer)."""

    def __init__(self, name: str, value: Any) -> None:
        super().__init__(f"{name}={value!r}")
        self.name = name
        self.value = value


@dataclass(frozen=True)
class ScheduleSettings:
    """The reminder policy (domain.reminders), the working hours reminders go out in, the weekly summary's
    day and time, and how a fiscal year is cut into rounds. Stored, shown and audited flat: `values()`."""

    reminders: ReminderPolicy = field(default_factory=ReminderPolicy)
    work_start: str = "08:00"
    work_end: str = "20:00"
    summary_weekday: int = 0
    summary_time: str = "08:30"
    round_scheme: str = PLAN_SCHEME
    round_due_days: int = 7

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> ScheduleSettings:
        """From every setting by its flat name (the reminder policy's fields and the others)."""
        own = [f.name for f in fields(cls) if f.name != "reminders"]
        return cls(ReminderPolicy(**{f.name: values[f.name] for f in fields(ReminderPolicy)}),
                   **{name: values[name] for name in own})

    def values(self) -> dict[str, Any]:
        """Every setting by its flat name: the reminder policy's first, then the others."""
        return {**asdict(self.reminders), **{f.name: getattr(self, f.name) for f in fields(self)
                                              if f.name != "reminders"}}

    @property
    def work_start_time(self) -> time:
        return parse_clock(self.work_start)

    @property
    def work_end_time(self) -> time:
        return parse_clock(self.work_end)

    @property
    def summary_clock(self) -> time:
        return parse_clock(self.summary_time)


EDITABLE = tuple(ScheduleSettings().values())  # days_before, on_due_day, … round_scheme, round_due_days


def parse_clock(value: str) -> time:
    hours, _, minutes = value.strip().replace(".", ":").partition(":")
    return time(int(hours), int(minutes or 0))


def _check(name: str, value: Any) -> Any:
    """Normalise one setting or raise SettingError."""
    try:
        if name == "days_before":
            days = tuple(sorted({abs(int(v)) for v in value if int(v)}, reverse=True))
            if any(d > 60 for d in days):
                raise ValueError
            return days
        if name in ("on_due_day", "escalate_to_admins"):
            if not isinstance(value, bool):
                raise ValueError
            return value
        if name in ("work_start", "work_end", "summary_time"):
            return parse_clock(str(value)).strftime("%H:%M")
        if name == "summary_weekday":
            if not 0 <= int(value) <= 6:
                raise ValueError
            return int(value)
        if name == "round_scheme":
            if value not in SCHEMES:
                raise ValueError
            return value
        number = int(value)
        limits = {"overdue_every_days": (0, 30), "overdue_max": (0, 20), "escalate_after_days": (1, 365),
                  "round_due_days": (0, 90)}
        low, high = limits[name]
        if not low <= number <= high:
            raise ValueError
        return number
    except (TypeError, ValueError, KeyError):
        raise SettingError(name, value) from None


def _settings_of(row: SchedulePolicy) -> ScheduleSettings:
    values = {name: getattr(row, name) for name in EDITABLE}
    values["days_before"] = tuple(values["days_before"] or ())
    return ScheduleSettings.from_values(values)


class ScheduleRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def settings(self, org_id: int) -> ScheduleSettings:
        row = self.session.get(SchedulePolicy, org_id)
        return ScheduleSettings() if row is None else _settings_of(row)

    def settings_of(self, org_ids: Iterable[int]) -> dict[int, ScheduleSettings]:
        """Several organisations' settings in one query (the defaults for one that changed none)."""
        ids = list(org_ids)
        found = {row.org_id: _settings_of(row)
                 for row in self.session.scalars(select(SchedulePolicy).where(SchedulePolicy.org_id.in_(ids)))}
        return {org_id: found.get(org_id) or ScheduleSettings() for org_id in ids}

    def update(self, org_id: int, now: datetime, **changes: Any) -> ScheduleSettings:
        """Change some settings (names in EDITABLE); raises SettingError naming a bad one."""
        checked = {}
        for name, value in changes.items():
            if name not in EDITABLE:
                raise SettingError(name, value)
            checked[name] = _check(name, value)
        merged = {**self.settings(org_id).values(), **checked}
        if parse_clock(merged["work_start"]) >= parse_clock(merged["work_end"]):
            raise SettingError("work_end", merged["work_end"])
        row = self.session.get(SchedulePolicy, org_id)
        if row is None:
            row = SchedulePolicy(org_id=org_id)
            self.session.add(row)
        for name, value in checked.items():
            setattr(row, name, list(value) if name == "days_before" else value)
        row.updated_at = now
        self.session.flush()
        return self.settings(org_id)

    def ensure_rounds(self, org_id: int, fiscal_year_be: int) -> list[ReportingRound]:
        """Create the year's missing rounds by the organisation's scheme (existing ones are kept)."""
        settings = self.settings(org_id)
        plan = self.session.scalar(select(Plan).where(Plan.org_id == org_id, Plan.fiscal_year_be == fiscal_year_be))
        months = scheme_months(settings.round_scheme, plan_round_months(self.session, plan.id) if plan else ())
        return PlanRepository(self.session).ensure_rounds(
            org_id, fiscal_year_be, round_periods(fiscal_year_be, months, settings.round_due_days))

    def set_rounds(self, org_id: int, fiscal_year_be: int, scheme: str, due_days: int) -> RoundChange:
        """Make a fiscal year's rounds follow a scheme (see `set_rounds`): what was kept, added, removed
        and how many reports moved to another round."""
        return set_rounds(self.session, org_id, fiscal_year_be, scheme, due_days)

    def all_org_ids_with_plans(self) -> list[int]:
        """The enabled organisations that have a plan (a disabled one gets no scheduled pushes)."""
        return list(self.session.scalars(
            select(Plan.org_id).join(Organisation, Organisation.id == Plan.org_id)
            .where(Organisation.disabled_at.is_(None)).distinct().order_by(Plan.org_id)))

    # -- what the reminder runs decided ----------------------------------------------------------------
    def stages_handled(self, org_id: int, round_ids: Iterable[int]) -> dict[tuple[int, int], Mapping[int, list[int]]]:
        """(unit id, round id) → measure id → the reminder stages already handled (sent, superseded, dropped
        or with nobody to push) in these rounds. Read only: the mappings may be shared."""
        return self._stages(ReminderRecord.org_id == org_id, ReminderRecord.round_id.in_(list(round_ids)))

    def stages_handled_in(self, round_ids: Iterable[int]) -> dict[tuple[int, int], Mapping[int, list[int]]]:
        """`stages_handled` for rounds of several organisations (round ids are unique across them), one query."""
        ids = list(round_ids)
        return self._stages(ReminderRecord.round_id.in_(ids)) if ids else {}

    def _stages(self, *conditions: Any) -> dict[tuple[int, int], Mapping[int, list[int]]]:
        # The units of an organisation mostly have records alike (the same measures, the same stages): each
        # distinct record is decoded once, read as its JSON text.
        decoded: dict[str, dict[int, list[int]]] = {}
        found: dict[tuple[int, int], Mapping[int, list[int]]] = {}
        merged: set[tuple[int, int]] = set()
        for unit_id, round_id, text in self.session.execute(
                select(ReminderRecord.unit_id, ReminderRecord.round_id, sql_cast(ReminderRecord.stages, Text))
                .where(*conditions)):
            stages = decoded.get(text)
            if stages is None:
                stages = decoded[text] = {int(m): list(handled) for m, handled in json.loads(text).items()}
            key = (unit_id, round_id)
            earlier = found.get(key)
            if earlier is None:
                found[key] = stages
                continue
            if key not in merged:  # a second record of the unit and round: its own copy, merged
                earlier = found[key] = {m: list(handled) for m, handled in earlier.items()}
                merged.add(key)
            own = cast(dict[int, list[int]], earlier)
            for measure_id, handled in stages.items():
                own.setdefault(measure_id, []).extend(handled)
        return found

    def members_pushed_on_days(self, days: Mapping[int, date]) -> set[int]:
        """`members_pushed_on` for several organisations, each on its own local day, in one query."""
        if not days:
            return set()
        return {member_id for org_id, member_id, day in self.session.execute(
            select(ReminderPushDay.org_id, ReminderPushDay.member_id, ReminderPushDay.day).where(
                ReminderPushDay.org_id.in_(list(days)), ReminderPushDay.day.in_(set(days.values()))))
            if days.get(org_id) == day}

    def record_reminders(self, rows: Sequence[dict[str, Any]]) -> None:
        """Reminder records (org_id, unit_id, round_id, outcome, stages, day, created_at), in one executemany."""
        insert_rows(self.session, cast(Table, ReminderRecord.__table__), rows)

    def queue_reminders(self, runs: Sequence[tuple[int, Sequence[dict[str, Any]], Sequence[dict[str, Any]],
                                                   Sequence[dict[str, Any]]]]) -> None:
        """Several organisations' reminder records, push days and outbox rows (`OutboxRepository.push_rows`),
        each organisation's under its own row-level security scope, in a statement per table and
        organisation sent together (storage/bulk.py)."""
        outbox = cast(Table, OutboxMessage.__table__)
        insert_rows_scoped(self.session, [
            batch for org_id, records, push_days, pushes in runs
            for batch in ((org_id, cast(Table, ReminderRecord.__table__), records),
                          (org_id, cast(Table, ReminderPushDay.__table__), push_days), (org_id, outbox, pushes))])

    def members_pushed_on(self, org_id: int, day: date) -> set[int]:
        """The members who already got their reminder push on this local day."""
        return set(self.session.scalars(select(ReminderPushDay.member_id).where(
            ReminderPushDay.org_id == org_id, ReminderPushDay.day == day)))

    def record_push_days(self, rows: Sequence[dict[str, Any]]) -> None:
        """Reminder pushes of a day (org_id, member_id, day, measures), in one executemany."""
        insert_rows(self.session, cast(Table, ReminderPushDay.__table__), rows)

    def record_quota_notice(self, org_id: int, month: str, level: str, now: datetime) -> bool:
        """Note that the administrators are told of a short quota at this level this month; False when they
        already were (nothing is written then)."""
        if self.session.scalar(select(QuotaNotice.id).where(QuotaNotice.org_id == org_id, QuotaNotice.month == month,
                                                            QuotaNotice.level == level)):
            return False
        self.session.add(QuotaNotice(org_id=org_id, month=month, level=level, created_at=now))
        return True

    # -- weekly summaries ----------------------------------------------------------------------------------
    def weekly_summary_sent(self, org_id: int, week_start: date) -> bool:
        return self.session.scalar(select(WeeklySummaryRecord.id).where(
            WeeklySummaryRecord.org_id == org_id, WeeklySummaryRecord.week_start == week_start)) is not None

    def record_weekly_summary(self, org_id: int, week_start: date, now: datetime, recipients: int) -> None:
        self.session.add(WeeklySummaryRecord(org_id=org_id, week_start=week_start, sent_at=now,
                                             recipients=recipients))


@dataclass(frozen=True)
class RoundChange:
    kept: int
    added: int
    removed: int
    reports_moved: int


def plan_round_months(session: Session, plan_id: int) -> list[int]:
    months: set[int] = set()
    for row in session.scalars(select(Measure.monitoring_rounds_months).where(Measure.plan_id == plan_id,
                                                                               Measure.active.is_(True))):
        months.update(row or ())
    return sorted(months)


def set_rounds(session: Session, org_id: int, fiscal_year_be: int, scheme: str, due_days: int) -> RoundChange:
    """Make a fiscal year's rounds follow a scheme. Rounds that stay keep their id (their span and due date
    may move). Every report of the year then belongs to the round it would have gone to had it been sent
    under the new scheme: the round whose period holds the day it was sent, or the one just closed while
    its report is not yet due (`current_round`, the rule a report sent today follows). Nothing is lost:
    reports only change round, and their versions are renumbered in the order they were sent."""
    plan = session.scalar(select(Plan).where(Plan.org_id == org_id, Plan.fiscal_year_be == fiscal_year_be))
    months = scheme_months(scheme, plan_round_months(session, plan.id) if plan else ())
    periods = round_periods(fiscal_year_be, months, due_days)
    existing = {r.months: r for r in session.scalars(select(ReportingRound).where(
        ReportingRound.org_id == org_id, ReportingRound.fiscal_year_be == fiscal_year_be))}
    wanted = {p.months: p for p in periods}
    kept = added = 0
    for p in periods:
        row = existing.get(p.months)
        if row is None:
            session.add(ReportingRound(org_id=org_id, fiscal_year_be=fiscal_year_be, months=p.months,
                                       start_date=p.start, end_date=p.end, due_date=p.due))
            added += 1
        else:
            row.start_date, row.end_date, row.due_date = p.start, p.end, p.due
            kept += 1
    session.flush()
    rounds = {r.months: r for r in session.scalars(select(ReportingRound).where(
        ReportingRound.org_id == org_id, ReportingRound.fiscal_year_be == fiscal_year_be))}
    org = session.get(Organisation, org_id)
    moved = _rebucket_reports(session, [r.id for r in existing.values()] + [r.id for r in rounds.values()],
                              {m: r.id for m, r in rounds.items()}, periods,
                              ZoneInfo(org.timezone if org else "Asia/Bangkok"))
    for old_months, old in existing.items():
        if old_months in wanted:
            continue
        # Reminders were about the old round's deadline: the new round's are decided afresh.
        session.execute(delete(ReminderRecord).where(ReminderRecord.round_id == old.id))
        session.delete(old)
    session.flush()
    return RoundChange(kept, added, len(existing) - kept, moved)


def _rebucket_reports(session: Session, round_ids: list[int], round_by_months: Mapping[int, int],
                      periods: list[RoundPeriod], tz: ZoneInfo) -> int:
    """Put each report of these rounds in the round its sending day belongs to; versions renumbered per
    (measure, unit, round) in the order sent. Returns how many reports changed round."""
    reports = list(session.scalars(select(ProgressReport).where(ProgressReport.round_id.in_(round_ids))
                                   .order_by(ProgressReport.created_at, ProgressReport.id)))
    counters: dict[tuple[int, int, int], int] = defaultdict(int)
    changes: list[tuple[int, int, int]] = []  # (report id, round id, version)
    moved = 0
    for report in reports:
        day = report.created_at.astimezone(tz).date()
        target = round_by_months[current_round(periods, day).months]  # type: ignore[union-attr]
        counters[(report.measure_id, report.unit_id, target)] += 1
        version = counters[(report.measure_id, report.unit_id, target)]
        if (report.round_id, report.version) != (target, version):
            changes.append((report.id, target, version))
            moved += report.round_id != target
    # Two steps, so that no (measure, unit, round, version) is ever held twice on the way.
    for report_id, _, _ in changes:
        session.execute(update(ProgressReport).where(ProgressReport.id == report_id).values(version=-report_id))
    for report_id, target, version in changes:
        session.execute(update(ProgressReport).where(ProgressReport.id == report_id)
                        .values(round_id=target, version=version))
    session.flush()
    return moved

