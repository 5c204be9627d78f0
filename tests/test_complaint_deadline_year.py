"""A year of complaint deadline notices with five complaints a month nobody handles, the clock frozen at
slots across every day (nights, weekends, holidays included): a missed deadline is recorded when it passes,
but the officer is told only in office hours on working days, in at most one push a day, and every
deadline recorded is told exactly once (nothing lost, nothing repeated). In process, real database."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from domain.work_calendar import WorkCalendar, holiday_name
from tests.support.botcli import bind
from tests.support.chat import pushes_to
from tests.support.complaints import complaints, file_complaint
from tests.support.inprocess import ChatBot
from texts.chat import COMPLAINT_DEADLINE_NAMES
from usecases.complaint_deadlines import check_deadlines

pytestmark = pytest.mark.long

BKK = ZoneInfo("Asia/Bangkok")
CAL = WorkCalendar(BKK)
OFFICER = "U" + "e5" * 16
FIRST, LAST = date(2023, 10, 1), date(2024, 9, 30)
SLOTS = (time(0, 30), time(7, 30), time(8, 10), time(11, 0), time(13, 0), time(17, 0), time(21, 0))
FILED_AT = (time(9, 15), time(22, 40), time(14, 5), time(6, 50), time(19, 30))  # some at night
ITEM = re.compile(r"^(⚠️|⏰) เรื่องร้องเรียน #(\d+) \(.*?\) (?:เลยกำหนด|ใกล้ครบกำหนด)(\S+?)(?:แล้ว)? ?[:(]", re.M)


def citizen(i: int) -> str:
    return f"U{i:032x}"


def filing_moments() -> list[datetime]:
    """Five a month, on days that fall on weekdays and weekends alike."""
    moments = []
    month = FIRST.replace(day=1)
    while month <= LAST:
        for n, (day, at) in enumerate(zip((2, 8, 13, 20, 26), FILED_AT, strict=True)):
            moments.append(datetime.combine(month.replace(day=day), at, tzinfo=BKK) + timedelta(minutes=n))
        month = (month + timedelta(days=32)).replace(day=1)
    return moments


def test_a_year_of_deadline_notices_in_office_hours_one_push_a_day_none_lost(chat_bot: ChatBot) -> None:
    bot = chat_bot
    with time_machine.travel(datetime.combine(FIRST, time(9), tzinfo=BKK) - timedelta(days=1), tick=False):
        bind(bot, OFFICER, "officer")
    to_file = filing_moments()
    pushes: list[tuple[datetime, str]] = []  # (when queued, text) of every deadline push to the officer
    seen = 0
    filed = 0
    recorded_at: dict[tuple[int, str, str], datetime] = {}
    day = FIRST
    last = LAST + timedelta(days=120)  # past the last complaint's deadlines, so every one is due and told
    while day <= last:
        for slot in SLOTS:
            moment = datetime.combine(day, slot, tzinfo=BKK)
            while to_file and to_file[0] <= moment:
                with time_machine.travel(to_file[0], tick=False):
                    file_complaint(bot, citizen(filed), mode="anonymous")
                filed += 1
                to_file.pop(0)
            with time_machine.travel(moment, tick=False):
                run = check_deadlines(bot.services.uow, bot.services.complaints, moment)
                if run.pushes:
                    bot.deliver()
            texts = [t for t in pushes_to(bot, OFFICER) if "แจ้งกำหนดเวลาเรื่องร้องเรียน" in t]
            pushes += [(moment, t) for t in texts[seen:]]
            seen = len(texts)
            if run.reminded or run.missed:
                for c in complaints(bot):
                    for column in ("missed", "reminded"):
                        for key in c.__dict__[column]:
                            recorded_at.setdefault((c.id, column, key), moment)
        day += timedelta(days=1)

    assert filed == 60
    # never at night, on a weekend or a holiday; at most one push a day
    assert all(CAL.is_working_moment(at) for at, _ in pushes), [at for at, _ in pushes
                                                                  if not CAL.is_working_moment(at)]
    per_day = Counter(at.date() for at, _ in pushes)
    assert max(per_day.values()) == 1
    # missed deadlines were recorded on weekends and holidays too: the notice waited
    assert any(not CAL.is_working_day(at.date()) for at in recorded_at.values())
    assert any(holiday_name(at.date()) for at in recorded_at.values())
    # every recorded deadline told exactly once, none left waiting
    told = Counter((int(m[2]), "missed" if m[1] == "⚠️" else "reminded", m[3])
                   for _, t in pushes for m in ITEM.finditer(t))
    assert "และอีก" not in "".join(t for _, t in pushes)  # every item is listed (no day over the cap)
    assert max(told.values()) == 1
    final = {c.id: c for c in complaints(bot)}
    for c in final.values():
        for column in ("missed", "reminded"):
            assert all(mark["told"] for mark in c.__dict__[column].values())  # none left waiting
    # a reminder that waited past its deadline gives way to the missed notice of that very deadline
    stale = {(cid, column, key) for cid, column, key in recorded_at if final[cid].__dict__[column][key].get("stale")}
    assert all(column == "reminded" and key in final[cid].missed for cid, column, key in stale)
    assert sum(told.values()) == len(recorded_at) - len(stale)
    expected = Counter((cid, column, key.partition("@")[0]) for cid, column, key in recorded_at.keys() - stale)
    names = {v: k for k, v in COMPLAINT_DEADLINE_NAMES.items()}
    assert Counter((cid, column, names[name]) for (cid, column, name) in told.elements()) == expected
    missed_told = sum(1 for _, column, _ in told if column == "missed")
    assert missed_told == sum(1 for _, column, _ in recorded_at if column == "missed")  # every missed one
    bundled = sum(1 for _, t in pushes if len(ITEM.findall(t)) > 1)
    print(f"\n{len(recorded_at)} deadline notices recorded ({len(stale)} reminders gave way to the missed "
          f"notice), {sum(told.values())} told in {len(pushes)} pushes on {len(per_day)} days "
          f"({bundled} bundles of several); recorded off office days: "
          f"{sum(1 for at in recorded_at.values() if not CAL.is_working_day(at.date()))}")
