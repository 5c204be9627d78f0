"""Issue #16: the importer reads tables it never saw. Each rule on tables built here (not the fixtures):
when a row is a measure of its own and when it continues the one above, issue headings in every place they
are written, units named several at a time or as a sub-section, steps in every list form, periods in every
form, and the decision recorded for every source row."""

from __future__ import annotations

from datetime import date

import pytest

from domain.fiscal import fiscal_year_bounds, parse_period
from domain.plan_cells import split_units
from domain.plan_import import ParsedPlan, parse_plan
from domain.units import default_directory, resolve_units
from usecases.plan_warnings import render_decision, render_warning

HEADER = ["มาตรการ/แนวทาง", "ขั้นตอน/วิธีดำเนินการ", "ผู้รับผิดชอบ", "ระยะเวลาดำเนินการ"]
GROUP_HEADER = ["ประเด็น", *HEADER]
YEAR = fiscal_year_bounds(2567)


def table(text: str) -> list[list[str]]:
    """Rows from TSV text; "|" stands for a tab so that the tables read in the source; "\\n" is a line break
    inside a cell."""
    return [[cell.strip().replace("\\n", "\n") for cell in line.split("|")] for line in text.strip("\n").split("\n")]


def decisions(plan: ParsedPlan) -> list[tuple[int, str, int | None, str]]:
    return [(d.row, d.kind, d.measure, d.reason) for d in plan.decisions]


def names(units: list[str]) -> list[str]:
    return resolve_units(units, default_directory()).names


# -- the table of issue #16: 11 measures, none to be merged into the one above ---------------------------

FOURTH_TABLE = table("""
ประเด็น | มาตรการ/แนวทาง | ขั้นตอน/วิธีดำเนินการ | ผู้รับผิดชอบ | ระยะเวลาดำเนินการ
๑. กระบวนการปฏิบัติงานที่โปร่งใสและมีประสิทธิภาพ | จัดทำคู่มือการปฏิบัติงาน | ๑. ทบทวนคู่มือ ๒. เผยแพร่คู่มือ | สำนักปลัด | ต.ค. ๖๖ - มี.ค. ๖๗
 | ประชุมชี้แจงขั้นตอนการให้บริการ |  | กองคลัง |
 | สำรวจความพึงพอใจผู้รับบริการ | ▪ จัดทำแบบสำรวจ ▪ สรุปผลการสำรวจ | งานทะเบียน/สำนักปลัด | ไตรมาส ๒
 | และรายงานผลต่อผู้บริหารทุกไตรมาส | ▪ รายงานผู้บริหาร |  |
๒. | พัฒนาระบบการให้บริการออนไลน์ | ๑. เปิดช่องทาง E-Service | สำนักปลัด | ภายใน ๓๑ มี.ค. ๖๗
 | ประชาสัมพันธ์ช่องทางออนไลน์ |  | กองวิชาการและแผนงาน ฝ่ายแผนงานและ |
 |  |  | งบประมาณ |
ประเด็น | มาตรการ/แนวทาง | ขั้นตอน/วิธีดำเนินการ | ผู้รับผิดชอบ | ระยะเวลาดำเนินการ
 | เผยแพร่ข้อมูลการจัดซื้อจัดจ้าง | ๑. ประกาศแผนจัดซื้อจัดจ้าง | กองคลัง\\nกองช่าง | ม.ค. - มี.ค. ๒๕๖๗
 |  | ๒. รายงานผลรายเดือน |  |
๓. ช่องทางและรูปแบบการประชาสัมพันธ์เผยแพร่ข้อมูลข่าวสารภาครัฐ | เพิ่มช่องทางเผยแพร่ข่าวสาร | - จัดทำเพจ - ไลฟ์สดการประชุมสภา | งานประชาสัมพันธ์ | ตลอดปีงบประมาณ
 | ตรวจสอบความถูกต้องของข้อมูลก่อนเผยแพร่ |  | ทุกกอง/สำนัก |
 | กำกับการใช้ทรัพย์สินของราชการ | <ol><li>จัดทำทะเบียนทรัพย์สิน</li><li>ตรวจนับประจำปี</li></ol> | งานพัสดุ/กองคลัง | ภายใน ๓๐ ก.ย. ๖๗
 | จัดอบรมคุณธรรมจริยธรรม | ๑) อบรมพนักงาน | กองคลัง และกองช่าง | มิ.ย. ๖๗
 | ให้มีช่องทางแจ้งเบาะแสการทุจริต | • ตู้รับเรื่อง • LINE | สำนักปลัด |
""")


