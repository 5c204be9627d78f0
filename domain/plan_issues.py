"""Read the issue (ประเด็น/ตัวชี้วัด) headings a measure table groups its measures under.

A heading is a row of its own ("ประเด็นที่ 1 ...", "(2) ...", one of the seven standard ITA issues) or the
text of a group column; its number and cleaned text become each measure's issue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from domain.plan_cells import cell_line
from domain.thai_text import normalise, squeeze, tidy

__all__ = ["STANDARD_ISSUES", "Heading", "issue_number", "parse_heading"]

STANDARD_ISSUES = (
    "กระบวนการปฏิบัติงานที่โปร่งใสและมีประสิทธิภาพ",
    "การให้บริการและระบบ E-Service",
    "ช่องทางและรูปแบบการประชาสัมพันธ์เผยแพร่ข้อมูลข่าวสารภาครัฐ",
    "กระบวนการกำกับดูแลการใช้ทรัพย์สินของราชการ",
    "กระบวนการสร้างความโปร่งใสในการใช้งบประมาณและการจัดซื้อจัดจ้าง",
    "กระบวนการควบคุม ตรวจสอบการใช้อำนาจ และการบริหารงานบุคคล",
    "กลไกและมาตรการในการแก้ไขและป้องกันการทุจริตภายในหน่วยงาน",
)

_HEADING = re.compile(
    r"^\s*(?:(?P<kw>ประเด็น|ตัวชี้วัด|หัวข้อ|ด้าน)\s*(?:ที่)?\s*(?P<n1>\d{1,2})(?!\d)\s*[.:)]?"
    r"|\(\s*(?P<n2>\d{1,2})\s*\)|(?P<n3>\d{1,2})\s*[.)](?!\d))\s*(?P<rest>.*)$",
    re.DOTALL,
)
_BARE_NUMBER = re.compile(r"\d{1,2}")
_HEADING_WORD = re.compile(r"^\s*(?:ประเด็น|ตัวชี้วัด|หัวข้อ)")
_STANDARD_KEYS = {squeeze(issue).casefold(): (i + 1, issue) for i, issue in enumerate(STANDARD_ISSUES)}


@dataclass(frozen=True)
class Heading:
    """A cell read as an issue heading."""

    number: int | None
    text: str
    keyword: bool  # opens with ประเด็น/ตัวชี้วัด/หัวข้อ
    standard: bool  # one of STANDARD_ISSUES (text is then its standard wording)


@lru_cache(maxsize=4096)
def parse_heading(raw: str) -> Heading:
    """A cell as an issue heading: its number (written, or a standard issue's), text, and how it reads."""
    text = cell_line(raw)
    if _BARE_NUMBER.fullmatch(text):  # "๒" alone: the number of a heading written elsewhere (or nowhere)
        return Heading(int(text), "", False, False)
    match = _HEADING.match(text)
    number = None
    keyword = bool(_HEADING_WORD.match(text))
    if match:
        number = int(match.group("n1") or match.group("n2") or match.group("n3"))
        text = match.group("rest")
    clean = tidy(text)
    standard = _STANDARD_KEYS.get(squeeze(clean).casefold())
    if standard:
        return Heading(number if number is not None else standard[0], standard[1], keyword, True)
    return Heading(number, clean, keyword, False)


def issue_number(cell: str) -> int | None:
    """The issue number a measure row's first filled cell gives when no heading came before it."""
    first = normalise(cell)
    return int(first) if _BARE_NUMBER.fullmatch(first) else parse_heading(first).number
