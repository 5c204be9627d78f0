"""Read the rows of a measure table from the file a municipality has: .tsv, .csv, .xlsx, .docx, .pdf (a text
PDF, see domain.plan_pdf), or .txt (a table pasted as text, see domain.plan_paste).

Every format gives the same thing: a list of rows, each a list of cell texts ("" for an empty cell). A cell
merged across columns gives its text once, in its first cell; one merged down rows (a heading, a unit or a
period shared by several measures) gives it on every row it covers, as each of those rows has it.

A workbook's sheets and a document's tables are read apart and the measure table chosen: the sheet with a
measure header and the most rows (a sheet after it without a header of its own and as wide is its next page),
or every table of the document with that header (a table cut at page breaks) and the header-less ones after
them; of a PDF (a table a page), the first with a header and every one as wide after it. read_source() says
which were read.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from domain.fiscal import thai_date
from domain.plan_header import is_header, labels
from domain.plan_paste import read_pasted

SUPPORTED = (".tsv", ".csv", ".xlsx", ".docx", ".pdf", ".txt")
UNSUPPORTED_MESSAGE = "อ่านไฟล์ไม่ได้: รองรับเฉพาะ .tsv .csv .xlsx .docx .pdf (และ .txt ที่วางตารางไว้)"


@dataclass(frozen=True)
class Part:
    """One sheet of a workbook or one table of a document."""

    name: str  # the sheet's name; "" for a table
    number: int  # 1-based
    rows: list[list[str]]


@dataclass(frozen=True)
class PartUsed:
    name: str  # the sheet's name; "" for a table
    number: int  # 1-based, among the file's sheets/tables
    first_row: int  # where its rows start among the rows read (1-based)
    row_count: int


@dataclass(frozen=True)
class TableSource:
    rows: list[list[str]]
    kind: str = ""  # "sheet", "table" or "" (a file that holds one table)
    used: tuple[PartUsed, ...] = ()  # the sheets/tables read, in order
    total: int = 0  # how many sheets/tables the file has


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


def _sheet_rows(sheet: Any) -> list[list[str]]:
    rows = [[_cell_text(v) for v in row]
            for row in sheet.iter_rows(min_row=1, max_row=sheet.max_row, values_only=True)]
    for merged in sheet.merged_cells.ranges:  # a cell merged down rows: its text on each row it covers
        top = merged.min_row - 1
        text = rows[top][merged.min_col - 1] if top < len(rows) else ""
        for r in range(merged.min_row, merged.max_row):
            if r < len(rows):
                rows[r][merged.min_col - 1] = text
    return rows


def _read_xlsx(path: Path) -> list[Part]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, data_only=True)  # not read-only: merged cells must be known
    except InvalidFileException as exc:
        raise PlanFileError(f"อ่านไฟล์ {path.name} ไม่ได้: ไม่ใช่ไฟล์ Excel (.xlsx)") from exc
    try:
        return [Part(sheet.title, number, _sheet_rows(sheet))
                for number, sheet in enumerate(workbook.worksheets, start=1)]
    finally:
        workbook.close()


def _table_rows(table: Any) -> list[list[str]]:
    grid: list[list[Any]] = []  # the cell elements, kept alive so that `is` tells merged cells
    rows: list[list[str]] = []
    for r, row in enumerate(table.rows):
        elements = [cell._tc for cell in row.cells]
        texts: list[str] = []
        for c, (cell, element) in enumerate(zip(row.cells, elements, strict=True)):
            if c and element is elements[c - 1]:  # merged across columns: once
                texts.append("")
            elif r and c < len(grid[r - 1]) and element is grid[r - 1][c]:  # merged down: on each row
                texts.append(rows[r - 1][c])
            else:
                texts.append("\n".join(paragraph.text for paragraph in cell.paragraphs))
        grid.append(elements)
        rows.append(texts)
    return rows


def _read_docx(path: Path) -> list[Part]:
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = Document(str(path))
    except PackageNotFoundError as exc:
        raise PlanFileError(f"อ่านไฟล์ {path.name} ไม่ได้: ไม่ใช่ไฟล์ Word (.docx)") from exc
    return [Part("", number, _table_rows(table)) for number, table in enumerate(document.tables, start=1)]


def _read_pdf(path: Path) -> list[Part]:
    from domain.plan_pdf import read_pdf  # it builds on this module's Part

    return read_pdf(path)


def _header_signature(rows: list[list[str]]) -> tuple[str, ...] | None:
    for row in rows:
        roles, unknown = labels(row)
        if is_header(roles, unknown):
            return tuple(roles[i].value if i in roles else "" for i in range(len(row)))
    return None


def _width(rows: list[list[str]]) -> int:
    return max((len(row) for row in rows if any(c.strip() for c in row)), default=0)


def choose_parts(parts: list[Part], kind: str) -> list[Part]:
    """The parts that hold the measure table: see the module's notes. All of them when none has a header
    (the parser then says so)."""
    signatures = [_header_signature(part.rows) for part in parts]
    with_header = [i for i, sig in enumerate(signatures) if sig is not None]
    if not with_header:
        return parts
    if kind == "page":  # a PDF's tables, one a page: the table cut at each page break, its header repeated or not
        first = with_header[0]
        return [part for part in parts[first:] if _width(part.rows) == _width(parts[first].rows)]
    if kind == "sheet":
        main = max(with_header, key=lambda i: (sum(1 for row in parts[i].rows if any(c.strip() for c in row)), -i))
        chosen = [main]
    else:
        chosen = [i for i in with_header if signatures[i] == signatures[with_header[0]]]
        main = chosen[0]
    width = _width(parts[main].rows)
    for i in range(main + 1, len(parts)):  # the table's next pages, without a header of their own
        if i in chosen:
            continue
        if signatures[i] is None and _width(parts[i].rows) == width and (i - 1) in chosen:
            chosen.append(i)
    return [parts[i] for i in sorted(chosen)]


def read_source(path: Path) -> TableSource:
    """The rows of the measure table in a file, and which sheets/tables they come from."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise PlanFileError(UNSUPPORTED_MESSAGE)
    try:
        if suffix == ".tsv":
            return TableSource(_read_delimited(_read_text(path), "\t"))
        if suffix == ".csv":
            return TableSource(_read_csv(path))
        if suffix == ".txt":
            return TableSource(read_pasted(_read_text(path)))
        kind = "sheet" if suffix == ".xlsx" else "table"
        parts = _read_xlsx(path) if suffix == ".xlsx" else _read_pdf(path) if suffix == ".pdf" else _read_docx(path)
        rows: list[list[str]] = []
        used: list[PartUsed] = []
        for part in choose_parts(parts, "page" if suffix == ".pdf" else kind):
            used.append(PartUsed(part.name, part.number, len(rows) + 1, len(part.rows)))
            rows.extend(part.rows)
        return TableSource(rows, kind, tuple(used), len(parts))
    except PlanFileError:
        raise
    except FileNotFoundError as exc:
        raise PlanFileError(f"ไม่พบไฟล์ {path.name}") from exc
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, csv.Error) as exc:
        raise PlanFileError(f"อ่านไฟล์ {path.name} ไม่ได้: ไฟล์เสียหรือไม่ใช่ไฟล์ {suffix} จริง") from exc


def read_table(path: Path) -> list[list[str]]:
    return read_source(path).rows