def test_the_fourth_table_gives_its_eleven_measures() -> None:
    plan = parse_plan(FOURTH_TABLE, 2567)
    got = [(m.row, m.issue_no, m.title, names(m.unit_texts), m.all_units, (m.start, m.end), len(m.steps))
           for m in plan.measures]
    first_half = (date(2023, 10, 1), date(2024, 3, 31))
    assert got == [
        (2, 1, "จัดทำคู่มือการปฏิบัติงาน", ["สำนักปลัดเทศบาล"], False, first_half, 2),
        # no steps, no period: a measure all the same, with its issue's period (row 2's)
        (3, 1, "ประชุมชี้แจงขั้นตอนการให้บริการ", ["กองคลัง"], False, first_half, 0),
        # row 5 begins mid-sentence ("และ…"): the rest of this one
        (4, 1, "สำรวจความพึงพอใจผู้รับบริการ และรายงานผลต่อผู้บริหารทุกไตรมาส", ["สำนักปลัดเทศบาล"], False,
         (date(2024, 1, 1), date(2024, 3, 31)), 3),
        (6, 2, "พัฒนาระบบการให้บริการออนไลน์", ["สำนักปลัดเทศบาล"], False, first_half, 1),
        # the unit cut over two rows ("ฝ่ายแผนงานและ" / "งบประมาณ")
        (7, 2, "ประชาสัมพันธ์ช่องทางออนไลน์", ["กองวิชาการและแผนงาน"], False, first_half, 0),
        # right after the header repeated at a page break
        (10, 2, "เผยแพร่ข้อมูลการจัดซื้อจัดจ้าง", ["กองคลัง", "กองช่าง"], False,
         (date(2024, 1, 1), date(2024, 3, 31)), 2),
        (12, 3, "เพิ่มช่องทางเผยแพร่ข่าวสาร", [], False, YEAR, 2),
        (13, 3, "ตรวจสอบความถูกต้องของข้อมูลก่อนเผยแพร่", [], True, YEAR, 0),
        (14, 3, "กำกับการใช้ทรัพย์สินของราชการ", ["กองคลัง"], False, YEAR, 2),
        (15, 3, "จัดอบรมคุณธรรมจริยธรรม", ["กองคลัง", "กองช่าง"], False, (date(2024, 6, 1), date(2024, 6, 30)), 1),
        (16, 3, "ให้มีช่องทางแจ้งเบาะแสการทุจริต", ["สำนักปลัดเทศบาล"], False, YEAR, 2),
    ]
    assert plan.measures[4].unit_texts == ["กองวิชาการและแผนงาน ฝ่ายแผนงานและงบประมาณ"]
    assert plan.measures[2].steps == ["จัดทำแบบสำรวจ", "สรุปผลการสำรวจ", "รายงานผู้บริหาร"]
    assert plan.measures[5].steps == ["ประกาศแผนจัดซื้อจัดจ้าง", "รายงานผลรายเดือน"]
    assert [m.issue for m in plan.measures[:1] + plan.measures[6:7]] == [
        "กระบวนการปฏิบัติงานที่โปร่งใสและมีประสิทธิภาพ",
        "ช่องทางและรูปแบบการประชาสัมพันธ์เผยแพร่ข้อมูลข่าวสารภาครัฐ",
    ]
    # the sub-section "งานประชาสัมพันธ์" is no directory unit: offered to its กอง, not silently created
    measure_7 = resolve_units(plan.measures[6].unit_texts, default_directory())
    assert (measure_7.new_names, measure_7.suggestions) == ([], [("งานประชาสัมพันธ์", "สำนักปลัดเทศบาล")])


