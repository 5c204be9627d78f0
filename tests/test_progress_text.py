"""The free-text side of progress reporting: status answers, percentages, one-message shortcuts, "ไม่มี"."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.progress import (
    MAX_CHARS,
    Contradiction,
    ProgressShortcut,
    ProgressStatus,
    contradiction,
    is_none_answer,
    parse_percent,
    parse_shortcut,
    parse_status,
    problems_missing,
)
from domain.thai_text import normalise, to_thai_digits

NS = ProgressStatus.NOT_STARTED
IP = ProgressStatus.IN_PROGRESS
DONE = ProgressStatus.DONE
PROB = ProgressStatus.PROBLEM


def sc(measure: int, status: ProgressStatus | None, percent: int | None, details: str = "",
       problems: str = "", bad: int | None = None) -> ProgressShortcut:
    return ProgressShortcut(measure, status, percent, details, problems, bad)


# -- parse_shortcut ----------------------------------------------------------------------------------------
SHORTCUTS: list[tuple[str, ProgressShortcut | None]] = [
    # the spec's example, spaced and run-on, Thai and Arabic digits
    ("รายงาน ม.๓ เสร็จแล้ว ๑๐๐% จัดประชุมชี้แจงแล้ว", sc(3, DONE, 100, "จัดประชุมชี้แจงแล้ว")),
    ("รายงาน ม.3 เสร็จแล้ว 100% จัดประชุมชี้แจงแล้ว", sc(3, DONE, 100, "จัดประชุมชี้แจงแล้ว")),
    ("รายงานม.3เสร็จแล้ว100%จัดประชุมชี้แจงแล้ว", sc(3, DONE, 100, "จัดประชุมชี้แจงแล้ว")),
    ("รายงานม.๓เสร็จแล้ว๑๐๐%จัดประชุมชี้แจงแล้ว", sc(3, DONE, 100, "จัดประชุมชี้แจงแล้ว")),
    # measure references
    ("รายงาน ม 7 กำลังดำเนินการ 50%", sc(7, IP, 50)),
    ("รายงาน ม7 กำลังดำเนินการ", sc(7, IP, None)),
    ("รายงาน ม. 12 ยังไม่เริ่ม", sc(12, NS, None)),
    ("รายงาน มาตรการ 4 ยังไม่ได้ดำเนินการ รอจัดสรรงบประมาณ", sc(4, NS, None, "รอจัดสรรงบประมาณ")),
    ("รายงาน มาตรการที่ ๑๕ อยู่ระหว่างดำเนินการ ร้อยละ ๖๐", sc(15, IP, 60)),
    ("รายงานมาตรการที่๒กำลังทำ", sc(2, IP, None)),
    ("รายงาน #9 เสร็จสิ้น", sc(9, DONE, None)),
    ("รายงาน: ม.3 เสร็จแล้ว", sc(3, DONE, None)),
    ("  รายงาน ม.003 เสร็จแล้ว", sc(3, DONE, None)),
    # "รายงานผล" and the bot's other report words
    ("รายงานผล ม.๕ ดำเนินการแล้วเสร็จ ๑๐๐%", sc(5, DONE, 100)),
    ("รายงานผลม.5ดำเนินการแล้วเสร็จ", sc(5, DONE, None)),
    ("รายงานผลการดำเนินงาน ม.8 แล้วเสร็จ", sc(8, DONE, None)),
    ("รายงานความก้าวหน้า ม.8 กำลังดำเนินงาน 30%", sc(8, IP, 30)),
    ("ส่งรายงาน ม.8 เรียบร้อยแล้ว", sc(8, DONE, None)),
    # percent before the status; percent forms
    ("รายงาน ม.3 80% กำลังดำเนินการ ประชาสัมพันธ์ผ่านเว็บไซต์", sc(3, IP, 80, "ประชาสัมพันธ์ผ่านเว็บไซต์")),
    ("รายงาน ม.3 ร้อยละ 80 กำลังดำเนินการ", sc(3, IP, 80)),
    ("รายงาน ม.3 80 เปอร์เซ็นต์ ดำเนินการอยู่", sc(3, IP, 80)),
    ("รายงาน ม.3 กำลังดำเนินการ 80 เปอร์เซ็น จัดทำร่างคู่มือ", sc(3, IP, 80, "จัดทำร่างคู่มือ")),
    ("รายงาน ม.3 เสร็จแล้ว (100%) ส่งรายงานให้นายกแล้ว", sc(3, DONE, 100, "ส่งรายงานให้นายกแล้ว")),
    ("รายงาน ม.3 - เสร็จแล้ว - 100% - จัดประชุม", sc(3, DONE, 100, "จัดประชุม")),
    # a percent < 100 with DONE is kept as given; a status-less 100% is DONE
    ("รายงาน ม.3 เสร็จ 50% รอส่งเอกสาร", sc(3, DONE, 50, "รอส่งเอกสาร")),
    ("รายงาน ม.3 100% จัดอบรมครบทุกกอง", sc(3, DONE, 100, "จัดอบรมครบทุกกอง")),
    # status missing: percent and details kept
    ("รายงาน ม.3 60% จัดอบรมไปแล้ว 2 รุ่น", sc(3, None, 60, "จัดอบรมไปแล้ว 2 รุ่น")),
    ("รายงาน ม.3 จัดอบรมเจ้าหน้าที่ 2 รุ่น", sc(3, None, None, "จัดอบรมเจ้าหน้าที่ 2 รุ่น")),
    ("รายงาน ม.3 ความคืบหน้าเป็นไปตามแผน", sc(3, None, None, "ความคืบหน้าเป็นไปตามแผน")),
    ("รายงาน ม.3", sc(3, None, None)),
    # a status or percent closing the details
    ("รายงาน ม.3 จัดประชุมแล้ว 100%", sc(3, DONE, 100, "จัดประชุมแล้ว")),
    ("รายงาน ม.3 จัดประชุมชี้แจง เสร็จแล้วครับ", sc(3, DONE, None, "จัดประชุมชี้แจง")),
    ("รายงาน ม.3 จัดทำประกาศ ยังไม่ เสร็จ 70%", sc(3, IP, 70, "จัดทำประกาศ")),
    ("รายงาน ม.3 งานยังไม่ เสร็จ", sc(3, None, None, "งานยังไม่ เสร็จ")),
    # problems markers
    ("รายงาน ม.๓ กำลังดำเนินการ ๕๐% ประชาสัมพันธ์แล้ว ปัญหา: งบประมาณไม่เพียงพอ",
     sc(3, IP, 50, "ประชาสัมพันธ์แล้ว", "งบประมาณไม่เพียงพอ")),
    ("รายงานม.3กำลังดำเนินการ50%ประชาสัมพันธ์แล้วปัญหา:งบประมาณไม่เพียงพอ",
     sc(3, IP, 50, "ประชาสัมพันธ์แล้ว", "งบประมาณไม่เพียงพอ")),
    ("รายงาน ม.3 กำลังดำเนินการ จัดซื้อแล้ว ปัญหา/อุปสรรค ผู้รับจ้างส่งของล่าช้า",
     sc(3, IP, None, "จัดซื้อแล้ว", "ผู้รับจ้างส่งของล่าช้า")),
    ("รายงาน ม.3 เสร็จแล้ว อุปสรรค: ฝนตกหนัก", sc(3, DONE, None, "", "ฝนตกหนัก")),
    ("รายงาน ม.3 เสร็จแล้ว 100% ข้อเสนอแนะ: ควรเพิ่มงบปีหน้า", sc(3, DONE, 100, "", "ควรเพิ่มงบปีหน้า")),
    ("รายงาน ม.3 มีปัญหา: เจ้าหน้าที่ลาออก", sc(3, PROB, None, "", "เจ้าหน้าที่ลาออก")),
    ("รายงาน ม.3 30% มีปัญหา-อุปสรรค: เจ้าหน้าที่ลาออก", sc(3, PROB, 30, "", "เจ้าหน้าที่ลาออก")),
    ("รายงาน ม.3 มีปัญหา-อุปสรรค 30% รอผู้รับจ้าง", sc(3, PROB, 30, "รอผู้รับจ้าง")),
    ("รายงาน ม.3 ติดขัด งบประมาณล่าช้า", sc(3, PROB, None, "งบประมาณล่าช้า")),
    ("รายงาน ม.3 100% ปัญหา/อุปสรรค ไม่มี", sc(3, DONE, 100)),
    ("รายงาน ม.3 ปัญหา: ระเบียบไม่ชัดเจน", sc(3, None, None, "", "ระเบียบไม่ชัดเจน")),
    ("รายงาน ม.3 ปัญหาอุปสรรค งบไม่พอ", sc(3, PROB, None, "งบไม่พอ")),
    ("รายงาน ม.3 ปัญหาอุปสรรค ข้อเสนอแนะ: ควรจัดอบรมเพิ่ม", sc(3, None, None, "", "ควรจัดอบรมเพิ่ม")),
    ("รายงาน ม.3 ติดปัญหา/อุปสรรค: ผู้รับจ้างทิ้งงาน", sc(3, PROB, None, "", "ผู้รับจ้างทิ้งงาน")),
    ("รายงาน ม.3 จัดประชุมแล้ว มีปัญหา: ห้องประชุมไม่ว่าง", sc(3, None, None, "จัดประชุมแล้ว", "ห้องประชุมไม่ว่าง")),
    # negations
    ("รายงาน ม.3 ยังไม่เสร็จ 40%", sc(3, IP, 40)),
    ("รายงาน ม.3 ยังไม่ได้เริ่ม", sc(3, NS, None)),
    ("รายงาน ม.3 เสร็จแล้ว ไม่มีปัญหา", sc(3, DONE, None)),
    ("รายงาน ม.3 จัดประชุมแล้ว ไม่มีปัญหาอุปสรรค", sc(3, None, None, "จัดประชุมแล้ว")),
    ("รายงาน ม.3 ไม่มีปัญหา", sc(3, None, None)),
    # run-on Thai: a word starting like a status is not one ("กำลังทำ" + "งานอยู่"); where the tokenizer
    # glues the status to what follows ("ดำเนิน|การสำรวจ", "แล้วแต่") the status still counts
    ("รายงาน ม.3 กำลังทำงานอยู่", sc(3, None, None, "กำลังทำงานอยู่")),
    ("รายงานม.3กำลังทำงานอยู่", sc(3, None, None, "กำลังทำงานอยู่")),
    ("รายงานม.3ยังไม่ได้ดำเนินการสำรวจความพึงพอใจ", sc(3, NS, None, "สำรวจความพึงพอใจ")),
    ("รายงาน ม.10 เสร็จแล้วแต่ยังไม่ได้ส่งเอกสาร", sc(10, DONE, None, "แต่ยังไม่ได้ส่งเอกสาร")),
    ("รายงานม.4ยังไม่ได้เริ่มเนื่องจากรองบประมาณ", sc(4, NS, None, "เนื่องจากรองบประมาณ")),
    ("รายงานม.6เรียบร้อยแล้วส่งหลักฐานทางไลน์", sc(6, DONE, None, "ส่งหลักฐานทางไลน์")),
    ("รายงานม.2กำลังดำเนินการร้อยละ50อยู่ระหว่างจัดซื้อ", sc(2, IP, 50, "อยู่ระหว่างจัดซื้อ")),
    # a percentage inside the details is part of them; an impossible one too
    ("รายงาน ม.1 เสร็จแล้ว ผู้เข้าร่วม 95% ของพนักงาน", sc(1, DONE, None, "ผู้เข้าร่วม 95% ของพนักงาน")),
    ("รายงาน ม.1 ร้อยละ 120 กำลังดำเนินการ", sc(1, IP, None, bad=120)),
    ("รายงาน ม.1 กำลังดำเนินการ 150% จัดประชุม", sc(1, IP, None, "จัดประชุม", bad=150)),
    ("รายงาน ม.1 จัดประชุม 150%", sc(1, None, None, "จัดประชุม", bad=150)),
    # a bare number right after the status is its percentage, unless it counts something
    ("รายงาน ม.1 กำลังทำ 50", sc(1, IP, 50)),
    ("รายงาน ม.1 กำลังทำ ๕๐ จัดประชุม", sc(1, IP, 50, "จัดประชุม")),
    ("รายงาน ม.1 เสร็จแล้ว 3 ครั้ง", sc(1, DONE, None, "3 ครั้ง")),
    ("รายงาน ม.1 เสร็จแล้ว 2567", sc(1, DONE, None, "2567")),
    # a bare measure number, when a status or percentage follows it
    ("รายงาน 3 เสร็จแล้ว จัดประชุม", sc(3, DONE, None, "จัดประชุม")),
    ("รายงาน ๓ 80% จัดประชุม", sc(3, None, 80, "จัดประชุม")),
    ("รายงาน 6 เดือน", None),
    ("รายงาน 3", None),
    # a structured, multi-line message
    ("รายงาน ม.๓\nสถานะ: เสร็จแล้ว\nความคืบหน้า: ๑๐๐%\nผลการดำเนินงาน: จัดประชุมชี้แจง\nปัญหา/อุปสรรค: ไม่มี",
     sc(3, DONE, 100, "จัดประชุมชี้แจง")),
    ("รายงาน ม.3\nกำลังดำเนินการ 60%\n1. จัดประชุม\n2. ทำคำสั่ง\nปัญหา: ไม่มีงบ",
     sc(3, IP, 60, "1. จัดประชุม\n2. ทำคำสั่ง", "ไม่มีงบ")),
    # particles, stray spaces, English
    ("รายงาน ม.3 เสร็จ แล้ว ค่ะ 100 % อบรมแล้ว", sc(3, DONE, 100, "อบรมแล้ว")),
    ("รายงาน ม.3 done 100%", sc(3, DONE, 100)),
    ("รายงาน ม.3 in progress 40% drafting", sc(3, IP, 40, "drafting")),
    ("รายงาน\u200b ม.3 เสร็จแล้ว\x00", sc(3, DONE, None)),
    # not shortcuts
    ("รายงาน", None),
    ("รายงานผล", None),
    ("  รายงาน  ", None),
    ("รายงานการประชุมประจำเดือน", None),
    ("รายงานมาตรการ", None),
    ("ม.3 เสร็จแล้ว 100%", None),
    ("ขอรายงาน ม.3 เสร็จแล้ว", None),
    ("รายงาน ม.0 เสร็จแล้ว", None),
    ("รายงาน ม.12345 เสร็จแล้ว", None),
    ("เสร็จแล้ว", None),
    ("", None),
]


@pytest.mark.parametrize(("text", "expected"), SHORTCUTS)
def test_parse_shortcut(text: str, expected: ProgressShortcut | None) -> None:
    assert parse_shortcut(text) == expected


def test_shortcut_examples_are_many_and_varied() -> None:
    assert len(SHORTCUTS) >= 40
    assert sum(1 for _, expected in SHORTCUTS if expected is None) >= 8


# -- parse_status ------------------------------------------------------------------------------------------
STATUSES: list[tuple[str, ProgressStatus | None]] = [
    # the quick-reply labels
    ("ยังไม่เริ่ม", NS), ("กำลังดำเนินการ", IP), ("ดำเนินการแล้วเสร็จ", DONE), ("มีปัญหา-อุปสรรค", PROB),
    # typed variants
    ("ยังไม่ได้เริ่ม", NS), ("ยังไม่ได้ดำเนินการ", NS), ("ยังไม่ดำเนินการ", NS), ("ไม่ได้ทำ", NS),
    ("กำลังทำ", IP), ("อยู่ระหว่างดำเนินการ", IP), ("ดำเนินการอยู่", IP), ("กำลังดำเนินงาน", IP),
    ("เสร็จแล้ว", DONE), ("เสร็จสิ้น", DONE), ("แล้วเสร็จ", DONE), ("เสร็จ", DONE), ("เรียบร้อย", DONE),
    ("เรียบร้อยแล้ว", DONE), ("ดำเนินการเสร็จแล้ว", DONE), ("ครบถ้วน", DONE),
    ("มีปัญหา", PROB), ("มีอุปสรรค", PROB), ("ติดปัญหา", PROB), ("ปัญหาอุปสรรค", PROB), ("ติดขัด", PROB),
    ("มีปัญหา/อุปสรรค", PROB),
    # stray spaces, particles, punctuation, emoji, a percentage, a label
    ("ยัง ไม่ได้ เริ่ม", NS), ("กำลัง ดำเนินการ", IP), ("เสร็จ แล้ว ครับ", DONE), ("เสร็จแล้วค่ะ!!", DONE),
    ("✅ เสร็จแล้วครับ 🙏", DONE), ("กำลังดำเนินการ 50%", IP), ("กำลังดำเนินการ ร้อยละ ๕๐", IP),
    ("๑๐๐% เสร็จแล้ว", DONE), ("สถานะ: เสร็จแล้ว", DONE), ("\u200bกำลังดำเนินการ\n", IP),
    # English
    ("done", DONE), ("Done.", DONE), ("in progress", IP), ("In Progress", IP), ("not started", NS),
    # the numbered choice
    ("1", NS), ("2", IP), ("3", DONE), ("4", PROB), ("๑", NS), ("๒", IP), ("๓", DONE), ("๔", PROB), ("4.", PROB),
    (" (3) ", DONE),
    # negations
    ("ยังไม่เสร็จ", IP), ("ยังไม่เสร็จครับ", IP), ("ไม่เสร็จ", IP), ("ยังไม่เรียบร้อย", IP),
    ("ไม่มีปัญหา", None), ("ไม่มีอุปสรรค", None), ("ไม่ติดขัด", None),
    # not a status answer
    ("", None), ("   ", None), ("5", None), ("0", None), ("12", None), ("ข้าม", None), ("ไม่มี", None),
    ("เสร็จแล้วแต่มีปัญหา", None), ("กำลังทำงานอยู่", None), ("รายงาน", None), ("doneness", None),
    ("เสร็จ" * 3000, None),
]


@pytest.mark.parametrize(("text", "expected"), STATUSES)
def test_parse_status(text: str, expected: ProgressStatus | None) -> None:
    assert parse_status(text) == expected


def test_status_values_are_stable() -> None:
    # stored in the database: the values must never change
    assert [s.value for s in ProgressStatus] == ["not_started", "in_progress", "done", "problem"]


# -- parse_percent -----------------------------------------------------------------------------------------
PERCENTS: list[tuple[str, int | None]] = [
    ("๑๐๐%", 100), ("100 %", 100), ("80%", 80), ("ร้อยละ 80", 80), ("ร้อยละ ๘๐", 80), ("ร้อยละ๘๐", 80),
    ("80 เปอร์เซ็นต์", 80), ("80 เปอร์เซ็น", 80), ("80เปอร์เซนต์", 80), ("ร้อยละ 80%", 80), ("0%", 0),
    ("80", 80), ("๘๐", 80), (" 25 ", 25), ("0", 0), ("ประมาณ 60%", 60), ("ความคืบหน้าร้อยละ 45 ครับ", 45),
    ("87.5%", 88), ("80 ％", 80), ("50 percent", 50),
    ("150%", None), ("101", None), ("1000%", None), ("-5%", None), ("ร้อยละ", None), ("%", None),
    ("", None), ("ข้าม", None), ("ม.3", None), ("80 คน", None), ("1/2", None), ("๑" * 6000, None),
]


@pytest.mark.parametrize(("text", "expected"), PERCENTS)
def test_parse_percent(text: str, expected: int | None) -> None:
    assert parse_percent(text) == expected


# -- is_none_answer ----------------------------------------------------------------------------------------
NONE_ANSWERS: list[tuple[str, bool]] = [
    ("ไม่มี", True), ("ไม่มีปัญหา", True), ("ไม่มี ปัญหา/อุปสรรค", True), ("-", True), ("—", True),
    ("ไม่มีข้อเสนอแนะ", True), ("no", True), ("none", True), ("None.", True), ("ไม่มีครับ", True),
    ("ไม่มีค่ะ", True), ("ไม่มีปัญหาอุปสรรคใดๆ ครับ", True), ("ไม่มีปัญหาและอุปสรรค", True),
    ("ยังไม่มี", True), ("ไม่พบปัญหา", True), ("ไม่ มี", True), ("n/a", True),
    ("", False), ("ไม่", False), ("มี", False), ("ไม่มีปัญหาแต่งบน้อย", False), ("ไม่มีงบประมาณ", False),
    ("งบประมาณไม่เพียงพอ", False), ("มีปัญหา", False), ("nothing special happened", False),
    ("ไม่มี" * 2000, False),
]


@pytest.mark.parametrize(("text", "expected"), NONE_ANSWERS)
def test_is_none_answer(text: str, expected: bool) -> None:
    assert is_none_answer(text) is expected


# -- robustness (speed: bench/import_parse.py) ----------------------------------------------------------------------------------
def test_huge_and_odd_inputs_are_capped_and_handled() -> None:
    huge = "รายงาน ม.3 เสร็จแล้ว 100% " + "จัดประชุมชี้แจง " * 20_000
    started = time.perf_counter()
    result = parse_shortcut(huge)
    assert time.perf_counter() - started < 5.0  # a guard against runaway regex backtracking, not a benchmark
    assert result is not None and result.status is DONE and result.percent == 100
    assert len(result.details) <= MAX_CHARS
    assert parse_shortcut("รายงาน ม.3 " + "ก" * 100_000 + " 80%") == sc(3, None, None, "ก" * (MAX_CHARS - 11))
    assert parse_shortcut("รายงาน ม.3 " + "เสร็จ" * 2000) is not None
    assert parse_shortcut("\x00\x01\ud800รายงาน ม.3") == sc(3, None, None)
    odd = parse_shortcut("รายงาน ม.3 \ud800จัด\x07ประชุม\u200b \udfff")
    assert odd == sc(3, None, None, "จัด ประชุม")
    odd.details.encode("utf-8")  # storable


def test_module_import_stays_cheap() -> None:
    # the newmm tokenizer and its dictionary load on first use (or warm_up()), not when the bot imports
    import subprocess
    import sys

    code = (
        "import sys, domain.progress as p; print('pythainlp.tokenize.newmm' in sys.modules); "
        "p.parse_shortcut('รายงาน ม.3 เสร็จแล้ว 100% จัดประชุม'); print('pythainlp.tokenize.newmm' in sys.modules); "
        "p.parse_shortcut('รายงานม.3เสร็จแล้วจัดประชุม'); print('pythainlp.tokenize.newmm' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # spaced messages never need the tokenizer; run-on Thai does
    assert out.stdout.split() == ["False", "False", "True"]


def test_lexicon_survives_normalisation() -> None:
    from domain import progress
    from domain.progress import ENGLISH_STATUS_PHRASES, STATUS_PHRASES

    word_lists = ("PARTICLES", "STATUS_LABELS", "PERCENT_LABELS", "DETAILS_LABELS", "REPORT_KEYWORDS",
                  "PERCENT_SUFFIXES")
    for name in word_lists:
        for word in getattr(progress, name):
            assert normalise(word) == word, (name, word)

    seen: dict[str, ProgressStatus] = {}
    for table in (STATUS_PHRASES, ENGLISH_STATUS_PHRASES):
        for status, words in table.items():
            for word in words:
                assert normalise(word) == word, word  # typed the way normalised input will arrive
                assert seen.setdefault(word, status) is status, f"{word} listed under two statuses"
                assert parse_status(word) is status, word


# -- properties ------------------------------------------------------------------------------------------
ANY_TEXT = st.one_of(
    st.text(),
    st.text(st.characters(codec=None, exclude_categories=())),  # lone surrogates, controls, anything
    st.lists(
        st.sampled_from([
            "รายงาน", "รายงานผล", "ม.", "ม", "มาตรการที่", "#", "3", "๓", "100", "%", "ร้อยละ", " ", "\n", ":",
            "เสร็จ", "แล้ว", "ยัง", "ไม่", "มี", "ปัญหา", "/", "อุปสรรค", "กำลัง", "ดำเนินการ", "ครับ", "-", ".",
            "ข้อเสนอแนะ", "สถานะ", "ผลการดำเนินงาน", "done", "\x00", "\u200b", "่", "ๆ", "12", "0", "๑๐๐",
        ]),
        max_size=30,
    ).map("".join),
)


@settings(deadline=None, max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(ANY_TEXT)
def test_never_raises(text: str) -> None:
    shortcut = parse_shortcut(text)
    status = parse_status(text)
    percent = parse_percent(text)
    assert isinstance(is_none_answer(text), bool)
    assert status is None or isinstance(status, ProgressStatus)
    assert percent is None or 0 <= percent <= 100
    if shortcut is not None:
        assert shortcut.measure_no >= 1
        assert shortcut.percent is None or 0 <= shortcut.percent <= 100
        assert shortcut.bad_percent is None or (shortcut.bad_percent > 100 and shortcut.percent is None)
        assert shortcut.details == shortcut.details.strip()
        assert shortcut.problems == shortcut.problems.strip()


@settings(deadline=None, max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(ANY_TEXT)
def test_thai_digits_change_nothing(text: str) -> None:
    thai = to_thai_digits(text)
    assert parse_shortcut(thai) == parse_shortcut(text)
    assert parse_percent(thai) == parse_percent(text)
    assert parse_status(thai) == parse_status(text)
    assert is_none_answer(thai) == is_none_answer(text)


STATUS_VARIANTS: list[tuple[str | None, ProgressStatus | None]] = [
    ("ยังไม่เริ่ม", NS), ("ยังไม่ได้เริ่ม", NS), ("ยังไม่ได้ดำเนินการ", NS), ("ยังไม่ดำเนินการ", NS), ("ไม่ได้ทำ", NS),
    ("กำลังดำเนินการ", IP), ("กำลังทำ", IP), ("อยู่ระหว่างดำเนินการ", IP), ("ดำเนินการอยู่", IP),
    ("กำลังดำเนินงาน", IP), ("ยังไม่เสร็จ", IP), ("in progress", IP),
    ("ดำเนินการแล้วเสร็จ", DONE), ("เสร็จแล้ว", DONE), ("เสร็จสิ้น", DONE), ("แล้วเสร็จ", DONE), ("เสร็จ", DONE),
    ("เรียบร้อย", DONE), ("เรียบร้อยแล้ว", DONE), ("ดำเนินการเสร็จแล้ว", DONE), ("ครบถ้วน", DONE), ("done", DONE),
    ("มีปัญหา", PROB), ("มีอุปสรรค", PROB), ("ติดปัญหา", PROB), ("มีปัญหา-อุปสรรค", PROB), ("ติดขัด", PROB),
    # (a bare "ปัญหาอุปสรรค" before "ข้อเสนอแนะ:" reads as a header; see the examples)
    (None, None),  # no status at all
]
MEASURE_FORMS = ["ม.{}", "ม. {}", "ม {}", "ม{}", "มาตรการ {}", "มาตรการที่ {}", "มาตรการที่{}", "#{}"]
PERCENT_FORMS = ["{}%", "{} %", "ร้อยละ {}", "ร้อยละ{}", "{} เปอร์เซ็นต์", "{} เปอร์เซ็น"]
DETAILS = [
    "", "จัดประชุมชี้แจงแล้ว", "ประชาสัมพันธ์ผ่านเว็บไซต์เทศบาล", "แต่งตั้งคณะทำงานตามคำสั่งที่ 12/2567",
    "จัดอบรมเจ้าหน้าที่ 2 รุ่น", "เผยแพร่ประกาศบนเว็บไซต์", "ติดตั้งกล่องรับเรื่องร้องเรียน", "สำรวจความพึงพอใจ",
]
PROBLEMS = [("", ""), ("ปัญหา: งบประมาณไม่เพียงพอ", "งบประมาณไม่เพียงพอ"), ("ปัญหา/อุปสรรค ขาดบุคลากร", "ขาดบุคลากร"),
            ("ข้อเสนอแนะ: ควรจัดอบรมเพิ่ม", "ควรจัดอบรมเพิ่ม"), ("ปัญหา: ไม่มี", "")]


@st.composite
def shortcuts(draw: st.DrawFn) -> tuple[str, ProgressShortcut]:
    measure = draw(st.integers(1, 500))
    variant, status = draw(st.sampled_from(STATUS_VARIANTS))
    percent = draw(st.none() | st.integers(0, 100))
    details = draw(st.sampled_from(DETAILS))
    problems_text, problems = draw(st.sampled_from(PROBLEMS))
    gap = draw(st.sampled_from([" ", ""]))  # spaced, or run-on Thai

    ref = draw(st.sampled_from(MEASURE_FORMS)).format(measure)
    if draw(st.booleans()):
        ref = to_thai_digits(ref)
    parts = [draw(st.sampled_from(["รายงาน", "รายงานผล"])), ref]
    middle = [] if variant is None else [variant]
    if percent is not None:
        percent_text = draw(st.sampled_from(PERCENT_FORMS)).format(percent)
        percent_first = draw(st.booleans())
        middle.insert(0 if percent_first else len(middle), percent_text)
    text = gap.join(parts)
    for i, part in enumerate(middle):
        # digits straight after the measure number would be read as part of it ("ม.3" + "80%")
        needs_space = i == 0 and part[0].isdigit()
        text += (" " if needs_space else gap) + part
    for tail in (details, problems_text):
        if tail:
            text += gap + tail
    if draw(st.booleans()):
        text = to_thai_digits(text)

    expected_status = DONE if status is None and percent == 100 else status
    return text, ProgressShortcut(measure, expected_status, percent, details, problems)


@settings(deadline=None, max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(shortcuts())
def test_generated_shortcuts_are_recovered(case: tuple[str, ProgressShortcut]) -> None:
    text, expected = case
    assert parse_shortcut(text) == expected, text


# -- consistency ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("status", "percent", "expected"), [
    (DONE, 100, None), (DONE, 50, Contradiction.DONE_BELOW_100), (DONE, None, None),
    (NS, 0, None), (NS, 30, Contradiction.NOT_STARTED_WITH_PROGRESS),
    (IP, 99, None), (IP, 0, None), (IP, 100, Contradiction.IN_PROGRESS_AT_100),
    (PROB, 100, None), (PROB, 0, None), (None, 50, None),
])
def test_contradiction(status: ProgressStatus | None, percent: int | None, expected: Contradiction | None) -> None:
    assert contradiction(status, percent) == expected
    assert contradiction(status.value if status else None, percent) == expected  # as stored in a draft


@pytest.mark.parametrize(("status", "problems", "missing"), [
    (PROB, "", True), (PROB, "ไม่มี", True), (PROB, " ไม่มีปัญหาครับ ", True), (PROB, "-", True),
    (PROB, "งบไม่พอ", False), (PROB, None, False), (DONE, "ไม่มี", False), (IP, "", False),
])
def test_problems_missing(status: ProgressStatus, problems: str | None, missing: bool) -> None:
    assert problems_missing(status, problems) is missing
