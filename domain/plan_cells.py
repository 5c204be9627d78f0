"""Clean and split one cell of a measure table (the cell-level half of `itabot import-plan`).

Cells pasted from PDF or Word carry HTML list markup, bullets, inline numbering ("1. aaa 2. bbb"), units run
together ("สำนักปลัด/กองคลัง"), ITA question codes in several spellings and monitoring rounds in words.
This module turns such a cell into list items, steps, a title, separate units, ITA codes or report months.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from domain.thai_text import normalise, squeeze, tidy
from domain.units import TOP_LEVEL_PREFIXES, is_all_units, unit_level

__all__ = [
    "Item",
    "cell_line",
    "cell_lines",
    "chunk_items",
    "ita_codes",
    "last_number",
    "measure_title",
    "monitoring_rounds",
    "plain_text",
    "split_steps",
    "split_units",
]

# -- cell text: markup, list items ------------------------------------------------------------------

_LI_TAG = re.compile(r"<\s*li\b[^>]*>", re.IGNORECASE)
_BREAK_TAG = re.compile(r"<\s*/?\s*(?:br|p|div|ul|ol|li|tr|td|th|table|h[1-6])\b[^>]*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^<>]*>")
_LI_MARK = "\ue000"  # private use, not whitespace: normalise() strips "\x1f"
_LEAD_NUMBER = re.compile(r"^(?:\(\s*(\d{1,2})\s*\)|(\d{1,2})\s*[.)])(?!\d)\s*")
_INLINE_NUMBER = re.compile(r"(?<!\S)(?:\(\s*(\d{1,2})\s*\)|(\d{1,2})\s*[.)])(?!\d)")
# Word's symbol-font bullets pasted as text land in the private use area (U+F0A7 , U+F0D8 ...).
_LEAD_BULLET = re.compile(r"^[-–—•▪●○◦➢►❖✓*\uf000-\uf0ff]+\s*")
_HARD_BULLET = re.compile(r"\s*[•▪●○◦➢►❖\uf000-\uf0ff]+\s*")
_DASH_BULLET = re.compile(r"\s[-–—]\s*(?=\S)")


@dataclass(frozen=True)
class Item:
    """One list item of a cell: a numbered item, a bullet or a plain paragraph, with its sub-bullets."""

    kind: str | None  # "num", "bullet" or None (a paragraph)
    number: int | None
    text: str
    subs: tuple[str, ...] = ()

    def body(self) -> str:
        return "\n".join([self.text, *(f"- {sub}" for sub in self.subs)]).strip()

    def shown(self) -> str:
        if self.kind == "num":
            return f"{self.number}. {self.body()}"
        return f"- {self.body()}" if self.kind == "bullet" else self.body()

    def continued(self, text: str) -> Item:
        """This item with a line that was cut from it (a wrapped line, a page break) put back."""
        if self.subs:
            return Item(self.kind, self.number, self.text, (*self.subs[:-1], tidy(f"{self.subs[-1]} {text}")))
        return Item(self.kind, self.number, tidy(f"{self.text} {text}"))

    def with_sub(self, text: str) -> Item:
        return Item(self.kind, self.number, self.text, (*self.subs, text))


def plain_text(raw: str) -> str:
    """A cell's text with HTML tags removed and entities decoded (line structure not kept)."""
    return html.unescape(_ANY_TAG.sub("", raw))


def _markup_lines(raw: str) -> list[str]:
    """Lines of a cell with HTML tags gone (a list item's line starts with _LI_MARK) and entities decoded."""
    text = _LI_TAG.sub("\n" + _LI_MARK, raw.replace("\r", "\n"))
    text = plain_text(_BREAK_TAG.sub("\n", text))
    return [line for line in (normalise(part) for part in text.split("\n")) if line.strip(_LI_MARK + " ")]


def cell_lines(raw: str) -> list[str]:
    """A cell's lines (paragraphs, list items, line breaks) with markup gone."""
    return [line.strip(_LI_MARK + " ") for line in _markup_lines(raw)]


def cell_line(raw: str) -> str:
    """A cell's text on one line: markup gone, its lines joined with spaces."""
    return " ".join(_markup_lines(raw)).replace(_LI_MARK, "")


def _split_numbers(text: str, last: int | None) -> tuple[list[tuple[int | None, str]], int | None]:
    """Split "1. aaa 2. bbb" into numbered pieces. Inside a line a number counts as a list number only when
    it follows the previous one (so "พ.ศ. 2567", "82.30" or "ข้อ 3." are left alone)."""
    pieces: list[tuple[int | None, str]] = []
    number: int | None = None
    lead = _LEAD_NUMBER.match(text)
    pos = 0
    if lead:
        number = int(lead.group(1) or lead.group(2))
        last = number
        pos = lead.end()
    start = pos
    for match in _INLINE_NUMBER.finditer(text, pos):
        value = int(match.group(1) or match.group(2))
        if value != (last or 0) + 1 or match.start() == start:
            continue
        pieces.append((number, text[start : match.start()]))
        number = last = value
        start = match.end()
    pieces.append((number, text[start:]))
    return pieces, last


