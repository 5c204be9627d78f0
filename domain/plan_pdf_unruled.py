"""The rows of a table drawn without ruling lines, from where a PDF's letters stand.

Word and LibreOffice tables with their borders turned off (and tables laid out with tab stops) leave no
lines to find cells by, but their columns still stand apart on every page: a column boundary is a band of
the page, at least `_MIN_GAP` wide, that the text lines leave empty — all but a few, such as a title across
the page above the table (`_SPANNING` of the lines may cross it). The bands are found over all pages at once,
since a table cut at page breaks keeps its columns, and a page holding only the tall cells of one row
(every other column empty) still gets the same columns.

Lines are the letters that share a baseline. A row's lines follow one another at the text's line pitch; the
space between two rows is wider (a paragraph's spacing, a cell's margins), so a row ends where the next
baseline is more than `_ROW_GAP` pitches below. Where every line is one pitch apart (no spacing to read),
each line is a row, and domain.plan_rows joins continuation rows by what their cells hold, as for a
.docx whose rows were cut apart.

Each row's cells are the letters in each column, in the order the PDF draws them, joined into text as a
ruled cell's are (`cell_text`, given by domain.plan_pdf). Rows above the first header row (a title, the
municipality's name) are left out.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from domain.plan_header import is_header, labels

Char = dict[str, Any]

_MIN_GAP = 4.0  # points: narrower empty bands are spaces between words (a cell's margins are ~5 pt each side)
_SPANNING = 0.04  # of the lines: at most this many may cross a column boundary (titles, headings across)
_SAME_LINE = 3.0  # points: letters whose baselines differ less are on one line
_ROW_GAP = 1.25  # line pitches: a wider step between baselines starts a new row
_CELL_MARGIN = 8.0  # points: from a cell's right edge to the next column's text (Word: 5.4 pt and a little)


@dataclass
class UnruledTable:
    """One page's rows of a table without ruling lines."""

    page: int
    top: float
    bottom: float
    rows: list[list[str]]


@dataclass
class _TextLine:
    baseline: float
    top: float
    bottom: float
    chars: list[Char]  # in the order the PDF draws them

    @property
    def x0(self) -> float:
        return float(min(c["x0"] for c in self.chars))


def _text_lines(chars: Sequence[Char]) -> list[_TextLine]:
    """The page's letters cut into lines by baseline, top to bottom; each line keeps the drawing order."""
    letters = [c for c in chars if c["text"].strip()]
    baselines = sorted({round(c["baseline"], 1) for c in letters})
    bands: list[list[float]] = []
    for baseline in baselines:
        if bands and baseline - bands[-1][-1] <= _SAME_LINE:
            bands[-1].append(baseline)
        else:
            bands.append([baseline])
    lines = [_TextLine(band[0], 0.0, 0.0, []) for band in bands]
    edges = [band[-1] for band in bands]
    for char in chars:  # spaces too, in their place: they go with the letters around them
        baseline = round(char["baseline"], 1)
        index = min(bisect_left(edges, baseline - _SAME_LINE / 2), len(lines) - 1)
        if index >= 0:
            lines[index].chars.append(char)
    lines = [line for line in lines if any(c["text"].strip() for c in line.chars)]
    for line in lines:
        line.top = min(c["top"] for c in line.chars)
        line.bottom = max(c["bottom"] for c in line.chars)
    return lines


def _boundaries(pages: Sequence[list[_TextLine]], width: float) -> list[tuple[float, float]]:
    """The x of each column boundary: the right end of every band wider than `_MIN_GAP` that at most
    `_SPANNING` of all the lines reach into (counting each line once, by the spans of its letters) — the
    left edge of the next column's text, so that a letter of a long line reaching into the band stays in
    its own column — with the band's left end (where the column's lines wrap)."""
    covered = [0] * (int(width) + 2)
    count = 0
    for lines in pages:
        for line in lines:
            count += 1
            seen: set[int] = set()
            for char in line.chars:
                if char["text"].strip():
                    seen.update(range(max(0, int(char["x0"])), min(len(covered), int(char["x1"]) + 1)))
            for x in seen:
                covered[x] += 1
    if not count:
        return []
    allowed = max(1, int(count * _SPANNING))
    left = min((line.x0 for lines in pages for line in lines), default=0.0)
    bounds: list[tuple[float, float]] = []
    start: int | None = None
    for x, lines_here in enumerate(covered):
        if lines_here <= allowed and x > left:
            start = x if start is None else start
        elif start is not None:
            if x - start >= _MIN_GAP:
                bounds.append((x - 0.5, float(start)))  # the next column's text starts at x (left-aligned)
            start = None
    return bounds