def test_every_row_of_the_fourth_table_has_its_decision_and_reason() -> None:
    plan = parse_plan(FOURTH_TABLE, 2567)
    assert decisions(plan) == [
        (1, "header", None, "header"),
        (2, "measure", 1, "new-issue"),
        (3, "measure", 2, "own-title-and-unit"),
        (4, "measure", 3, "own-title-and-unit"),
        (5, "continuation", 3, "mid-sentence"),
        (6, "measure", 4, "new-issue"),
        (7, "measure", 5, "own-title-and-unit"),
        (8, "continuation", 5, "no-title"),
        (9, "header", None, "repeated-header"),
        (10, "measure", 6, "own-title-and-unit"),
        (11, "continuation", 6, "no-title"),
        (12, "measure", 7, "new-issue"),
        (13, "measure", 8, "own-title-and-unit"),
        (14, "measure", 9, "own-title-and-unit"),
        (15, "measure", 10, "own-title-and-unit"),
        (16, "measure", 11, "own-title-and-unit"),
    ]
    assert [(d.row, d.period_row) for d in plan.decisions if d.period_row] == [(3, 2), (7, 6), (13, 12), (16, 12)]
    lines = [render_decision(d) for d in plan.decisions]
    assert lines[2] == ('แถว 3: มาตรการใหม่ ม.2 · มีข้อความมาตรการและผู้รับผิดชอบของตัวเอง ("กองคลัง") · '
                        "ใช้ระยะเวลาของประเด็นจากแถว 2")
    assert lines[4] == 'แถว 5: ต่อจาก ม.3 · ข้อความมาตรการขึ้นต้นกลางประโยค ("และ…")'
    assert lines[8] == "แถว 9: หัวตาราง · หัวตารางซ้ำ (ขึ้นหน้าใหม่)"
    assert all(line.startswith(f"แถว {n}: ") for n, line in enumerate(lines, start=1))
    assert [(w.code, w.row) for w in plan.warnings] == [("no-steps", 3), ("no-steps", 7), ("no-steps", 13)]


# -- a row is a continuation only when its cells say so -------------------------------------------------


def two_rows(second: list[str], first: list[str] | None = None) -> ParsedPlan:
    first = first or ["มาตรการ ก", "๑. ขั้น ก1 ๒. ขั้น ก2", "กองคลัง", "ต.ค. ๖๖ - ธ.ค. ๖๖"]
    return parse_plan([HEADER, first, second], 2567)


@pytest.mark.parametrize(
    ("second", "reason"),
    [
        (["มาตรการ ข", "", "กองช่าง", ""], "own-title-and-unit"),  # no steps, no period
        (["มาตรการ ข", "ขั้น ข1", "งานพัสดุ", ""], "own-title-and-unit"),
        (["มาตรการ ข", "", "", "ม.ค. ๖๗"], "own-period"),
        (["มาตรการ ข", "๑. ขั้น ข1", "", ""], "steps-restart"),
        (["มาตรการ ข", "", "", ""], "own-title"),  # its own text and nothing else: a measure, and a warning
    ],
)
def test_a_row_with_its_own_measure_text_is_a_measure(second: list[str], reason: str) -> None:
    plan = two_rows(second)
    assert [m.title for m in plan.measures] == ["มาตรการ ก", "มาตรการ ข"]
    assert decisions(plan)[2] == (3, "measure", 2, reason)


