"""How numbers reach a person: the one place dates, times, counts, percentages, measure numbers and page
numbers are turned into text, in a digit style (Thai ๐–๙ or Arabic 0–9), and the policy saying which style
each surface uses (issue #15 item 9).

Everything is composed once in Arabic digits and then written in the surface's style as a whole: a chat
message as it is written to the outbox (`localise_message`), a console or public HTML page as it is sent
(`localise_html`), a Word document paragraph by paragraph (`Numerals.text`). So one message or page never
mixes styles, whichever way its parts were put together, and what a person types back (codes, numbers)
is read in either style (`domain.thai_text.normalise`).

Surfaces and their defaults (an organisation changes them in the console settings or `itabot report
settings`):

- chat (LINE messages and cards): Arabic — what most LINE users type;
- console (the admin web pages): Arabic — the admins type numbers into its forms;
- documents (Word reports and the public pages): Thai — as Thai official documents are written.

Spreadsheets (Excel, CSV) and the CLI always use Arabic digits: their cells and lines are data that are
summed, sorted, copied into commands and scripts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from domain.thai_text import THAI_DIGITS

BE_OFFSET = 543
MONTHS_FULL = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)
MONTHS_SHORT = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)

_TO_THAI = str.maketrans("0123456789", THAI_DIGITS)
_TO_ARABIC = str.maketrans(THAI_DIGITS, "0123456789")
# The digits each style replaces
_OTHER_DIGITS = {"thai": re.compile("[0-9]+"), "arabic": re.compile(f"[{THAI_DIGITS}]+")}
# Digits inside these stay as written: a link, an e-mail address, a LINE user id.
_KEEP_PATTERN = (r"(?:https?://|www\.)[^\s<>\"']+|(?<![\w.+-])[\w.+-]+@[\w-]+\.[\w.]+"
                 r"|(?<![0-9A-Za-z])U[0-9a-f]{32}(?![0-9A-Za-z])")
_KEEP = re.compile(_KEEP_PATTERN)


Day = date  # (inside Numerals, `date` is the method)


class DigitStyle(StrEnum):
    THAI = "thai"
    ARABIC = "arabic"


class Surface(StrEnum):
    CHAT = "chat"
    CONSOLE = "console"
    DOCUMENTS = "documents"


DEFAULT_STYLES: Mapping[Surface, DigitStyle] = {
    Surface.CHAT: DigitStyle.ARABIC, Surface.CONSOLE: DigitStyle.ARABIC, Surface.DOCUMENTS: DigitStyle.THAI,
}


def parse_style(value: str) -> DigitStyle:
    """"thai" / "arabic" (also "ไทย" / "อารบิก"); ValueError otherwise."""
    word = value.strip().lower()
    aliases = {"ไทย": DigitStyle.THAI, "เลขไทย": DigitStyle.THAI, "อารบิก": DigitStyle.ARABIC,
               "เลขอารบิก": DigitStyle.ARABIC}
    if word in aliases:
        return aliases[word]
    return DigitStyle(word)


@dataclass(frozen=True)
class DigitPolicy:
    """An organisation's digit style for each surface."""

    chat: DigitStyle = DEFAULT_STYLES[Surface.CHAT]
    console: DigitStyle = DEFAULT_STYLES[Surface.CONSOLE]
    documents: DigitStyle = DEFAULT_STYLES[Surface.DOCUMENTS]

    def style(self, surface: Surface) -> DigitStyle:
        return DigitStyle(getattr(self, surface.value))

    def numerals(self, surface: Surface) -> Numerals:
        return Numerals(self.style(surface))

    def changed(self, styles: Mapping[Surface, DigitStyle]) -> DigitPolicy:
        values = {s.value: styles.get(s, self.style(s)) for s in Surface}
        return DigitPolicy(**values)


