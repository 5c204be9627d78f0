"""Recognise a measure table's header row(s) and map its columns to what they hold.

Header wordings differ between bodies ("มาตรการ/แนวทาง", "โครงการ/กิจกรรม"; "ผู้รับผิดชอบ", "หน่วยงาน"...),
some headers run over two rows, and tables repeat the header at page breaks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from domain.plan_cells import plain_text
from domain.thai_text import normalise, squeeze

__all__ = ["Layout", "Role", "is_header", "labels"]


class Role(Enum):
    """What a column holds."""

    GROUP = "group"
    MEASURE = "measure"
    STEPS = "steps"
    UNITS = "units"
    PERIOD = "period"
    MONITORING = "monitoring"
    ITA = "ita"
    ORDER = "order"  # "ที่", "ลำดับ": a measure's (or its issue's) number
    OTHER = "other"  # a known column this importer does not use (score, findings, results...)


_MAIN_ROLES = {Role.MEASURE, Role.STEPS, Role.UNITS, Role.PERIOD, Role.MONITORING}
_MAX_LABEL = 60


@lru_cache(maxsize=8192)
def _label_key(cell: str) -> str:
    if len(cell) > 4 * _MAX_LABEL:  # a data cell, no label: spare normalising it
        return "-" * (_MAX_LABEL + 1)
    return squeeze(normalise(plain_text(cell))).casefold()


def _classify_label(key: str) -> Role | None:
    if not key or len(key) > _MAX_LABEL:
        return None
    if "ขั้นตอน" in key or key in ("วิธีดำเนินการ", "วิธีการดำเนินการ", "วิธีปฏิบัติ", "วิธีการปฏิบัติ", "กิจกรรม"):
        return Role.STEPS
    if any(w in key for w in ("ระยะเวลา", "ช่วงเวลา", "ห้วงเวลา")) or key in ("เวลา", "กำหนดเวลา", "ปีงบประมาณ"):
        return Role.PERIOD
    if "รับผิดชอบ" in key or key in ("หน่วยงาน", "ส่วนราชการ", "ผู้ดำเนินการ", "หน่วยงานดำเนินการ"):
        return Role.UNITS
    if "ติดตาม" in key:
        return Role.MONITORING
    if "ข้อคำถาม" in key or key in ("ita", "ข้อita", "ตัวชี้วัดita"):
        return Role.ITA
    if "ผลการดำเนิน" in key or "ความสำเร็จ" in key:
        return Role.OTHER
    if key in ("ที่", "ข้อ", "ลำดับ", "ลำดับที่", "no.", "no"):
        return Role.ORDER
    if any(w in key for w in ("นำผล", "มาตรการ", "แนวทาง")) or key in ("โครงการ", "โครงการ/กิจกรรม"):
        return Role.MEASURE
    if any(w in key for w in ("วิเคราะห์", "ข้อค้นพบ", "คะแนน", "ปัญหา", "ข้อเสนอแนะ", "หมายเหตุ", "งบประมาณ",
                              "เป้าหมาย", "ผลผลิต", "ผลลัพธ์", "ลำดับ")) or key in ("ที่", "ข้อ"):
        return Role.OTHER
    if not re.search(r"\d", key) and len(key) <= 20 and key.startswith(("ประเด็น", "หัวข้อ", "ตัวชี้วัด", "ด้าน")):
        return Role.GROUP
    return None


def labels(row: list[str]) -> tuple[dict[int, Role], int]:
    """Roles of the cells that read as column labels, and how many non-empty cells do not."""
    roles: dict[int, Role] = {}
    unknown = 0
    for index, cell in enumerate(row):
        key = _label_key(cell)
        if not key:
            continue
        role = _classify_label(key)
        if role is None:
            unknown += 1
        else:
            roles[index] = role
    return roles, unknown


def is_header(roles: dict[int, Role], unknown: int) -> bool:
    """Whether a row with these labels (see labels()) is the table's header."""
    main = {role for role in roles.values() if role in _MAIN_ROLES}
    return Role.MEASURE in main and (len(main) >= 3 or (len(main) >= 2 and unknown == 0))


@dataclass
class Layout:
    """The table's columns: the role of each labelled column index."""

    roles: dict[int, Role]

    def column(self, role: Role) -> int | None:
        return min((i for i, r in self.roles.items() if r == role), default=None)

    def group_column(self) -> int | None:
        """Where issue headings sit on measure rows: the ประเด็น/ตัวชี้วัด column, else a first column without a
        label before the measure column."""
        group = self.column(Role.GROUP)
        if group is not None:
            return group
        measure = self.column(Role.MEASURE)
        return 0 if measure is not None and measure > 0 and 0 not in self.roles else None

    def merge_sub_header(self, roles: dict[int, Role]) -> None:
        for index, role in roles.items():
            if self.roles.get(index) in (None, Role.OTHER):
                self.roles[index] = role
