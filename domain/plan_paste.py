"""A measure table pasted as text (from Word, Excel or a web page) read into rows, as a .tsv file gives them.

Three shapes are read, recognised by where the header row is found:
- tab-separated: Word and browsers put a cell's paragraphs on lines of their own inside the row (a line with
  fewer cells than the header is the rest of the row above); Excel quotes such cells.
- cells separated by two or more spaces (tabs turned into spaces by an editor or a chat app): when the runs
  of spaces are multiples of one tab width, a longer run is an empty cell; otherwise empty cells are lost and
  each cell goes to the column whose contents it looks like (a period, a unit, an ITA question...).
- one cell per line: the header's labels on consecutive lines give the number of columns; the cells follow in
  that order (an empty cell an empty line), else rows are the blocks between empty lines.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import combinations

from domain.fiscal import parse_period
from domain.plan_cells import chunk_items, ita_codes, monitoring_rounds
from domain.plan_header import Role, is_header, labels
from domain.plan_issues import parse_heading
from domain.plan_rows import own_unit
from domain.thai_text import normalise

__all__ = ["read_pasted"]

_RUN = re.compile(r" {2,}")
_NUMBER = re.compile(r"^[\d.,\s%]+$")
_MAX_FIT = 12
_OWN_ROLES = (Role.MEASURE, Role.STEPS, Role.UNITS, Role.PERIOD)
_INNER_NUMBER = re.compile(r"(?<!\S)\d{1,2}\.\s*[^\d\s]")


def _header_at(rows: Sequence[Sequence[str]]) -> int | None:
    for index, row in enumerate(rows):
        if is_header(*labels(list(row))):
            return index
    return None


def _is_blank(row: Sequence[str]) -> bool:
    return not any(cell.strip() for cell in row)


def _join_wrapped(lines: Sequence[list[str]]) -> list[list[str]]:
    """Rows from lines of cells where a cell's paragraphs were pasted on lines of their own. A row has as many
    cells as the widest line (the pastes keep a separator for every empty cell); a line with fewer is the rest
    of the row above: its first piece goes on that row's last cell, its other cells follow it. An empty line
    is an empty row."""
    width = max((len(cells) for cells in lines), default=0)
    rows: list[list[str]] = []
    for cells in lines:
        last = rows[-1] if rows else None
        if (last is not None and 0 < len(cells) < width and len(last) + len(cells) - 1 <= width
                and not (len(cells) == 1 and not cells[0].strip()) and not _is_blank(last)):
            last[-1] = f"{last[-1]}\n{cells[0]}" if last[-1].strip() else cells[0]
            last.extend(cells[1:])
        else:
            rows.append(list(cells))
    return rows


def _tabbed(text: str, lines: list[str]) -> list[list[str]] | None:
    if not any("\t" in line for line in lines):
        return None
    if '"' in text:  # Excel quotes a cell that holds line breaks
        quoted = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter="\t")]
        at = _header_at(quoted)
        if at is not None:
            width = len(quoted[at])
            body = [row for row in quoted[at:] if not _is_blank(row)]
            if sum(1 for row in body if len(row) == width) >= 0.9 * len(body):
                return [list(row) for row in quoted]
    rows = _join_wrapped([line.split("\t") for line in lines])
    return rows if _header_at(rows) is not None else None


def _tab_width(lines: Sequence[str]) -> int | None:
    """The number of spaces one tab became, when the runs of spaces between cells are its multiples (or
    shorter: a double space inside a cell). Editors make a tab 4 or 8 spaces; a narrower run counts as a tab
    only when some run of two of them keeps an empty cell."""
    runs = [len(match.group()) for line in lines for match in _RUN.finditer(line.rstrip("\n"))]
    if not runs:
        return None
    width = Counter(runs).most_common(1)[0][0]
    others = [run for run in runs if run % width]
    if any(run > width for run in others) or len(others) * 2 > len(runs):
        return None  # runs of other lengths: spaces typed, not tabs (a shorter run is a double space in a cell)
    if width < 4 and not any(run >= 2 * width and run % width == 0 for run in runs):
        return None  # two or three spaces and no run holding an empty cell: empty cells were dropped
    return width


def _split_spaced(line: str, tab: int | None) -> list[str]:
    """A line's cells: with a tab width, a run of n tabs' worth of spaces is n separators (empty cells between,
    or before the first) and a shorter run stays inside the cell; without one, every run of 2+ spaces is one
    separator."""
    text = line if tab else line.rstrip()
    if not text.strip():
        return [""]
    cells = [""]
    pos = 0
    for match in _RUN.finditer(text):
        cells[-1] += text[pos : match.start()]
        run = len(match.group())
        if tab is None:
            cells.append("")
        elif run % tab and run < tab:
            cells[-1] += match.group()
        else:
            cells.extend([""] * max(1, round(run / tab)))
        pos = match.end()
    cells[-1] += text[pos:]
    return cells


def _fit_score(text: str, role: Role | None, column: int) -> int:
    """How well a cell's text fits a column that holds `role` (for cells whose column was lost)."""
    clean = normalise(text)
    if column == 0:  # a heading is pasted from the first cell of its row
        heading = parse_heading(text)
        if heading.number is not None or heading.keyword or heading.standard:
            return 3
    if role is None:
        role = Role.GROUP if column == 0 else Role.OTHER
    if role == Role.GROUP:
        heading = parse_heading(text)
        return 2 if heading.number is not None or heading.keyword or heading.standard else -3
    if role == Role.ORDER:
        return 3 if re.fullmatch(r"\d{1,3}\.?", clean) else -3
    if role == Role.OTHER:  # scores, findings, results: text goes to the measure's own columns first
        return 2 if _NUMBER.match(clean) else -1
    if role == Role.ITA:
        return 3 if ita_codes(clean[:6]) else -2
    if role == Role.PERIOD:
        return 3 if len(clean) <= 40 and parse_period(clean, 2567) is not None else -3
    if role == Role.UNITS:
        return 3 if own_unit(text) else 0
    if role == Role.MONITORING:
        return 2 if "รายงาน" in clean or "ติดตาม" in clean or monitoring_rounds(clean) else -2
    if role == Role.STEPS:  # steps are the cells with numbered or bulleted items, at the start or inside
        listed = any(item.kind is not None for item in chunk_items([text])) or _INNER_NUMBER.search(clean)
        return 1 if listed else 0
    return 0