@pytest.mark.parametrize(
    ("second", "reason", "title", "steps"),
    [
        (["", "๓. ขั้น ก3", "", ""], "no-title", "มาตรการ ก", 3),
        (["", "", "สำนักปลัด", ""], "no-title", "มาตรการ ก", 2),
        (["และประชาสัมพันธ์", "", "", ""], "mid-sentence", "มาตรการ ก และประชาสัมพันธ์", 2),
        (["โดยให้ทุกส่วนมีส่วนร่วม", "", "", ""], "mid-sentence", "มาตรการ ก โดยให้ทุกส่วนมีส่วนร่วม", 2),
        (["มาตรการ ก", "๓. ขั้น ก3", "", ""], "same-title", "มาตรการ ก", 3),  # merged cell, text repeated
        (["ตามแผน", "๓. ขั้น ก3", "", ""], "mid-sentence", "มาตรการ ก ตามแผน", 3),
        (["ประจำปี", "๓. ขั้น ก3", "", ""], "steps-continue", "มาตรการ ก ประจำปี", 3),
    ],
)
def test_a_row_continues_the_measure_above_only_when_its_cells_say_so(
        second: list[str], reason: str, title: str, steps: int) -> None:
    plan = two_rows(second)
    assert [(m.title, len(m.steps)) for m in plan.measures] == [(title, steps)]
    assert decisions(plan)[2] == (3, "continuation", 1, reason)


def test_text_above_that_ends_open_and_lists_cut_mid_way_are_continued() -> None:
    plan = two_rows(["ารดำเนินงาน", "", "", ""], first=["มาตรการพัฒนาก", "ขั้น", "กองคลัง", ""])  # a word cut
    assert [m.title for m in plan.measures] == ["มาตรการพัฒนาการดำเนินงาน"]
    assert decisions(plan)[2] == (3, "continuation", 1, "mid-sentence")
    plan = two_rows(["จัดทำประกาศ", "", "", ""], first=["ให้มีการดำเนินการดังนี้", "ขั้น", "กองคลัง", ""])
    assert [m.title for m in plan.measures] == ["ให้มีการดำเนินการดังนี้ จัดทำประกาศ"]
    assert decisions(plan)[2] == (3, "continuation", 1, "open-end")
    plan = two_rows(["๓. เผยแพร่", "", "", ""], first=["๑. จัดทำ ๒. ประกาศ", "ขั้น", "กองคลัง", ""])
    assert plan.measures[0].title == "1. จัดทำ\n2. ประกาศ\n3. เผยแพร่"
    assert decisions(plan)[2] == (3, "continuation", 1, "mid-list")
    # numbered measures, one a row, each its own (ban-wiang style, no units column)
    rows = [["มาตรการ", "ขั้นตอน"], ["๑. มาตรการ ก", "ขั้น"], ["๒. มาตรการ ข", "ขั้น"], ["๓. มาตรการ ค", "๑. ขั้น"]]
    assert [m.title for m in parse_plan(rows, 2567).measures] == ["มาตรการ ก", "มาตรการ ข", "มาตรการ ค"]


def test_a_unit_cut_over_two_rows_continues_the_measure() -> None:
    plan = two_rows(["มาตรการ ต่อ", "และความโปร่งใส", "งบประมาณ", ""],
                    first=["มาตรการ ก", "ขั้น", "กองวิชาการและแผนงาน ฝ่ายแผนงานและ", ""])
    assert len(plan.measures) == 1
    assert plan.measures[0].unit_texts == ["กองวิชาการและแผนงาน ฝ่ายแผนงานและงบประมาณ"]
    assert decisions(plan)[2][1:] == ("continuation", 1, "unit-continues")


def test_a_measure_that_reads_continued_but_has_its_own_unit_is_new_with_a_warning() -> None:
    plan = two_rows(["และเผยแพร่ข้อมูล", "ขั้น", "กองช่าง", ""])
    assert [m.title for m in plan.measures] == ["มาตรการ ก", "และเผยแพร่ข้อมูล"]
    warning = next(w for w in plan.warnings if w.code == "looks-continued")
    assert (warning.row, warning.detail, warning.suggestion) == (3, "และ", "1")
    assert render_warning(warning).startswith("แถว 3: ข้อความมาตรการขึ้นต้นเหมือนต่อจากแถวบน (\"และ\")")
    assert "ม.1" in render_warning(warning)


