"""Guards for the office files a user uploads (.xlsx, .docx): both are zip archives of XML, and a small
archive can unpack to gigabytes (a deflate bomb), hold thousands of members, hide archives inside archives
or declare one size and carry another.

`check_archive(path, limits)` reads only the archive's central directory (and the first bytes of each member,
to tell a nested archive) and refuses, before any XML is parsed, a file that is too big, too many members, a
member or a total that unpacks past its cap, a member that unpacks too far past its compressed size, or an
archive inside the archive (outside `…/embeddings/`, where Word and Excel keep embedded objects that the
readers never open). The sizes checked are the ones the central directory declares: Python's `zipfile`,
which openpyxl and python-docx read through, never yields more than the declared size of a member and fails
its CRC check when the data differ, so a lying header cannot smuggle more bytes past the caps.

The readers then count as they go: `RowBudget` caps the rows and the non-empty cells read from all the
sheets or tables of one file. A measure table has at most a few thousand rows.

python-docx builds the whole document tree before its tables can be read (and counted): about 13 bytes of
memory for each byte of XML, so a document.xml just under the member cap (a 2.4 MB .docx of 55,000 small
random cells) took 212 MB and 26 s on the loaded development machine, and 205 MB stayed with the process
after the refusal (bench/office_files.py). `check_docx_document` therefore reads the document's XML parts as
a stream first (iterparse, every element dropped once counted) and refuses one with more table rows,
non-empty cells or XML elements than the caps, in constant memory, before python-docx sees it (that
document: refused in 3.5 s, 4 MB). Within the caps python-docx still reads the whole file: 9,999 rows
(410,000 elements) took 63 s and 93 MB there.

Every refusal is a `HostileFileError` with a Thai message for the user (texts.common).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from xml.etree import ElementTree

from texts import common

MIB = 1 << 20
WORD = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
ARCHIVE_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")


@dataclass(frozen=True)
class OfficeLimits:
    """Caps for one uploaded office file. The defaults leave a real measure table (a few hundred KB zipped,
    a few MB of XML, a few thousand rows) far inside every one of them."""

    max_file_bytes: int = 10 * MIB  # the archive itself
    max_members: int = 300  # a Word or Excel file has a few dozen
    max_member_bytes: int = 16 * MIB  # one member, unpacked (the sheet or document XML, shared strings)
    max_total_bytes: int = 48 * MIB  # all members, unpacked
    max_shared_strings_bytes: int = 8 * MIB  # xl/sharedStrings.xml, unpacked: openpyxl holds all of it
    max_ratio: int = 100  # unpacked / packed, for a member past `ratio_floor` unpacked
    ratio_floor: int = 1 * MIB
    max_rows: int = 10_000  # rows read from all the sheets or tables of the file, empty ones included
    max_cells: int = 200_000  # non-empty cells read
    max_columns: int = 64  # columns read per row (a measure table has fewer than 20)
    # XML elements of a Word document (each run of text, its properties, paragraphs, cells…): a real
    # measure table of a few hundred rows has well under 100,000; python-docx keeps ~180 bytes for each
    max_elements: int = 500_000


DEFAULT_LIMITS = OfficeLimits()


class HostileFileError(Exception):
    """An office file refused by a cap; the message is Thai, for the user."""


def _mib(size: int) -> str:
    return f"{size / MIB:.1f}"


def _is_embedded_object(name: str) -> bool:
    return "/embeddings/" in f"/{name}"


def _starts_like_an_archive(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    if info.file_size < 4:
        return False
    with archive.open(info) as member:
        return member.read(4) in ARCHIVE_MAGIC


def check_archive(path: Path, limits: OfficeLimits = DEFAULT_LIMITS) -> None:
    """Refuse (HostileFileError) an archive past any cap; zipfile.BadZipFile for one that is not a zip."""
    name = path.name
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise HostileFileError(common.OFFICE_FILE_TOO_BIG.format(
            name=name, size=_mib(size), limit=_mib(limits.max_file_bytes)))
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        if len(members) > limits.max_members:
            raise HostileFileError(common.OFFICE_FILE_TOO_MANY_MEMBERS.format(
                name=name, count=len(members), limit=limits.max_members))
        total = 0
        for info in members:
            if info.file_size > limits.max_member_bytes:
                raise HostileFileError(common.OFFICE_FILE_MEMBER_TOO_BIG.format(
                    name=name, size=_mib(info.file_size), limit=_mib(limits.max_member_bytes)))
            if info.filename.endswith("sharedStrings.xml") and info.file_size > limits.max_shared_strings_bytes:
                raise HostileFileError(common.OFFICE_FILE_MEMBER_TOO_BIG.format(
                    name=name, size=_mib(info.file_size), limit=_mib(limits.max_shared_strings_bytes)))
            if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(info.compress_size, 1):
                raise HostileFileError(common.OFFICE_FILE_RATIO.format(
                    name=name, ratio=info.file_size // max(info.compress_size, 1), limit=limits.max_ratio))
            total += info.file_size
            if total > limits.max_total_bytes:
                raise HostileFileError(common.OFFICE_FILE_TOTAL_TOO_BIG.format(
                    name=name, limit=_mib(limits.max_total_bytes)))
        for info in members:
            if not info.is_dir() and not _is_embedded_object(info.filename) and _starts_like_an_archive(archive, info):
                raise HostileFileError(common.OFFICE_FILE_NESTED.format(name=name))


class RowBudget:
    """Counts the rows and non-empty cells read from one file and refuses the first past its cap."""

    def __init__(self, name: str, limits: OfficeLimits = DEFAULT_LIMITS) -> None:
        self.name, self.limits = name, limits
        self.rows = 0
        self.cells = 0

    def take(self, row: list[str]) -> None:
        self.rows += 1
        self.cells += sum(1 for cell in row if cell)
        if self.rows > self.limits.max_rows:
            raise HostileFileError(common.OFFICE_FILE_TOO_MANY_ROWS.format(name=self.name, limit=self.limits.max_rows))
        if self.cells > self.limits.max_cells:
            raise HostileFileError(common.OFFICE_FILE_TOO_MANY_CELLS.format(
                name=self.name, limit=self.limits.max_cells))


def check_docx_document(path: Path, limits: OfficeLimits = DEFAULT_LIMITS) -> None:
    """Count, as a stream and keeping none of them, the XML elements of every part python-docx may parse
    (word/*.xml: the document, its headers, footers, styles…) and the table rows and non-empty table cells of
    word/document.xml, and refuse (HostileFileError) past `max_elements`, `max_rows` or `max_cells` before
    python-docx parses any of it. XML that does not parse raises ElementTree.ParseError (python-docx's lxml
    error would have escaped the readers as a 500)."""
    counts = {"rows": 0, "cells": 0, "elements": 0}
    with zipfile.ZipFile(path) as archive:
        parts = [name for name in archive.namelist() if name.startswith("word/") and name.endswith(".xml")
                 and "/" not in name[len("word/"):]]
        for name in sorted(parts, key=lambda n: n != "word/document.xml"):
            with archive.open(name) as member:
                _count(member, path.name, limits, counts, tables=name == "word/document.xml")


def _count(member: IO[bytes], name: str, limits: OfficeLimits, counts: dict[str, int], tables: bool) -> None:
    path_open: list[ElementTree.Element] = []  # the elements open around the one being read
    open_cells: list[bool] = []  # per table cell being read (tables nest): whether it holds text yet
    for event, element in ElementTree.iterparse(member, events=("start", "end")):
        tag = element.tag
        if event == "start":
            path_open.append(element)
            if tables and tag == f"{WORD}tc":
                open_cells.append(False)
            continue
        path_open.pop()
        counts["elements"] += 1
        if tables and tag == f"{WORD}t" and element.text and open_cells:
            open_cells[-1] = True
        elif tables and tag == f"{WORD}tc" and open_cells:
            counts["cells"] += open_cells.pop()
        elif tables and tag == f"{WORD}tr":
            counts["rows"] += 1
        _check(name, limits, counts["rows"], counts["cells"], counts["elements"])
        if path_open:  # counted: dropped (the only child left, its earlier siblings went before)
            path_open[-1].remove(element)


def _check(name: str, limits: OfficeLimits, rows: int, cells: int, elements: int) -> None:
    if elements > limits.max_elements:
        raise HostileFileError(common.OFFICE_FILE_TOO_COMPLEX.format(name=name, limit=limits.max_elements))
    if rows > limits.max_rows:
        raise HostileFileError(common.OFFICE_FILE_TOO_MANY_ROWS.format(name=name, limit=limits.max_rows))
    if cells > limits.max_cells:
        raise HostileFileError(common.OFFICE_FILE_TOO_MANY_CELLS.format(name=name, limit=limits.max_cells))