def _fit(cells: list[str], roles: dict[int, Role], width: int) -> list[str]:
    """Cells whose empty neighbours were lost, put in the columns they fit best (in their order)."""
    cells = [cell for cell in cells if cell.strip()]
    if len(cells) >= width or width > _MAX_FIT:
        return cells
    return _place(cells, range(width), width, lambda columns: sum(
        _fit_score(cell, roles.get(column), column) for cell, column in zip(cells, columns, strict=True)))


def _place(cells: list[str], candidates: Sequence[int], width: int,
           score: Callable[[tuple[int, ...]], int]) -> list[str]:
    """A row of `width` with `cells`, in order, in the columns of `candidates` that score best (the first
    best on a tie)."""
    best = max(combinations(candidates, len(cells)), key=score)
    row = [""] * width
    for cell, column in zip(cells, best, strict=True):
        row[column] = cell
    return row


def _listed(cell: str) -> bool:
    """Whether a cell opens with a numbered or bulleted item."""
    items = chunk_items([cell]) if cell.strip() else []
    return bool(items) and items[0].kind is not None


def _merge_extra(cells: list[str], width: int) -> list[str]:
    """More cells than columns: a run of spaces inside a cell ("… โครงการ  2. ประชุม") was read as a
    separator; join a numbered or bulleted piece to the cell before it, else the last two."""
    cells = list(cells)
    while len(cells) > width:
        joins = [i for i in range(len(cells) - 1) if cells[i].strip() and _listed(cells[i + 1])]
        i = joins[0] if joins else len(cells) - 2
        cells[i : i + 2] = [f"{cells[i]}  {cells[i + 1]}"]
    return cells


def _spaced(lines: list[str]) -> list[list[str]] | None:
    tab = _tab_width(lines)
    split = [_split_spaced(line, tab) for line in lines]
    at = _header_at(split)
    if tab is not None and (at is None or any(len(cells) > len(split[at]) for cells in split[at:])):
        tab = None  # not one tab width after all: runs that split a line into more cells than the header
        split = [_split_spaced(line, None) for line in lines]
        at = _header_at(split)
    if at is None:
        return None
    header = split[at]
    width = len(header)
    if tab is not None:
        joined = _join_wrapped([_merge_extra(cells, width) for cells in split])
        return joined if _header_at(joined) is not None else None
    written = header
    header = _widen_header(header, split[at + 1 :])
    width = len(header)
    roles, _ = labels(header)
    rows: list[list[str]] = []
    for cells in split[at + 1 :]:
        cells = _merge_extra(cells, width)
        row_roles, unknown = labels(cells)
        if cells == written:  # the header repeated at a page break
            rows.append(header)
        elif _is_blank(cells) or len(cells) == width:
            rows.append(cells)
        elif row_roles and not unknown:  # a second header row: its labels go over the unlabelled columns
            rows.append(_fit_labels(cells, roles, width))
        else:
            rows.append(_fit(cells, roles, width))
    return [*split[:at], header, *rows]


