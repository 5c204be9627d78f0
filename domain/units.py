"""A municipality's units (ส่วนราชการ) and how the names written in measure tables map onto them.

A table names a unit the way its writer thinks of it: a short form ("สำนักปลัด", "กองวิชาการฯ"), a whole
hierarchy ("กองคลัง ฝ่ายบริหารงานคลัง งานพัสดุและทรัพย์สิน", "งานพัสดุ/กองคลัง"), words broken by stray
spaces, or "every unit" ("ทุกส่วนราชการ"). The head of a กอง/สำนัก answers for everything below it, so a
hierarchy resolves to the กอง/สำนัก it names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
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
# Where a sub-section usually sits in a municipality (เทศบาล) when the table names only the งาน/ฝ่าย: words of
# its name -> the default unit that answers for it. Only a suggestion: bodies organise differently (งาน
# ประชาสัมพันธ์ is in สำนักปลัด in most เทศบาลตำบล, in กองวิชาการและแผนงาน in some เทศบาลเมือง).
SUB_UNIT_HINTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("หน่วยตรวจสอบภายใน", ("ตรวจสอบภายใน",)),
    ("กองคลัง", ("พัสดุ", "การเงิน", "บัญชี", "รายได้", "แผนที่ภาษี", "ภาษี", "ทรัพย์สิน", "ผลประโยชน์", "คลัง")),
    ("กองช่าง", ("วิศวกรรม", "สถาปัตยกรรม", "ผังเมือง", "สาธารณูปโภค", "ก่อสร้าง", "ไฟฟ้า", "ประปา", "สวนสาธารณะ",
                 "ช่าง")),
    ("กองการศึกษา", ("การศึกษา", "ศึกษา", "พัฒนาเด็กเล็ก", "กีฬา", "ศาสนา", "วัฒนธรรม", "นันทนาการ", "ห้องสมุด")),
    ("กองสาธารณสุขและสิ่งแวดล้อม", ("สาธารณสุข", "สุขาภิบาล", "รักษาความสะอาด", "สิ่งแวดล้อม", "ป้องกันโรค",
                                    "อนามัย")),
    ("กองวิชาการและแผนงาน", ("แผนงาน", "วิเคราะห์นโยบาย", "งบประมาณ", "วิชาการ", "เผยแพร่")),
    ("สำนักปลัดเทศบาล", ("ทะเบียน", "ประชาสัมพันธ์", "ธุรการ", "การเจ้าหน้าที่", "บุคคล", "นิติการ", "ป้องกันและ",
                         "สาธารณภัย", "กิจการสภา", "สวัสดิการ", "พัฒนาชุมชน", "อำนวยการ", "ร้องเรียน", "ร้องทุกข์",
                         "เทศกิจ", "ปกครอง", "สารบรรณ", "บริหารงานทั่วไป")),
)
_ALL_UNITS = re.compile(r"ทุก(?:ส่วนราชการ|สำนัก|กอง|หน่วยงาน|หน่วย|ส่วนงาน|ส่วน|ฝ่าย)")


@dataclass(frozen=True)
class KnownUnit:
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnitResolution:
    names: list[str]  # directory names matched, in order of appearance, no duplicates
    new_names: list[str]  # unit strings that match nothing: to be added as new units (caller warns)
    # Sub-sections (งาน/ฝ่าย) that match nothing but whose กอง/สำนัก is guessed from their name:
    # (the text as written, the directory name suggested). Not in names: the caller decides and warns.
    suggestions: list[tuple[str, str]] = field(default_factory=list)


def default_directory() -> tuple[KnownUnit, ...]:
    return tuple(KnownUnit(name, aliases) for name, aliases in DEFAULT_UNITS)


def is_all_units(text: str) -> bool:
    """"ทุกส่วนราชการ", "ทุกสำนัก/กอง", "ทุก หน่วยงานของ เทศบาล"...: every unit reports."""
    return _ALL_UNITS.search(squeeze(normalise(text))) is not None


def is_top_level(name: str) -> bool:
    return squeeze(name).startswith(TOP_LEVEL_PREFIXES)


def unit_level(text: str) -> int | None:
    """0 for a กอง/สำนัก/หน่วย/ศูนย์, 1 for a ฝ่าย, 2 for a งาน, None for text that opens with no unit word."""
    key = squeeze(normalise(text)).lstrip("-–—•▪*/,")
    if key.startswith(TOP_LEVEL_PREFIXES):
        return 0
    if key.startswith("ฝ่าย"):
        return 1
    return 2 if key.startswith("งาน") else None


def suggested_parent(text: str) -> str | None:
    """The default กอง/สำนัก a sub-section written alone usually belongs to ("งานทะเบียน" -> สำนักปลัดเทศบาล),
    None when the text is no sub-section or its name gives no hint."""
    level = unit_level(text)
    if level is None or level == 0:
        return None
    key = squeeze(normalise(text)).lstrip("-–—•▪*/,")
    key = key[len("ฝ่าย") :] if level == 1 else key[len("งาน") :]
    hits = [(key.find(word), -len(word), unit) for unit, words in SUB_UNIT_HINTS for word in words if word in key]
    return min(hits)[2] if hits else None


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
    กอง/สำนัก it names). "Every unit" phrases are not units and are skipped; a sub-section that matches
    nothing and whose กอง/สำนัก its name suggests is in the directory comes back in suggestions; other strings
    that match nothing come back in new_names. Nothing is dropped."""
    matcher = _matcher(tuple(directory))
    names: list[str] = []
    new_names: list[str] = []
    suggestions: list[tuple[str, str]] = []
    for text in unit_texts:
        clean = _LEADING_NOISE.sub("", normalise(text))
        if not clean:
            continue
        found = _names_in(clean, matcher)
        if found:
            names.extend(name for name in found if name not in names)
            continue
        if is_all_units(clean):
            continue
        parent = suggested_parent(clean)
        owner = matcher.owner.get(_key(parent)) if parent else None
        seen = {squeeze(n) for n in new_names} | {squeeze(t) for t, _ in suggestions}
        if squeeze(clean) in seen:
            continue
        if owner is not None:
            suggestions.append((clean, owner))
        else:
            new_names.append(clean)
    return UnitResolution(names=names, new_names=new_names, suggestions=suggestions)
