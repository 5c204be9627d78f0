"""The same tables in every shape they arrive in: pasted text (Word, Excel, tabs turned to spaces, empty cells
lost, one cell per line), .docx and .xlsx built here from the rows, a .docx with cells merged down across
measures, workbooks and documents holding several sheets or tables. Each gives the measures the TSV gives
(exactly, but the source row), or, for the shapes that lose information, at least as many as measured."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from domain.plan_import import parse_plan
from domain.plan_paste import read_pasted
from domain.plan_table import read_source, read_table
from tests.support.plan_variants import PASTED, exactly_right, facts, write_docx, write_xlsx
from tests.test_plan_import_rows import FOURTH_TABLE

FIXTURES = Path(__file__).parent / "fixtures"
TABLES = {
    "mueang-phon": (FIXTURES / "plans" / "mueang-phon-2564.tsv", 2564),
    "sirirat": (FIXTURES / "plans" / "sirirat-2567.tsv", 2567),
    "wiang-chiang-saen": (FIXTURES / "plans" / "wiang-chiang-saen-2567.tsv", 2567),
    "ban-wiang": (FIXTURES / "reports" / "ban-wiang-2565.tsv", 2565),
}
LOSSLESS = ("word-tabs", "excel-tabs", "spaces-tab4")
# Shapes that lose information (empty cells dropped, a cell's paragraphs run together): the measures that
# still come out exactly right, as measured when this test was written (a floor, not a target).
LOSSY_FLOOR = {
    ("mueang-phon", "spaces-free"): 4, ("mueang-phon", "one-per-line"): 4,
    ("sirirat", "spaces-free"): 17, ("sirirat", "one-per-line"): 17,
    ("wiang-chiang-saen", "spaces-free"): 17, ("wiang-chiang-saen", "one-per-line"): 17,
    ("ban-wiang", "spaces-free"): 10, ("ban-wiang", "one-per-line"): 10,
}


def rows_of(name: str) -> tuple[list[list[str]], int]:
    path, year = TABLES[name]
    return read_table(path), year


@pytest.mark.parametrize("variant", LOSSLESS)
@pytest.mark.parametrize("name", TABLES)
def test_a_pasted_table_parses_like_the_tsv(name: str, variant: str, tmp_path: Path) -> None:
    rows, year = rows_of(name)
    reference = parse_plan(rows, year)
    text = PASTED[variant](rows)
    pasted = parse_plan(read_pasted(text), year)
    assert [facts(m) for m in pasted.measures] == [facts(m) for m in reference.measures]
    assert [w.code for w in pasted.warnings] == [w.code for w in reference.warnings]
    saved = tmp_path / "pasted.txt"  # `itabot import-plan pasted.txt`
    saved.write_text(text, encoding="utf-8")
    assert [facts(m) for m in parse_plan(read_table(saved), year).measures] == [facts(m) for m in reference.measures]


@pytest.mark.parametrize("variant", ["spaces-free", "one-per-line"])
@pytest.mark.parametrize("name", TABLES)
def test_pastes_that_lose_empty_cells_or_paragraphs_keep_what_they_can(name: str, variant: str) -> None:
    rows, year = rows_of(name)
    reference = parse_plan(rows, year)
    pasted = parse_plan(read_pasted(PASTED[variant](rows)), year)
    assert exactly_right(reference.measures, pasted.measures) >= LOSSY_FLOOR[(name, variant)]


@pytest.mark.parametrize(("variant", "right"), [*((v, 11) for v in LOSSLESS), ("one-per-line", 9)])
def test_the_fourth_table_pasted(variant: str, right: int) -> None:
    reference = parse_plan(FOURTH_TABLE, 2567)
    pasted = parse_plan(read_pasted(PASTED[variant](FOURTH_TABLE)), 2567)
    assert len(pasted.measures) == len(reference.measures) == 11
    # one cell per line runs a cell's lines together ("กองคลัง\nกองช่าง" -> "กองคลัง กองช่าง"): 2 differ
    assert exactly_right(reference.measures, pasted.measures) >= right


@pytest.mark.parametrize("name", TABLES)
def test_docx_and_xlsx_built_from_the_rows(name: str, tmp_path: Path) -> None:
    rows, year = rows_of(name)
    reference = parse_plan(rows, year)
    for path in (write_docx(rows, tmp_path / "plan.docx"), write_xlsx(rows, tmp_path / "plan.xlsx")):
        assert parse_plan(read_table(path), year) == reference


def test_pasted_text_shapes_are_told_apart() -> None:
    header = "มาตรการ/แนวทาง\tขั้นตอน/วิธีการ\tผู้รับผิดชอบ\tระยะเวลาดำเนินการ"
    word = f"{header}\nมาตรการ ก\t๑. ประชุม\n๒. ประกาศ\tกองคลัง\tธ.ค. ๖๖\nมาตรการ ข\t\tกองช่าง\t\n"
    assert read_pasted(word)[1] == ["มาตรการ ก", "๑. ประชุม\n๒. ประกาศ", "กองคลัง", "ธ.ค. ๖๖"]
    excel = f'{header}\nมาตรการ ก\t"๑. ประชุม\n๒. ประกาศ"\tกองคลัง\tธ.ค. ๖๖\n'
    assert read_pasted(excel)[1] == ["มาตรการ ก", "๑. ประชุม\n๒. ประกาศ", "กองคลัง", "ธ.ค. ๖๖"]
    spaces = header.replace("\t", "    ") + "\nมาตรการ ก    ๑. ประชุม  ๒. ประกาศ        ธ.ค. ๖๖\n"
    assert read_pasted(spaces)[1] == ["มาตรการ ก", "๑. ประชุม  ๒. ประกาศ", "", "ธ.ค. ๖๖"]
    free = header.replace("\t", "   ") + "\nมาตรการ ก  ๑. ประชุม ๒. ประกาศ   ธ.ค. ๖๖\n\nสำนักปลัด\n"
    assert read_pasted(free)[1:] == [["มาตรการ ก", "๑. ประชุม ๒. ประกาศ", "", "ธ.ค. ๖๖"], [""],
                                     ["", "", "สำนักปลัด", ""]]
    lines = header.replace("\t", "\n") + "\nมาตรการ ก\n๑. ประชุม\nกองคลัง\n\nมาตรการ ข\n\nกองช่าง\nธ.ค. ๖๖\n"
    assert read_pasted(lines)[1:] == [["มาตรการ ก", "๑. ประชุม", "กองคลัง", ""], ["มาตรการ ข", "", "กองช่าง", "ธ.ค. ๖๖"]]


# -- merged cells, several sheets and tables -----------------------------------------------------------


def test_docx_with_cells_merged_down_across_measures(tmp_path: Path) -> None:
    from docx import Document

    document = Document()
    labels = ["ประเด็น", "มาตรการ/แนวทาง", "ขั้นตอน/วิธีดำเนินการ", "ผู้รับผิดชอบ", "ระยะเวลาดำเนินการ"]
    body = [
        ["๑. กระบวนการปฏิบัติงานที่โปร่งใสและมีประสิทธิภาพ", "มาตรการ ก", "๑. ประชุม", "กองคลัง", "ต.ค. ๖๖ - มี.ค. ๖๗"],
        ["", "มาตรการ ข", "๑. ประกาศ", "", ""],
        ["", "มาตรการ ค", "๑. รายงาน", "กองช่าง", "ก.ย. ๖๗"],
        ["", "", "๒. สรุปผล", "", ""],
        ["๒. การให้บริการและระบบ E-Service", "มาตรการ ง", "๑. เปิดช่องทาง", "สำนักปลัด", "ไตรมาส ๒"],
    ]
    table = document.add_table(rows=len(body) + 1, cols=5)
    for c, label in enumerate(labels):
        table.cell(0, c).text = label
    for r, row in enumerate(body, start=1):
        for c, text in enumerate(row):
            if text:
                table.cell(r, c).text = text
    table.cell(1, 0).merge(table.cell(4, 0))  # the issue over its measures
    table.cell(1, 3).merge(table.cell(2, 3))  # one unit for ก and ข
    table.cell(1, 4).merge(table.cell(2, 4))  # one period for ก and ข
    table.cell(3, 1).merge(table.cell(4, 1))  # ค over its two rows
    table.cell(3, 3).merge(table.cell(4, 3))
    path = tmp_path / "merged.docx"
    document.save(str(path))
    rows = read_table(path)
    assert rows[2][3] == "กองคลัง" and rows[2][0] == rows[1][0]  # merged down: on every row it covers
    plan = parse_plan(rows, 2567)
    first_half = (date(2023, 10, 1), date(2024, 3, 31))
    assert [(m.issue_no, m.title, m.unit_texts, (m.start, m.end), len(m.steps)) for m in plan.measures] == [
        (1, "มาตรการ ก", ["กองคลัง"], first_half, 1),
        (1, "มาตรการ ข", ["กองคลัง"], first_half, 1),
        (1, "มาตรการ ค", ["กองช่าง"], (date(2024, 9, 1), date(2024, 9, 30)), 2),
        (2, "มาตรการ ง", ["สำนักปลัด"], (date(2024, 1, 1), date(2024, 3, 31)), 1),
    ]
    assert [d.reason for d in plan.decisions if d.row == 5] == ["same-title"]


def test_xlsx_cells_merged_down_rows(tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["ประเด็น", "มาตรการ/แนวทาง", "ขั้นตอน/วิธีดำเนินการ", "ผู้รับผิดชอบ", "ระยะเวลาดำเนินการ"])
    sheet.append(["ตัวชี้วัดที่ ๒ การใช้งบประมาณ", "มาตรการ ก", "ขั้น", "กองคลัง", "ไตรมาส ๑"])
    sheet.append(["", "มาตรการ ข", "ขั้น", "", ""])
    sheet.merge_cells("A2:A3")
    sheet.merge_cells("D2:D3")
    sheet.merge_cells("E2:E3")
    path = tmp_path / "merged.xlsx"
    workbook.save(path)
    plan = parse_plan(read_table(path), 2567)
    assert [(m.issue_no, m.title, m.unit_texts, m.end) for m in plan.measures] == [
        (2, "มาตรการ ก", ["กองคลัง"], date(2023, 12, 31)), (2, "มาตรการ ข", ["กองคลัง"], date(2023, 12, 31))]


def test_xlsx_with_several_sheets_reads_the_measure_table(tmp_path: Path) -> None:
    from openpyxl import Workbook

    rows = [row for row in rows_of("wiang-chiang-saen")[0] if any(row)]  # a sheet keeps no empty line
    workbook = Workbook()
    scores = workbook.active
    assert scores is not None
    scores.title = "คะแนน"
    scores.append(["ตัวชี้วัด", "คะแนน"])
    scores.append(["ตัวชี้วัดที่ ๑ การปฏิบัติหน้าที่", 100])
    old = workbook.create_sheet("มาตรการ 2566")  # another measure table, smaller: not this one
    old.append(rows[0])
    old.append(["มาตรการเดิม", "ขั้น", "กองคลัง", "", ""])
    assert rows[18] == rows[0]  # the header repeated at a page break: the next sheet starts after it
    measures = workbook.create_sheet("มาตรการ 2567")
    for row in rows[:18]:
        measures.append(row)
    page_2 = workbook.create_sheet("หน้า 2")  # the same table's next page, without a header
    for row in rows[19:]:
        page_2.append(row)
    notes = workbook.create_sheet("หมายเหตุ")
    notes.append(["ผู้จัดทำ", "งานนิติการ"])
    path = tmp_path / "book.xlsx"
    workbook.save(path)
    source = read_source(path)
    assert (source.kind, source.total) == ("sheet", 5)
    assert [(p.name, p.number, p.first_row, p.row_count) for p in source.used] == [
        ("มาตรการ 2567", 3, 1, 18), ("หน้า 2", 4, 19, len(rows) - 19)]
    reference = parse_plan(rows, 2567).measures
    assert [facts(m) for m in parse_plan(source.rows, 2567).measures] == [facts(m) for m in reference]


def test_docx_with_several_tables_reads_the_measure_table_and_its_pages(tmp_path: Path) -> None:
    from docx import Document

    rows, _ = rows_of("wiang-chiang-saen")
    document = Document()

    def add(table_rows: list[list[str]]) -> None:
        width = max(len(row) for row in table_rows)
        table = document.add_table(rows=len(table_rows), cols=width)
        for r, row in enumerate(table_rows):
            for c, text in enumerate(row):
                if text:
                    table.cell(r, c).text = text

    add([["ตัวชี้วัด", "คะแนน"], ["ตัวชี้วัดที่ ๑ การปฏิบัติหน้าที่", "100"]])
    add(rows[:8])  # the measure table, cut at the page break
    add(rows[8:20])  # its header again on the next page
    add(rows[20:])
    add([["ลงชื่อ", "ผู้จัดทำ"], ["นายก", "ปลัด"]])
    path = tmp_path / "doc.docx"
    document.save(str(path))
    source = read_source(path)
    assert (source.kind, source.total, [p.number for p in source.used]) == ("table", 5, [2, 3, 4])
    assert [facts(m) for m in parse_plan(source.rows, 2567).measures] == \
        [facts(m) for m in parse_plan(rows, 2567).measures]