def _widen_header(header: list[str], body: Sequence[list[str]]) -> list[str]:
    """A header whose empty label cells were lost (its data rows have more cells than it): its labels spread
    over the data's width, with empty labels where the data fit best."""
    widths = Counter(len(cells) for cells in body
                     if len([c for c in cells if c.strip()]) > 1 and labels(cells)[1])  # not label rows
    if not widths:
        return header
    width = widths.most_common(1)[0][0]
    if width <= len(header) or width > _MAX_FIT:
        return header
    full = [cells for cells in body if len(cells) == width]
    best: tuple[int, list[str]] | None = None
    for columns in combinations(range(width), len(header)):
        candidate = [""] * width
        for label, column in zip(header, columns, strict=True):
            candidate[column] = label
        roles, _ = labels(candidate)
        score = sum(_fit_score(cell, roles.get(c), c) for cells in full for c, cell in enumerate(cells) if cell.strip())
        # an empty label sits under a label spanning two columns ("วิเคราะห์ผล" over "ข้อคำถาม" and "ข้อค้นพบ"),
        # not beside one of the measure's own columns
        score -= sum(1 for c in range(1, width) if c not in roles and roles.get(c - 1) in _OWN_ROLES)
        if best is None or score > best[0]:
            best = (score, candidate)
    assert best is not None
    return best[1]


def _fit_labels(cells: list[str], roles: dict[int, Role], width: int) -> list[str]:
    """A second header row whose empty cells were lost: its labels over the columns the first left unlabelled
    (or labelled only as "other")."""
    cells = [cell for cell in cells if cell.strip()]
    open_columns = [c for c in range(width) if roles.get(c) in (None, Role.OTHER)]
    if len(open_columns) < len(cells):
        return _fit(cells, roles, width)
    return _place(cells, open_columns, width, lambda columns: sum(
        2 if roles.get(c) is None else 1 for c in columns) - (columns[-1] - columns[0]))


def _label_run(lines: Sequence[str], start: int) -> list[str]:
    """The lines from `start` that read as column labels (an empty line between two of them is an empty
    header cell)."""
    run: list[str] = []
    for index in range(start, len(lines)):
        line = lines[index]
        if line.strip() and labels([line])[0]:
            run.append(line.strip())
        elif not line.strip() and run and index + 1 < len(lines) and labels([lines[index + 1]])[0]:
            run.append("")
        else:
            break
    return run


def _one_per_line(lines: list[str]) -> list[list[str]] | None:
    """Rows of a paste with one cell per line. The header is the longest run of label lines that reads as a
    header and leaves the rest of the lines a whole number of rows (a second header row is then data)."""
    found: tuple[int, int] | None = None
    for start in range(len(lines)):
        run = _label_run(lines, start)
        headers = [size for size in range(len(run), 1, -1) if run[size - 1] and is_header(*labels(run[:size]))]
        if not headers:
            continue
        whole = [size for size in headers if (len(lines) - start - size) % size == 0]
        found = (start, whole[0] if whole else headers[0])
        break
    if found is None:
        return None
    start, width = found
    header = [line.strip() for line in lines[start : start + width]]
    before = [[line] for line in lines[:start]]
    rest = lines[start + width :]
    roles, _ = labels(header)
    rows: list[list[str]] = [header]
    if len(rest) % width == 0:
        for i in range(0, len(rest), width):
            rows.append([line.strip() for line in rest[i : i + width]])
        return [*before, *rows]
    block: list[str] = []
    for line in [*rest, ""]:
        if line.strip():
            block.append(line.strip())
            continue
        if block:
            if block == header:
                rows.append(list(block))
            else:
                rows.append(_fit(_merge_extra(block, width), roles, width))
        block = []
    return [*before, *rows]


def read_pasted(text: str) -> list[list[str]]:
    """The rows of a table pasted as text; lines as one-cell rows when no header row is found in any shape
    (the parser then says it found no header)."""
    text = text.replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n")
    if text.endswith("\n"):
        text = text[:-1]
    lines = text.split("\n")
    for rows in (_tabbed(text, lines), _spaced(lines), _one_per_line(lines)):
        if rows is not None:
            return rows
    return [[line] for line in lines]
