"""Office hours of a Thai municipality: weekdays that are not public or government holidays (the
`holidays` package's Thailand calendar), between the start and the end of the working day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

HOLIDAY_CATEGORIES = ("public", "government")


@lru_cache(maxsize=64)
def _thai_holidays(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("TH", years=year, categories=HOLIDAY_CATEGORIES, language="th"))


def holiday_name(day: date) -> str | None:
    return _thai_holidays(day.year).get(day)


@dataclass(frozen=True)
class WorkCalendar:
    """`next_working_moment` moves a moment at night, on a weekend or on a holiday to the next working
    morning; extra closed days (a local holiday) can be added."""

    tz: ZoneInfo
    day_start: time = time(8, 0)
    day_end: time = time(20, 0)
    closed_days: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.closed_days and holiday_name(day) is None

    def is_working_moment(self, moment: datetime) -> bool:
        local = moment.astimezone(self.tz)
        return self.is_working_day(local.date()) and self.day_start <= local.time() < self.day_end

    def next_working_day(self, day: date) -> date:
        """`day` itself when it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def morning_of(self, day: date) -> datetime:
        return datetime.combine(day, self.day_start, tzinfo=self.tz)

    def next_working_moment(self, moment: datetime) -> datetime:
        local = moment.astimezone(self.tz)
        if self.is_working_moment(local):
            return local
        day = local.date()
        if self.is_working_day(day) and local.time() < self.day_start:
            return self.morning_of(day)
        return self.morning_of(self.next_working_day(day + timedelta(days=1)))
