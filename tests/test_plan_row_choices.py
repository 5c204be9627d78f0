"""An admin's choices for single rows of a plan table (a new measure, a continuation, a heading, skipped),
kept under a fingerprint of the row that stays the same when the same document comes again, in any format."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.plan_import import parse_plan, row_fingerprints
from domain.plan_paste import read_pasted
from domain.plan_table import read_table
from tests.support.plan_pdf import PDF_FIXTURES, SOURCES
from tests.support.plan_variants import PASTED, write_docx, write_xlsx
from tests.test_plan_import_pdf import spaceless

HEADER = ["มาตรการ/แนวทาง", "ขั้นตอน/วิธีดำเนินการ", "ผู้รับผิดชอบ", "ระยะเวลาดำเนินการ"]
TABLE = [
    HEADER,
    ["มาตรการ ก", "๑. ประชุมชี้แจง", "กองคลัง", "ไตรมาส ๑"],
    ["มาตรการ ข", "๑. จัดทำประกาศ", "กองช่าง", "ไตรมาส ๒"],
    ["", "๒. เผยแพร่ประกาศ", "", ""],
]


def fingerprint(row: int, rows: list[list[str]] = TABLE) -> str:
    return row_fingerprints(rows)[row - 1]


def test_the_rules_read_the_table_as_two_measures() -> None:
    plan = parse_plan(TABLE, 2567)
    assert [(m.title, m.steps) for m in plan.measures] == [
        ("มาตรการ ก", ["ประชุมชี้แจง"]), ("มาตรการ ข", ["จัดทำประกาศ", "เผยแพร่ประกาศ"])]
    assert [(d.row, d.kind, d.fingerprint) for d in plan.decisions] == [
        (n, kind, fingerprint(n)) for n, kind in [(1, "header"), (2, "measure"), (3, "measure"), (4, "continuation")]]


def test_a_row_chosen_as_a_continuation() -> None:
    plan = parse_plan(TABLE, 2567, {fingerprint(3): "continuation"})
    assert len(plan.measures) == 1
    assert plan.measures[0].steps == ["ประชุมชี้แจง", "จัดทำประกาศ", "เผยแพร่ประกาศ"]
    assert plan.measures[0].unit_texts == ["กองคลัง", "กองช่าง"]
    assert [(d.row, d.kind, d.reason, d.measure) for d in plan.decisions][2:] == [
        (3, "continuation", "chosen", 1), (4, "continuation", "no-title", 1)]


def test_a_row_chosen_as_a_measure() -> None:
    plan = parse_plan(TABLE, 2567, {fingerprint(4): "measure"})
    assert [m.row for m in plan.measures] == [2, 3, 4]
    assert plan.measures[1].steps == ["จัดทำประกาศ"] and plan.measures[2].steps == ["เผยแพร่ประกาศ"]
    assert [w.code for w in plan.warnings if w.row == 4] == ["no-title"]  # said, not hidden


def test_a_row_chosen_skipped_and_one_chosen_a_heading() -> None:
    skipped = parse_plan(TABLE, 2567, {fingerprint(3): "ignored"})
    assert [(m.title, m.steps) for m in skipped.measures] == [("มาตรการ ก", ["ประชุมชี้แจง", "เผยแพร่ประกาศ"])]
    assert skipped.decisions[2].reason == "chosen" and skipped.decisions[2].kind == "ignored"
    heading = parse_plan(TABLE, 2567, {fingerprint(3): "heading"})
    assert [m.title for m in heading.measures] == ["มาตรการ ก"]
    assert (heading.decisions[2].kind, heading.decisions[2].reason) == ("heading", "chosen")
    assert heading.decisions[3].kind == "ignored"  # nothing above it in the new issue: an orphan, warned
    assert any(w.code == "orphan-row" and w.row == 4 for w in heading.warnings)


def test_a_choice_that_cannot_apply_leaves_the_row_to_the_rules() -> None:
    first = fingerprint(2)  # a continuation with no measure above it
    plan = parse_plan(TABLE, 2567, {first: "continuation", fingerprint(1): "ignored", "0" * 16: "measure"})
    assert [d.kind for d in plan.decisions] == ["header", "measure", "measure", "continuation"]


def test_fingerprints_ignore_spaces_digits_and_markup_of_case_but_tell_repeats_apart() -> None:
    retyped = [[cell.replace("ประชุม", "ประ ชุม").replace("๑", "1").upper() for cell in row] for row in TABLE]
    assert row_fingerprints(retyped) == row_fingerprints(TABLE)
    doubled = [*TABLE, HEADER, TABLE[1]]
    prints = row_fingerprints(doubled)
    assert len(set(prints)) == len(prints)
    assert prints[:4] == row_fingerprints(TABLE)


def test_the_same_document_in_every_format_gives_the_same_fingerprints(tmp_path: Path) -> None:
    rows = read_table(SOURCES["wiang-chiang-saen-2567"])
    prints = row_fingerprints(rows)
    assert row_fingerprints(read_table(write_docx(rows, tmp_path / "plan.docx"))) == prints
    assert row_fingerprints(read_table(write_xlsx(rows, tmp_path / "plan.xlsx"))) == prints
    assert row_fingerprints(read_pasted(PASTED["excel-tabs"](rows))) == prints


@pytest.mark.parametrize("name", ["wiang-chiang-saen-2567", "mueang-phon-2564"])
def test_a_choice_made_on_one_format_applies_to_the_pdf(name: str) -> None:
    """The PDF cuts rows at page breaks and wraps cells: the rows it gives whole keep their fingerprints."""
    rows = read_table(SOURCES[name])
    year = int(name[-4:])
    reference = parse_plan(rows, year)
    pdf_rows = read_table(PDF_FIXTURES / f"{name}.pdf")
    shared = set(row_fingerprints(rows)) & set(row_fingerprints(pdf_rows))
    measure_rows = [d for d in reference.decisions if d.kind == "measure" and d.fingerprint in shared]
    assert len(measure_rows) >= len(reference.measures) // 2
    chosen = {measure_rows[-1].fingerprint: "ignored"}
    from_tsv = parse_plan(rows, year, chosen)
    from_pdf = parse_plan(pdf_rows, year, chosen)
    assert len(from_tsv.measures) == len(reference.measures) - 1
    assert spaceless(from_pdf) == spaceless(from_tsv)
