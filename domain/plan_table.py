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

An .xlsx or .docx is checked before it is parsed and counted while it is read (domain.office_files): a zip
bomb, a hostile member, too many rows or cells are refused with a Thai message, never read into memory.
Workbooks are read in openpyxl's read-only (streaming) mode; merged cells, which that mode does not give,
are read from the sheet's XML in one streaming pass.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from domain.digits import ARABIC
from domain.office_files import (
    DEFAULT_LIMITS,
    HostileFileError,
    OfficeLimits,
    RowBudget,
    check_archive,
    check_docx_document,
)
from domain.plan_header import is_header, labels
from domain.plan_paste import read_pasted
from texts import common

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
        return ARABIC.date(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _merged_ranges(archive: zipfile.ZipFile, member: str, limits: OfficeLimits) -> list[tuple[int, int, int, int]]:
    """(min_col, min_row, max_col, max_row) of each merged range of a sheet, read from its XML as a stream
    (the rows are dropped as they pass, so memory stays flat whatever the sheet's size)."""
    from openpyxl.utils.cell import range_boundaries

    ranges: list[tuple[int, int, int, int]] = []
    sheet_data: Any = None
    with archive.open(member) as source:
        for event, element in ElementTree.iterparse(source, events=("start", "end")):
            if event == "start":
                if element.tag == f"{SHEET_NS}sheetData":
                    sheet_data = element
                continue
            if element.tag == f"{SHEET_NS}row" and sheet_data is not None:
                sheet_data.clear()
            elif element.tag == f"{SHEET_NS}mergeCell" and element.get("ref"):
                bounds = range_boundaries(element.get("ref"))
                if None not in bounds:
                    ranges.append(bounds)  # type: ignore[arg-type]
                if len(ranges) > limits.max_cells:
                    raise HostileFileError(common.OFFICE_FILE_TOO_MANY_CELLS.format(
                        name=Path(member).name, limit=limits.max_cells))
    return ranges


def _sheet_rows(sheet: Any, merged: list[tuple[int, int, int, int]], budget: RowBudget) -> list[list[str]]:
    # The sheet's declared dimension is not trusted (writers leave it out, stale, or as wide as a formatted far
    # cell): read at most max_columns, then make every row as wide as the data.
    sheet.reset_dimensions()  # rows too: a stale "A1" would stop the reading at the first row
    rows: list[list[str]] = []
    for values in sheet.iter_rows(min_row=1, max_col=budget.limits.max_columns, values_only=True):
        row = [_cell_text(v) for v in values]
        budget.take(row)
        rows.append(row)
    used = max((i + 1 for row in rows for i, cell in enumerate(row) if cell), default=0)
    rows = [row[:used] + [""] * (used - len(row[:used])) for row in rows]
    for min_col, min_row, _max_col, max_row in merged:  # merged down rows: its text on each row it covers
        top, column = min_row - 1, min_col - 1
        if top >= len(rows) or column >= len(rows[top]):
            continue
        text = rows[top][column]
        for r in range(min_row, min(max_row, len(rows))):
            if column < len(rows[r]):
                rows[r][column] = text
    return rows


def _read_xlsx(path: Path, limits: OfficeLimits) -> list[Part]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except InvalidFileException as exc:
        raise PlanFileError(f"อ่านไฟล์ {path.name} ไม่ได้: ไม่ใช่ไฟล์ Excel (.xlsx)") from exc
    budget = RowBudget(path.name, limits)
    try:
        parts: list[Part] = []
        with zipfile.ZipFile(path) as archive:
            for number, sheet in enumerate(workbook.worksheets, start=1):
                member = getattr(sheet, "_worksheet_path", None)  # openpyxl keeps the sheet's part name there
                merged = _merged_ranges(archive, member, limits) if isinstance(member, str) else []
                parts.append(Part(sheet.title, number, _sheet_rows(sheet, merged, budget)))
        return parts
    finally:
        workbook.close()


def _table_rows(table: Any, budget: RowBudget) -> list[list[str]]:
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
        budget.take(texts)
        grid.append(elements)
        rows.append(texts)
    return rows


def _read_docx(path: Path, limits: OfficeLimits) -> list[Part]:
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    check_docx_document(path, limits)  # rows, cells and elements counted as a stream before python-docx parses
    try:
        document = Document(str(path))
    except PackageNotFoundError as exc:
        raise PlanFileError(f"อ่านไฟล์ {path.name} ไม่ได้: ไม่ใช่ไฟล์ Word (.docx)") from exc
    budget = RowBudget(path.name, limits)
    return [Part("", number, _table_rows(table, budget))
            for number, table in enumerate(document.tables, start=1)]


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


def read_source(path: Path, limits: OfficeLimits = DEFAULT_LIMITS) -> TableSource:
    """The rows of the measure table in a file, and which sheets/tables they come from. An .xlsx or .docx
    past one of `limits` is refused (PlanFileError with the Thai reason) before or while it is read."""
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
        if suffix == ".pdf":
            parts = _read_pdf(path)
        else:
            check_archive(path, limits)
            parts = _read_xlsx(path, limits) if suffix == ".xlsx" else _read_docx(path, limits)
        rows: list[list[str]] = []
        used: list[PartUsed] = []
        for part in choose_parts(parts, "page" if suffix == ".pdf" else kind):
            used.append(PartUsed(part.name, part.number, len(rows) + 1, len(part.rows)))
            rows.extend(part.rows)
        return TableSource(rows, kind, tuple(used), len(parts))
    except PlanFileError:
        raise
    except HostileFileError as exc:
        raise PlanFileError(str(exc)) from exc
    except FileNotFoundError as exc:
        raise PlanFileError(f"ไม่พบไฟล์ {path.name}") from exc
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, csv.Error, ElementTree.ParseError) as exc:
        raise PlanFileError(f"อ่านไฟล์ {path.name} ไม่ได้: ไฟล์เสียหรือไม่ใช่ไฟล์ {suffix} จริง") from exc


def read_table(path: Path) -> list[list[str]]:
    return read_source(path).rows
