"""A reporting round as people name it on the command line or in chat: "6", "๖", "รอบ 6 เดือน", "6m"."""

from __future__ import annotations

import re

from domain.thai_text import to_arabic_digits

_ROUND = re.compile(r"^(?:รอบ(?:ที่)?|r|round)?\s*(\d{1,2})\s*(?:เดือน|m|months?)?$", re.IGNORECASE)


def parse_round_key(text: str) -> int | None:
    """The round's months (1..12), or None when the text names no round."""
    match = _ROUND.match(re.sub(r"\s+", " ", to_arabic_digits(text.strip())))
    if match is None:
        return None
    months = int(match.group(1))
    return months if 1 <= months <= 12 else None
