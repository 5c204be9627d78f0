"""`itabot report …`: the progress report as Word, Excel and CSV, the complaint statistics, signed links
and the signature block / digits settings, with clear Thai errors for what does not exist."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import docx
import openpyxl
import pytest

from storage.clock import utcnow
from storage.plans import NewReport
from tests.support.botcli import run_cli
from tests.support.complaints import file_complaint
from tests.support.inprocess import ChatBot
from tests.support.plans import load_plan, small_plan
from usecases.current_round import current_round, local_today

CITIZEN = "U" + "4" * 32


@pytest.fixture
def bot(chat_bot: ChatBot) -> ChatBot:
    """This module runs in process (tests/support/inprocess.py): no HTTP, no worker thread."""
    return chat_bot


@pytest.fixture
def planned(bot: ChatBot) -> ChatBot:
    load_plan(bot.services.uow, bot.org_id, small_plan())
    with bot.services.uow() as uow:
        year, months = current_round(uow, bot.org_id, local_today(uow, bot.org_id))
        rnd = next(r for r in uow.plans.rounds(bot.org_id, year) if r.months == months)
        first = uow.plans.measure_by_seq(uow.plans.plan_for_year(bot.org_id, year).id, 1)
        unit = uow.people.find_unit(bot.org_id, "สำนักปลัดเทศบาล")
        uow.plans.add_report(bot.org_id, NewReport(first.id, unit.id, rnd.id, "in_progress", 40,
                                                   "ร่างประกาศ 2 ฉบับแล้ว", "รอผู้บริหารลงนาม", None), utcnow())
        uow.commit()
    return bot


def year_and_round(bot: ChatBot) -> tuple[int, int]:
    with bot.services.uow() as uow:
        found = current_round(uow, bot.org_id, local_today(uow, bot.org_id))
    assert found is not None
    return found


def test_progress_report_in_three_formats(planned: ChatBot, tmp_path: Path) -> None:
    bot = planned
    year, months = year_and_round(bot)
    out = tmp_path / "report.docx"
    printed = run_cli(bot, "report", "progress", "--fiscal-year", str(year), "--round", f"รอบ {months} เดือน",
                      "-o", str(out))
    assert str(out) in printed and "KB" in printed
    cells = [c.text for c in docx.Document(str(out)).tables[0].rows[2].cells]
    assert cells[2:] == ["ร่างประกาศ ๒ ฉบับแล้ว", "รอผู้บริหารลงนาม"]

    xlsx = tmp_path / "report.xlsx"
    run_cli(bot, "report", "progress", "--fiscal-year", str(year), "--format", "xlsx", "-o", str(xlsx))
    detail = list(openpyxl.load_workbook(xlsx)["รายละเอียด"].iter_rows(values_only=True))
    assert detail[1][5:10] == ("สำนักปลัดเทศบาล", "กำลังดำเนินการ", 40, "ร่างประกาศ 2 ฉบับแล้ว", "รอผู้บริหารลงนาม")
    with bot.services.uow() as uow:
        units = len(uow.people.units(bot.org_id))
    assert len(detail) == 1 + 1 + units + 1  # the header, ม.1 one unit, ม.2 every unit, ม.3 one unit

    data = tmp_path / "report.csv"
    run_cli(bot, "report", "progress", "--fiscal-year", str(year), "--format", "csv", "-o", str(data))
    raw = data.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[1][8] == "ร่างประกาศ 2 ฉบับแล้ว" and len(rows) == len(detail)


def test_signature_block_and_digits_settings_are_used(planned: ChatBot, tmp_path: Path) -> None:
    bot = planned
    year, _ = year_and_round(bot)
    assert "ผู้รายงาน, ปลัดเทศบาล, นายกเทศมนตรี" in run_cli(bot, "report", "settings")  # the defaults
    shown = run_cli(bot, "report", "settings", "--signer", "ผู้รายงาน", "--signer", "ปลัดเทศบาล=นายสมชาย ใจดี",
                    "--arabic-digits")
    assert "ผู้รายงาน, ปลัดเทศบาล (นายสมชาย ใจดี)" in shown and "(documents): เลขอารบิก" in shown
    out = tmp_path / "signed.docx"
    run_cli(bot, "report", "progress", "--fiscal-year", str(year), "-o", str(out))
    document = docx.Document(str(out))
    assert document.tables[0].rows[2].cells[2].text == "ร่างประกาศ 2 ฉบับแล้ว"  # Arabic digits now
    signatures = [c.text for c in document.tables[1].rows[0].cells]
    assert len(signatures) == 2 and signatures[1].endswith("(นายสมชาย ใจดี)\nปลัดเทศบาล")
    # --thai-digits on the command line wins over the setting for one file.
    run_cli(bot, "report", "progress", "--fiscal-year", str(year), "--thai-digits", "-o", str(out))
    assert docx.Document(str(out)).tables[0].rows[2].cells[2].text == "ร่างประกาศ ๒ ฉบับแล้ว"
    assert "(ไม่มีช่องลงนาม)" in run_cli(bot, "report", "settings", "--no-signers")
    run_cli(bot, "report", "progress", "--fiscal-year", str(year), "-o", str(out))
    assert len(docx.Document(str(out)).tables) == 1
    assert "ตำแหน่ง" in run_cli(bot, "report", "settings", "--signer", "=นายสมชาย", expect_exit=None)


def test_clear_errors_for_missing_plans_rounds_and_formats(planned: ChatBot, tmp_path: Path) -> None:
    bot = planned
    year, _ = year_and_round(bot)
    missing_round = run_cli(bot, "report", "progress", "--fiscal-year", str(year), "--round", "9",
                            "-o", str(tmp_path / "x.docx"), expect_exit=None)
    assert "ไม่พบรอบ \"9\"" in missing_round and "รอบ 6 เดือน, รอบ 12 เดือน" in missing_round
    no_plan = run_cli(bot, "report", "progress", "--fiscal-year", str(year - 4), expect_exit=None)
    assert f"ไม่มีแผนมาตรการของปีงบประมาณ {year - 4}" in no_plan
    assert "docx หรือ xlsx" in run_cli(bot, "report", "link", "complaints", "--fiscal-year", str(year),
                                       "--format", "csv", expect_exit=None)
    assert not (tmp_path / "x.docx").exists()


def test_complaint_statistics_and_links_from_the_command_line(bot: ChatBot, tmp_path: Path) -> None:
    secret = "ปลัดสั่งให้แก้เอกสารประกวดราคาโครงการถนน"
    file_complaint(bot, CITIZEN, details=(secret,), category="จัดซื้อจัดจ้าง")
    load_plan(bot.services.uow, bot.org_id, small_plan())
    year, months = year_and_round(bot)
    for fmt in ("docx", "xlsx"):
        out = tmp_path / f"stats.{fmt}"
        run_cli(bot, "report", "complaints", "--fiscal-year", str(year), "--format", fmt, "-o", str(out))
        with zipfile.ZipFile(out) as archive:
            content = "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
        assert secret not in content and "ประกวดราคา" not in content  # counts only
    document = docx.Document(str(tmp_path / "stats.docx"))
    assert "เรื่องร้องเรียนที่ได้รับทั้งหมด ๑ เรื่อง" in "\n".join(p.text for p in document.paragraphs)
    printed = run_cli(bot, "report", "link", "progress", "--fiscal-year", str(year), "--format", "xlsx")
    url = printed.split()[0]
    assert url.startswith("http://127.0.0.1:5000/reports/") and "ใช้ได้ถึง" in printed
    response = bot.http.get(urlsplit(url).path)
    assert response.status_code == 200 and f"ita-progress-{year}-r{months}.xlsx" in response.headers[
        "Content-Disposition"]
