"""What the administrators' weekly summary says, gathered from the database: progress of the current
round overall and per issue, units overdue, units silent, units nobody can be reminded in, complaint
counts (never who or what) and the message quota."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from domain.complaints.workflow import DeadlinePolicy
from domain.fiscal import fiscal_year_of
from domain.reminders import obligation_deadline
from storage.progress_overview import RoundOverview, round_overview
from storage.uow import UnitOfWork
from views.weekly_summary import ComplaintCounts, IssueProgress, WeeklyDigest


def _percent(reported: int, expected: int) -> int:
    return round(100 * reported / expected) if expected else 0


def gather(uow: UnitOfWork, org_id: int, org_name: str, now: datetime, today: date,
           deadlines: DeadlinePolicy, months: int | None = None) -> WeeklyDigest:
    """The digest of the current round, or of the current plan's round of `months` when there is one."""
    settings = uow.schedule.settings(org_id)
    threshold = settings.reminders.escalate_after_days
    digest = WeeklyDigest(org_name, today, None, overdue_threshold_days=threshold)
    plan = uow.plans.current_plan(org_id, fiscal_year_of(today))
    if plan is not None:
        uow.schedule.ensure_rounds(org_id, plan.fiscal_year_be)
        chosen = [r for r in uow.plans.rounds(org_id, plan.fiscal_year_be) if r.months == months] if months else []
        rnd = chosen[0] if chosen else uow.plans.round_for(org_id, plan.fiscal_year_be, today)
        if rnd is not None:
            _progress(uow, org_id, digest, round_overview(uow, org_id, plan, rnd, today), today, threshold)
    digest.complaints = _complaints(uow, org_id, now, deadlines)
    snapshot = uow.outbox.quota(org_id)
    if snapshot is not None:
        digest.quota_limit, digest.quota_used = snapshot.quota_limit, snapshot.total_usage
    return digest


def _progress(uow: UnitOfWork, org_id: int, digest: WeeklyDigest, overview: RoundOverview, today: date,
              threshold: int) -> None:
    digest.overview = overview
    rnd = overview.round
    by_issue: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
    units_expected: dict[int, str] = {}
    answered: set[int] = set()
    late: dict[str, int] = defaultdict(int)
    long_late: dict[str, int] = defaultdict(int)
    for row in overview.measures:
        tally = by_issue[row.measure.issue_no]
        tally[0] += row.reported
        tally[1] += row.expected
        deadline = obligation_deadline(rnd.start_date, rnd.end_date, rnd.due_date, row.measure.start_date,
                                       row.measure.end_date) or rnd.due_date
        for unit in row.expected_units:
            units_expected[unit.id] = unit.name
            if unit.id in row.reports:
                answered.add(unit.id)
            elif today > deadline:
                late[unit.name] += 1
                if (today - deadline).days >= threshold:
                    long_late[unit.name] += 1
    for name, days_late in _earlier_rounds_unreported(uow, org_id, overview, today):
        late[name] += 1
        if days_late >= threshold:
            long_late[name] += 1
    digest.issues = [IssueProgress(no, r, e) for no, (r, e) in sorted(by_issue.items(), key=lambda kv: (kv[0] is None,
                                                                                                          kv[0] or 0))]
    digest.late, digest.long_overdue = dict(late), dict(long_late)
    reported_units = uow.plans.units_reported_in_round(rnd.id)
    digest.silent = sorted(name for uid, name in units_expected.items() if uid not in reported_units | answered)
    heads = uow.people.head_blocked_flags_by_unit(org_id)
    digest.blocked = sorted(n for uid, n in units_expected.items() if heads.get(uid) and all(heads[uid]))
    digest.no_head = sorted(n for uid, n in units_expected.items() if not heads.get(uid))


def _earlier_rounds_unreported(uow: UnitOfWork, org_id: int, overview: RoundOverview, today: date
                               ) -> list[tuple[str, int]]:
    """(unit, days late) for each measure of an earlier round of the year a unit never reported, neither
    in that round nor since (a late report goes to the round it is sent in)."""
    plan, current = overview.plan, overview.round
    earlier = [r for r in uow.plans.rounds(org_id, plan.fiscal_year_be) if r.months < current.months]
    if not earlier:
        return []
    reported = uow.plans.last_round_reported(org_id, plan.fiscal_year_be)
    found = []
    for rnd in earlier:
        for row in overview.measures:
            deadline = obligation_deadline(rnd.start_date, rnd.end_date, rnd.due_date, row.measure.start_date,
                                           row.measure.end_date)
            if deadline is None or today <= deadline:
                continue
            for unit in row.expected_units:
                if reported.get((row.measure.id, unit.id), 0) < rnd.months:
                    found.append((unit.name, (today - deadline).days))
    return found


def _complaints(uow: UnitOfWork, org_id: int, now: datetime, policy: DeadlinePolicy) -> ComplaintCounts:
    week_ago = now - timedelta(days=7)
    new = uow.complaints.count_received_since(org_id, week_ago)
    open_count = soon = late = 0
    for received, first, feedback, closed in uow.complaints.open_deadline_times(org_id):
        open_count += 1
        deadlines = policy.deadlines(received, first_answer_at=first, last_feedback_at=feedback, closed_at=closed)
        if deadlines.overdue(now):
            late += 1
        elif deadlines.due_soon(now):
            soon += 1
    return ComplaintCounts(new, open_count, soon, late)
