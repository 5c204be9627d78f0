"""The pure half of `itabot import-plan`: reading tables (.tsv .csv .xlsx .docx), recovering measures from
real pasted plans (fixtures copied from shared/fixtures, with the facts each must give in *.expected.json),
periods, ITA codes, units."""

from __future__ import annotations

import csv
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.digits import ARABIC, THAI
from domain.fiscal import fiscal_year_bounds, fiscal_year_of, local_date, parse_period
from domain.plan_import import (
    ParsedPlan,
    ita_codes,
    monitoring_rounds,
    parse_plan,
    split_steps,
)
from domain.plan_table import PlanFileError, read_table
from domain.thai_text import fix_broken_spaces, squeeze, tidy, to_arabic_digits
from domain.units import KnownUnit, default_directory, is_all_units, resolve_units
from tests.support.plan_variants import write_docx, write_xlsx

FIXTURES = Path(__file__).parent / "fixtures"
PLANS = sorted((FIXTURES / "plans").glob("*.tsv"))
BAN_WIANG = FIXTURES / "reports" / "ban-wiang-2565.tsv"
HEADER = ["มาตรการ/แนวทางการพัฒนา", "ขั้นตอน/วิธีการ", "ผู้รับผิดชอบ", "ระยะเวลาดำเนินการ"]


def expected_for(table: Path) -> dict:
    return json.loads(table.with_name(table.name.replace(".tsv", ".expected.json")).read_text(encoding="utf-8"))


def parse_fixture(table: Path) -> ParsedPlan:
    return parse_plan(read_table(table), expected_for(table)["fiscal_year_be"])


# -- the real tables ----------------------------------------------------------------------------------


def test_every_fixture_plan_is_tested() -> None:
    assert [p.name for p in PLANS] == [
        "mueang-phon-2564.tsv", "sirirat-2567.tsv", "wiang-chiang-saen-2567.tsv",
    ]


@pytest.mark.parametrize("table", PLANS, ids=lambda p: p.stem)
def test_fixture_plan_matches_its_expected_facts(table: Path) -> None:
    expected = expected_for(table)
    plan = parse_fixture(table)
    assert plan.fiscal_year_be == expected["fiscal_year_be"]
    assert len(plan.measures) == expected["measure_count"]
    directory = default_directory()
    for index, (measure, facts) in enumerate(zip(plan.measures, expected["measures"], strict=True)):
        where = f"measure {index + 1} (row {measure.row})"
        assert measure.issue_no == facts["issue_no"], where
        if facts["all_units"] is not None:
            assert measure.all_units == facts["all_units"], where
        names = resolve_units(measure.unit_texts, directory).names
        for part in facts["units_include"]:
            assert any(part in name for name in names), f"{where}: {part} not in {names}"
        assert measure.start == date.fromisoformat(facts["start"]), where
        assert measure.end == date.fromisoformat(facts["end"]), where
        assert len(measure.steps) >= facts["min_steps"], where
        if "ita_codes" in facts:
            assert measure.ita_codes == facts["ita_codes"], where
        if "monitoring_rounds_months" in facts:
            assert measure.monitoring_rounds_months == facts["monitoring_rounds_months"], where


@pytest.mark.parametrize("table", PLANS, ids=lambda p: p.stem)
def test_fixture_text_is_clean(table: Path) -> None:
    for measure in parse_fixture(table).measures:
        assert measure.title and measure.issue
        for text in [measure.title, measure.issue, *measure.steps, *measure.unit_texts]:
            assert "<" not in text and ">" not in text and "&" not in text, text
            assert not any(ch in text for ch in "๐๑๒๓๔๕๖๗๘๙"), text
            assert "  " not in text and text == text.strip(), text
        for step in measure.steps:
            assert not step[:1].isdigit() and not step.startswith(("-", "•", "▪")), step


@pytest.mark.parametrize("table", PLANS, ids=lambda p: p.stem)
def test_same_table_as_xlsx_and_docx_gives_the_same_plan(table: Path, tmp_path: Path) -> None:
    rows = read_table(table)
    fiscal_year = expected_for(table)["fiscal_year_be"]
    from_tsv = parse_plan(rows, fiscal_year)
    from_xlsx = parse_plan(read_table(write_xlsx(rows, tmp_path / "plan.xlsx")), fiscal_year)
    from_docx = parse_plan(read_table(write_docx(rows, tmp_path / "plan.docx")), fiscal_year)
    assert from_xlsx == from_tsv
    assert from_docx == from_tsv


