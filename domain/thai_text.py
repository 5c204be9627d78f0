"""Thai text as people type and paste it: Thai or Arabic digits, stray spaces, odd Unicode forms."""

from __future__ import annotations

import re

from pythainlp.util import normalize as _thai_normalize

THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
_TO_ARABIC = str.maketrans(THAI_DIGITS, "0123456789")
_TO_THAI = str.maketrans("0123456789", THAI_DIGITS)
_SPACES = re.compile(r"\s+")


def to_arabic_digits(text: str) -> str:
    return text.translate(_TO_ARABIC)


def to_thai_digits(text: str) -> str:
    return text.translate(_TO_THAI)


def squeeze(text: str) -> str:
    """Compare names the way people write them: no spaces (Thai words get broken by stray ones)."""
    return _SPACES.sub("", text)


def normalise(text: str) -> str:
    """Canonical form of Thai text: pythainlp's normalisation (duplicate/misordered tone and vowel
    marks, zero-width characters), Arabic digits and single spaces."""
    text = _thai_normalize(text.replace("\u200b", "").replace("\ufeff", "").replace("\xa0", " "))
    return _SPACES.sub(" ", to_arabic_digits(text)).strip()
