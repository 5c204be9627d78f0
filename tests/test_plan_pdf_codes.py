"""A PDF page's character codes are read in one call (issue #16, the cold PDF import): they equal PDFium's
code of each character, PDFium's end-of-line hyphen mark included; when the page's text is not one UTF-16 unit
a character (a character beyond the BMP), every character is asked for on its own. The rows read from the
PDFs are the same as before (tests/test_plan_import_pdf.py)."""

from __future__ import annotations

import ctypes
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

from domain.plan_pdf import _codes
from tests.support.plan_pdf import PDF_FIXTURES


def one_by_one(handle: Any) -> list[int]:
    return [pdfium_c.FPDFText_GetUnicode(handle, i) for i in range(pdfium_c.FPDFText_CountChars(handle))]


def test_the_codes_of_every_page_are_pdfiums_own() -> None:
    hyphens = 0
    for path in sorted(PDF_FIXTURES.glob("*.pdf")):
        document = pdfium.PdfDocument(str(path))
        try:
            for number in range(len(document)):
                textpage = document[number].get_textpage()  # (kept: its handle lives as long as it does)
                codes, expected = _codes(textpage.raw), one_by_one(textpage.raw)
                assert len(codes) == len(expected) > 0, (path.name, number)
                # PDFium's end-of-line hyphen mark (2) comes as 0xFFFE in the page's text: _chars asks again
                assert [0xFFFE if code == 2 else code for code in expected] == codes, (path.name, number)
                hyphens += expected.count(2)
        finally:
            document.close()
    assert hyphens  # the fixtures have lines ending in a hyphen PDFium marks (the one-call text says 0xFFFE)


def test_a_page_whose_text_is_not_one_unit_a_character_is_read_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    real = pdfium_c.FPDFText_GetText

    def with_a_surrogate(handle: Any, start: int, count: int, buffer: Any) -> int:
        written = real(handle, start, count, buffer)
        ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort))[0] = 0xD83D  # as if a character beyond the BMP
        return int(written)

    monkeypatch.setattr(pdfium_c, "FPDFText_GetText", with_a_surrogate)
    document = pdfium.PdfDocument(str(sorted(PDF_FIXTURES.glob("*.pdf"))[0]))
    try:
        textpage = document[0].get_textpage()
        expected = one_by_one(textpage.raw)
        assert _codes(textpage.raw) == expected and expected and expected[0] != 0xD83D
    finally:
        document.close()