def test_mueang_phon_details() -> None:
    plan = parse_fixture(FIXTURES / "plans" / "mueang-phon-2564.tsv")
    indicator_3, indicator_5 = plan.measures[1], plan.measures[3]
    # "ข้อ ๑, ๒ สำนัก ปลัดเทศบาล ข้อ ๓ ทุก หน่วยงานของ เทศบาล"
    assert indicator_3.unit_texts == ["สำนักปลัดเทศบาล"] and indicator_3.all_units
    assert indicator_3.issue == "การใช้อำนาจ"
    # the title's numbered list continues on the next row ("โดยต้องเป็นไป โดยยุติธรรม ...")
    assert indicator_3.title.count("\n") == 2 and "ยุติธรรม" in indicator_3.title.splitlines()[2]
    assert "ศักยภาพ" in indicator_3.steps[2]
    # steps continued over a row that holds only units and one that starts mid-sentence
    assert len(indicator_5.steps) == 4
    assert "ป้องกันการทุจริต และต่อต้านการทุจริต" in indicator_5.steps[2]
    assert indicator_5.steps[0].count("\n- มาตรการ") == 7  # the bullets below step 1 stay in it
    names = resolve_units(indicator_5.unit_texts, default_directory())
    assert names.names == ["กองวิชาการและแผนงาน", "สำนักปลัดเทศบาล", "กองการศึกษา"]
    assert names.new_names == []
    assert plan.warnings == []


def test_sirirat_two_row_header_and_issue_texts() -> None:
    plan = parse_fixture(FIXTURES / "plans" / "sirirat-2567.tsv")
    assert plan.measures[0].issue == "กระบวนการปฏิบัติงานที่โปร่งใสและมีประสิทธิภาพ"
    assert plan.measures[0].title.startswith("1. ปรับปรุงคู่มือการปฏิบัติงานหรือมาตรฐานการปฏิบัติงาน")
    assert plan.measures[0].steps[0].startswith("ลดขั้นตอนการปฏิบัติงาน")
    assert [m.row for m in plan.measures[:3]] == [3, 6, 9]
    assert plan.warnings == []


def test_wiang_chiang_saen_headings_and_repeated_headers() -> None:
    plan = parse_fixture(FIXTURES / "plans" / "wiang-chiang-saen-2567.tsv")
    assert plan.measures[0].issue == "การบวนการปฏิบัติงานที่โปร่งใสและมีประสิทธิภาพ"  # as written, typo kept
    assert plan.measures[5].issue == "การให้บริการระบบ E-service"
    assert plan.measures[4].steps[1].startswith("มอบหมายเจ้าหน้าที่ในการกำกับดูแล")  # "- a - b - c"
    assert len(plan.measures[8].steps) == 3  # "๑.จัดทำ... ๒.ประชุม... ๓.จัดทำ..."
    assert not any(m.title.startswith("มาตรการ/แนวทาง") for m in plan.measures)


def test_ban_wiang_report_gives_its_ten_measures_with_steps() -> None:
    plan = parse_plan(read_table(BAN_WIANG), 2565)
    titles = [m.title for m in plan.measures]
    assert titles == [
        "มาตรการยกระดับผลการประเมิน ITA ประจำปีงบประมาณ พ.ศ.2565",
        "มาตรการเกี่ยวกับการใช้งบประมาณของทางราชการ",
        "มาตรการเกี่ยวกับการใช้ทรัพย์สินของทางราชการ",
        "มาตรการจัดการ ข้อร้องเรียนกรณีเกิดการทุจริตในหน่วยงาน",
        "มาตรการส่งเสริมให้ผู้มีส่วนได้ส่วนเสียมีส่วนร่วมในการดำเนินงาน",
        "มาตรการพัฒนาการดำเนินงานและการให้บริการประชาชน",
        "มาตรการให้ความรู้เกี่ยวกับการป้องกันผลประโยชน์ทับซ้อน",
        "มาตรการตรวจสอบการใช้ดุลยพินิจ",
        "มาตรการส่งเสริมความโปร่งใสในการจัดซื้อจัดจ้าง",
        "มาตรการในการเผยแพร่ข้อมูลต่อสาธารณะ",
    ]
    assert [len(m.steps) for m in plan.measures] == [5, 3, 3, 3, 3, 3, 1, 3, 3, 3]
    assert [m.issue_no for m in plan.measures] == list(range(1, 11))  # the number in the first cell
    assert plan.measures[0].steps[0] == "ศึกษาคู่มือการประเมิน ITA และแนวทางการเปิดเผยข้อมูลสาธารณะ"
    assert plan.measures[1].steps[2] == "ส่งเสริมให้พนักงานและเจ้าหน้าที่ดำเนินการตามแนวทางที่กำหนด"
    for measure in plan.measures:
        assert (measure.start, measure.end) == fiscal_year_bounds(2565)
        for step in measure.steps:
            assert not any(mark in step for mark in ("<", ">", "&", "\n")), step
            assert not step[0].isdigit(), step
    assert [w.code for w in plan.warnings] == ["no-units-column"]