def _column(x: float, bounds: Sequence[float]) -> int:
    return sum(1 for bound in bounds if x >= bound)


def _rows(lines: list[_TextLine], pitch: float) -> list[list[_TextLine]]:
    rows: list[list[_TextLine]] = []
    for line in lines:
        if rows and line.baseline - rows[-1][-1].baseline <= pitch * _ROW_GAP:
            rows[-1].append(line)
        else:
            rows.append([line])
    return rows


def _pitch(pages: Sequence[list[_TextLine]]) -> float:
    """The text's line pitch: the smallest step between baselines that comes back (within a point), else the
    smallest. Not the commonest: in a table of short cells the steps between rows outnumber those within."""
    steps = sorted(b.baseline - a.baseline for lines in pages for a, b in pairwise(lines))
    near = Counter(round(step) for step in steps)
    again = [step for step in steps if near[round(step)] + near[round(step) - 1] + near[round(step) + 1] >= 2]
    return (again or steps or [0.0])[0]


def _continues(above: list[list[Char]], below: list[list[Char]], rights: Sequence[float],
               goes_on: Callable[[list[Char], list[Char], float], bool]) -> bool:
    """Whether the first row of a page is the rest of the last row of the page before (a row cut at the page
    break): it has no text in a column the row above left empty (every cell of a row starts at its top, so
    a cut row's cells begin on the first page), and in every column where both hold text, the text goes on
    from the line above, wrapped."""
    if any(b and not a for a, b in zip(above, below, strict=True)):
        return False
    shared = [column for column, (a, b) in enumerate(zip(above, below, strict=True)) if a and b]
    return bool(shared) and all(goes_on(above[column], below[column], rights[column]) for column in shared)


def unruled_tables(pages: Sequence[tuple[int, float, list[Char]]],
                   cell_text: Callable[[list[Char], float], str],
                   goes_on: Callable[[list[Char], list[Char], float], bool]) -> list[UnruledTable]:
    """pages: (page number, page width, its characters as domain.plan_pdf reads them). One table a page
    from the first header row on, or none when no header row is found. A row cut at a page break is one
    row again when its cells' text goes on across the break (`goes_on`, as a wrapped line is read)."""
    lines_of = [_text_lines(chars) for _, _, chars in pages]
    width = max((w for _, w, _ in pages), default=0.0)
    bands = _boundaries(lines_of, width)
    if not bands:
        return []
    bounds = [x for x, _ in bands]
    # Where each column's lines wrap: its cell's right edge, a cell margin before the next column's text
    # (or where its longest line ends, if further); the last column's, the text area's right edge (margins
    # alike on both sides of the page) or its longest line.
    left = min(line.x0 for lines in lines_of for line in lines)
    last = max((c["x1"] for lines in lines_of for line in lines for c in line.chars if c["x0"] >= bounds[-1]),
               default=width)
    rights = [*(max(longest, bound - _CELL_MARGIN) for bound, longest in bands), max(last, width - left)]
    pitch = _pitch(lines_of)
    columns = len(bounds) + 1

    def texts(cells: list[list[Char]]) -> list[str]:
        return [cell_text(chars, rights[i]) if chars else "" for i, chars in enumerate(cells)]

    found: list[tuple[int, float, float, list[list[list[Char]]]]] = []  # a page's rows of cells of chars
    header_seen = False
    for (number, _, _), lines in zip(pages, lines_of, strict=True):
        rows: list[list[list[Char]]] = []
        top = bottom = 0.0
        for row_lines in _rows(lines, pitch):
            cells: list[list[Char]] = [[] for _ in range(columns)]
            for line in row_lines:
                for char in line.chars:
                    cells[_column((char["x0"] + char["x1"]) / 2, bounds)].append(char)
            if not header_seen:
                if not is_header(*labels(texts(cells))):
                    continue
                header_seen = True
            top = top if rows else row_lines[0].top
            bottom = row_lines[-1].bottom
            rows.append(cells)
        if rows:
            found.append((number, top, bottom, rows))
    holder = found[0][3] if found else []  # the rows whose last row a page's first row may go on
    for (page, _, _, _), (next_page, _, _, next_rows) in pairwise(found):
        if (next_page == page + 1 and holder and not is_header(*labels(texts(next_rows[0])))
                and _continues(holder[-1], next_rows[0], rights, goes_on)):
            holder[-1] = [a + b for a, b in zip(holder[-1], next_rows.pop(0), strict=True)]
        if next_rows:  # (a row over three pages: the middle page's only row joined the first)
            holder = next_rows
    return [UnruledTable(number, top, bottom, [texts(cells) for cells in rows])
            for number, top, bottom, rows in found if rows]