def test_a_measure_right_after_a_repeated_header_is_new_and_a_continuation_there_continues() -> None:
    rows = [HEADER, ["มาตรการ ก", "๑. ขั้น ก1", "กองคลัง", "ธ.ค. ๖๖"], HEADER,
            ["", "๒. ขั้น ก2", "", ""], HEADER, ["มาตรการ ข", "", "กองช่าง", ""]]
    plan = parse_plan(rows, 2567)
    assert [(m.title, m.steps, (m.start, m.end)) for m in plan.measures] == [
        ("มาตรการ ก", ["ขั้น ก1", "ขั้น ก2"], (date(2023, 12, 1), date(2023, 12, 31))),
        ("มาตรการ ข", [], YEAR),  # no issue: the fiscal year, not the period of the measure above
    ]


def test_an_order_column_number_starts_a_measure() -> None:
    rows = [["ที่", *HEADER], ["1", "มาตรการ ก", "ขั้น", "", ""], ["2", "ประจำปี", "", "", ""],
            ["", "และต่อท้าย", "", "", ""]]
    plan = parse_plan(rows, 2567)
    assert [(m.issue_no, m.title) for m in plan.measures] == [(1, "มาตรการ ก"), (2, "ประจำปี และต่อท้าย")]
    assert decisions(plan)[2] == (3, "measure", 2, "new-number")


def test_own_ita_question_starts_a_measure() -> None:
    rows = [["ข้อคำถาม ITA", *HEADER], ["e5", "มาตรการ ก", "ขั้น", "", ""], ["i19", "มาตรการ ข", "", "", ""]]
    plan = parse_plan(rows, 2567)
    assert [(m.title, m.ita_codes) for m in plan.measures] == [("มาตรการ ก", ["e5"]), ("มาตรการ ข", ["i19"])]


def test_a_title_alone_warns_that_it_may_be_the_rest_of_the_measure_above() -> None:
    plan = two_rows(["ประจำปีงบประมาณ พ.ศ. ๒๕๖๗", "", "", ""])
    assert len(plan.measures) == 2
    warning = next(w for w in plan.warnings if w.code == "title-only")
    assert (warning.row, warning.suggestion) == (3, "1")
    assert "ม.1" in render_warning(warning) and render_warning(warning).startswith("แถว 3:")


# -- issue headings -------------------------------------------------------------------------------------


def issues(plan: ParsedPlan) -> list[tuple[int | None, str, str]]:
    return [(m.issue_no, m.issue, m.title) for m in plan.measures]


def test_headings_on_their_own_row_as_a_number_alone_and_merged_across_the_row() -> None:
    rows = [
        HEADER,
        ["ประเด็นที่ ๑ ความโปร่งใส", "", "", ""],
        ["มาตรการ ก", "ขั้น", "กองคลัง", ""],
        ["๒.", "", "", ""],  # only the number
        ["มาตรการ ข", "ขั้น", "กองคลัง", ""],
        ["๓. ช่องทางและรูปแบบการประชาสัมพันธ์เผยแพร่ข้อมูลข่าวสารภาครัฐ"] * 4,  # merged, text in every cell
        ["มาตรการ ค", "ขั้น", "กองคลัง", ""],
    ]
    plan = parse_plan(rows, 2567)
    assert issues(plan) == [
        (1, "ความโปร่งใส", "มาตรการ ก"),
        (2, "", "มาตรการ ข"),
        (3, "ช่องทางและรูปแบบการประชาสัมพันธ์เผยแพร่ข้อมูลข่าวสารภาครัฐ", "มาตรการ ค"),
    ]
    assert [d.reason for d in plan.decisions if d.kind == "heading"] == ["heading", "heading-number", "heading"]


