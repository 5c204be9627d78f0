"""Read the tables of a text PDF (pdfplumber) as the parts of a document, like the tables of a .docx.

Each ruled table on each page is a part; a table cut at page breaks is one part a page, joined again by
domain.plan_table.choose_parts (the header-less parts after the first, as wide). A cell's text is taken in
the order the PDF draws it, which keeps Thai marks with their letters, and then repaired
(domain.thai_repair: private-use glyphs, sara am split, stray spaces, misplaced marks). A cell merged down
rows gives its text on every row it covers, one merged across columns once, as for a .docx.

A page without ruled tables (a table drawn with spaces only) is read by the positions of its words.
A PDF with no text at all is a scan: PdfNoTextError says so, in Thai, and what to do instead.
Caps (size, pages) keep a huge or hostile file from holding the importer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from domain.plan_header import Role, is_header, labels
from domain.plan_issues import parse_heading
from domain.plan_table import Part, PlanFileError
from domain.thai_repair import repair_texts
from texts.common import PDF_ENCRYPTED, PDF_NO_TEXT, PDF_NOT_PDF, PDF_TOO_BIG, PDF_TOO_MANY_PAGES

MAX_PDF_BYTES = 30 * 1024 * 1024
MAX_PDF_PAGES = 100  # a plan's table is 10-40 pages; each page costs ~0.15-0.4 s to read
_LINES = {"vertical_strategy": "lines", "horizontal_strategy": "lines", "text_use_text_flow": True}
_WORDS = {"vertical_strategy": "text", "horizontal_strategy": "text", "text_use_text_flow": True}


class PdfNoTextError(PlanFileError):
    """A PDF whose pages hold no text (a scan)."""


_LIST_START = re.compile(r"^\s*(?:<p>|<li>|[-•▪●◦*]|[0-9๐-๙]{1,2}[.)]|\([0-9๐-๙]{1,2}\)|ข้อ\s*[0-9๐-๙])")
_THAI_END = re.compile("[\u0e01-\u0e4e]$")
_THAI_START = re.compile("^[\u0e01-\u0e4e]")
_PADDING = 6.0  # points: a cell's right margin and a little slack, for telling a wrapped line
_SAME_LINE = 3.0  # points: chars whose tops differ less are on one line
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
        if groups and abs(char["top"] - groups[-1][0]["top"]) <= _SAME_LINE:
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


def _cell_text(chars: list[dict[str, Any]], right_edge: float) -> str:
    """A cell's text: lines wrapped by the layout joined again (with a space where the line broke at one,
    none between Thai letters), paragraphs and list items kept on lines of their own."""
    lines = _lines(chars)
    if not lines:
        return ""
    out = lines[0].text
    for before, line in pairwise(lines):
        room = right_edge - _PADDING - before.right
        wrapped = room < line.first_word + _PADDING and not _LIST_START.match(line.text)
        if not wrapped:
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
    for char in chars:  # each char to the cell holding its middle
        x, y = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
        for box in boxes:
            if box[0] <= x < box[2] and box[1] <= y < box[3]:
                inside[box].append(char)
                break
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


def _open(path: Path, max_bytes: int) -> Any:
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfplumber.utils.exceptions import PdfminerException

    if path.stat().st_size > max_bytes:
        raise PlanFileError(PDF_TOO_BIG.format(name=path.name, mb=max(1, max_bytes // (1024 * 1024))))
    with path.open("rb") as handle:
        if not handle.read(1024).lstrip().startswith(b"%PDF"):
            raise PlanFileError(PDF_NOT_PDF.format(name=path.name))
    try:
        return pdfplumber.open(path)
    except PdfminerException as exc:
        if isinstance(exc.args[0] if exc.args else None, PDFPasswordIncorrect):
            raise PlanFileError(PDF_ENCRYPTED.format(name=path.name)) from exc
        raise PlanFileError(PDF_NOT_PDF.format(name=path.name)) from exc
    except (PDFSyntaxError, PDFPasswordIncorrect) as exc:
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
    header it holds only more header words (a header cut at the break), it has not both measure text and a
    unit of its own, and its measure cell does not start a numbered measure of its own (unless the cell above
    is itself a numbered list, cut at the break)."""
    if _is_header_row(after) or _is_heading_row(after):
        return False
    if _is_header_row(before):
        return all(len(cell) <= _HEADER_WORDS for cell in after)
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
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.psparser import PSException

    pdf = _open(path, max_bytes)
    try:
        if len(pdf.pages) > max_pages:
            raise PlanFileError(PDF_TOO_MANY_PAGES.format(name=path.name, pages=max_pages))
        tables: list[_PageTable] = []
        text_seen = False
        for number, page in enumerate(pdf.pages):
            if not page.chars:
                continue
            text_seen = True
            found = page.find_tables(_LINES) or page.find_tables(_WORDS)
            tables.extend(_PageTable(number, t.bbox[1], t.bbox[3], _cell_texts(t, page.chars)) for t in found)
            page.flush_cache()
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise PlanFileError(PDF_ENCRYPTED.format(name=path.name)) from exc
    except PSException as exc:
        raise PlanFileError(PDF_NOT_PDF.format(name=path.name)) from exc
    finally:
        pdf.close()
    if not text_seen:
        raise PdfNoTextError(PDF_NO_TEXT.format(name=path.name))
    flat = iter(repair_texts([cell for table in tables for row in table.rows for cell in row]))
    for table in tables:
        table.rows = [[next(flat) for _ in row] for row in table.rows]
    _join_split_rows(tables)
    return [Part("", number, table.rows) for number, table in enumerate(tables, start=1) if table.rows]
