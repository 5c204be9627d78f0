"""The same measure table in the shapes people bring it in: pasted text (Word, Excel, a web page, tabs turned
into spaces, one cell per line), .docx and .xlsx; and how many measures of a parse match a reference parse.

Used by tests/test_plan_import_formats.py and bench/import_parse.py (--formats)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from domain.plan_cells import cell_lines
from domain.plan_import import ParsedMeasure


def rendered(cell: str) -> str:
    """A cell as Word or a browser shows it: markup gone, its paragraphs and list items on lines."""
    return "\n".join(cell_lines(cell)) if cell.strip() else ""


def word_tabs(rows: Sequence[Sequence[str]]) -> str:
    """Copied from Word or a browser: tab between cells, a cell's paragraphs on lines of their own, unquoted."""
    return "\n".join("\t".join(rendered(c) for c in row) for row in rows) + "\n"


def excel_tabs(rows: Sequence[Sequence[str]]) -> str:
    """Copied from Excel: tab-separated, a cell with line breaks in double quotes."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    for row in rows:
        writer.writerow([rendered(c) for c in row])
    return out.getvalue()


def spaces_tab4(rows: Sequence[Sequence[str]]) -> str:
    """The Word paste after an editor or chat app turned each tab into four spaces."""
    return word_tabs(rows).replace("\t", "    ")


def spaces_free(rows: Sequence[Sequence[str]]) -> str:
    """Cells separated by runs of 2-6 spaces, empty cells gone, each row on one line (lossy)."""
    gaps = ["  ", "   ", "     ", "  ", "    ", "      "]
    lines = []
    for n, row in enumerate(rows):
        cells = [rendered(c).replace("\n", " ") for c in row if c.strip()]
        line = cells[0] if cells else ""
        for i, cell in enumerate(cells[1:]):
            line += gaps[(n + i) % len(gaps)] + cell
        lines.append(line)
    return "\n".join(lines) + "\n"


def one_per_line(rows: Sequence[Sequence[str]]) -> str:
    """One cell per line, an empty cell an empty line, a cell's paragraphs joined by spaces (lossy)."""
    width = max(len(row) for row in rows)
    lines: list[str] = []
    for row in rows:
        cells = [*row, *[""] * (width - len(row))]
        lines.extend(rendered(c).replace("\n", " ") for c in cells)
    return "\n".join(lines) + "\n"


PASTED: dict[str, Callable[[Sequence[Sequence[str]]], str]] = {
    "word-tabs": word_tabs,
    "excel-tabs": excel_tabs,
    "spaces-tab4": spaces_tab4,
    "spaces-free": spaces_free,
    "one-per-line": one_per_line,
}


def write_xlsx(rows: Sequence[Sequence[str]], path: Path) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def write_docx(rows: Sequence[Sequence[str]], path: Path) -> Path:
    from docx import Document

    document = Document()
    document.add_paragraph("มาตรการส่งเสริมคุณธรรมและความโปร่งใส")
    width = max(len(row) for row in rows)
    table = document.add_table(rows=len(rows), cols=width)
    for row, cells in zip(rows, table.rows, strict=True):
        targets = cells.cells  # once a row: table.cell(r, c) walks the whole grid each time
        for text, cell in zip(row, targets, strict=False):
            if text:
                cell.text = text
    document.save(str(path))
    return path


def facts(measure: ParsedMeasure) -> dict[str, Any]:
    """Everything a measure says, but the source row (a paste may number rows differently)."""
    data = asdict(measure)
    data.pop("row")
    return data


def exactly_right(reference: Sequence[ParsedMeasure], parsed: Sequence[ParsedMeasure]) -> int:
    """How many measures of `parsed` equal, in order, those of `reference` (a measure missing or added
    shifts the rest, which then count as wrong)."""
    return sum(1 for a, b in zip(reference, parsed, strict=False) if facts(a) == facts(b))