@dataclass(frozen=True)
class Numerals:
    """Numbers as text in one digit style."""

    style: DigitStyle = DigitStyle.ARABIC

    @property
    def thai(self) -> bool:
        return self.style is DigitStyle.THAI

    def text(self, text: str) -> str:
        """Every digit of a composed text in this style, except inside links and e-mail addresses."""
        other = _OTHER_DIGITS[self.style.value]
        if not other.search(text):
            return text
        table = _TO_THAI if self.thai else _TO_ARABIC

        def convert(part: str) -> str:  # only the digit runs: str.translate over whole Thai texts is slow
            return other.sub(lambda run: run.group().translate(table), part)

        if "@" not in text and "http" not in text and "www." not in text and "U" not in text:
            return convert(text)
        pieces: list[str] = []
        last = 0
        for kept in _KEEP.finditer(text):
            pieces.append(convert(text[last:kept.start()]))
            pieces.append(kept.group())
            last = kept.end()
        pieces.append(convert(text[last:]))
        return "".join(pieces)

    def number(self, value: int) -> str:
        """A count: "1,234" / "๑,๒๓๔"."""
        return self.text(f"{value:,}")

    def percent(self, value: int | float) -> str:
        return self.text(f"{value:g}%")

    def measure(self, seq: int) -> str:
        """A measure's number as people write it: "ม.4" / "ม.๔"."""
        return self.text(f"ม.{seq}")

    def year(self, year_be: int) -> str:
        return self.text(str(year_be))

    def date(self, day: date, short: bool = True) -> str:
        """"15 มี.ค. 2567" (short) or "15 มีนาคม 2567", Buddhist era."""
        month = (MONTHS_SHORT if short else MONTHS_FULL)[day.month - 1]
        return self.text(f"{day.day} {month} {day.year + BE_OFFSET}")

    def time(self, moment: time | datetime, seconds: bool = False) -> str:
        """"04:23" (or "04:23:09")."""
        return self.text(f"{moment:%H:%M:%S}" if seconds else f"{moment:%H:%M}")

    def date_time(self, moment: datetime, short: bool = True, seconds: bool = False) -> str:
        """A local moment: "7 ธ.ค. 2569 04:23"."""
        return f"{self.date(moment.date(), short)} {self.time(moment, seconds)}"

    def period(self, start: Day, end: Day, short: bool = True) -> str:
        return f"{self.date(start, short)} – {self.date(end, short)}"


ARABIC = Numerals(DigitStyle.ARABIC)
THAI = Numerals(DigitStyle.THAI)


# -- whole messages and pages ----------------------------------------------------------------------------
# LINE message objects: what a person reads is a text message's or a flex text/span's "text", a template's
# "title", an action's "label", any "altText". Actions' "text" / "data" / "uri" / "displayText" are what is
# sent back or opened, and stay as composed.
_READ_KEYS = frozenset({"altText", "title", "label"})
_TEXT_TYPES = frozenset({"text", "span"})


def localise_message(message: Any, numerals: Numerals) -> Any:
    """A LINE message (or a list of them) with every digit a person reads in the style of `numerals`; parts
    with nothing to change are the same objects (most messages: nothing is copied).

    A message with no digit of the other style anywhere (its JSON, searched once: C code) is returned as it
    is without walking it; the worker localises every answer it writes, most of them with nothing to change."""
    try:
        whole = json.dumps(message, ensure_ascii=False)
    except (TypeError, ValueError):  # not plain JSON (never in a LINE message): walk it
        whole = None
    if whole is not None and not _OTHER_DIGITS[numerals.style.value].search(whole):
        return message
    return _localise(message, numerals)


def _localise(message: Any, numerals: Numerals) -> Any:
    if isinstance(message, list):
        items = [_localise(item, numerals) for item in message]
        return message if all(new is old for new, old in zip(items, message, strict=True)) else items
    if not isinstance(message, dict):
        return message
    is_text = message.get("type") in _TEXT_TYPES
    changed: dict[str, Any] | None = None
    for key, value in message.items():
        if isinstance(value, str):
            new = numerals.text(value) if key in _READ_KEYS or (key == "text" and is_text) else value
        elif isinstance(value, dict | list):
            new = _localise(value, numerals)
        else:
            continue
        if new is not value and new != value:
            if changed is None:
                changed = dict(message)
            changed[key] = new
    return message if changed is None else changed


# What stays as written in a page: comments, scripts, styles, text areas, code, tags (their attributes: links,
# form values), character references and links written out in the text.
_HTML_KEEP = (r"<!--.*?-->|<(?:script|style|textarea|pre|code)\b.*?</(?:script|style|textarea|pre|code)\s*>"
              r"|<[^>]*>|&#?\w+;|(?:https?://|www\.)[^\s<>\"']+")
_HTML_PASS = {style: re.compile(f"({_HTML_KEEP})|({_OTHER_DIGITS[style].pattern})", re.S | re.I)
              for style in ("thai", "arabic")}


def localise_html(html: str, numerals: Numerals) -> str:
    """An HTML page with every digit of its text in the style of `numerals`: tags, attributes (links,
    form values), scripts, styles, text areas and code stay as written."""
    if not _OTHER_DIGITS[numerals.style.value].search(html):
        return html
    table = _TO_THAI if numerals.thai else _TO_ARABIC

    def replace(match: re.Match[str]) -> str:
        return match.group(1) or match.group(2).translate(table)

    return _HTML_PASS[numerals.style.value].sub(replace, html)
