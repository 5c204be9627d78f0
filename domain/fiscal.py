"""Thai fiscal years and the periods written in measure tables ("ต.ค.๖๖ - ก.ย.๖๗", "ปีงบประมาณ 2567"...).

Fiscal year N (BE) runs 1 October (N-544) CE to 30 September (N-543) CE. Years are read as BE when
written with 4 digits from 2400 on or with 2 digits, as CE when written 1900-2399.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo

from domain.digits import MONTHS_FULL, MONTHS_SHORT
from domain.thai_text import normalise

BE_OFFSET = 543  # also in domain.digits

_THAI_LETTER = "\u0e01-\u0e2e\u0e30-\u0e3a\u0e40-\u0e4e"


def _short_pattern(abbr: str) -> str:
    """"มี.ค." also matches "มี.ค", "มีค.", "มี. ค." and, away from other Thai letters, "มีค"."""
    first, second = abbr.rstrip(".").split(".")
    return rf"(?<![{_THAI_LETTER}]){first}\.?\s?{second}(?:\.|(?![{_THAI_LETTER}]))"


_MONTH_REGEX = "|".join(
    [f"(?P<m{i + 1}>{name})" for i, name in enumerate(MONTHS_FULL)]
    + [f"(?P<s{i + 1}>{_short_pattern(abbr)})" for i, abbr in enumerate(MONTHS_SHORT)]
)
_ERA = r"(?:(?:พ\.?\s?ศ\.?|ค\.?\s?ศ\.?)\s*)?"
_DATE_TOKEN = re.compile(
    rf"(?:(?<!\d)(?P<day>\d{{1,2}})\s*)?(?:เดือน\s*)?(?:{_MONTH_REGEX})\s*(?:{_ERA}(?P<year>\d{{4}}|\d{{2}})(?!\d))?"
)
_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?!\d)")
_QUARTER = re.compile(r"ไตรมาส\s*(?:ที่)?\s*([1-4])(?:\s*(?:-|–|ถึง|และ|,)\s*(?:ไตรมาส\s*(?:ที่)?\s*)?([1-4]))?")
_YEARS = re.compile(
    r"(?P<kw>ปีงบประมาณ|ปีงบ\.?|ปี|พ\.?\s?ศ\.?)?\s*(?:พ\.?\s?ศ\.?)?\s*(?<!\d)(?P<first>\d{4}|\d{2})(?!\d)"
    r"(?:\s*(?:-|–|—|ถึง)\s*(?:ปีงบประมาณ|ปี)?\s*(?:พ\.?\s?ศ\.?)?\s*(?P<last>\d{4}|\d{2})(?!\d))?"
)
_WHOLE_YEAR_WORDS = ("ปีงบประมาณ", "ตลอดปี", "ทั้งปี", "ตลอดทั้งปี", "ต่อเนื่อง", "ตลอดระยะเวลา", "ทุกเดือน",
                     "รายเดือน", "ทุกไตรมาส", "รายไตรมาส")
_BY = re.compile(r"ภายใน|ก่อน|ไม่เกิน|ไม่เกินกว่า")  # "ภายใน ๓๐ ก.ย. ๖๗": from the year's start until then
_FROM = re.compile(r"ตั้งแต่|เริ่ม")  # "ตั้งแต่ ๑ ม.ค. ๖๗ (เป็นต้นไป)": from then to the year's end


def fiscal_year_bounds(fiscal_year_be: int) -> tuple[date, date]:
    end_year = fiscal_year_be - BE_OFFSET
    return date(end_year - 1, 10, 1), date(end_year, 9, 30)


def local_date(moment: datetime, timezone: str | tzinfo) -> date:
    """The day a moment falls on in a time zone (an IANA name such as "Asia/Bangkok", or a tzinfo): what
    "today" is for an organisation, whatever zone the server runs in."""
    return moment.astimezone(ZoneInfo(timezone) if isinstance(timezone, str) else timezone).date()


def fiscal_year_of(d: date) -> int:
    return d.year + BE_OFFSET + (1 if d.month >= 10 else 0)


def _year_ce(written: str) -> int:
    value = int(written)
    if len(written) == 2:
        return value + 2500 - BE_OFFSET
    return value - BE_OFFSET if value >= 2400 else value


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _default_year(month: int, fiscal_year_be: int) -> int:
    """The CE year a month without a year falls in, inside the plan's fiscal year."""
    end_year = fiscal_year_be - BE_OFFSET
    return end_year - 1 if month >= 10 else end_year