def _segments(raw: str, last: int | None) -> list[tuple[str | None, int | None, str]]:
    """(kind, number, text) pieces of a cell in order: numbered items, bullets, plain paragraphs. `last` is
    the list number reached before this cell (a cell continued from the row above)."""
    segments: list[tuple[str | None, int | None, str]] = []
    for line in _markup_lines(raw):
        is_li = line.startswith(_LI_MARK)
        parts = _HARD_BULLET.split(line.strip(_LI_MARK + " "))
        for index, part in enumerate(parts):
            part = part.strip()
            if not part:
                continue
            bulleted = index > 0 or is_li
            lead_dash = _LEAD_BULLET.match(part)
            if lead_dash and not _LEAD_NUMBER.match(part):
                for piece in _DASH_BULLET.split(part[lead_dash.end() :]):
                    segments.append(("bullet", None, piece))
                continue
            pieces, last = _split_numbers(part, last)
            for number, piece in pieces:
                kind = "num" if number is not None else ("bullet" if bulleted else None)
                segments.append((kind, number, piece))
                bulleted = False
    return segments


@lru_cache(maxsize=8192)
def _cell_items(raw: str, last: int | None = None) -> tuple[Item, ...]:
    """A cell as list items: split on numbers when it has any (bullets below a number stay inside it),
    else on bullets; a plain paragraph after an item continues it, before any item it is its own item."""
    segments = [(kind, number, tidy(text)) for kind, number, text in _segments(raw, last)]
    segments = [s for s in segments if s[2]]
    top = "num" if any(kind == "num" for kind, _, _ in segments) else "bullet"
    items: list[Item] = []
    for kind, number, text in segments:
        if kind == top or (kind is not None and top == "bullet"):
            items.append(Item(kind, number, text))
        elif items and items[-1].kind is not None:
            items[-1] = items[-1].with_sub(text) if kind is not None else items[-1].continued(text)
        else:
            items.append(Item(None, None, text))
    return tuple(items)


def last_number(items: Sequence[Item]) -> int | None:
    """The number of the last numbered item, None when no item is numbered."""
    numbers = [item.number for item in items if item.kind == "num"]
    return numbers[-1] if numbers else None


def chunk_items(chunks: Sequence[str]) -> list[Item]:
    """Items of a cell continued over several rows: a continuation that does not open with a number or
    bullet finishes the item it was cut from."""
    items: list[Item] = []
    for chunk in chunks:
        more = list(_cell_items(chunk, last_number(items)))
        if items and more and more[0].kind is None:
            head = more.pop(0)
            joined = items[-1].continued(head.text)
            items[-1] = Item(joined.kind, joined.number, joined.text, (*joined.subs, *head.subs))
        items.extend(more)
    return items


def split_steps(cell: str) -> list[str]:
    """The steps of one cell, numbering and bullets removed."""
    return [item.body() for item in _cell_items(cell)]


def measure_title(items: list[Item]) -> str:
    """A measure's title from its title cell's items: one item's text, or the items listed one a line."""
    if len(items) == 1:
        return items[0].body()
    return "\n".join(item.shown() for item in items)


# -- units ------------------------------------------------------------------------------------------

_CLAUSE = re.compile(r"ข้อ\s*\d{1,2}(?:\s*(?:,|และ|-|–)\s*\d{1,2})*\s*")
_UNIT_JOINER = re.compile(r"(\s*(?:/|,|และ)\s*)")
_TOP_LEVEL = tuple(TOP_LEVEL_PREFIXES)


_BARE_UNIT_WORDS = frozenset({"สำนัก", "กอง", "ฝ่าย", "งาน", "หน่วย", "หน่วยงาน", "ส่วน", "ส่วนราชการ", "ศูนย์"})


def _siblings(left: str, right: str) -> bool:
    """Whether `right` is a unit of its own beside `left` rather than a part of it: two กอง/สำนัก, or two
    sub-sections of the same level ("งานทะเบียน/งานประชาสัมพันธ์"); "กองคลัง/งานพัสดุ" and "งานพัสดุ/กองคลัง"
    are one hierarchy."""
    if is_all_units(right):  # "สำนักปลัด/ทุกกอง": a unit and every unit
        return True
    if is_all_units(left):  # "ทุกกอง/สำนักปลัด" two; "ทุกกอง/สำนัก" (every กอง and สำนัก) one
        return unit_level(right) is not None and squeeze(right) not in _BARE_UNIT_WORDS
    left_level, right_level = unit_level(left), unit_level(right)
    if left_level is None or right_level is None:
        return False
    return left_level == right_level


def _split_unit_list(text: str) -> list[str]:
    """"สำนักปลัด/กองคลัง", "กองคลัง และกองช่าง" or "งานทะเบียน, งานประชาสัมพันธ์" are two units; "งานพัสดุ/กองคลัง"
    (a hierarchy) and "กองสาธารณสุขและสิ่งแวดล้อม" are one."""
    parts = _UNIT_JOINER.split(text)
    units = [parts[0]]
    for joiner, part in zip(parts[1::2], parts[2::2], strict=True):
        if _siblings(units[-1], part):
            units.append(part)
        else:
            units[-1] += joiner + part
    return units


