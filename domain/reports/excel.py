"""Excel workbooks built with openpyxl, with one fast path for big sheets.

openpyxl spends ~20 µs per styled cell even in write-only mode (its style hashing), which makes a
20,000-row detail sheet take many seconds. A `BulkSheet` therefore gets its header and one sample row from
openpyxl (so the workbook's styles hold exactly the styles it uses), and after openpyxl has saved the
workbook the sample row is replaced by all the rows, written as SpreadsheetML text with those styles.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook as Workbook  # re-exported: callers name excel.Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FONT = "TH Sarabun New"
TEXT = Font(name=FONT, size=14)
BOLD = Font(name=FONT, size=14, bold=True)
TITLE = Font(name=FONT, size=16, bold=True)
HEADER_FILL = PatternFill("solid", fgColor="D9E2F3")
WRAP = Alignment(wrap_text=True, vertical="top")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SHEET_DATA = re.compile(rb"<sheetData>.*</sheetData>|<sheetData\s*/>", re.DOTALL)
_ROW = re.compile(rb'<row r="(\d+)"[^>]*>(.*?)</row>', re.DOTALL)
_STYLE = re.compile(rb'<c r="[A-Z]+\d+"(?: [^>]*?)? s="(\d+)"')
_DIMENSION = re.compile(rb'<dimension ref="[^"]*"\s*/>')
EXCEL_CELL_LIMIT = 32767


def new_workbook() -> Workbook:
    return Workbook(write_only=True)


def sheet(workbook: Workbook, title: str, widths: Sequence[float]) -> WriteOnlyWorksheet:
    ws: WriteOnlyWorksheet = workbook.create_sheet(title)  # new_workbook is write-only
    for i, width in enumerate(widths, start=1):
        # Set by Worksheet._setup, which WriteOnlyWorksheet borrows; types-openpyxl leaves it out.
        ws.column_dimensions[get_column_letter(i)].width = width  # type: ignore[attr-defined]
    return ws


def styled(ws: WriteOnlyWorksheet, values: Iterable[Any], font: Font = TEXT, *, fill: PatternFill | None = None,
           wrap: bool = False) -> list[Cell]:
    cells = []
    for value in values:
        cell = WriteOnlyCell(ws, value=clean_text(value) if isinstance(value, str) else value)
        if isinstance(value, str):
            cell.data_type = "s"  # openpyxl makes a text starting with = a formula: a chat's text never is one
        cell.font = font
        if fill is not None:
            cell.fill = fill
        if wrap:
            cell.alignment = WRAP
        cells.append(cell)
    return cells


def clean_text(text: str) -> str:
    return _CONTROL.sub("", text)[:EXCEL_CELL_LIMIT]


@dataclass
class BulkSheet:
    """A sheet with a styled header row and many data rows (texts wrap, numbers stay numbers)."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[str | int | float | None]]
    widths: Sequence[float]

    def add_to(self, workbook: Workbook) -> None:
        ws = sheet(workbook, self.title, self.widths)
        ws.freeze_panes = "A2"
        ws.append(styled(ws, self.header, BOLD, fill=HEADER_FILL, wrap=True))
        ws.append(styled(ws, ["sample"] * len(self.header), wrap=True))

    def rows_xml(self, style: bytes) -> tuple[bytes, int]:
        letters = [get_column_letter(i) for i in range(1, len(self.header) + 1)]
        parts: list[str] = []
        number = 1
        s = style.decode()
        for number, row in enumerate(self.rows, start=2):
            cells = []
            for letter, value in zip(letters, row, strict=False):
                if value is None or value == "":
                    continue
                if isinstance(value, bool) or not isinstance(value, int | float):
                    text = escape(clean_text(str(value)))
                    cells.append(f'<c r="{letter}{number}" s="{s}" t="inlineStr"><is>'
                                 f'<t xml:space="preserve">{text}</t></is></c>')
                else:
                    cells.append(f'<c r="{letter}{number}" s="{s}"><v>{value}</v></c>')
            parts.append(f'<row r="{number}">{"".join(cells)}</row>')
        return "".join(parts).encode("utf-8"), number


def _sheet_paths(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet title → its part name, from the workbook and its relationships."""
    book = archive.read("xl/workbook.xml").decode("utf-8")
    rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    targets = dict(re.findall(r'<Relationship[^>]*Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
    targets.update({rid: target for target, rid in
                    re.findall(r'<Relationship[^>]*Target="([^"]+)"[^>]*Id="([^"]+)"', rels)})
    paths = {}
    for name, rid in re.findall(r'<sheet[^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', book):
        target = targets[rid].lstrip("/")
        paths[name] = target if target.startswith("xl/") else f"xl/{target}"
    return paths


def _fill_bulk(xml: bytes, bulk: BulkSheet) -> bytes:
    rows = _ROW.findall(xml)
    header, sample = rows[0][1], rows[1][1]
    header_style = _STYLE.search(header)
    sample_style = _STYLE.search(sample)
    assert header_style is not None and sample_style is not None
    header_xml = _ROW.search(xml)
    assert header_xml is not None
    body, last = bulk.rows_xml(sample_style.group(1))
    data = b"<sheetData>" + header_xml.group(0) + body + b"</sheetData>"
    xml = _SHEET_DATA.sub(lambda _: data, xml, count=1)
    ref = f"A1:{get_column_letter(len(bulk.header))}{last}".encode()
    return _DIMENSION.sub(lambda _: b'<dimension ref="' + ref + b'"/>', xml, count=1)


def save(workbook: Workbook, bulk: Sequence[BulkSheet] = ()) -> bytes:
    for sheet_spec in bulk:
        sheet_spec.add_to(workbook)
    buffer = BytesIO()
    workbook.save(buffer)
    if not bulk:
        return buffer.getvalue()
    source = zipfile.ZipFile(BytesIO(buffer.getvalue()))
    paths = _sheet_paths(source)
    replace = {paths[b.title]: b for b in bulk}
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename in replace:
                data = _fill_bulk(data, replace[item.filename])
            target.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
    return out.getvalue()
