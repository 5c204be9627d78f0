"""A municipality's units (ส่วนราชการ) and how the names written in measure tables map onto them.

A table names a unit the way its writer thinks of it: a short form ("สำนักปลัด", "กองวิชาการฯ"), a whole
hierarchy ("กองคลัง ฝ่ายบริหารงานคลัง งานพัสดุและทรัพย์สิน", "งานพัสดุ/กองคลัง"), words broken by stray
spaces, or "every unit" ("ทุกส่วนราชการ"). The head of a กอง/สำนัก answers for everything below it, so a
hierarchy resolves to the กอง/สำนัก it names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from domain.thai_text import normalise, squeeze

DEFAULT_UNITS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("สำนักปลัดเทศบาล", ("สำนักปลัด", "สป.", "สำนักงานปลัดเทศบาล", "สำนักงานปลัด")),
    ("กองคลัง", ()),
    ("กองช่าง", ()),
    ("กองการศึกษา", ()),
    ("กองสาธารณสุขและสิ่งแวดล้อม", ("กองสาธารณสุข", "กองสาธารณสุขฯ", "กองสาธารณสุขและสิ่งแวดล้อมฯ")),
    ("กองวิชาการและแผนงาน", ("กองวิชาการฯ", "กองวิชาการ")),
    ("กองการเจ้าหน้าที่", ()),
    ("กองยุทธศาสตร์และงบประมาณ", ("กองยุทธศาสตร์ฯ",)),
    ("หน่วยตรวจสอบภายใน", ("งานตรวจสอบภายใน",)),
)

# Words that open a unit at the top of the hierarchy, whose head answers for a measure.
TOP_LEVEL_PREFIXES = ("สำนัก", "กอง", "หน่วย", "ศูนย์")
SUB_LEVEL_PREFIXES = ("ฝ่าย", "งาน")
_ALL_UNITS = re.compile(r"ทุก(?:ส่วนราชการ|สำนัก|กอง|หน่วยงาน|หน่วย|ส่วนงาน|ส่วน|ฝ่าย)")


@dataclass(frozen=True)
class KnownUnit:
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnitResolution:
    names: list[str]  # directory names matched, in order of appearance, no duplicates
    new_names: list[str]  # unit strings that match nothing: to be added as new units (caller warns)


def default_directory() -> tuple[KnownUnit, ...]:
    return tuple(KnownUnit(name, aliases) for name, aliases in DEFAULT_UNITS)


def is_all_units(text: str) -> bool:
    """"ทุกส่วนราชการ", "ทุกสำนัก/กอง", "ทุก หน่วยงานของ เทศบาล"...: every unit reports."""
    return _ALL_UNITS.search(squeeze(normalise(text))) is not None


def is_top_level(name: str) -> bool:
    return squeeze(name).startswith(TOP_LEVEL_PREFIXES)


def _key(text: str) -> str:
    return squeeze(normalise(text)).casefold()


@dataclass(frozen=True)
class _Matcher:
    pattern: re.Pattern[str] | None
    owner: dict[str, str]  # key -> directory name
    abbreviations: tuple[tuple[str, str], ...]  # (key without ฯ, directory name), for "กองวิชาการฯ"


@lru_cache(maxsize=64)
def _matcher(directory: tuple[KnownUnit, ...]) -> _Matcher:
    owner: dict[str, str] = {}
    for unit in directory:
        for text in (unit.name, *unit.aliases):
            key = _key(text)
            if key and key not in owner:
                owner[key] = unit.name
    keys = sorted(owner, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(k) for k in keys)) if keys else None
    abbreviations = tuple((key, owner[key]) for key in keys)
    return _Matcher(pattern, owner, abbreviations)


_UNIT_WORD = re.compile("|".join((*TOP_LEVEL_PREFIXES, *SUB_LEVEL_PREFIXES)))


def _expand_abbreviations(key: str, matcher: _Matcher) -> str:
    """"กองวิชาการฯ" -> the one known name that starts with "กองวิชาการ" (the nearest unit word before
    the ฯ that gives exactly one name)."""
    out: list[str] = []
    last = 0
    for mark in re.finditer("ฯ", key):
        starts = [m.start() for m in _UNIT_WORD.finditer(key, last, mark.start())]
        for start in reversed(starts):
            stem = key[start : mark.start()]
            owners = {name for k, name in matcher.abbreviations if k.startswith(stem) and k != stem}
            if len(owners) == 1:
                out.append(key[last:start] + _key(owners.pop()))
                last = mark.end()
                break
    out.append(key[last:])
    return "".join(out)


def _names_in(text: str, matcher: _Matcher) -> list[str]:
    if matcher.pattern is None:
        return []
    key = _expand_abbreviations(_key(text), matcher)
    found = [matcher.owner[m.group()] for m in matcher.pattern.finditer(key)]
    if any(is_top_level(name) for name in found):
        found = [name for name in found if is_top_level(name)]
    return found


_LEADING_NOISE = re.compile(r"^[\s\-–—•▪●○◦*/,]+|[\s\-–—•▪●○◦*/,]+$")


def resolve_units(unit_texts: list[str], directory: Sequence[KnownUnit]) -> UnitResolution:
    """Map unit strings onto directory names (ignoring spaces, through aliases, a hierarchy to the
    กอง/สำนัก it names). "Every unit" phrases are not units and are skipped; strings that match nothing
    come back in new_names, never dropped."""
    matcher = _matcher(tuple(directory))
    names: list[str] = []
    new_names: list[str] = []
    for text in unit_texts:
        clean = _LEADING_NOISE.sub("", normalise(text))
        if not clean:
            continue
        found = _names_in(clean, matcher)
        if found:
            names.extend(name for name in found if name not in names)
        elif is_all_units(clean):
            continue
        elif squeeze(clean) not in {squeeze(n) for n in new_names}:
            new_names.append(clean)
    return UnitResolution(names=names, new_names=new_names)
