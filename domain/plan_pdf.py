"""Read the tables of a text PDF as the parts of a document, like the tables of a .docx.

PDFium (pypdfium2) gives each page's characters, in the order the PDF draws them (which keeps Thai marks
with their letters), and its drawn lines; pdfplumber's TableFinder makes the ruled tables of those lines.
(pdfplumber reading the pages itself, through pdfminer, takes about 5 times the CPU: bench/README.md.)

Each ruled table on each page is a part; a table cut at page breaks is one part a page, joined again by
domain.plan_table.choose_parts (the first with a header and every one as wide after it), and a row cut at the
foot of a page is joined with its end at the head of the next. A cell's lines wrapped by the layout are
joined again (paragraphs and list items kept), and its text repaired (domain.thai_repair: private-use glyphs,
sara am split, stray spaces, misplaced marks). A cell merged down rows gives its text on every row it covers,
one merged across columns once, as for a .docx.

A PDF with no ruled table at all is read by where its letters stand (domain.plan_pdf_unruled: columns from
the bands the text leaves empty, rows from the wider steps between baselines); with no header row to be found
that way either it gets a Thai message saying so (paste the table, or use the Word/Excel original). One with
no text at all is a scan: PdfNoTextError says so, in Thai, and what to do instead. Caps (size, pages) keep a huge or hostile file from holding the importer.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_right
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from domain.plan_header import Role, is_header, labels
from domain.plan_issues import parse_heading
from domain.plan_pdf_unruled import unruled_tables
from domain.plan_rows import continued_text
from domain.plan_table import Part, PlanFileError
from domain.thai_repair import repair_texts
from texts.common import (
    PDF_ENCRYPTED,
    PDF_NO_TABLE,
    PDF_NO_TEXT,
    PDF_NOT_PDF,
    PDF_TOO_BIG,
    PDF_TOO_MANY_PAGES,
)

MAX_PDF_BYTES = 30 * 1024 * 1024
MAX_PDF_PAGES = 100  # a plan's table is 10-40 pages
_RULE = 2.0  # points: a drawn line (or box) at most this thick is a ruling


class PdfNoTextError(PlanFileError):
    """A PDF whose pages hold no text (a scan)."""


_LIST_START = re.compile(r"^\s*(?:<p>|<li>|[-•▪●◦*]|[0-9๐-๙]{1,2}[.)]|\([0-9๐-๙]{1,2}\)|ข้อ\s*[0-9๐-๙])")
_THAI_END = re.compile("[\u0e01-\u0e4e]$")
_THAI_START = re.compile("^[\u0e01-\u0e4e]")
_PADDING = 6.0  # points: a cell's right margin and a little slack, for telling a wrapped line
_SAME_LINE = 3.0  # points: chars whose baselines differ less are on one line
_HEADER_WORDS = 80  # letters: the most a cut header's second half holds in a cell
_PAGE_EDGE = 24.0  # points (a line and a bit): a table this near the foot (head) of the text area ends (starts) there


@dataclass
class _Line:
    text: str
    right: float  # where its last letter ends
    first_word: float  # the width of its first word
    spaced: bool  # it ends with a space (the line was broken there)


def _lines(chars: list[dict[str, Any]]) -> list[_Line]:
    """The chars of a cell, in the order the PDF draws them, cut into lines."""
    groups: list[list[dict[str, Any]]] = []
    for char in chars:
        if groups and abs(char["baseline"] - groups[-1][0]["baseline"]) <= _SAME_LINE:
            groups[-1].append(char)
        else:
            groups.append([char])
    lines = []
    for group in groups:
        text = "".join(c["text"] for c in group)
        letters = [c for c in group if c["text"].strip()]
        if not letters:
            continue
        stripped = text.strip()
        word = stripped.split(" ", 1)[0]  # Thai breaks lines between words, but not inside a name it lacks
        word_chars = letters[: len(word.replace(" ", ""))]
        width = (max(c["x1"] for c in word_chars) - min(c["x0"] for c in word_chars)) if word_chars else 0.0
        lines.append(_Line(stripped, max(c["x1"] for c in letters), width, text != text.rstrip()))
    return lines


def _wrapped(before: _Line, line: _Line, right_edge: float) -> bool:
    """Whether `line` goes on from the line `before` it, wrapped by the layout: its first word would not have
    fitted in the room `before` left, and it does not open a list item."""
    room = right_edge - _PADDING - before.right
    return room < line.first_word + _PADDING and not _LIST_START.match(line.text)


def _goes_on(above: list[dict[str, Any]], below: list[dict[str, Any]], right_edge: float) -> bool:
    """Whether the text of the chars `below` goes on from the last line of the chars `above` (a cell cut at a
    page break), read as _cell_text reads a wrapped line."""
    lines_above, lines_below = _lines(above), _lines(below)
    return bool(lines_above and lines_below) and _wrapped(lines_above[-1], lines_below[0], right_edge)


def _cell_text(chars: list[dict[str, Any]], right_edge: float) -> str:
    """A cell's text: lines wrapped by the layout joined again (with a space where the line broke at one,
    none between Thai letters), paragraphs and list items kept on lines of their own."""
    lines = _lines(chars)
    if not lines:
        return ""
    out = lines[0].text
    for before, line in pairwise(lines):
        if not _wrapped(before, line, right_edge):
            out += "\n" + line.text
        elif before.spaced or not (_THAI_END.search(before.text) and _THAI_START.match(line.text)):
            out += " " + line.text
        else:
            out += line.text
    return out


def _cell_texts(table: Any, chars: list[dict[str, Any]]) -> list[list[str]]:
    """The table's rows of cell texts; a cell merged down rows on each row it covers, one merged across
    columns once (an empty text in the columns it covers)."""
    rows = table.rows
    boxes = [cell for row in rows for cell in row.cells if cell is not None]
    inside: dict[tuple[float, float, float, float], list[dict[str, Any]]] = {box: [] for box in boxes}
    bands = sorted((row.bbox[1], row.bbox[3], [c for c in row.cells if c is not None]) for row in rows)
    tops = [band[0] for band in bands]
    for char in chars:  # each char to the cell holding its middle: first among its row's, else any
        x, y = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
        at = bisect_right(tops, y) - 1
        near = bands[at][2] if at >= 0 and y < bands[at][1] else []
        box = next((b for b in near if b[0] <= x < b[2] and b[1] <= y < b[3]), None) or next(
            (b for b in boxes if b[0] <= x < b[2] and b[1] <= y < b[3]), None)
        if box is not None:
            inside[box].append(char)
    texts = [["" if cell is None else _cell_text(inside[cell], cell[2]) for cell in row.cells] for row in rows]
    lefts = [column.bbox[0] for column in table.columns]
    starts = {(round(cell[0], 1), round(cell[1], 1)): (r, c)  # a cell's top-left corner -> where its text is
              for r, row in enumerate(rows) for c, cell in enumerate(row.cells) if cell is not None}
    for r, row in enumerate(rows):
        top, bottom = row.bbox[1], row.bbox[3]
        for c, cell in enumerate(row.cells):
            if cell is not None or c >= len(lefts):
                continue
            x, y = lefts[c] + 1, (top + bottom) / 2
            cover = next((b for b in boxes if b[0] <= x <= b[2] and b[1] <= y <= b[3]), None)
            if cover is not None and cover[1] < top - 1 and round(cover[0], 1) == round(lefts[c], 1):  # merged down
                origin = starts.get((round(cover[0], 1), round(cover[1], 1)))
                if origin is not None:
                    texts[r][c] = texts[origin[0]][origin[1]]
    return texts


class _Page:
    """What pdfplumber's TableFinder asks of a page when given its ruling lines (bbox only)."""

    def __init__(self, width: float, height: float) -> None:
        self.bbox = (0.0, 0.0, width, height)


