"""Hostile .xlsx and .docx files, built on the fly from a real small measure table (issue #14, item 5): a deflate
bomb, a huge member, too many members, a nested archive, a broken archive, a huge shared-strings table, too
many rows. Used by tests/test_office_files.py and bench/office_files.py."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

from tests.support.plan_variants import write_docx, write_xlsx

HEADER = ["ที่", "มาตรการ", "ขั้นตอน/วิธีดำเนินการ", "ผู้รับผิดชอบ", "ระยะเวลาดำเนินการ"]
SMALL_TABLE = [HEADER, ["1", "มาตรการเผยแพร่ข้อมูลต่อสาธารณะ", "เผยแพร่ข้อมูลบนเว็บไซต์", "สำนักปลัดเทศบาล",
                        "ต.ค. 66 - ก.ย. 67"]]
SHEET = "xl/worksheets/sheet1.xml"
SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
SHEET_TAIL = "</sheetData></worksheet>"


def _copy_except(source: Path, target: Path, skip: set[str]) -> zipfile.ZipFile:
    """A new archive at `target` holding the members of `source` but `skip`, left open for more."""
    out = zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED)
    with zipfile.ZipFile(source) as original:
        for info in original.infolist():
            if info.filename not in skip:
                out.writestr(info.filename, original.read(info))
    return out


def _inline_row(number: int | None, cells: int) -> str:
    """A row of inline strings; `number=None` leaves out the row and cell references (they are optional)."""
    ref = (lambda c: f' r="{chr(65 + c)}{number}"') if number is not None else (lambda c: "")
    texts = "".join(f'<c{ref(c)} t="inlineStr"><is><t>ทดสอบ {c}</t></is></c>' for c in range(cells))
    return f'<row r="{number}">{texts}</row>' if number is not None else f"<row>{texts}</row>"


def _zipinfo_deflated(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def xlsx_rows_bomb(directory: Path, rows: int = 1_000_000, cells: int = 5) -> Path:
    """The issue's file: a sheet of `rows` rows × `cells` inline strings, deflated (1M × 5: ~200 MB of XML
    in well under 1 MB)."""
    base = write_xlsx(SMALL_TABLE, directory / "base.xlsx")
    path = directory / "bomb.xlsx"
    with _copy_except(base, path, {SHEET}) as out:
        info = _zipinfo_deflated(SHEET)
        with out.open(info, "w", force_zip64=True) as member:
            member.write(SHEET_HEAD.encode())
            block = _inline_row(None, cells).encode() * 1000
            for _ in range(rows // 1000):  # the same row again and again: deflate shrinks it ~1000×
                member.write(block)
            member.write(SHEET_TAIL.encode())
    return path


def xlsx_ratio_bomb(directory: Path) -> Path:
    """A sheet under the member cap (8 MB) that unpacks ~1000× its packed size (one run of spaces)."""
    base = write_xlsx(SMALL_TABLE, directory / "base.xlsx")
    path = directory / "ratio.xlsx"
    with _copy_except(base, path, {SHEET}) as out:
        out.writestr(_zipinfo_deflated(SHEET), SHEET_HEAD + " " * (8 << 20) + SHEET_TAIL)
    return path


def xlsx_too_many_rows(directory: Path, rows: int = 12_000) -> Path:
    """A plain sheet, small unpacked (~1 MB), with more rows than a measure table ever has."""
    base = write_xlsx(SMALL_TABLE, directory / "base.xlsx")
    path = directory / "rows.xlsx"
    with _copy_except(base, path, {SHEET}) as out:
        out.writestr(_zipinfo_deflated(SHEET), SHEET_HEAD + "".join(
            f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(1, rows + 1)) + SHEET_TAIL)
    return path


def xlsx_huge_shared_strings(directory: Path, size: int = 9 << 20) -> Path:
    """A shared-strings table of `size` bytes of random text (so it packs poorly: no ratio alarm)."""
    base = write_xlsx(SMALL_TABLE, directory / "base.xlsx")
    path = directory / "strings.xlsx"
    name = "xl/sharedStrings.xml"
    count = size // 40
    items = "".join(f"<si><t>{os.urandom(16).hex()}</t></si>" for _ in range(count))
    with _copy_except(base, path, {name}) as out:
        out.writestr(_zipinfo_deflated(name), '<?xml version="1.0" encoding="UTF-8"?><sst xmlns='
                     f'"http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{count}">{items}</sst>')
    return path


def xlsx_too_many_members(directory: Path, extra: int = 1000) -> Path:
    base = write_xlsx(SMALL_TABLE, directory / "base.xlsx")
    path = directory / "members.xlsx"
    with _copy_except(base, path, set()) as out:
        for n in range(extra):
            out.writestr(_zipinfo_deflated(f"xl/extra/part{n}.xml"), "<x/>")
    return path


def docx_huge_member(directory: Path, size: int = 40 << 20) -> Path:
    """A Word file with a 40 MB picture that packs to ~40 KB."""
    base = write_docx(SMALL_TABLE, directory / "base.docx")
    path = directory / "huge.docx"
    with _copy_except(base, path, set()) as out, out.open(_zipinfo_deflated("word/media/image1.png"), "w") as media:
        block = b"\0" * (1 << 20)
        for _ in range(size >> 20):
            media.write(block)
    return path


def _inner_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as inner:
        inner.writestr("inner.xml", "<x/>" * 1000)
    return buffer.getvalue()


def docx_nested_archive(directory: Path) -> Path:
    """A Word file carrying a zip archive as one of its parts (outside word/embeddings/)."""
    base = write_docx(SMALL_TABLE, directory / "base.docx")
    path = directory / "nested.docx"
    with _copy_except(base, path, set()) as out:
        out.writestr(_zipinfo_deflated("word/media/image2.png"), _inner_archive())
    return path


def docx_with_embedded_workbook(directory: Path) -> Path:
    """A legitimate shape: an Excel object embedded in the document (word/embeddings/…), never opened."""
    base = write_docx(SMALL_TABLE, directory / "base.docx")
    path = directory / "embedded.docx"
    with _copy_except(base, path, set()) as out:
        out.writestr(_zipinfo_deflated("word/embeddings/Microsoft_Excel_Worksheet.xlsx"),
                     write_xlsx(SMALL_TABLE, directory / "embedded.xlsx").read_bytes())
    return path


def docx_rows(directory: Path, rows: int) -> Path:
    return write_docx([HEADER] + [[str(n), f"มาตรการ {n}", "", "", ""] for n in range(1, rows + 1)],
                      directory / "many.docx")


def truncated_xlsx(directory: Path) -> Path:
    data = write_xlsx(SMALL_TABLE, directory / "base.xlsx").read_bytes()
    path = directory / "truncated.xlsx"
    path.write_bytes(data[: len(data) // 2])
    return path


def garbage_with_zip_magic(directory: Path) -> Path:
    path = directory / "garbage.docx"
    path.write_bytes(b"PK\x03\x04" + os.urandom(4096))
    return path


def lying_sizes_xlsx(directory: Path) -> Path:
    """The sheet's central-directory entry says 100 bytes unpacked; the data unpack to ~1 MB."""
    base = write_xlsx(SMALL_TABLE, directory / "base.xlsx")
    path = directory / "lying.xlsx"
    with _copy_except(base, path, {SHEET}) as out:
        out.writestr(_zipinfo_deflated(SHEET), SHEET_HEAD + "".join(
            _inline_row(n, 5) for n in range(1, 5001)) + SHEET_TAIL)
    data = bytearray(path.read_bytes())
    position = data.find(b"PK\x01\x02")
    while position != -1:  # find the sheet's central-directory header and shrink its unpacked size
        name_length = int.from_bytes(data[position + 28:position + 30], "little")
        if data[position + 46:position + 46 + name_length] == SHEET.encode():
            data[position + 24:position + 28] = (100).to_bytes(4, "little")
            break
        position = data.find(b"PK\x01\x02", position + 4)
    assert position != -1
    path.write_bytes(bytes(data))
    return path


HOSTILE: dict[str, Callable[[Path], Path]] = {
    "deflate-bomb-xlsx": xlsx_rows_bomb,
    "ratio-bomb-xlsx": xlsx_ratio_bomb,
    "too-many-rows-xlsx": xlsx_too_many_rows,
    "huge-shared-strings-xlsx": xlsx_huge_shared_strings,
    "too-many-members-xlsx": xlsx_too_many_members,
    "huge-member-docx": docx_huge_member,
    "nested-archive-docx": docx_nested_archive,
    "truncated-xlsx": truncated_xlsx,
    "garbage-docx": garbage_with_zip_magic,
    "lying-sizes-xlsx": lying_sizes_xlsx,
}
