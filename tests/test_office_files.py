"""Hostile plan files (issue #14, item 5): a deflate bomb, a huge member, too many members, a nested archive, a
broken archive, a huge shared-strings table, too many rows — refused with a Thai message before their XML is
read, by the reader (domain.plan_table), the console (HTTP 400) and the CLI (a Thai line); and the memory of the
process that read them stays flat."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from domain.office_files import OfficeLimits
from domain.plan_table import PlanFileError, read_source
from storage.console_models import PlanUpload
from tests.support import hostile_files as hostile
from tests.support.botcli import run_cli
from tests.support.console import add_console_user, error_of, logged_in
from tests.support.inprocess import ChatBot

ROOT = Path(__file__).resolve().parent.parent
REFUSED = "ตารางมาตรการจริงเล็กกว่านี้มาก"  # every cap's message ends with what to do

CASES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "deflate-bomb-xlsx": (lambda d: hostile.xlsx_rows_bomb(d, rows=500_000), "เมื่อแตกไฟล์แล้วส่วนหนึ่งใหญ่ถึง"),
    "ratio-bomb-xlsx": (hostile.xlsx_ratio_bomb, "ข้อมูลถูกบีบอัดไว้ผิดปกติ"),
    "too-many-rows-xlsx": (hostile.xlsx_too_many_rows, "มีมากกว่า 10,000 แถว"),
    "huge-shared-strings-xlsx": (hostile.xlsx_huge_shared_strings, "(รับได้ไม่เกิน 8.0 MB)"),
    "too-many-members-xlsx": (hostile.xlsx_too_many_members, "ภายในมีไฟล์ย่อย 1,009 ไฟล์"),
    "huge-member-docx": (hostile.docx_huge_member, "ส่วนหนึ่งใหญ่ถึง 40.0 MB"),
    "nested-archive-docx": (hostile.docx_nested_archive, "มีไฟล์บีบอัดซ้อนอยู่ภายใน"),
    "truncated-xlsx": (hostile.truncated_xlsx, "ไฟล์เสียหรือไม่ใช่ไฟล์ .xlsx จริง"),
    "garbage-docx": (hostile.garbage_with_zip_magic, "ไฟล์เสียหรือไม่ใช่ไฟล์ .docx จริง"),
    "lying-sizes-xlsx": (hostile.lying_sizes_xlsx, "ไฟล์เสียหรือไม่ใช่ไฟล์ .xlsx จริง"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_office_files_are_refused_in_thai(case: str, tmp_path: Path) -> None:
    build, expected = CASES[case]
    path = build(tmp_path)
    with pytest.raises(PlanFileError) as refused:
        read_source(path)
    message = str(refused.value)
    assert expected in message
    assert path.name in message and str(tmp_path) not in message  # the user's file name, never our paths
    if case not in ("truncated-xlsx", "garbage-docx", "lying-sizes-xlsx"):
        assert REFUSED in message


def test_a_file_bigger_than_the_cap_is_refused_unopened(tmp_path: Path) -> None:
    path = hostile.write_xlsx(hostile.SMALL_TABLE, tmp_path / "plan.xlsx")
    with pytest.raises(PlanFileError, match="ใหญ่เกินไป"):
        read_source(path, OfficeLimits(max_file_bytes=1024))


def test_docx_rows_and_cells_are_counted_while_read(tmp_path: Path) -> None:
    path = hostile.docx_rows(tmp_path, rows=60)
    assert len(read_source(path).rows) == 61
    with pytest.raises(PlanFileError, match="มีมากกว่า 50 แถว"):
        read_source(path, OfficeLimits(max_rows=50))
    with pytest.raises(PlanFileError, match="มีข้อมูลมากกว่า 100 ช่อง"):
        read_source(path, OfficeLimits(max_cells=100))


def test_docx_xml_is_counted_as_a_stream_before_python_docx_parses_it(tmp_path: Path) -> None:
    """python-docx builds the whole tree first (a 16 MB document.xml: 200+ MB, bench/office_files.py), so the
    rows, cells and elements are counted as a stream first. Proof that it comes first: a document whose XML
    breaks after its 60th row is refused for its rows, not as a broken file (which it is, in Thai: python-docx's
    own XML error escaped the reader before); a header part python-docx would parse too counts towards the
    elements."""
    many = hostile.docx_rows(tmp_path, rows=60)
    broken = tmp_path / "broken.docx"
    with zipfile.ZipFile(many) as source, zipfile.ZipFile(broken, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            out.writestr(info.filename, data.replace(b"</w:body>", b"<w:p><broken></w:body>")
                         if info.filename == "word/document.xml" else data)
    with pytest.raises(PlanFileError, match="ไฟล์เสีย"):
        read_source(broken)
    with pytest.raises(PlanFileError, match="มีมากกว่า 50 แถว"):
        read_source(broken, OfficeLimits(max_rows=50))
    small = hostile.write_docx(hostile.SMALL_TABLE, tmp_path / "small.docx")
    header = tmp_path / "header.docx"
    with zipfile.ZipFile(small) as source, zipfile.ZipFile(header, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            out.writestr(info.filename, source.read(info))
        out.writestr("word/header9.xml", '<w:hdr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/'
                     '2006/main">' + "<w:p><w:r><w:t>x</w:t></w:r></w:p>" * 2000 + "</w:hdr>")
    assert read_source(header).rows == read_source(small).rows
    with pytest.raises(PlanFileError, match="ซับซ้อนเกินไป"):
        read_source(header, OfficeLimits(max_elements=5000))


def test_an_embedded_object_is_no_nested_archive_alarm(tmp_path: Path) -> None:
    """Word keeps an embedded Excel object as an .xlsx under word/embeddings/: allowed, never opened."""
    path = hostile.docx_with_embedded_workbook(tmp_path)
    assert any(n.startswith("word/embeddings/") for n in zipfile.ZipFile(path).namelist())
    rows = read_source(path).rows
    assert rows[1][1] == "มาตรการเผยแพร่ข้อมูลต่อสาธารณะ"


def test_a_sheet_with_a_huge_declared_dimension_reads_only_its_data(tmp_path: Path) -> None:
    """A dimension of A1:XFD1048576 (a formatted far cell) must not pad every row to 16,384 columns."""
    base = hostile.write_xlsx(hostile.SMALL_TABLE, tmp_path / "base.xlsx")
    path = tmp_path / "wide.xlsx"
    with zipfile.ZipFile(base) as original:
        sheet = original.read(hostile.SHEET).decode()
    sheet = sheet.replace('<dimension ref="A1:E2"/>', '<dimension ref="A1:XFD3"/>')
    assert "XFD3" in sheet
    with hostile._copy_except(base, path, {hostile.SHEET}) as out:
        out.writestr(hostile.SHEET, sheet)
    rows = read_source(path).rows
    assert rows[:2] == [hostile.HEADER, hostile.SMALL_TABLE[1]]


MEMORY_PROBE = """
import json, sys
from pathlib import Path
from domain.plan_table import PlanFileError, read_source