def test_headings_in_the_first_column_of_the_first_measure_row_labelled_or_not() -> None:
    for first_label in ("ประเด็น", "ตัวชี้วัด", ""):
        rows = [
            [first_label, *HEADER],
            ["ตัวชี้วัดที่ ๒ การใช้งบประมาณ", "มาตรการ ก", "ขั้น", "กองคลัง", ""],
            ["", "มาตรการ ข", "", "กองช่าง", ""],
            ["๕", "มาตรการ ค", "ขั้น", "สำนักปลัด", ""],  # only the number
            ["", "มาตรการ ง", "ขั้น", "สำนักปลัด", ""],
        ]
        plan = parse_plan(rows, 2567)
        assert issues(plan) == [(2, "การใช้งบประมาณ", "มาตรการ ก"), (2, "การใช้งบประมาณ", "มาตรการ ข"),
                                (5, "", "มาตรการ ค"), (5, "", "มาตรการ ง")], first_label


def test_a_heading_cell_spanning_rows_repeats_its_text() -> None:
    heading = "(1) กระบวนการ ปฏิบัติงานที่ โปร่งใสและมี ประสิทธิภาพ"
    rows = [
        GROUP_HEADER,
        [heading, "", "", "", ""],
        [heading, "", "", "", ""],  # the same heading again (a cell merged over two rows)
        [heading, "มาตรการ ก", "๑. ขั้น ก1", "กองคลัง", ""],
        [heading, "", "๒. ขั้น ก2", "", ""],  # a continuation row: the merged text repeated
        [heading, "มาตรการ ข", "ขั้น", "กองช่าง", ""],
    ]
    plan = parse_plan(rows, 2567)
    assert [(m.issue_no, m.title, len(m.steps)) for m in plan.measures] == [(1, "มาตรการ ก", 2), (1, "มาตรการ ข", 1)]
    assert plan.measures[0].issue == "กระบวนการปฏิบัติงานที่โปร่งใสและมีประสิทธิภาพ"
    assert [d.reason for d in plan.decisions[1:3]] == ["heading", "heading-repeated"]


def test_a_heading_number_and_its_text_in_two_cells_and_a_heading_above_a_title_in_one_cell() -> None:
    rows = [GROUP_HEADER, ["๒.", "การให้บริการและระบบ E-Service", "", "", ""],
            ["", "มาตรการ ก", "ขั้น", "กองคลัง", ""]]
    assert issues(parse_plan(rows, 2567)) == [(2, "การให้บริการและระบบ E-Service", "มาตรการ ก")]
    rows = [HEADER, ["ประเด็นที่ ๔ การใช้ทรัพย์สิน\nมาตรการ ก", "ขั้น", "กองคลัง", ""],
            ["มาตรการ ข", "ขั้น", "กองช่าง", ""]]
    assert issues(parse_plan(rows, 2567)) == [(4, "การใช้ทรัพย์สิน", "มาตรการ ก"), (4, "การใช้ทรัพย์สิน", "มาตรการ ข")]


def test_a_heading_period_is_its_measures_period() -> None:
    rows = [HEADER, ["๑. กระบวนการปฏิบัติงานที่โปร่งใสและมีประสิทธิภาพ", "", "", "ไตรมาส ๓"],
            ["มาตรการ ก", "ขั้น", "กองคลัง", ""], ["มาตรการ ข", "ขั้น", "กองคลัง", "ก.ย. ๖๗"]]
    plan = parse_plan(rows, 2567)
    assert [(m.start, m.end) for m in plan.measures] == [
        (date(2024, 4, 1), date(2024, 6, 30)), (date(2024, 9, 1), date(2024, 9, 30))]