# A dash inside a line before a unit word is a bullet pasted onto the line: "งานการเจ้าหน้าที่ - สำนักปลัด -กองคลัง".
_UNIT_DASH = re.compile(r"\s[-–—]\s*(?=(?:" + "|".join((*TOP_LEVEL_PREFIXES, "ฝ่าย", "งาน", "ทุก")) + "))")


def _unit_pieces(chunks: Sequence[str]) -> list[tuple[str, bool]]:
    """(text, opens a new unit) pieces: a bullet, list item or "ข้อ ๓" opens one."""
    pieces: list[tuple[str, bool]] = []
    for chunk in chunks:
        for line in _markup_lines(chunk):
            explicit = line.startswith(_LI_MARK)
            line = line.strip(_LI_MARK + " ")
            lead = _LEAD_BULLET.match(line)
            if lead:
                explicit = True
                line = line[lead.end() :]
            parts = [piece for part in _HARD_BULLET.split(line) for piece in _UNIT_DASH.split(part)]
            for index, part in enumerate(parts):
                for clause_index, clause in enumerate(_CLAUSE.split(part)):
                    for unit_index, unit in enumerate(_split_unit_list(clause)):
                        opens = explicit or index > 0 or clause_index > 0 or unit_index > 0
                        pieces.append((unit, opens))
    return pieces


def split_units(chunks: Sequence[str]) -> tuple[list[str], bool]:
    """Responsible units as separate strings, and whether the cell says every unit. A line that is not a
    new unit (a ฝ่าย/งาน, or a name cut by a line break) belongs to the unit above it."""
    groups: list[str] = []
    all_units = False
    can_continue = False
    for raw, opens in _unit_pieces(chunks):
        text = tidy(raw).strip(" -–—,/")
        if not text:
            continue
        if is_all_units(text):
            all_units = True
            can_continue = False
            continue
        top = squeeze(text).startswith(_TOP_LEVEL)
        has_top = bool(groups) and any(squeeze(w).startswith(_TOP_LEVEL) for w in groups[-1].split())
        sibling = bool(groups) and not top and _siblings(groups[-1], text)
        if opens or not can_continue or (top and has_top) or sibling:
            groups.append(text)
        else:
            groups[-1] = tidy(f"{groups[-1]} {text}")
        can_continue = True
    return groups, all_units


# -- ITA codes, monitoring --------------------------------------------------------------------------

_ITA_CODE = re.compile(r"(?<![0-9A-Za-z])([eiEIoO]|0(?=\s?\d))\s?(\d{1,2})(?!\d)")


def ita_codes(text: str) -> list[str]:
    """ITA question codes in a cell: "e12", "i๑๙" -> "i19", "๐27" (a Thai zero for the o) -> "o27", "O 27"."""
    codes: list[str] = []
    for letter, number in _ITA_CODE.findall(normalise(text)):
        code = ("o" if letter == "0" else letter.lower()) + str(int(number))
        if int(number) > 0 and code not in codes:
            codes.append(code)
    return codes


_EVERY_N_MONTHS = re.compile(r"ทุก\s*(\d{1,2})\s*เดือน")
_N_MONTHS = re.compile(r"(\d{1,2})\s*เดือน")
_QUARTER_NO = re.compile(r"ไตรมาส\s*(?:ที่)?\s*([1-4])")


def monitoring_rounds(text: str) -> list[int]:
    """Months after the fiscal year's start when progress is reported: "รอบ ๖ เดือน" -> [6],
    "รอบ 6 เดือน และ 12 เดือน" -> [6, 12], "ทุก 3 เดือน" or "รายไตรมาส" -> [3, 6, 9, 12]."""
    clean = normalise(text)
    squeezed = squeeze(clean)
    rounds: set[int] = set()
    for match in _EVERY_N_MONTHS.finditer(clean):
        step = int(match.group(1))
        if 1 <= step <= 12:
            rounds.update(range(step, 13, step))
    for match in _N_MONTHS.finditer(_EVERY_N_MONTHS.sub(" ", clean)):
        if 1 <= int(match.group(1)) <= 12:
            rounds.add(int(match.group(1)))
    quarters = [int(q) for q in _QUARTER_NO.findall(clean)]
    rounds.update(3 * q for q in quarters)
    if "ไตรมาส" in squeezed and not quarters:
        rounds.update((3, 6, 9, 12))
    if any(word in squeezed for word in ("รายเดือน", "ทุกเดือน", "ประจำเดือน")):
        rounds.update(range(1, 13))
    if any(word in squeezed for word in ("ครึ่งปี", "รายครึ่งปี")):
        rounds.add(6)
    if any(word in squeezed for word in ("สิ้นปี", "รายปี", "ครบปี", "รอบปี")):
        rounds.add(12)
    return sorted(rounds)