# -- table files --------------------------------------------------------------------------------------


def test_csv_with_bom_and_quoted_cells(tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerow(["มาตรการ ก, ข", "1. ขั้น\n2. ตอน", "กองคลัง", "ต.ค. 66 - ธ.ค. 66"])
    rows = read_table(path)
    assert rows[0][0] == HEADER[0]  # no BOM glued to the first header
    assert rows[1] == ["มาตรการ ก, ข", "1. ขั้น\n2. ตอน", "กองคลัง", "ต.ค. 66 - ธ.ค. 66"]
    measure = parse_plan(rows, 2567).measures[0]
    assert measure.steps == ["ขั้น", "ตอน"]
    assert (measure.start, measure.end) == (date(2023, 10, 1), date(2023, 12, 31))


def test_semicolon_csv(tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_text(";".join(HEADER) + "\nมาตรการ;ขั้นตอน;กองช่าง;\n", encoding="utf-8")
    assert read_table(path)[1] == ["มาตรการ", "ขั้นตอน", "กองช่าง", ""]


def test_xlsx_merged_cells_all_sheets_and_numbers(tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    first = workbook.active
    first.append(["ประเด็น", *HEADER])
    first.append(["ประเด็นที่ 1 ความโปร่งใส", "", "", "", ""])
    first.merge_cells("A2:E2")
    first.append(["", "มาตรการ ก", "ขั้นตอน", "กองคลัง", 2567])
    second = workbook.create_sheet("หน้า 2")
    second.append(["", "มาตรการ ข", "ขั้นตอน", "กองช่าง", date(2024, 3, 15)])
    path = tmp_path / "plan.xlsx"
    workbook.save(path)
    rows = read_table(path)
    assert rows[1] == ["ประเด็นที่ 1 ความโปร่งใส", "", "", "", ""]
    assert rows[2][4] == "2567"
    assert rows[3] == ["", "มาตรการ ข", "ขั้นตอน", "กองช่าง", "15 มี.ค. 2567"]
    plan = parse_plan(rows, 2567)
    assert [(m.issue_no, m.title, m.start) for m in plan.measures] == [
        (1, "มาตรการ ก", date(2023, 10, 1)),
        (1, "มาตรการ ข", date(2024, 3, 15)),
    ]


def test_docx_keeps_a_merged_cell_once_and_joins_paragraphs(tmp_path: Path) -> None:
    from docx import Document

    document = Document()
    table = document.add_table(rows=3, cols=4)
    for c, label in enumerate(HEADER):
        table.cell(0, c).text = label
    heading = table.cell(1, 0).merge(table.cell(1, 3))
    heading.text = "๒. การให้บริการและระบบ E-Service"
    table.cell(2, 0).text = "มาตรการ ก"
    steps = table.cell(2, 1)
    steps.text = "๑. ประกาศ"
    steps.add_paragraph("๒. เผยแพร่")
    table.cell(2, 2).text = "สำนักปลัด"
    path = tmp_path / "plan.docx"
    document.save(str(path))
    rows = read_table(path)
    assert rows[1] == ["๒. การให้บริการและระบบ E-Service", "", "", ""]
    assert rows[2][1] == "๑. ประกาศ\n๒. เผยแพร่"
    measure = parse_plan(rows, 2567).measures[0]
    assert (measure.issue_no, measure.issue) == (2, "การให้บริการและระบบ E-Service")
    assert measure.steps == ["ประกาศ", "เผยแพร่"]


@pytest.mark.parametrize("name", ["plan.odt", "plan.xls", "plan.doc", "plan"])
def test_unknown_extension_is_refused_in_thai(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("x", encoding="utf-8")
    with pytest.raises(PlanFileError, match=re.escape("รองรับเฉพาะ .tsv .csv .xlsx .docx .pdf")):
        read_table(path)


@pytest.mark.parametrize("name", ["plan.xlsx", "plan.docx"])
def test_broken_office_file_is_refused_in_thai(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("ไม่ใช่ไฟล์ office", encoding="utf-8")
    with pytest.raises(PlanFileError, match="อ่านไฟล์ plan"):
        read_table(path)


def test_missing_file_and_non_utf8_text(tmp_path: Path) -> None:
    with pytest.raises(PlanFileError, match="ไม่พบไฟล์"):
        read_table(tmp_path / "none.tsv")
    path = tmp_path / "plan.tsv"
    path.write_bytes("มาตรการ".encode("tis-620"))
    with pytest.raises(PlanFileError, match="UTF-8"):
        read_table(path)


def test_table_without_header_is_refused_naming_the_columns() -> None:
    rows = [["จัดทำคู่มือ", "ประชุมชี้แจง", "กองคลัง"], ["เผยแพร่ข้อมูล", "ติดประกาศ", "สำนักปลัด"]]
    with pytest.raises(PlanFileError, match="มาตรการ/แนวทาง") as caught:
        parse_plan(rows, 2567)
    assert "ผู้รับผิดชอบ" in str(caught.value)
    with pytest.raises(PlanFileError):
        parse_plan([], 2567)


# -- table structure ----------------------------------------------------------------------------------


def test_header_wordings_of_other_bodies_are_recognised() -> None:
    rows = [
        ["ที่", "วิธีการนำผลวิเคราะห์ไปสู่การปฏิบัติ", "ขั้นตอน/วิธีปฏิบัติ", "ผู้รับผิดชอบ/ผู้ที่เกี่ยวข้อง",
         "ระยะเวลาดำเนินงาน", "หมายเหตุ"],
        ["1", "มาตรการ ก", "ขั้นตอน ก", "กองช่าง", "มี.ค. 2567", "-"],
    ]
    measure = parse_plan(rows, 2567).measures[0]
    assert (measure.title, measure.steps, measure.unit_texts) == ("มาตรการ ก", ["ขั้นตอน ก"], ["กองช่าง"])
    assert measure.issue_no == 1  # no heading: the number in the first cell
    assert (measure.start, measure.end) == (date(2024, 3, 1), date(2024, 3, 31))


def test_rows_before_the_header_are_skipped_with_a_warning() -> None:
    rows = [["มาตรการส่งเสริมคุณธรรม เทศบาลตำบลทดสอบ"], [], HEADER, ["มาตรการ ก", "ขั้นตอน", "กองคลัง", ""]]
    plan = parse_plan(rows, 2567)
    assert len(plan.measures) == 1 and plan.measures[0].row == 4
    assert [(w.code, w.row) for w in plan.warnings] == [("no-header", 1)]


def test_repeated_header_rows_at_page_breaks_are_not_measures() -> None:
    rows = [
        HEADER,
        ["มาตรการ ก", "1. ขั้น ก1", "กองคลัง", ""],
        HEADER,
        ["", "2. ขั้น ก2", "", ""],  # the measure above, continued after the page break
        HEADER,
        ["มาตรการ ข", "ขั้น ข1", "กองช่าง", ""],
    ]
    plan = parse_plan(rows, 2567)
    assert [(m.title, m.steps) for m in plan.measures] == [
        ("มาตรการ ก", ["ขั้น ก1", "ขั้น ก2"]),
        ("มาตรการ ข", ["ขั้น ข1"]),
    ]


def test_issue_heading_rows_with_only_the_first_cell() -> None:
    rows = [
        HEADER,
        ["(1) กระบวนการ ปฏิบัติงานที่ โปร่งใสและมี ประสิทธิภาพ", "", "", ""],
        ["มาตรการ ก", "ขั้นตอน", "ทุกส่วนราชการ", ""],
        ["ตัวชี้วัดที่ ๕ การแก้ไขปัญหาการทุจริต", "", "", ""],
        ["มาตรการ ข", "ขั้นตอน", "สำนักปลัด", ""],
        ["กลไกและมาตรการในการแก้ไขและป้องกันการทุจริตภายในหน่วยงาน", "", "", ""],
        ["มาตรการ ค", "ขั้นตอน", "สำนักปลัด", ""],
    ]
    plan = parse_plan(rows, 2567)
    assert [(m.issue_no, m.issue, m.title) for m in plan.measures] == [
        (1, "กระบวนการปฏิบัติงานที่โปร่งใสและมีประสิทธิภาพ", "มาตรการ ก"),
        (5, "การแก้ไขปัญหาการทุจริต", "มาตรการ ข"),
        (7, "กลไกและมาตรการในการแก้ไขและป้องกันการทุจริตภายในหน่วยงาน", "มาตรการ ค"),
    ]


def test_continuation_rows_including_one_with_a_single_filled_cell() -> None:
    rows = [
        HEADER,
        ["มาตรการ ก", "๑. ประชุม ชี้แจง", "- กองคลัง ฝ่ายบริหารงานคลัง", "ต.ค. ๖๖ -"],
        ["", "", "งานพัสดุและทรัพย์สิน", ""],  # only the units cell
        ["", "การใช้งบประมาณ ๒. ติดประกาศ", "- สำนักปลัด", "ก.ย. ๖๗"],
        ["มาตรการ ข", "ขั้นตอน", "กองช่าง", ""],
    ]
    plan = parse_plan(rows, 2567)
    first = plan.measures[0]
    assert first.steps == ["ประชุม ชี้แจง การใช้งบประมาณ", "ติดประกาศ"]
    assert first.unit_texts == ["กองคลัง ฝ่ายบริหารงานคลัง งานพัสดุและทรัพย์สิน", "สำนักปลัด"]
    assert resolve_units(first.unit_texts, default_directory()).names == ["กองคลัง", "สำนักปลัดเทศบาล"]
    assert (first.start, first.end) == (date(2023, 10, 1), date(2024, 9, 30))
    assert [m.title for m in plan.measures] == ["มาตรการ ก", "มาตรการ ข"]


def test_title_alone_on_its_row_with_steps_below_is_a_measure_not_a_heading() -> None:
    rows = [HEADER, ["1. มาตรการ ก"], ["", "- ขั้นตอน ก1", "กองคลัง", ""], ["", "- ขั้นตอน ก2", "", ""]]
    plan = parse_plan(rows, 2567)
    assert [(m.title, m.steps, m.row) for m in plan.measures] == [("มาตรการ ก", ["ขั้นตอน ก1", "ขั้นตอน ก2"], 2)]


def test_group_column_empty_on_a_new_page_continues_the_measure_only_when_its_text_says_so() -> None:
    rows = [
        ["ตัวชี้วัด", *HEADER],
        ["ตัวชี้วัดที่ 1", "มาตรการ ก", "ขั้นตอน", "กองคลัง", "ต.ค. 66"],
        ["", "และต่อจากบรรทัดบน", "", "", ""],  # begins mid-sentence: the rest of ก
        ["", "มาตรการ ข", "ขั้นตอน", "กองช่าง", "พ.ย. 66"],
        ["", "มาตรการ ค", "", "", ""],  # its own text, nothing else: a measure, with a warning to check
    ]
    plan = parse_plan(rows, 2567)
    assert [m.title for m in plan.measures] == ["มาตรการ ก และต่อจากบรรทัดบน", "มาตรการ ข", "มาตรการ ค"]
    assert [m.issue_no for m in plan.measures] == [1, 1, 1]
    assert [(w.code, w.row, w.suggestion) for w in plan.warnings if w.code == "title-only"] == [("title-only", 5, "2")]


def test_warnings_for_unreadable_period_and_missing_steps() -> None:
    rows = [HEADER, ["มาตรการ ก", "", "กองคลัง", "เมื่อมีเรื่องร้องเรียน"]]
    plan = parse_plan(rows, 2567)
    assert (plan.measures[0].start, plan.measures[0].end) == fiscal_year_bounds(2567)
    assert [(w.code, w.row, w.detail) for w in plan.warnings] == [
        ("unreadable-period", 2, "เมื่อมีเรื่องร้องเรียน"),
        ("no-steps", 2, "มาตรการ ก"),
    ]


def test_orphan_rows_are_reported_not_silently_dropped() -> None:
    rows = [HEADER, ["", "ขั้นตอนลอย", "กองคลัง", ""], ["มาตรการ ก", "ขั้นตอน", "กองคลัง", ""]]
    plan = parse_plan(rows, 2567)
    assert [m.title for m in plan.measures] == ["มาตรการ ก"]
    assert plan.warnings[0].code == "orphan-row" and "ขั้นตอนลอย" in plan.warnings[0].detail


# -- cells ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "steps"),
    [
        ("๑. ประชุม ๒. ประกาศ ๓. รายงาน", ["ประชุม", "ประกาศ", "รายงาน"]),
        ("1.ประชุม 2.ประกาศ", ["ประชุม", "ประกาศ"]),
        ("(1) ประชุม (2) ประกาศ", ["ประชุม", "ประกาศ"]),
        ("<ol><li>ประชุม</li><li>ประกาศ</li></ol>", ["ประชุม", "ประกาศ"]),
        ("<p>ประชุม</p><p>ประกาศ</p>", ["ประชุม", "ประกาศ"]),
        ("ประชุม<br>ประกาศ", ["ประชุม", "ประกาศ"]),
        ("▪ ประชุม ▪ ประกาศ", ["ประชุม", "ประกาศ"]),
        ("• ประชุม • ประกาศ", ["ประชุม", "ประกาศ"]),
        ("- ประชุม - ประกาศ -รายงาน", ["ประชุม", "ประกาศ", "รายงาน"]),
        ("ประชุมชี้แจง ยืม-คืน และติดต่อ - สอบถาม", ["ประชุมชี้แจง ยืม-คืน และติดต่อ - สอบถาม"]),
        ("รายงานผล พ.ศ. ๒๕๖๗ คะแนน ๘๒.๓๐ ข้อ 3. ของแผน", ["รายงานผล พ.ศ. 2567 คะแนน 82.30 ข้อ 3. ของแผน"]),
        ("1. จัดทำมาตรการดังนี้ - ก - ข 2. ประกาศ", ["จัดทำมาตรการดังนี้ - ก - ข", "ประกาศ"]),
        ("&lt;ร่าง&gt; ประกาศ&nbsp;ผล", ["<ร่าง> ประกาศ ผล"]),
        ("", []),
    ],
)
def test_steps_are_split_on_list_markup_bullets_and_inline_numbers(cell: str, steps: list[str]) -> None:
    assert split_steps(cell) == steps


@pytest.mark.parametrize(
    ("cell", "codes"),
    [
        ("e12 วิธีการ ขั้นตอนการ ปฏิบัติ", ["e12"]),
        ("i๑๙ ท่านรู้แนวทางปฏิบัติ", ["i19"]),
        ("๐27 หน่วยงานมีการปรับปรุง", ["o27"]),
        ("O 27", ["o27"]),
        ("E5, I 8 และ o๔๓", ["e5", "i8", "o43"]),
        ("ข้อค้นพบ ปี 2566 คะแนน 85", []),
        ("e-service", []),
    ],
)
def test_ita_codes(cell: str, codes: list[str]) -> None:
    assert ita_codes(cell) == codes


@pytest.mark.parametrize(
    ("text", "rounds"),
    [
        ("-รายงานความก้าวหน้ารอบ ๖ เดือน/๗ สัปดาห์ ปีงบประมาณ", [6]),
        ("รายงานรอบ 6 เดือน และ 12 เดือน", [6, 12]),
        ("รายงานทุก ๓ เดือน", [3, 6, 9, 12]),
        ("รายงานรายไตรมาส", [3, 6, 9, 12]),
        ("สรุปผลรายเดือน", list(range(1, 13))),
        ("รายงานรอบ 6 เดือน และรายงานสิ้นปีงบประมาณ", [6, 12]),
        ("", []),
    ],
)
def test_monitoring_rounds(text: str, rounds: list[int]) -> None:
    assert monitoring_rounds(text) == rounds


def test_units_are_split_and_resolved_to_the_unit_that_answers() -> None:
    directory = default_directory()
    cases = {
        "กองคลัง ฝ่ายบริหารงานคลัง งานพัสดุและทรัพย์สิน": ["กองคลัง"],
        "งานพัสดุ/กองคลัง": ["กองคลัง"],
        "สำนัก ปลัดเทศบาล": ["สำนักปลัดเทศบาล"],
        "สป.": ["สำนักปลัดเทศบาล"],
        "กองสาธารณสุขฯ": ["กองสาธารณสุขและสิ่งแวดล้อม"],
        "สำนักปลัด/กองคลัง": ["สำนักปลัดเทศบาล", "กองคลัง"],
    }
    for text, names in cases.items():
        assert resolve_units([text], directory).names == names, text
    unknown = resolve_units(["งานพัสดุ", "สำนักปลัด", "งาน พัสดุ", "ทุกส่วนราชการ"], directory)
    assert unknown.names == ["สำนักปลัดเทศบาล"]
    # a sub-section alone is offered to its กอง, once, for the caller to map (and warn), not added
    assert (unknown.new_names, unknown.suggestions) == ([], [("งานพัสดุ", "กองคลัง")])
    # without that กอง in the directory it is kept, once, for the caller to add
    unknown = resolve_units(["งานพัสดุ", "งาน พัสดุ"], [KnownUnit("สำนักปลัด")])
    assert (unknown.new_names, unknown.suggestions) == (["งานพัสดุ"], [])


def test_a_custom_directory_and_abbreviations() -> None:
    directory = [KnownUnit("กองส่งเสริมการเกษตร"), KnownUnit("สำนักปลัด", ("สป.",))]
    result = resolve_units(["สป. กองส่งเสริมฯ"], directory)
    assert result.names == ["สำนักปลัด", "กองส่งเสริมการเกษตร"]


def test_every_unit_phrases() -> None:
    for text in ["ทุกส่วนราชการ", "ทุกสำนัก/กอง", "ทุกหน่วยงาน", "ทุก หน่วยงานของ เทศบาล", "ทุกกอง"]:
        assert is_all_units(text), text
    assert not is_all_units("กองคลัง")


# -- periods and dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("", (date(2023, 10, 1), date(2024, 9, 30))),
        ("ปีงบประมาณ 2567", (date(2023, 10, 1), date(2024, 9, 30))),
        ("ปีงบประมาณ พ.ศ. ๒๕๖๖", (date(2022, 10, 1), date(2023, 9, 30))),
        ("๑ ตุลาคม ๒๕๖๖ - ๓๐ กันยายน ๒๕๖๗", (date(2023, 10, 1), date(2024, 9, 30))),
        ("ต.ค.๖๖ - ก.ย.๖๗", (date(2023, 10, 1), date(2024, 9, 30))),
        ("ต.ค. 2566 – ก.ย. 2567", (date(2023, 10, 1), date(2024, 9, 30))),
        ("1 ต.ค. 66 ถึง 31 ธ.ค. 66", (date(2023, 10, 1), date(2023, 12, 31))),
        ("มีนาคม 2567", (date(2024, 3, 1), date(2024, 3, 31))),
        ("มี.ค. ๖๗", (date(2024, 3, 1), date(2024, 3, 31))),
        ("มิถุนายน", (date(2024, 6, 1), date(2024, 6, 30))),
        ("พฤศจิกายน", (date(2023, 11, 1), date(2023, 11, 30))),
        ("ม.ค. - มี.ค. 2567", (date(2024, 1, 1), date(2024, 3, 31))),
        ("ธ.ค. 66 - ก.พ.", (date(2023, 12, 1), date(2024, 2, 29))),
        ("15 มี.ค. 2567", (date(2024, 3, 15), date(2024, 3, 15))),
        ("1/10/2566 - 30/9/2567", (date(2023, 10, 1), date(2024, 9, 30))),
        ("ไตรมาสที่ 2", (date(2024, 1, 1), date(2024, 3, 31))),
        ("ตลอดปีงบประมาณ", (date(2023, 10, 1), date(2024, 9, 30))),
        ("ตุลาคม 2023 - กันยายน 2024", (date(2023, 10, 1), date(2024, 9, 30))),
    ],
)
def test_parse_period(text: str, span: tuple[date, date]) -> None:
    assert parse_period(text, 2567) == span


@pytest.mark.parametrize("text", ["เมื่อมีเรื่องร้องเรียน", "12 เดือน", "31 ก.ย. 67", "ภายใน 30 วัน"])
def test_parse_period_refuses_what_it_cannot_read(text: str) -> None:
    assert parse_period(text, 2567) is None


def test_local_date_is_the_day_in_the_organisations_zone() -> None:
    moment = datetime(2023, 9, 30, 17, 30, tzinfo=UTC)  # 00:30 on 1 October in Bangkok: a new fiscal year
    assert local_date(moment, "Asia/Bangkok") == local_date(moment, ZoneInfo("Asia/Bangkok")) == date(2023, 10, 1)
    assert local_date(moment, "UTC") == date(2023, 9, 30)
    assert fiscal_year_of(local_date(moment, "Asia/Bangkok")) == 2567


def test_fiscal_year() -> None:
    assert fiscal_year_bounds(2567) == (date(2023, 10, 1), date(2024, 9, 30))
    assert fiscal_year_of(date(2023, 9, 30)) == 2566
    assert fiscal_year_of(date(2023, 10, 1)) == 2567
    assert fiscal_year_of(date(2024, 9, 30)) == 2567


def test_thai_date() -> None:
    assert THAI.date(date(2024, 3, 15)) == "๑๕ มี.ค. ๒๕๖๗"
    assert THAI.date(date(2024, 3, 15), short=False) == "๑๕ มีนาคม ๒๕๖๗"
    assert ARABIC.date(date(2023, 10, 1)) == "1 ต.ค. 2566"


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2150, 12, 31)), st.booleans(), st.booleans())
def test_thai_date_reads_back_as_that_day(day: date, thai_digits: bool, short: bool) -> None:
    assert parse_period((THAI if thai_digits else ARABIC).date(day, short), fiscal_year_of(day)) == (day, day)
    assert fiscal_year_bounds(fiscal_year_of(day))[0] <= day <= fiscal_year_bounds(fiscal_year_of(day))[1]


