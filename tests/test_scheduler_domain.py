"""Reminder stages, office hours and the quota projection, in pure terms (dates checked by hand against
the Thai calendar of 2024: Chakri Day in lieu on Mon 8 Apr, the Songkran bridge 12–16 Apr)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from domain.quota import quota_level
from domain.reminders import (
    ESCALATION_STAGE,
    ReminderPolicy,
    due_stage,
    escalation_due,
    obligation_deadline,
    send_day,
    stage_rank,
)
from domain.rounds import ROUND_SCHEMES, covering_round, round_periods, scheme_months
from domain.work_calendar import WorkCalendar, holiday_name

BKK = ZoneInfo("Asia/Bangkok")
CAL = WorkCalendar(BKK)
POLICY = ReminderPolicy()
DUE = date(2024, 4, 7)  # the six-month round of FY 2567: 31 Mar + 7 days, a Sunday


def test_default_stages() -> None:
    assert POLICY.stage_offsets() == [-7, -3, -1, 0, 3, 6, 9, 12, 15]
    assert ReminderPolicy(days_before=(14, 1), overdue_every_days=0).stage_offsets() == [-14, -1, 0]


def test_thai_holidays_and_office_hours() -> None:
    assert holiday_name(date(2024, 4, 8)) is not None  # Chakri Day in lieu
    assert holiday_name(date(2024, 4, 12)) is not None  # bridge holiday before Songkran
    assert not CAL.is_working_day(date(2024, 4, 13))
    assert CAL.is_working_day(date(2024, 4, 17))
    assert CAL.is_working_moment(datetime(2024, 4, 17, 8, 0, tzinfo=BKK))
    assert not CAL.is_working_moment(datetime(2024, 4, 17, 20, 0, tzinfo=BKK))
    assert not CAL.is_working_moment(datetime(2024, 4, 17, 7, 59, tzinfo=BKK))
    # a night, a weekend, a holiday run: the next working morning
    assert CAL.next_working_moment(datetime(2024, 4, 11, 21, 0, tzinfo=BKK)) == datetime(2024, 4, 17, 8, 0, tzinfo=BKK)
    assert CAL.next_working_moment(datetime(2024, 4, 17, 6, 0, tzinfo=BKK)) == datetime(2024, 4, 17, 8, 0, tzinfo=BKK)
    noon = datetime(2024, 4, 17, 12, 0, tzinfo=BKK)
    assert CAL.next_working_moment(noon) == noon
    assert WorkCalendar(BKK, time(9), time(16)).next_working_moment(
        datetime(2024, 4, 17, 16, 30, tzinfo=BKK)) == datetime(2024, 4, 18, 9, 0, tzinfo=BKK)


def test_stage_days_move_past_weekends_and_holidays() -> None:
    days = {o: send_day(DUE, o, CAL) for o in POLICY.stage_offsets()}
    assert days == {-7: date(2024, 4, 1), -3: date(2024, 4, 4), -1: date(2024, 4, 9), 0: date(2024, 4, 9),
                    3: date(2024, 4, 10), 6: date(2024, 4, 17), 9: date(2024, 4, 17), 12: date(2024, 4, 19),
                    15: date(2024, 4, 22)}


def _simulate(days: list[date]) -> list[tuple[date, int, tuple[int, ...]]]:
    done: list[int] = []
    sent = []
    for day in days:
        decision = due_stage(DUE, day, done, POLICY, CAL)
        if decision.send is not None:
            sent.append((day, decision.send, decision.superseded))
            done += [decision.send, *decision.superseded]
    return sent


def test_each_stage_once_the_latest_when_several_fall_together() -> None:
    every_day = [date(2024, 3, 20 + i) for i in range(12)] + [date(2024, 4, d) for d in range(1, 30)]
    assert _simulate(every_day) == [
        (date(2024, 4, 1), -7, ()), (date(2024, 4, 4), -3, ()), (date(2024, 4, 9), 0, (-1,)),
        (date(2024, 4, 10), 3, ()), (date(2024, 4, 17), 9, (6,)), (date(2024, 4, 19), 12, ()),
        (date(2024, 4, 22), 15, ())]


def test_a_worker_down_for_days_sends_one_reminder_not_a_backlog() -> None:
    assert _simulate([date(2024, 3, 25), date(2024, 4, 10), date(2024, 4, 30)]) == [
        (date(2024, 4, 10), 3, (-7, -3, -1, 0)), (date(2024, 4, 30), 15, (6, 9, 12))]


def test_nothing_goes_backwards_and_nothing_after_the_last_stage() -> None:
    assert due_stage(DUE, date(2024, 4, 4), [3], POLICY, CAL).send is None
    assert due_stage(DUE, date(2024, 6, 1), [15], POLICY, CAL).send is None
    assert due_stage(DUE, date(2024, 6, 1), [15, ESCALATION_STAGE], POLICY, CAL).send is None


def test_escalation_after_the_threshold_once_and_only_when_asked() -> None:
    on = ReminderPolicy(escalate_to_admins=True)
    assert not escalation_due(DUE, date(2024, 4, 13), [], on)
    assert escalation_due(DUE, date(2024, 4, 14), [], on)
    assert not escalation_due(DUE, date(2024, 4, 20), [ESCALATION_STAGE], on)
    assert not escalation_due(DUE, date(2024, 4, 20), [], POLICY)


def test_obligation_deadline_from_round_and_measure_period() -> None:
    start, end, due = date(2023, 10, 1), date(2024, 3, 31), date(2024, 4, 7)
    assert obligation_deadline(start, end, due, date(2023, 10, 1), date(2024, 9, 30)) == due
    assert obligation_deadline(start, end, due, date(2023, 10, 1), date(2023, 12, 31)) == date(2024, 1, 7)
    assert obligation_deadline(start, end, due, date(2024, 5, 1), date(2024, 9, 30)) is None
    assert obligation_deadline(start, end, due, date(2023, 1, 1), date(2023, 9, 30)) is None


def test_round_schemes() -> None:
    assert [p.end for p in round_periods(2567, ROUND_SCHEMES["quarterly"])] == [
        date(2023, 12, 31), date(2024, 3, 31), date(2024, 6, 30), date(2024, 9, 30)]
    assert len(round_periods(2567, scheme_months("monthly"))) == 12
    assert scheme_months("plan", [6, 12, 6]) == (6, 12)
    assert scheme_months("plan", []) == (6, 12)
    with pytest.raises(ValueError):
        scheme_months("weekly")


def test_quota_projection_levels() -> None:
    mid = date(2024, 4, 15)
    assert quota_level(None, 10_000, 0, 100, mid).name == "ok"
    assert quota_level(1000, 100, 0, 10, mid).name == "ok"
    tight = quota_level(1000, 480, 0, 10, mid)  # ~32/day for 30 days is ~970: over 90%
    assert tight.name == "tight" and tight.drops(stage_rank(-7, POLICY)) and tight.drops(stage_rank(9, POLICY))
    assert not tight.drops(stage_rank(-1, POLICY)) and not tight.drops(stage_rank(0, POLICY))
    critical = quota_level(1000, 990, 5, 10, mid)
    assert critical.name == "critical" and critical.drops(stage_rank(-1, POLICY))
    assert not critical.drops(stage_rank(0, POLICY)) and not critical.drops(stage_rank(3, POLICY))


def test_the_round_covering_a_day_is_the_last_after_the_rounds_end() -> None:
    six_only = round_periods(2567, scheme_months("plan", [6]))
    assert [p.end for p in six_only] == [date(2024, 3, 31)]
    assert covering_round(six_only, date(2023, 12, 31)).months == 6
    assert covering_round(six_only, date(2024, 9, 30)).months == 6  # after the plan's last round
    quarterly = round_periods(2567, ROUND_SCHEMES["quarterly"])
    assert [covering_round(quarterly, d).months for d in (date(2023, 10, 1), date(2024, 3, 31), date(2024, 4, 1))] \
        == [3, 6, 9]
