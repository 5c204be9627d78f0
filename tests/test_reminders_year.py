"""A whole fiscal year of reminders with the clock frozen at every working slot of every day: each due
reminder is sent once, never at night, on a weekend or a holiday, at most one push per person per day,
nothing about a measure after the unit reported it; a worker restart (even between planning and
delivery) changes nothing. Runs on SQLite and PostgreSQL, in process (tests/support/inprocess.py: the real
outbox sender, the fake platform's rules for retry keys without HTTP)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from domain.reminders import ReminderPolicy, obligation_deadline, send_day
from domain.work_calendar import WorkCalendar
from storage.models import Member, OutboxMessage, Priority
from storage.plan_models import Measure, ReportingRound
from storage.schedule_models import ReminderRecord
from tests.support.botcli import bind, run_cli
from tests.support.inprocess import ChatBot
from tests.support.plans import load_plan, measure
from usecases.reminder_run import run_reminders
from usecases.weekly_summary_run import send_weekly_summaries
from views.reminder_flex import REMINDER_PAYLOAD

pytestmark = pytest.mark.long  # run first (tests/conftest.py)

BKK = ZoneInfo("Asia/Bangkok")
YEAR = 2567  # 1 Oct 2023 – 30 Sep 2024
CAL = WorkCalendar(BKK)
HEADS = {"สำนักปลัดเทศบาล": "U" + "a1" * 16, "กองคลัง": "U" + "b2" * 16, "กองช่าง": "U" + "c3" * 16}
ADMIN = "U" + "d4" * 16
SLOTS = (time(7, 30), time(8, 10), time(13, 0), time(21, 0))
REPORT_AT = datetime(2024, 4, 2, 10, 30, tzinfo=BKK)  # สำนักปลัด reports ม.1 after the 7-day notice


def plan_measures() -> list:
    return [
        measure("มาตรการเผยแพร่ข้อมูลต่อสาธารณะ", ["สำนักปลัดเทศบาล"], fiscal_year_be=YEAR),
        measure("มาตรการจัดการเรื่องร้องเรียนการทุจริต", [], all_units=True, fiscal_year_be=YEAR),
        measure("มาตรการเปิดเผยการจัดซื้อจัดจ้าง", ["กองคลัง"], issue_no=5, fiscal_year_be=YEAR),
        # a measure whose period ends inside the first round: due 7 days after it ends
        measure("มาตรการซ่อมแซมถนนก่อนปีใหม่", ["กองช่าง"], issue_no=2, fiscal_year_be=YEAR,
                start=date(2023, 10, 1), end=date(2023, 12, 31)),
    ]


@pytest.fixture
def year_bot(start_chat_bot: Callable[..., ChatBot]) -> Iterator[ChatBot]:
    bot = start_chat_bot()
    load_plan(bot.services.uow, bot.org_id, plan_measures(), YEAR)
    for unit, user in HEADS.items():
        bind(bot, user, "head", unit)
    bind(bot, ADMIN, "admin")
    bot.fake.reset()
    yield bot


def run_days(bot: ChatBot, first: date, last: date, stop_after_planning: date | None = None) -> None:
    """Every slot of every day: plan, then deliver (as the worker would: the reminders job wakes the
    delivery threads when it queued something, scheduler/jobs.py; anything else is sent at the end)."""
    day = first
    while day <= last:
        for slot in SLOTS:
            moment = datetime.combine(day, slot, tzinfo=BKK)
            with time_machine.travel(moment, tick=False):
                run = run_reminders(bot.services.uow, moment)
                summaries = send_weekly_summaries(bot.services.uow, bot.services.complaints.policy, moment)
                if run.pushes and day == stop_after_planning:
                    return  # the worker dies before delivering what it planned
                if run.pushes or run.escalations or summaries:
                    bot.deliver()
        day += timedelta(days=1)
    bot.deliver()


def report(bot: ChatBot, user: str, text: str, at: datetime) -> None:
    with time_machine.travel(at, tick=False):
        for said in (text, "ยืนยัน"):  # a shortcut is shown to confirm before it is saved
            bot.fake.send_text(user, said)
            bot.worker_pass()
            bot.worker_pass()


def reminder_rows(bot: ChatBot) -> list[OutboxMessage]:
    with bot.services.uow() as uow:
        return list(uow.session.scalars(select(OutboxMessage).where(
            OutboxMessage.priority == int(Priority.REMINDER)).order_by(OutboxMessage.id)))


def measures_in(message: dict) -> set[int]:
    """The measure ids a reminder's buttons point at (a queued reminder payload: the measures it names)."""
    if message.get("type") == REMINDER_PAYLOAD:
        return {int(item[0]) for item in message["items"]}
    found: set[int] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            data = node.get("data")
            if isinstance(data, str) and data.startswith("report:pick:"):
                found.add(int(data.rsplit(":", 1)[1]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(message)
    return found


def expected_days(deadline: date, policy: ReminderPolicy, until: date | None = None) -> list[date]:
    days = sorted({send_day(deadline, o, CAL) for o in policy.stage_offsets()})
    return [d for d in days if until is None or d <= until]


def check_year(bot: ChatBot) -> None:
    with bot.services.uow() as uow:
        members = {m.line_user_id: m for m in uow.session.scalars(select(Member))}
        measure_ids = {m.title: m.id for m in uow.session.scalars(select(Measure))}
        rounds = list(uow.session.scalars(select(ReportingRound).order_by(ReportingRound.months)))
        records = list(uow.session.scalars(select(ReminderRecord)))
    rows = reminder_rows(bot)
    assert rows, "no reminder was sent in a whole year"
    # never at night, on a weekend or a holiday; at most one push per person per day
    per_day: Counter[tuple[str, date]] = Counter()
    for row in rows:
        assert CAL.is_working_moment(row.created_at), row.created_at
        per_day[(row.recipients[0], row.created_at.astimezone(BKK).date())] += 1
    assert max(per_day.values()) == 1
    # every push delivered exactly once, with its retry key
    counts = bot.fake.count_by_retry_key()
    assert all(counts.get(row.retry_key) == 1 for row in rows)
    # each stage of each obligation once, all of them over the year for units that never reported
    stages = defaultdict(set)
    for r in records:
        for measure_id, handled in r.stages.items():
            assert not stages[(int(measure_id), r.unit_id, r.round_id)] & set(handled), "a stage decided twice"
            stages[(int(measure_id), r.unit_id, r.round_id)].update(handled)
    policy = ReminderPolicy()
    full = set(policy.stage_offsets())
    finance = members[HEADS["กองคลัง"]].unit_id
    for rnd in rounds:
        assert stages[(measure_ids["มาตรการเปิดเผยการจัดซื้อจัดจ้าง"], finance, rnd.id)] == full
    # the exact days กองคลัง's head was reminded in the six-month round (due Sun 7 Apr 2024), and in the
    # first round of the road measure for กองช่าง (due 7 days after 31 Dec)
    first = rounds[0]
    days_finance = sorted(row.created_at.astimezone(BKK).date() for row in rows
                          if row.recipients == [HEADS["กองคลัง"]]
                          and row.created_at.date() <= first.due_date + timedelta(days=30))
    assert days_finance == expected_days(first.due_date, policy)
    road = measure_ids["มาตรการซ่อมแซมถนนก่อนปีใหม่"]
    road_deadline = obligation_deadline(first.start_date, first.end_date, first.due_date, date(2023, 10, 1),
                                        date(2023, 12, 31))
    assert road_deadline == date(2024, 1, 7)
    days_road = sorted(row.created_at.astimezone(BKK).date() for row in rows
                       if row.recipients == [HEADS["กองช่าง"]] and road in measures_in(row.messages[0]))
    assert days_road[:len(expected_days(road_deadline, policy))] == expected_days(road_deadline, policy)
    # nothing about ม.1 to สำนักปลัด after it reported
    publish = measure_ids["มาตรการเผยแพร่ข้อมูลต่อสาธารณะ"]
    office_rows = [row for row in rows if row.recipients == [HEADS["สำนักปลัดเทศบาล"]]]
    assert any(publish in measures_in(row.messages[0]) and row.created_at < REPORT_AT for row in office_rows)
    assert not any(publish in measures_in(row.messages[0]) and row.created_at > REPORT_AT
                   and row.created_at.date() <= first.due_date + timedelta(days=60) for row in office_rows)
    # ... and the next round asks again
    assert any(publish in measures_in(row.messages[0]) and row.created_at.date() > rounds[1].end_date - timedelta(days=14)
               for row in office_rows)
    # units with measures and no head bound are recorded, never pushed
    assert any(r.outcome == "no-recipient" for r in records)


def test_a_whole_year_of_reminders(year_bot: ChatBot) -> None:
    bot = year_bot
    run_days(bot, date(2023, 9, 20), REPORT_AT.date() - timedelta(days=1))
    report(bot, HEADS["สำนักปลัดเทศบาล"], "รายงาน ม.1 เสร็จแล้ว 100% เผยแพร่ข้อมูลครบถ้วนแล้ว", REPORT_AT)
    run_days(bot, REPORT_AT.date(), date(2024, 10, 31))
    check_year(bot)
    # weekly summaries: one a week to the admin, on working Mondays at 08:30 or the next working morning
    summaries = [d for d in bot.fake.deliveries("push", ADMIN)
                 if d.messages[0].get("altText", "").startswith("สรุปประจำสัปดาห์")]
    weeks = {datetime.fromtimestamp(d.at, BKK).date().isocalendar()[:2] for d in summaries}
    assert len(weeks) == len(summaries) >= 50


def test_a_worker_restart_mid_year_changes_nothing(year_bot: ChatBot, start_chat_bot: Callable[..., ChatBot]
                                                   ) -> None:
    bot = year_bot
    run_days(bot, date(2023, 9, 20), REPORT_AT.date() - timedelta(days=1))
    report(bot, HEADS["สำนักปลัดเทศบาล"], "รายงาน ม.1 เสร็จแล้ว 100% เผยแพร่ข้อมูลครบถ้วนแล้ว", REPORT_AT)
    # the worker dies on 9 Apr after queuing the day's reminders and before sending them
    run_days(bot, REPORT_AT.date(), date(2024, 4, 9), stop_after_planning=date(2024, 4, 9))
    bot.stop()
    fake = bot.fake
    bot = start_chat_bot(platform=fake)
    assert bot.fake is fake
    run_days(bot, date(2024, 4, 9), date(2024, 10, 31))
    check_year(bot)


def test_reminders_cli_and_rounds_cli(year_bot: ChatBot) -> None:
    bot = year_bot
    output = run_cli(bot, "reminders", "run", "--at", "2024-04-01T09:00+07:00")
    assert "เตือนแล้ว 3 คน" in output
    assert "เตือนแล้ว 0 คน" in run_cli(bot, "reminders", "run", "--at", "2024-04-01T10:00+07:00")  # once a day
    assert "เตือนแล้ว 0 คน" in run_cli(bot, "reminders", "run", "--at", "2024-04-06T09:00+07:00")  # Saturday
    run_cli(bot, "reminders", "set", "--days-before", "10,2", "--summary-time", "09:15")
    shown = run_cli(bot, "reminders", "show", "--json")
    assert '"days_before": [\n    10,\n    2\n  ]' in shown and '"summary_time": "09:15"' in shown
    assert "ค่าไม่ถูกต้อง" in run_cli(bot, "reminders", "set", "--overdue-every", "99", expect_exit=1)
    output = run_cli(bot, "rounds", "set", "--fiscal-year", str(YEAR), "--scheme", "quarterly", "--due-days", "10")
    assert "รายไตรมาส" in output and output.count("•") == 4
    with bot.services.uow() as uow:
        due = [r.due_date for r in uow.plans.rounds(bot.org_id, YEAR)]
    assert due == [date(2024, 1, 10), date(2024, 4, 10), date(2024, 7, 10), date(2024, 10, 10)]