def _codes(handle: Any) -> list[int]:
    """The code of each character of a text page: in one call for the page (FPDFText_GetText), else, when
    that text is not one UTF-16 unit a character (a character beyond the BMP), one call a character."""
    import ctypes
    from array import array

    import pypdfium2.raw as pdfium_c

    count = pdfium_c.FPDFText_CountChars(handle)
    if count <= 0:
        return []
    if sys.byteorder != "little":  # the text comes as UTF-16LE
        return [pdfium_c.FPDFText_GetUnicode(handle, index) for index in range(count)]
    buffer = ctypes.create_string_buffer((count + 1) * 2)
    written = pdfium_c.FPDFText_GetText(handle, 0, count, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)))
    codes = array("H", buffer.raw[: max(written - 1, 0) * 2])  # (written counts the terminating zero)
    if len(codes) == count and not any(0xD800 <= code <= 0xDFFF for code in codes):
        return codes.tolist()
    return [pdfium_c.FPDFText_GetUnicode(handle, index) for index in range(count)]


def _chars(textpage: Any, height: float) -> list[dict[str, Any]]:
    """The characters PDFium reads on a page, in the order the PDF draws them (marks after their letter),
    with the font's box (top, bottom measured from the page's top) and baseline; the spaces and line breaks
    PDFium makes up between words are left out."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    box = pdfium_c.FS_RECTF()
    x, y = ctypes.c_double(), ctypes.c_double()
    handle = textpage.raw
    is_generated, unicode_of = pdfium_c.FPDFText_IsGenerated, pdfium_c.FPDFText_GetUnicode
    loose_box, origin = pdfium_c.FPDFText_GetLooseCharBox, pdfium_c.FPDFText_GetCharOrigin
    box_ref, x_ref, y_ref = ctypes.byref(box), ctypes.byref(x), ctypes.byref(y)
    chars = []
    for index, code in enumerate(_codes(handle)):
        if code == 0xFFFE:  # the page's text gives PDFium's hyphen mark (2) so, and a char of its own too
            code = unicode_of(handle, index)
        if code in (0, 10, 13) or code >= 0xFFFE or (code == 32 and is_generated(handle, index) == 1):
            continue
        if code == 2:  # PDFium's mark for a hyphen that ends a line
            code = 45
        loose_box(handle, index, box_ref)
        origin(handle, index, x_ref, y_ref)
        chars.append({"text": chr(code), "x0": box.left, "x1": box.right,
                      "top": height - box.top, "bottom": height - box.bottom, "baseline": height - y.value})
    return chars


def _edge(orientation: str, x0: float, x1: float, top: float, bottom: float) -> dict[str, Any]:
    return {"object_type": "line_edge", "orientation": orientation, "x0": x0, "x1": x1, "top": top,
            "bottom": bottom, "width": x1 - x0, "height": bottom - top}


def _rulings(page: Any, height: float) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The straight horizontal and vertical strokes of the page's paths (table borders, drawn as lines or
    as thin filled boxes) as pdfplumber's vertical and horizontal edges."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    vertical: list[dict[str, Any]] = []
    horizontal: list[dict[str, Any]] = []
    x, y = ctypes.c_float(), ctypes.c_float()
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH]):
        a, b, c, d, e, f = obj.get_matrix().get()
        start = current = None
        for index in range(pdfium_c.FPDFPath_CountSegments(obj.raw)):
            segment = pdfium_c.FPDFPath_GetPathSegment(obj.raw, index)
            pdfium_c.FPDFPathSegment_GetPoint(segment, x, y)
            point = (a * x.value + c * y.value + e, height - (b * x.value + d * y.value + f))
            kind = pdfium_c.FPDFPathSegment_GetType(segment)
            if kind == pdfium_c.FPDF_SEGMENT_MOVETO or current is None:
                start = current = point
                continue
            ends = [(current, point)]
            if pdfium_c.FPDFPathSegment_GetClose(segment) and start is not None:
                ends.append((point, start))
            for (x0, top0), (x1, top1) in ends:
                if abs(x1 - x0) <= _RULE / 4 and abs(top1 - top0) > _RULE:
                    vertical.append(_edge("v", x0, x0, min(top0, top1), max(top0, top1)))
                elif abs(top1 - top0) <= _RULE / 4 and abs(x1 - x0) > _RULE:
                    horizontal.append(_edge("h", min(x0, x1), max(x0, x1), top0, top0))
            current = point
    return vertical, horizontal


def _tables(page: Any, height: float) -> list[Any]:
    """The ruled tables of a page (pdfplumber's TableFinder on the page's lines)."""
    from pdfplumber.table import TableFinder

    vertical, horizontal = _rulings(page, height)
    if len(vertical) < 2 or len(horizontal) < 2:
        return []
    settings = {"vertical_strategy": "explicit", "horizontal_strategy": "explicit",
                "explicit_vertical_lines": vertical, "explicit_horizontal_lines": horizontal}
    return list(TableFinder(_Page(page.get_width(), height), settings).tables)  # type: ignore[arg-type]


def _open(path: Path, max_bytes: int) -> Any:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    if path.stat().st_size > max_bytes:
        raise PlanFileError(PDF_TOO_BIG.format(name=path.name, mb=max(1, max_bytes // (1024 * 1024))))
    with path.open("rb") as handle:
        if not handle.read(1024).lstrip().startswith(b"%PDF"):
            raise PlanFileError(PDF_NOT_PDF.format(name=path.name))
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        if exc.err_code == pdfium_c.FPDF_ERR_PASSWORD:
            raise PlanFileError(PDF_ENCRYPTED.format(name=path.name)) from exc
        raise PlanFileError(PDF_NOT_PDF.format(name=path.name)) from exc


@dataclass
class _PageTable:
    page: int
    top: float
    bottom: float
    rows: list[list[str]]


def _join(before: str, after: str) -> str:
    """Two halves of a cell cut at a page break."""
    if not before or not after:
        return before or after
    if _LIST_START.match(after):
        return before + "\n" + after
    if _THAI_END.search(before) and _THAI_START.match(after):
        return before + after
    return before + " " + after


def _is_header_row(row: list[str]) -> bool:
    roles, unknown = labels(row)
    return is_header(roles, unknown)


def _is_heading_row(row: list[str]) -> bool:
    filled = [cell for cell in row if cell.strip()]
    return len(filled) == 1 and row[0].strip() != "" and parse_heading(row[0]).number is not None


_NUMBERED = re.compile(r"(?:^|\n)\s*(?:<p>|<li>)?\s*[0-9๐-๙]{1,2}\s*[.)]")


def _may_be_halves(before: list[str], after: list[str], roles: dict[int, Role]) -> bool:
    """Whether two rows may be the halves of one: the second is no header or heading row of its own, after a
    header it holds only more header words (a header cut at the break); its measure text goes on from the
    text above mid-sentence (domain.plan_rows.continued_text: "ของ…", or the text above ends open); or it has
    not both measure text and a unit of its own, and its measure cell does not start a numbered measure of its
    own (unless the cell above is itself a numbered list, cut at the break)."""
    if _is_header_row(after) or _is_heading_row(after):
        return False
    if _is_header_row(before):
        return all(len(cell) <= _HEADER_WORDS for cell in after)
    measure = next((column for column, role in roles.items() if role == Role.MEASURE), None)
    if (measure is not None and measure < min(len(before), len(after)) and before[measure].strip()
            and continued_text(after[measure], before[measure]) is not None):
        return True
    own = {role for column, role in roles.items() if column < len(after) and after[column].strip()}
    if {Role.MEASURE, Role.UNITS} <= own:  # its own measure text and its own unit: a measure of its own
        return False
    for column, role in roles.items():
        if (role in (Role.MEASURE, Role.ORDER) and column < len(after) and _NUMBERED.match(after[column])
                and len(_NUMBERED.findall(before[column])) < 2):
            return False
    return True


def _header_roles(tables: list[_PageTable]) -> dict[int, Role]:
    for table in tables:
        for row in table.rows:
            roles, unknown = labels(row)
            if is_header(roles, unknown):
                return roles
    return {}


def _join_split_rows(tables: list[_PageTable]) -> None:
    """A row cut at a page break (Word and LibreOffice let a row break across pages) ends one page's table at
    the foot of the page and starts the next page's table at its head: its two halves are joined, cell by
    cell. A header repeated at the head of the next page is not a half."""
    if len(tables) < 2:
        return
    roles = _header_roles(tables)
    deepest = max(t.bottom for t in tables)
    highest = min(t.top for t in tables)
    for before, after in pairwise(tables):
        if (after.page != before.page + 1 or before.bottom < deepest - _PAGE_EDGE or after.top > highest + _PAGE_EDGE
                or not before.rows or not after.rows or len(before.rows[-1]) != len(after.rows[0])
                or not _may_be_halves(before.rows[-1], after.rows[0], roles)):
            continue
        first = after.rows.pop(0)
        before.rows[-1] = [_join(a, b) for a, b in zip(before.rows[-1], first, strict=True)]


def read_pdf(path: Path, max_bytes: int = MAX_PDF_BYTES, max_pages: int = MAX_PDF_PAGES) -> list[Part]:
    """Every table of every page, in order, its text repaired (see the module's notes)."""
    import pypdfium2 as pdfium

    document = _open(path, max_bytes)
    try:
        if len(document) == 0:
            raise PlanFileError(PDF_NOT_PDF.format(name=path.name))
        if len(document) > max_pages:
            raise PlanFileError(PDF_TOO_MANY_PAGES.format(name=path.name, pages=max_pages))
        tables: list[_PageTable] = []
        pages: list[tuple[int, float, list[dict[str, Any]]]] = []  # for a table without ruling lines
        for number in range(len(document)):
            page = document[number]
            height = page.get_height()
            textpage = page.get_textpage()
            chars = _chars(textpage, height)
            if not chars:
                continue
            pages.append((number, page.get_width(), chars))
            found = _tables(page, height)
            tables.extend(_PageTable(number, t.bbox[1], t.bbox[3], _cell_texts(t, chars)) for t in found)
        if pages and not tables:
            tables = [_PageTable(t.page, t.top, t.bottom, t.rows) for t in unruled_tables(pages, _cell_text, _goes_on)]
    except pdfium.PdfiumError as exc:
        raise PlanFileError(PDF_NOT_PDF.format(name=path.name)) from exc
    finally:
        document.close()
    if not pages:
        raise PdfNoTextError(PDF_NO_TEXT.format(name=path.name))
    if not tables:
        raise PlanFileError(PDF_NO_TABLE.format(name=path.name))
    flat = iter(repair_texts([cell for table in tables for row in table.rows for cell in row]))
    for table in tables:
        table.rows = [[next(flat) for _ in row] for row in table.rows]
    _join_split_rows(tables)
    return [Part("", number, table.rows) for number, table in enumerate(tables, start=1) if table.rows]