# -- units ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "texts", "resolved", "every"),
    [
        ("งานพัสดุ/กองคลัง", ["งานพัสดุ/กองคลัง"], ["กองคลัง"], False),
        ("กองคลัง และกองช่าง", ["กองคลัง", "กองช่าง"], ["กองคลัง", "กองช่าง"], False),
        ("กองคลัง\nกองช่าง", ["กองคลัง", "กองช่าง"], ["กองคลัง", "กองช่าง"], False),
        ("<p>สำนักปลัด</p><p>กองการศึกษา</p>", ["สำนักปลัด", "กองการศึกษา"], ["สำนักปลัดเทศบาล", "กองการศึกษา"], False),
        ("- สำนักปลัด\n- กองคลัง", ["สำนักปลัด", "กองคลัง"], ["สำนักปลัดเทศบาล", "กองคลัง"], False),
        ("สำนักปลัด\nงานทะเบียน", ["สำนักปลัด งานทะเบียน"], ["สำนักปลัดเทศบาล"], False),
        ("กองคลัง ฝ่ายบริหารงานคลัง\nงานพัสดุและทรัพย์สิน", ["กองคลัง ฝ่ายบริหารงานคลัง งานพัสดุและทรัพย์สิน"],
         ["กองคลัง"], False),
        ("ทุกกอง/สำนัก", [], [], True),
        ("สำนักปลัด/ทุกกอง", ["สำนักปลัด"], ["สำนักปลัดเทศบาล"], True),
        ("กองสาธารณสุขและสิ่งแวดล้อม", ["กองสาธารณสุขและสิ่งแวดล้อม"], ["กองสาธารณสุขและสิ่งแวดล้อม"], False),
    ],
)
def test_unit_cells_naming_several_units(cell: str, texts: list[str], resolved: list[str], every: bool) -> None:
    units, all_units = split_units([cell])
    assert (units, all_units) == (texts, every)
    assert names(units) == resolved


@pytest.mark.parametrize(
    ("cell", "suggestions"),
    [
        ("งานทะเบียน", [("งานทะเบียน", "สำนักปลัดเทศบาล")]),
        ("งานประชาสัมพันธ์", [("งานประชาสัมพันธ์", "สำนักปลัดเทศบาล")]),
        ("งานทะเบียน\nงานประชาสัมพันธ์", [("งานทะเบียน", "สำนักปลัดเทศบาล"), ("งานประชาสัมพันธ์", "สำนักปลัดเทศบาล")]),
        ("งานพัสดุ, งานการเงิน", [("งานพัสดุ", "กองคลัง"), ("งานการเงิน", "กองคลัง")]),
        ("ฝ่ายแบบแผนและก่อสร้าง", [("ฝ่ายแบบแผนและก่อสร้าง", "กองช่าง")]),
        ("งานป้องกันและบรรเทาสาธารณภัย", [("งานป้องกันและบรรเทาสาธารณภัย", "สำนักปลัดเทศบาล")]),
    ],
)
def test_a_sub_section_is_offered_to_its_unit_not_created(cell: str, suggestions: list[tuple[str, str]]) -> None:
    units, _ = split_units([cell])
    resolution = resolve_units(units, default_directory())
    assert (resolution.names, resolution.new_names, resolution.suggestions) == ([], [], suggestions)


def test_an_unknown_unit_is_still_new_and_a_sub_section_without_a_hint_too() -> None:
    resolution = resolve_units(["กองสวัสดิการสังคม", "งานอื่น ๆ"], default_directory())
    assert (resolution.new_names, resolution.suggestions) == (["กองสวัสดิการสังคม", "งานอื่น ๆ"], [])


# -- steps ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        "๑. ประชุม ๒. ประกาศ ๓. รายงาน",
        "๑) ประชุม\n๒) ประกาศ\n๓) รายงาน",
        "1.ประชุม 2.ประกาศ 3.รายงาน",
        "▪ ประชุม ▪ ประกาศ ▪ รายงาน",
        "• ประชุม\n• ประกาศ\n• รายงาน",
        "- ประชุม - ประกาศ - รายงาน",
        "\uf0d8 ประชุม\n\uf0d8 ประกาศ\n\uf0d8 รายงาน",  # Word's symbol-font bullet pasted as text
        "<ol><li>ประชุม</li><li>ประกาศ</li><li>รายงาน</li></ol>",
        "<ul><li>ประชุม</li><li>ประกาศ</li><li>รายงาน</li></ul>",
        "<p>๑. ประชุม</p><p>๒. ประกาศ</p><p>๓. รายงาน</p>",
    ],
)
def test_steps_in_every_list_form(cell: str) -> None:
    plan = parse_plan([HEADER, ["มาตรการ ก", cell, "กองคลัง", ""]], 2567)
    assert plan.measures[0].steps == ["ประชุม", "ประกาศ", "รายงาน"]


