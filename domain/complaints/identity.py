"""Find what would identify the writer in a complaint text (Thai national ID, phone number, e-mail), so
the bot can warn before an anonymous or confidential complaint is sent, and mask it if asked."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from domain.thai_text import to_arabic_digits

IdentifierKind = Literal["national_id", "phone", "email"]
MASK = "•••"


@dataclass(frozen=True, slots=True)
class Identifier:
    kind: IdentifierKind
    start: int
    end: int


# Separators allowed between digit groups: a dash, dot or closing bracket ("(081) 234 5678") with optional
# spaces around, or one or two spaces.
_SEP = r"(?:[ \t\u00a0]*[-.)\u2010-\u2013][ \t\u00a0]*|[ \t\u00a0]{1,2})?"


def _digits(count: int) -> str:
    return rf"(?:{_SEP}\d){{{count}}}"


_NATIONAL_ID = re.compile(rf"(?<!\d)\d{_SEP}\d{{4}}{_SEP}\d{{5}}{_SEP}\d{{2}}{_SEP}\d(?!\d)|(?<!\d)\d{{13}}(?!\d)")
# Mobile numbers have 10 digits (06, 08, 09); landlines 9 (02 and 03-07 area codes), 10 tolerated.
_PHONE = re.compile(
    rf"""
    (?<![\d+])
    (?:
        \(?0{_SEP}[689]{_digits(8)}
      | \(?0{_SEP}[2-7]{_digits(7)}(?:{_SEP}\d)?
      | \+[ \t]?66{_SEP}(?:\(0\){_SEP})?\(?(?:[689]{_digits(8)}|[2-7]{_digits(7)}(?:{_SEP}\d)?)
    )
    (?!\d)
    """,
    re.VERBOSE,
)
_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}(?![A-Za-z0-9-])")


def national_id_checksum_ok(digits: str) -> bool:
    """The Thai national ID check digit: (11 - sum(d[i] * (13 - i) for i < 12) mod 11) mod 10."""
    if len(digits) != 13 or not digits.isascii() or not digits.isdigit():
        return False
    total = sum(int(d) * (13 - i) for i, d in enumerate(digits[:12]))
    return (11 - total % 11) % 10 == int(digits[12])


def find_identifiers(text: str) -> list[Identifier]:
    """Identifiers in `text`, ordered by position and never overlapping (an e-mail beats a national ID,
    which beats a phone number). Thai digits are read like Arabic ones."""
    plain = to_arabic_digits(text)  # one character for one: positions stay valid for `text`
    # Each pattern's own matches never overlap; a later kind only fills spans the earlier ones left free.
    found: list[Identifier] = [Identifier("email", m.start(), m.end()) for m in _EMAIL.finditer(plain)]
    emails = list(found)

    def free(start: int, end: int, taken: list[Identifier]) -> bool:
        return all(end <= other.start or start >= other.end for other in taken)

    for match in _NATIONAL_ID.finditer(plain):
        digits = re.sub(r"\D", "", match.group())
        if national_id_checksum_ok(digits) and free(match.start(), match.end(), emails):
            found.append(Identifier("national_id", match.start(), match.end()))
    taken = list(found)
    for match in _PHONE.finditer(plain):
        if free(match.start(), match.end(), taken):
            found.append(Identifier("phone", match.start(), match.end()))
    return sorted(found, key=lambda ident: ident.start)


def mask(text: str, identifiers: list[Identifier]) -> str:
    """`text` with each identifier replaced by "•••" (overlapping spans are masked once)."""
    parts: list[str] = []
    position = 0
    for ident in sorted(identifiers, key=lambda i: (i.start, i.end)):
        if not 0 <= ident.start <= ident.end <= len(text):
            raise ValueError(f"identifier {ident} is outside the text (length {len(text)})")
        if ident.end <= position:
            continue
        if ident.start >= position:
            parts.append(text[position : ident.start])
            parts.append(MASK)
        position = ident.end
    parts.append(text[position:])
    return "".join(parts)