# -- Thai text -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        ("สำนัก ปลัดเทศบาล", "สำนักปลัดเทศบาล"),
        ("ปฏิบัติงานที่ โปร่งใสและมี ประสิทธิภาพ", "ปฏิบัติงานที่โปร่งใสและมีประสิทธิภาพ"),
        ("ผู้รับบริการหรือผู้ มาติดต่อราชการ", "ผู้รับบริการหรือผู้มาติดต่อราชการ"),
        ("เข้ามามีส่วน ร่วม", "เข้ามามีส่วนร่วม"),
        ("ช่องทางออนไลน์ Facebook เพจ", "ช่องทางออนไลน์ Facebook เพจ"),
        ("ปีงบประมาณ พ.ศ. 2567", "ปีงบประมาณ พ.ศ. 2567"),
        ("ต่าง ๆ เช่น เว็บไซต์", "ต่าง ๆ เช่น เว็บไซต์"),
        ("จัดประชุม อบรม สัมมนา", "จัดประชุม อบรม สัมมนา"),
        ("นายสมชาย ใจดี", "นายสมชาย ใจดี"),
    ],
)
def test_fix_broken_spaces(text: str, fixed: str) -> None:
    assert fix_broken_spaces(text) == fixed


_BASE = set("กขฃคฅฆงจฉชซฌญฎฏฐฑฒณดตถทธนบปผฝพฟภมยรลวศษสหฬอฮ" "0123456789eAฯๆ.")


@given(st.lists(st.sampled_from(["สำนัก", "ปลัด", "การ", "ที่", " ", "  ", "e12", "๒", "ๆ", "ฯ", "A", ".", "ร่วม", "ด้"]),
                max_size=30))
def test_cleaning_never_loses_text(pieces: list[str]) -> None:
    """Only spaces (and, from pythainlp's normalisation, repeated or dangling marks) may go."""
    text = "".join(pieces)
    assert squeeze(fix_broken_spaces(text)) == squeeze(text)
    kept = [ch for ch in tidy(text) if ch in _BASE]
    assert kept == [ch for ch in to_arabic_digits(text) if ch in _BASE]