def _fill_years(tokens: list[tuple[int | None, int, int | None]], fiscal_year_be: int) -> list[int]:
    """Years for (day, month, year) tokens: written ones, else borrowed from a neighbour that has one
    (a later month than its neighbour's stays in that year, an earlier one is in the next), else the
    plan's fiscal year."""
    years: list[int | None] = [year for _, _, year in tokens]
    for i, (_, month, year) in enumerate(tokens):
        if year is not None:
            continue
        after = next((j for j in range(i + 1, len(tokens)) if tokens[j][2] is not None), None)
        before = next((j for j in range(i - 1, -1, -1) if tokens[j][2] is not None), None)
        if after is not None:
            known_year = years[after]
            assert known_year is not None
            years[i] = known_year if month <= tokens[after][1] else known_year - 1
        elif before is not None:
            known_year = years[before]
            assert known_year is not None
            years[i] = known_year if month >= tokens[before][1] else known_year + 1
        else:
            years[i] = _default_year(month, fiscal_year_be)
    return [y if y is not None else _default_year(tokens[i][1], fiscal_year_be) for i, y in enumerate(years)]


def _month_of(match: re.Match[str]) -> int:
    for name, value in match.groupdict().items():
        if value is not None and name[0] in "ms" and name[1:].isdigit():
            return int(name[1:])
    raise ValueError("no month in match")


def _date_tokens(text: str) -> list[tuple[int | None, int, int | None]]:
    tokens: list[tuple[int | None, int, int | None]] = []
    for match in _DATE_TOKEN.finditer(text):
        day = int(match["day"]) if match["day"] else None
        year = _year_ce(match["year"]) if match["year"] else None
        tokens.append((day, _month_of(match), year))
    return tokens


def _span_of_tokens(
    tokens: list[tuple[int | None, int, int | None]], fiscal_year_be: int
) -> tuple[date, date] | None:
    years = _fill_years(tokens, fiscal_year_be)
    starts: list[date] = []
    ends: list[date] = []
    for (day, month, _), year in zip(tokens, years, strict=True):
        if day is not None and not 1 <= day <= _last_day(year, month):
            return None
        starts.append(date(year, month, day or 1))
        ends.append(date(year, month, day or _last_day(year, month)))
    return min(starts), max(ends)


def _numeric_span(text: str) -> tuple[date, date] | None:
    dates: list[date] = []
    for day, month, year in _NUMERIC_DATE.findall(text):
        try:
            dates.append(date(_year_ce(year), int(month), int(day)))
        except ValueError:
            return None
    return (min(dates), max(dates)) if dates else None


def _quarter_span(text: str, fiscal_year_be: int) -> tuple[date, date] | None:
    match = _QUARTER.search(text)
    if not match:
        return None
    first = int(match[1])
    last = int(match[2]) if match[2] else first
    start, _ = fiscal_year_bounds(fiscal_year_be)
    start_month = (start.month - 1 + 3 * (min(first, last) - 1)) % 12 + 1
    end_month = (start.month - 1 + 3 * max(first, last) - 1) % 12 + 1
    start_year = _default_year(start_month, fiscal_year_be)
    end_year = _default_year(end_month, fiscal_year_be)
    return date(start_year, start_month, 1), date(end_year, end_month, _last_day(end_year, end_month))


def _year_span(text: str) -> tuple[date, date] | None:
    """"ปีงบประมาณ 2567", "ปี 67", "พ.ศ. 2566 - 2567" or a bare 4-digit BE year: whole fiscal years.
    Two-digit numbers count as years only after a year word ("12 เดือน" is no year)."""
    for match in _YEARS.finditer(text):
        if match["kw"] is None and len(match["first"]) != 4:
            continue
        first = _year_ce(match["first"]) + BE_OFFSET
        last = _year_ce(match["last"]) + BE_OFFSET if match["last"] else first
        if 2400 <= first <= last <= 2700:
            return fiscal_year_bounds(first)[0], fiscal_year_bounds(last)[1]
    return None


def parse_period(text: str, fiscal_year_be: int) -> tuple[date, date] | None:
    """The first and last day of a period as tables write it; the fiscal year's bounds for an empty
    cell; None for text that is not a period this reads. "ภายใน <date>" runs from the year's start to that
    date, "ตั้งแต่ <date>" from that date to the year's end."""
    clean = normalise(text)
    if not clean.strip(" -–—"):
        return fiscal_year_bounds(fiscal_year_be)
    tokens = _date_tokens(clean)
    if tokens:
        span = _span_of_tokens(tokens, fiscal_year_be)
        if span is not None and len(tokens) == 1:
            year_start, year_end = fiscal_year_bounds(fiscal_year_be)
            if _BY.search(clean):
                return min(year_start, span[0]), span[1]
            if _FROM.search(clean):
                return span[0], max(year_end, span[1])
        return span
    for span in (_numeric_span(clean), _quarter_span(clean, fiscal_year_be), _year_span(clean)):
        if span is not None:
            return span
    squeezed = clean.replace(" ", "")
    if any(word in squeezed for word in _WHOLE_YEAR_WORDS):
        return fiscal_year_bounds(fiscal_year_be)
    return None
