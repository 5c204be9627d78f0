"""Read the rows of a measure table from the file a municipality has: .tsv, .csv, .xlsx or .docx.

Every format gives the same thing: a list of rows, each a list of cell texts ("" for an empty cell). A
merged cell's text appears once, in its first (top-left) cell; the cells it covers are empty.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from domain.fiscal import thai_date

SUPPORTED = (".tsv", ".csv", ".xlsx", ".docx")
UNSUPPORTED_MESSAGE = "อ่านไฟล์ไม่ได้: รองรับเฉพาะ .tsv .csv .xlsx .docx"


class PlanFileError(Exception):
    """A plan file that cannot be read or holds no measure table; the message is Thai, for the user."""


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PlanFileError(f"อ่านไฟล์ {path.name} ไม่ได้: ต้องบันทึกเป็นข้อความ UTF-8") from exc


def _read_delimited(text: str, delimiter: str) -> list[list[str]]:
    return [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _guess_csv_delimiter(text: str) -> str:
    sample = text[:8192]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def _read_csv(path: Path) -> list[list[str]]:
    text = _read_text(path)
    return _read_delimited(text, _guess_csv_delimiter(text))


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return thai_date(value, thai_digits=False)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, data_only=True)  # not read-only: merged cells must read as empty
    except InvalidFileException as exc:
        raise PlanFileError(f"อ่านไฟล์ {path.name} ไม่ได้: ไม่ใช่ไฟล์ Excel (.xlsx)") from exc
    try:
        rows: list[list[str]] = []
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows(min_row=1, max_row=sheet.max_row, values_only=True):
                rows.append([_cell_text(v) for v in row])
        return rows
    finally:
        workbook.close()


def _read_docx(path: Path) -> list[list[str]]:
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = Document(str(path))
    except PackageNotFoundError as exc:
        raise PlanFileError(f"อ่านไฟล์ {path.name} ไม่ได้: ไม่ใช่ไฟล์ Word (.docx)") from exc
    rows: list[list[str]] = []
    for table in document.tables:
        seen: dict[int, object] = {}  # id -> the cell element, kept alive so ids stay unique
        for row in table.rows:
            texts: list[str] = []
            for cell in row.cells:
                element = cell._tc
                if id(element) in seen:  # the same cell again: merged across columns or down rows
                    texts.append("")
                    continue
                seen[id(element)] = element
                texts.append("\n".join(paragraph.text for paragraph in cell.paragraphs))
            rows.append(texts)
    return rows


def read_table(path: Path) -> list[list[str]]:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise PlanFileError(UNSUPPORTED_MESSAGE)
    try:
        if suffix == ".tsv":
            return _read_delimited(_read_text(path), "\t")
        if suffix == ".csv":
            return _read_csv(path)
        if suffix == ".xlsx":
            return _read_xlsx(path)
        return _read_docx(path)
    except PlanFileError:
        raise
    except FileNotFoundError as exc:
        raise PlanFileError(f"ไม่พบไฟล์ {path.name}") from exc
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, csv.Error) as exc:
        raise PlanFileError(f"อ่านไฟล์ {path.name} ไม่ได้: ไฟล์เสียหรือไม่ใช่ไฟล์ {suffix} จริง") from exc