@pytest.mark.parametrize(
    ("first", "rest"),
    [
        ("๑. ประชุม ๒. ประกาศ", ["๓. รายงาน"]),
        ("▪ ประชุม ▪ ประกาศ", ["▪ รายงาน"]),
        ("<ol><li>ประชุม</li><li>ประกาศ</li></ol>", ["<ol><li>รายงาน</li></ol>"]),
        ("๑. ประชุม ๒. ประ", ["กาศ", "๓. รายงาน"]),  # a step cut at a page break
    ],
)
def test_steps_across_continuation_rows(first: str, rest: list[str]) -> None:
    rows = [HEADER, ["มาตรการ ก", first, "กองคลัง", ""], *[["", step, "", ""] for step in rest]]
    steps = parse_plan(rows, 2567).measures[0].steps
    assert [step.replace(" ", "") for step in steps] == ["ประชุม", "ประกาศ", "รายงาน"]


# -- periods --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("ต.ค. ๖๖ - ก.ย. ๖๗", YEAR),
        ("ต.ค.66-ก.ย.67", YEAR),
        ("๑ ตุลาคม ๒๕๖๖ – ๓๐ กันยายน ๒๕๖๗", YEAR),
        ("ตุลาคม 2566 ถึง กันยายน 2567", YEAR),
        ("พ.ย. ๖๖ – ม.ค. ๖๗", (date(2023, 11, 1), date(2024, 1, 31))),
        ("มกราคม - มีนาคม", (date(2024, 1, 1), date(2024, 3, 31))),
        ("ตลอดปีงบประมาณ", YEAR),
        ("ตลอดปีงบประมาณ ๒๕๖๗", YEAR),
        ("ไตรมาส ๒", (date(2024, 1, 1), date(2024, 3, 31))),
        ("ไตรมาสที่ ๓-๔", (date(2024, 4, 1), date(2024, 9, 30))),
        ("มิถุนายน", (date(2024, 6, 1), date(2024, 6, 30))),
        ("ธ.ค. ๖๖", (date(2023, 12, 1), date(2023, 12, 31))),
        ("ภายใน ๓๐ ก.ย. ๖๗", YEAR),
        ("ภายในเดือนมีนาคม ๒๕๖๗", (date(2023, 10, 1), date(2024, 3, 31))),
        ("ตั้งแต่ ๑ ม.ค. ๖๗ เป็นต้นไป", (date(2024, 1, 1), date(2024, 9, 30))),
        ("ทุกเดือน", YEAR),
        ("", YEAR),
    ],
)
def test_periods_in_every_form_seen(text: str, span: tuple[date, date]) -> None:
    assert parse_period(text, 2567) == span
    plan = parse_plan([HEADER, ["มาตรการ ก", "ขั้น", "กองคลัง", text]], 2567)
    assert (plan.measures[0].start, plan.measures[0].end) == span


# -- every warning names its row -------------------------------------------------------------------------


def test_every_warning_names_its_row_and_what_to_check() -> None:
    rows = [["ชื่อเอกสาร"], HEADER, ["", "ขั้นตอนลอย", "", ""], ["มาตรการ ก", "", "กองคลัง", "เมื่อมีเรื่อง"],
            ["มาตรการ ข", "", "", ""], ["และต่อ", "ขั้น", "กองช่าง", ""]]
    plan = parse_plan(rows, 2567)
    assert sorted(w.code for w in plan.warnings) == sorted(
        ["no-header", "orphan-row", "unreadable-period", "no-steps", "no-steps", "title-only", "looks-continued"])
    for warning in plan.warnings:
        text = render_warning(warning)
        assert warning.row > 0 and text.startswith(f"แถว {warning.row}: "), text
        assert "ตรวจ" in text or "รวม" in text, text
    for table_warning in parse_plan([["มาตรการ", "ระยะเวลา"], ["มาตรการ ก", ""]], 2567).warnings:
        assert table_warning.row == 1 and "ตรวจ" in render_warning(table_warning)
