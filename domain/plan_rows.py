"""What one row of a measure table says about itself: a measure of its own, or more of the measure above.

A row continues the measure above only when its cells say so:
- it has no measure text of its own, or the same text again (a merged cell, a page break);
- its measure text begins mid-sentence ("และ…", "โดย…", a dangling vowel) or the text above ends open ("…และ",
  "…ดังนี้", "/"), or it carries the next item of a numbered list begun above ("๔." after "๑. ๒. ๓.");
- it carries only more units (a name cut in two: "ฝ่ายแผนงานและ" / "งบประมาณ") or more steps (the next step
  number, a step begun mid-sentence).
A row with its own measure text and its own responsible unit is a new measure, even when its period or steps
are empty; so is any row whose measure text reads as its own, or that has a number, period or ITA question of
its own. judge_row() gives the verdict and its reason (the codes of texts.cli.PLAN_ROW_REASONS).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from domain.plan_cells import Item, cell_line, cell_lines, chunk_items, ita_codes, last_number
from domain.plan_header import Layout, Role
from domain.plan_issues import parse_heading
from domain.thai_text import CANNOT_END_PHRASE, first_word, last_word, normalise, squeeze
from domain.units import DEFAULT_UNITS, is_all_units, unit_level

__all__ = ["Verdict", "continued_text", "judge_row", "own_unit", "title_in_first_line"]

# Words a measure's text cannot open with: the text is the rest of a sentence cut by a page or row break.
CONTINUING_WORDS = frozenset(
    ["และ", "หรือ", "โดย", "ซึ่ง", "ที่", "ของ", "แก่", "กับ", "จาก", "ด้วย", "แต่", "จึง", "ได้", "ไว้", "แล้ว", "ตลอดจน", "รวมถึง", "รวมทั้ง", "อีกทั้ง", "ทั้งนี้", "เช่น", "ได้แก่", "ดังนี้", "ดังต่อไปนี้", "ดังกล่าว", "เป็นต้น", "อย่าง", "ขึ้น", "ต่อไป", "เพื่อ", "เพื่อให้", "ใน", "ตาม", "ต่างๆ", "ๆ"]
)
# Words after which a text cannot stop: the next row's text in the same column goes on from it.
OPEN_LAST_WORDS = CANNOT_END_PHRASE | {"ดังนี้", "ดังต่อไปนี้", "ได้แก่", "เช่น", "ประกอบด้วย"}
_NON_INITIAL = set("\u0e30\u0e31\u0e32\u0e33\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e45\u0e47\u0e48\u0e49\u0e4a"
                   "\u0e4b\u0e4c\u0e4d\u0e4e") | set(")]},;:ๆฯ")
_OPEN_MARKS = "/-–—,(:&+"
_LEADING_NOISE = re.compile(r"^[\s\-–—•▪●○◦➢►❖✓*/,\uf000-\uf0ff]+")
# Who can answer for a measure besides a named unit: positions, committees, "ข้อ ๑, ๒ สำนักปลัด".
_PERSON_STARTS = ("ปลัด", "รองปลัด", "ผู้อำนวยการ", "ผอ", "หัวหน้า", "นายก", "รองนายก", "นิติกร", "เจ้าหน้าที่",
                  "เจ้าพนักงาน", "นักวิเคราะห์", "นักจัดการ", "นักทรัพยากรบุคคล", "คณะกรรมการ", "คณะทำงาน",
                  "ผู้บริหาร", "ผู้บังคับบัญชา", "พนักงาน", "บุคลากร", "ส่วนราชการ", "เทศบาล", "อบต")
_ALIASES = tuple(squeeze(alias) for _, aliases in DEFAULT_UNITS for alias in aliases)
_CLAUSE = re.compile(r"^ข้อ\s*\d")


@dataclass(frozen=True)
class Verdict:
    new: bool  # a measure of its own (else: more of the measure above)
    reason: str  # texts.cli.PLAN_ROW_REASONS code
    detail: str = ""  # what the reason points at
    doubt: str = ""  # a new measure whose text yet reads as continued: the word to check


def _first_item(cell: str) -> Item | None:
    items = chunk_items([cell]) if cell.strip() else []
    return items[0] if items else None


def continued_text(text: str, above: str) -> tuple[str, str] | None:
    """Why `text` (a cell's text on a row of its own) reads as the rest of `above` (the same column's text
    above it): ("mid-sentence", the word or mark it opens with) or ("open-end", the word `above` ends with).
    None when it reads as a text of its own. A numbered or bulleted item is never a cut sentence."""
    line = cell_line(text).strip()
    if not line:
        return None
    first = _first_item(text)
    if first is not None and first.kind is not None:
        return None
    if line[0] in _NON_INITIAL:
        return "mid-sentence", line[:10]
    word = first_word(line)
    if word in CONTINUING_WORDS:
        return "mid-sentence", word
    before = cell_line(above).strip() if above.strip() else ""
    if before:
        if before[-1] in _OPEN_MARKS:
            return "open-end", before[-12:]
        end = last_word(before)
        if end in OPEN_LAST_WORDS:
            return "open-end", end
    return None


def own_unit(text: str) -> bool:
    """Whether a unit cell's text opens by naming who answers: a unit (กอง, สำนัก, งาน, ฝ่าย...), every unit, a
    position or committee, a known short name ("สป."), or "ข้อ ๑, ๒ ..."."""
    body = _LEADING_NOISE.sub("", normalise(cell_line(text)))
    key = squeeze(body)
    if not key:
        return False
    return (unit_level(body) is not None or is_all_units(body) or key.startswith(_PERSON_STARTS)
            or key.startswith(_ALIASES) or bool(_CLAUSE.match(body)))


def _unit_state(layout: Layout, text: str, above: Sequence[str]) -> str:
    """"none" (no unit column), "empty", "own" (names who answers) or "continues" (the rest of the cell above)."""
    if layout.column(Role.UNITS) is None:
        return "none"
    if not cell_line(text).strip():
        return "empty"
    before = cell_line(above[-1]).strip() if above else ""
    if before and (before[-1] in _OPEN_MARKS or last_word(before) in OPEN_LAST_WORDS):
        return "continues"
    return "own" if own_unit(text) else "continues"


def _numbered(items: Sequence[Item]) -> int:
    return sum(1 for item in items if item.kind == "num")


def _steps_verdict(steps: str, above: Sequence[str]) -> Verdict | None:
    """A steps cell that restarts its numbering (a new measure) or goes on from the steps above."""
    first = _first_item(steps)
    if first is None:
        return None
    above_items = chunk_items(above)
    if first.kind == "num" and first.number == 1 and above_items:
        return Verdict(True, "steps-restart", steps[:40])
    last = last_number(above_items)
    if first.kind == "num" and last is not None and first.number == last + 1:
        return Verdict(False, "steps-continue", f"{first.number}")
    cut = continued_text(steps, above[-1] if above else "")
    if cut is not None:
        return Verdict(False, "steps-continue", cut[1])
    return None


def _own_period(period: str, above: Sequence[str]) -> bool:
    text = normalise(cell_line(period))
    if not text.strip(" -–—"):
        return False
    before = normalise(cell_line(above[-1])) if above else ""
    if before and (squeeze(before) == squeeze(text) or before.rstrip().endswith(("-", "–", "—", "ถึง"))):
        return False
    return not text.startswith(("-", "–", "—", "ถึง"))


def judge_row(layout: Layout, row: Sequence[str], above: Mapping[Role, Sequence[str]], above_order: str) -> Verdict:
    """Whether a data row starts a measure of its own, given the cells (by role) of the measure above it."""

    def cell(role: Role) -> str:
        index = layout.column(role)
        return row[index] if index is not None and index < len(row) else ""

    order = squeeze(normalise(cell(Role.ORDER)))
    if order and order != above_order:
        return Verdict(True, "new-number", order)
    measure = cell(Role.MEASURE)
    if not cell_line(measure).strip():
        return Verdict(False, "no-title")
    titles = list(above.get(Role.MEASURE, ()))
    if any(squeeze(cell_line(measure)) == squeeze(cell_line(title)) for title in titles):
        return Verdict(False, "same-title")
    unit = _unit_state(layout, cell(Role.UNITS), list(above.get(Role.UNITS, ())))
    cut = continued_text(measure, titles[-1] if titles else "")
    if unit == "own":
        units = cell_line(cell(Role.UNITS))
        return Verdict(True, "own-title-and-unit", units, doubt=cut[1] if cut else "")
    if cut is not None:
        return Verdict(False, *cut)
    period = cell(Role.PERIOD)
    if _own_period(period, list(above.get(Role.PERIOD, ()))):
        return Verdict(True, "own-period", cell_line(period))
    codes = ita_codes(cell(Role.ITA))
    if codes and not set(codes) <= set(ita_codes(" ".join(above.get(Role.ITA, ())))):
        return Verdict(True, "own-ita", ", ".join(codes))
    steps = _steps_verdict(cell(Role.STEPS), list(above.get(Role.STEPS, ())))
    if steps is not None and steps.new:
        return steps
    first = _first_item(measure)
    title_items = chunk_items(titles)
    if first is not None and first.kind == "num" and _numbered(title_items) >= 2 \
            and first.number == (last_number(title_items) or 0) + 1:
        return Verdict(False, "mid-list", f"{first.number}")
    if unit == "continues":
        return Verdict(False, "unit-continues", cell_line(cell(Role.UNITS)))
    if steps is not None:
        return steps
    return Verdict(True, "own-title")


def title_in_first_line(cell: str) -> tuple[str, str] | None:
    """An issue heading on the first line of a measure cell, the first measure's title below it:
    ("ประเด็นที่ ๒ การให้บริการ…", the title's lines). None when the first line is no heading."""
    lines = cell_lines(cell)
    if len(lines) < 2:
        return None
    heading = parse_heading(lines[0])
    if not (heading.keyword or heading.standard):
        return None
    return lines[0], "\n".join(lines[1:])
