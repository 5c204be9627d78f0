"""Who may handle a complaint: the units it names (never routed to their heads) and whether it is about the
executive (นายก) or the ปลัด, which goes out of the municipality's hands (ป.ป.ช., ป.ป.ท., ศูนย์ดำรงธรรม)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from domain.thai_text import normalise, squeeze
from domain.units import KnownUnit, resolve_units

# Words naming the executive or the top civil servant, spaces removed.
EXECUTIVE_WORDS = (
    "นายกเทศมนตรี", "รองนายกเทศมนตรี", "นายกอบต", "นายกองค์การบริหารส่วนตำบล", "รองนายก", "นายก",
    "ปลัดเทศบาล", "รองปลัดเทศบาล", "รองปลัด", "ปลัดอบต", "ปลัด", "ผู้บริหารท้องถิ่น", "คณะผู้บริหาร",
)
# Phrases that hold one of those words but name something else: the สำนักปลัด is a unit, a ปลัดอำเภอ is the
# district's official, "นายกสมาคม" heads an association, "นายกรัฐมนตรี" is the prime minister.
NOT_EXECUTIVE = (
    "สำนักปลัดเทศบาล", "สำนักงานปลัดเทศบาล", "สำนักปลัด", "สำนักงานปลัด", "ปลัดอำเภอ", "ปลัดจังหวัด",
    "ปลัดกระทรวง", "นายกรัฐมนตรี", "นายกสมาคม", "นายกสโมสร",
)
_EXECUTIVE = re.compile("|".join(re.escape(w) for w in sorted(EXECUTIVE_WORDS, key=len, reverse=True)))
_NOT_EXECUTIVE = re.compile("|".join(re.escape(w) for w in sorted(NOT_EXECUTIVE, key=len, reverse=True)))


def _plain(text: str) -> str:
    return squeeze(normalise(text)).replace(".", "")


def mentions_executive(texts: Iterable[str]) -> bool:
    """Whether the texts name the mayor/executive or the ปลัด (not the สำนักปลัด unit, not a ปลัดอำเภอ)."""
    for text in texts:
        plain = _NOT_EXECUTIVE.sub(" ", _plain(text))
        if _EXECUTIVE.search(plain):
            return True
    return False


def named_units(texts: Iterable[str], directory: Sequence[KnownUnit]) -> list[str]:
    """The directory names of the units the texts mention (aliases and spacing tolerated), in order."""
    names: list[str] = []
    for text in texts:
        if not text.strip():
            continue
        for name in resolve_units([text], directory).names:
            if name not in names:
                names.append(name)
    return names