def status_mb(field):  # VmRSS now, VmHWM the peak (reset by exec, unlike ru_maxrss)
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":")) / 1024

read_source(Path(sys.argv[1]))  # warm: every import and cache in place
baseline, peak_before = status_mb("VmRSS"), status_mb("VmHWM")
refused = 0
for path in sys.argv[2:]:
    try:
        read_source(Path(path))
    except PlanFileError:
        refused += 1
print(json.dumps({"baseline": baseline, "peak_before": peak_before, "refused": refused,
                  "peak": status_mb("VmHWM"), "after": status_mb("VmRSS")}))
"""


def test_reading_hostile_files_leaves_the_memory_flat(tmp_path: Path) -> None:
    """The issue's worker grew from 150 MB to 2 GB on one upload and stayed there. Here a process reads every
    hostile file: its peak and its memory after stay within a few tens of MB of where they were."""
    valid = hostile.write_xlsx(hostile.SMALL_TABLE, tmp_path / "valid.xlsx")
    files = []
    for name, (build, _) in CASES.items():
        directory = tmp_path / name
        directory.mkdir()
        files.append(str(build(directory)))
    result = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(valid), *files], cwd=ROOT, check=True,
                            capture_output=True, text=True, timeout=120, env={"PYTHONPATH": str(ROOT)})
    figures = json.loads(result.stdout)
    assert figures["refused"] == len(files)
    assert figures["peak"] - figures["baseline"] < 64, figures
    assert figures["after"] - figures["baseline"] < 32, figures


def test_the_console_answers_a_zip_bomb_with_a_thai_400_and_keeps_nothing(chat_bot: ChatBot, tmp_path: Path) -> None:
    bot = chat_bot
    bomb = hostile.xlsx_rows_bomb(tmp_path, rows=500_000)
    assert bomb.stat().st_size < bot.services.settings.max_body_bytes  # under the upload limit: it gets read
    add_console_user(bot, "admin")
    admin = logged_in(bot, "admin")
    admin.get("/plan")
    response = admin.post("/plan/preview", {"fiscal_year": "2567"}, files={"file": ("แผน.xlsx", bomb.read_bytes())})
    assert response.status_code == 400
    assert "ไม่รับไฟล์ แผน.xlsx: เมื่อแตกไฟล์แล้วส่วนหนึ่งใหญ่ถึง" in error_of(response)
    nested = hostile.docx_nested_archive(tmp_path)
    response = admin.post("/plan/preview", {"fiscal_year": "2567"}, files={"file": ("แผน.docx", nested.read_bytes())})
    assert response.status_code == 400 and "มีไฟล์บีบอัดซ้อนอยู่ภายใน" in error_of(response)
    with bot.services.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(PlanUpload)) == 0


def test_the_cli_refuses_a_hostile_file_with_a_thai_line(chat_bot: ChatBot, tmp_path: Path) -> None:
    bomb = hostile.xlsx_ratio_bomb(tmp_path)
    output = run_cli(chat_bot, "import-plan", str(bomb), "--fiscal-year", "2567", expect_exit=None)
    assert "ไม่รับไฟล์ ratio.xlsx: ข้อมูลถูกบีบอัดไว้ผิดปกติ" in output
    assert "Traceback" not in output


def test_a_sheet_with_a_stale_dimension_reads_all_its_data(tmp_path: Path) -> None:
    """Some writers leave the dimension at A1: streaming mode must not cut the rows to one column."""
    base = hostile.write_xlsx(hostile.SMALL_TABLE, tmp_path / "base.xlsx")
    path = tmp_path / "stale.xlsx"
    with zipfile.ZipFile(base) as original:
        sheet = original.read(hostile.SHEET).decode().replace('<dimension ref="A1:E2"/>', '<dimension ref="A1"/>')
    with hostile._copy_except(base, path, {hostile.SHEET}) as out:
        out.writestr(hostile.SHEET, sheet)
    assert read_source(path).rows == [hostile.HEADER, hostile.SMALL_TABLE[1]]
