"""`itabot import-plan` and `itabot units`: the parsed plan lands in the database, re-imports update it
and keep reported progress, unknown units are added and listed, admins merge or rename them."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from storage.clock import utcnow
from storage.plan_models import Measure, MeasureUnit, Plan, ProgressReport, ReportingRound
from storage.plans import NewReport
from tests.support.botcli import run_cli
from tests.support.inprocess import ChatBot

FIXTURES = Path(__file__).parent / "fixtures"
SIRIRAT = FIXTURES / "plans" / "sirirat-2567.tsv"
WIANG = FIXTURES / "plans" / "wiang-chiang-saen-2567.tsv"
BAN_WIANG = FIXTURES / "reports" / "ban-wiang-2565.tsv"


@pytest.fixture
def bot(chat_bot: ChatBot) -> ChatBot:
    """This module runs in process (tests/support/inprocess.py): no HTTP, no worker thread."""
    return chat_bot


def import_json(bot: ChatBot, path: Path, year: int, *extra: str) -> dict:
    return json.loads(run_cli(bot, "import-plan", str(path), "--fiscal-year", str(year), "--json", *extra))


def active_measures(bot: ChatBot) -> list[Measure]:
    with bot.services.uow() as uow:
        return list(uow.session.scalars(select(Measure).where(Measure.active.is_(True)).order_by(Measure.seq)))


def test_import_prints_the_documented_json_and_stores_the_plan(bot: ChatBot) -> None:
    result = import_json(bot, SIRIRAT, 2567)
    expected = json.loads(SIRIRAT.with_suffix(".expected.json").read_text(encoding="utf-8"))
    assert result["fiscal_year_be"] == 2567 and len(result["measures"]) == expected["measure_count"]
    keys = {"issue_no", "issue", "title", "steps", "units", "all_units", "start", "end", "ita_codes",
            "monitoring_rounds_months"}
    for got, want in zip(result["measures"], expected["measures"], strict=True):
        assert set(got) == keys
        assert (got["issue_no"], got["all_units"], got["start"], got["end"], got["ita_codes"]) == (
            want["issue_no"], want["all_units"], want["start"], want["end"], want["ita_codes"])
        for unit in want["units_include"]:
            assert any(unit in name for name in got["units"]), (unit, got["units"])
    assert all(isinstance(w, str) for w in result["warnings"])
    stored = active_measures(bot)
    assert [m.seq for m in stored] == list(range(1, 18))
    assert [m.title for m in stored] == [m["title"] for m in result["measures"]]
    with bot.services.uow() as uow:
        rounds = uow.session.scalars(select(ReportingRound).order_by(ReportingRound.months)).all()
        assert [(r.months, str(r.end_date)) for r in rounds] == [(6, "2024-03-31"), (12, "2024-09-30")]
        own_units = uow.session.scalar(select(func.count()).select_from(MeasureUnit))
        assert own_units == sum(1 for m in result["measures"] if not m["all_units"] and m["units"])


def test_dry_run_stores_nothing(bot: ChatBot) -> None:
    output = run_cli(bot, "import-plan", str(WIANG), "--fiscal-year", "2567", "--dry-run")
    assert "ยังไม่ได้บันทึก" in output and "ม.1" in output
    with bot.services.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Plan)) == 0


def test_the_year_is_read_from_the_table_unless_typed_and_a_wrong_one_is_warned_about(bot: ChatBot) -> None:
    """Issue #15 item 8, as in the console: a 2567 table imported without --fiscal-year is the plan of 2567;
    typed as 2570 it gets a loud warning, counted among the warnings (and saves nothing in a dry run)."""
    output = run_cli(bot, "import-plan", str(WIANG), "--dry-run")
    assert "ปีงบประมาณ 2567 อ่านจากช่วงเวลาดำเนินการในตาราง" in output
    assert "ตรวจสอบแผนปีงบประมาณ 2567" in output
    wrong = run_cli(bot, "import-plan", str(WIANG), "--fiscal-year", "2570", "--dry-run")
    assert "⚠️ ปีไม่ตรงกัน" in wrong and "--fiscal-year 2567" in wrong
    assert "ไม่ใช่ปี 2570" in wrong  # the warning itself, in the list of warnings
    result = import_json(bot, WIANG, 2570, "--dry-run")
    assert "ไม่ใช่ปี 2570" in result["warnings"][0]
    run_cli(bot, "import-plan", str(WIANG))
    with bot.services.uow() as uow:
        assert [p.fiscal_year_be for p in uow.session.scalars(select(Plan))] == [2567]


def test_reimport_updates_without_duplicates_and_keeps_progress(bot: ChatBot,
                                                                  tmp_path: Path) -> None:
    import_json(bot, WIANG, 2567)
    first = active_measures(bot)
    kept, dropped = first[2], first[0]
    with bot.services.uow() as uow:
        rnd = uow.plans.rounds(bot.org_id, 2567)[0]
        unit = uow.people.find_unit(bot.org_id, "สำนักปลัดเทศบาล")
        for measure in (kept, dropped):
            uow.plans.add_report(bot.org_id, NewReport(measure.id, unit.id, rnd.id, "in_progress", 40, "ทำแล้ว",
                                                       "", None), utcnow())
        uow.commit()
    again = run_cli(bot, "import-plan", str(WIANG), "--fiscal-year", "2567")
    assert "ใหม่ 0" in again and f"ปรับปรุง {len(first)}" in again
    assert [m.id for m in active_measures(bot)] == [m.id for m in first]
    # The plan changes: its first measure is removed. The others keep their ids and their reports.
    lines = WIANG.read_text(encoding="utf-8").splitlines()
    first_title_word = dropped.title[:12]
    changed = [line for line in lines if first_title_word not in line]
    assert len(changed) < len(lines)
    edited = tmp_path / "wiang-edited.tsv"
    edited.write_text("\n".join(changed) + "\n", encoding="utf-8")
    output = run_cli(bot, "import-plan", str(edited), "--fiscal-year", "2567")
    assert "ไม่อยู่ในแผนแล้ว 1" in output
    now_active = active_measures(bot)
    assert kept.id in {m.id for m in now_active} and dropped.id not in {m.id for m in now_active}
    assert [m.seq for m in now_active] == list(range(1, len(first)))
    with bot.services.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(ProgressReport)) == 2
        assert uow.session.get(Measure, dropped.id).active is False


def test_xlsx_upload_gives_the_same_import_as_tsv(bot: ChatBot, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    for line in SIRIRAT.read_text(encoding="utf-8").splitlines():
        sheet.append(line.split("\t"))
    xlsx = tmp_path / "sirirat.xlsx"
    book.save(xlsx)
    from_xlsx = import_json(bot, xlsx, 2567, "--dry-run")
    from_tsv = import_json(bot, SIRIRAT, 2567, "--dry-run")
    assert from_xlsx == from_tsv


def test_four_column_report_table_imports_its_ten_measures(bot: ChatBot) -> None:
    result = import_json(bot, BAN_WIANG, 2565)
    assert len(result["measures"]) == 10
    assert all(m["steps"] and not any("<" in step for step in m["steps"]) for m in result["measures"])


def test_unknown_units_are_added_listed_and_can_be_merged(bot: ChatBot, tmp_path: Path) -> None:
    table = tmp_path / "plan.tsv"
    table.write_text(
        "มาตรการ\tขั้นตอน/วิธีการ\tผู้รับผิดชอบ\tระยะเวลาดำเนินการ\n"
        "๑. มาตรการเผยแพร่ข้อมูล\t๑. จัดทำประกาศ\tกองสวัสดิการสังคม\t\n"
        "๒. มาตรการจัดซื้อจัดจ้าง\t๑. เผยแพร่แผน\tกองคลัง\t\n", encoding="utf-8")
    result = import_json(bot, table, 2567)
    assert result["measures"][0]["units"] == ["กองสวัสดิการสังคม"]
    assert any("กองสวัสดิการสังคม" in w and "หน่วยงานใหม่" in w for w in result["warnings"])
    assert "กองสวัสดิการสังคม" in run_cli(bot, "units", "list")
    run_cli(bot, "units", "add", "กองสวัสดิการ", "--alias", "กองสวัสดิการฯ")
    assert "รวมหน่วยงาน" in run_cli(bot, "units", "merge", "กองสวัสดิการสังคม", "กองสวัสดิการ")
    listing = run_cli(bot, "units", "list")
    assert "กองสวัสดิการ  (= กองสวัสดิการฯ, กองสวัสดิการสังคม)" in listing
    first = active_measures(bot)[0]
    with bot.services.uow() as uow:
        unit = uow.people.find_unit(bot.org_id, "กองสวัสดิการ")
        assert uow.plans.unit_answers_for(first, unit.id)
    # Re-importing now resolves the old name through the alias: no new unit, no warning.
    again = import_json(bot, table, 2567)
    assert again["measures"][0]["units"] == ["กองสวัสดิการ"] and not any("ใหม่" in w for w in again["warnings"])
    assert "เปลี่ยนชื่อ" in run_cli(bot, "units", "rename", "กองสวัสดิการ", "กองสวัสดิการสังคมและพัฒนาชุมชน")
    assert "กองสวัสดิการสังคมและพัฒนาชุมชน  (= " in run_cli(bot, "units", "list")


def test_unreadable_files_get_a_clear_thai_error(bot: ChatBot, tmp_path: Path) -> None:
    bad = tmp_path / "plan.odt"
    bad.write_bytes(b"PK\x03\x04")
    assert "รองรับ" in run_cli(bot, "import-plan", str(bad), "--fiscal-year", "2567",
                               expect_exit=None)
    broken = tmp_path / "plan.pdf"
    broken.write_bytes(b"%PDF-1.4")
    assert "PDF" in run_cli(bot, "import-plan", str(broken), "--fiscal-year", "2567", expect_exit=None)
    empty = tmp_path / "plan.tsv"
    empty.write_text("ข้อความ\tที่ไม่ใช่ตาราง\n", encoding="utf-8")
    output = run_cli(bot, "import-plan", str(empty), "--fiscal-year", "2567", expect_exit=None)
    assert "มาตรการ" in output


def test_dry_run_shows_how_each_row_was_read_and_offers_a_sub_section_to_its_unit(
        bot: ChatBot, tmp_path: Path) -> None:
    table = tmp_path / "plan.tsv"
    table.write_text(
        "ประเด็น\tมาตรการ/แนวทาง\tขั้นตอน/วิธีการ\tผู้รับผิดชอบ\tระยะเวลาดำเนินการ\n"
        "๑. กระบวนการปฏิบัติงานที่โปร่งใสและมีประสิทธิภาพ\tมาตรการ ก\t๑. ประชุม\tงานทะเบียน\tไตรมาส ๒\n"
        "\tมาตรการ ข\t\tกองคลัง\t\n"
        "\tและต่อท้าย ข\t๑. รายงาน\t\t\n", encoding="utf-8")
    output = run_cli(bot, "import-plan", str(table), "--fiscal-year", "2567", "--dry-run")
    assert "แถว 1: หัวตาราง · แถวชื่อคอลัมน์" in output
    assert ('แถว 3: มาตรการใหม่ ม.2 · มีข้อความมาตรการและผู้รับผิดชอบของตัวเอง ("กองคลัง") · '
            "ใช้ระยะเวลาของประเด็นจากแถว 2") in output
    assert 'แถว 4: ต่อจาก ม.2 · ข้อความมาตรการขึ้นต้นกลางประโยค ("และ…")' in output
    assert 'แถว 2: "งานทะเบียน" เป็นงาน/ฝ่ายย่อย' in output and 'ให้ "สำนักปลัดเทศบาล" รับผิดชอบแทน' in output
    result = import_json(bot, table, 2567)
    assert [m["units"] for m in result["measures"]] == [["สำนักปลัดเทศบาล"], ["กองคลัง"]]
    assert [m["start"] for m in result["measures"]] == ["2024-01-01", "2024-01-01"]
    assert len(result["rows"]) == 4 and result["rows"][3].startswith("แถว 4: ต่อจาก ม.2")
    assert "งานทะเบียน" not in run_cli(bot, "units", "list")  # offered to its กอง, not created
    # an alias on the right unit overrides the suggestion
    run_cli(bot, "units", "add", "กองคลัง", "--alias", "งานทะเบียน")
    again = import_json(bot, table, 2567, "--dry-run")
    assert again["measures"][0]["units"] == ["กองคลัง"] and not any("งานทะเบียน" in w for w in again["warnings"])


def test_a_workbook_with_several_sheets_reads_the_measure_sheet_and_says_so(
        bot: ChatBot, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    scores = book.active
    scores.title = "คะแนน ITA"
    scores.append(["ตัวชี้วัด", "คะแนน"])
    scores.append(["ตัวชี้วัดที่ 1 การปฏิบัติหน้าที่", 88.9])
    measures = book.create_sheet("มาตรการ")
    for line in WIANG.read_text(encoding="utf-8").splitlines():
        measures.append(line.split("\t"))
    notes = book.create_sheet("หมายเหตุ")
    notes.append(["ผู้จัดทำ", "งานนิติการ"])
    path = tmp_path / "plan.xlsx"
    book.save(path)
    output = run_cli(bot, "import-plan", str(path), "--fiscal-year", "2567", "--dry-run")
    rows = len(WIANG.read_text(encoding="utf-8").splitlines())
    assert f'อ่านแผ่นงาน "มาตรการ" (แถว 1–{rows}) (จาก 3 แผ่น)' in output
    assert import_json(bot, path, 2567, "--dry-run")["measures"] == \
        import_json(bot, WIANG, 2567, "--dry-run")["measures"]
