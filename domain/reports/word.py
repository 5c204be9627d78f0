"""Word documents in Thai government style, and fast tables.

- `new_document`: A4 landscape, TH Sarabun New 16 pt as the default of every run — the font is named for
  the Latin (ascii/hAnsi), East-Asian and complex-script (cs) slots and the size for both (`w:sz` and
  `w:szCs`), otherwise Word draws Thai in another font and size.
- Tables are written as WordprocessingML text and parsed once: building thousands of rows cell by cell
  through python-docx's objects is what makes large reports slow.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from io import BytesIO
from xml.sax.saxutils import escape

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.image.image import Image as DocxImage
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.oxml import parse_xml
from docx.oxml.shape import CT_Inline
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.parts.image import ImagePart
from docx.shared import Cm, Emu
from docx.table import Table

from domain.digits import DigitStyle, Numerals

FONT = "TH Sarabun New"
SIZE_HALF_POINTS = 32  # 16 pt
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CM = 567  # twips (dxa) per centimetre
PAGE_WIDTH_CM, PAGE_HEIGHT_CM, MARGIN_CM = 29.7, 21.0, 2.0
TEXT_WIDTH = round((PAGE_WIDTH_CM - 2 * MARGIN_CM) * CM)
HEADING_FILL = "D9E2F3"
GROUP_FILL = "EDEDED"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

Digits = Callable[[str], str]


def digits_for(style: DigitStyle) -> Digits:
    """Every digit of a paragraph in the documents' style (domain.digits)."""
    return Numerals(style).text


def xml_text(text: str) -> str:
    return escape(_CONTROL.sub("", text))


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False


def run_xml(run: Run) -> str:
    props = "<w:rPr><w:b/><w:bCs/></w:rPr>" if run.bold else ""
    return f'<w:r>{props}<w:t xml:space="preserve">{xml_text(run.text)}</w:t></w:r>'


def paragraph_xml(runs: Sequence[Run] | str, *, center: bool = False, keep_next: bool = False,
                  bold: bool = False) -> str:
    if isinstance(runs, str):
        runs = [Run(runs, bold)]
    props = ("<w:keepNext/>" if keep_next else "") + ('<w:jc w:val="center"/>' if center else "")
    return f"<w:p>{f'<w:pPr>{props}</w:pPr>' if props else ''}{''.join(run_xml(r) for r in runs)}</w:p>"


def cell_xml(paragraphs: Iterable[str], width: int, *, span: int = 1, fill: str | None = None) -> str:
    body = "".join(paragraphs) or "<w:p/>"
    props = f'<w:tcW w:w="{width}" w:type="dxa"/>'
    if span > 1:
        props += f'<w:gridSpan w:val="{span}"/>'
    if fill:
        props += f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>'
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{body}</w:tc>"


def row_xml(cells: Iterable[str], *, header: bool = False, cant_split: bool = False) -> str:
    props = ("<w:cantSplit/>" if cant_split else "") + ("<w:tblHeader/>" if header else "")
    return f"<w:tr>{f'<w:trPr>{props}</w:trPr>' if props else ''}{''.join(cells)}</w:tr>"


def text_paragraphs(text: str, digits: Digits, prefix: str | None = None) -> list[str]:
    """A text with line breaks as paragraphs; `prefix` (a unit's name) in bold before the first."""
    lines = [line.strip() for line in text.splitlines()] or [""]
    lines = [line for line in lines if line] or [""]
    paragraphs = []
    for i, line in enumerate(lines):
        runs = [Run(digits(prefix), bold=True)] if prefix and i == 0 else []
        runs.append(Run(digits(line)))
        paragraphs.append(paragraph_xml(runs))
    return paragraphs


def new_document() -> DocumentObject:
    """An empty A4 landscape document whose every run defaults to TH Sarabun New 16 pt."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(PAGE_WIDTH_CM), Cm(PAGE_HEIGHT_CM)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(MARGIN_CM))
    defaults = document.styles.element.find(f"{{{W_NS}}}docDefaults")
    assert defaults is not None
    defaults.getparent().replace(defaults, parse_xml(
        f'<w:docDefaults xmlns:w="{W_NS}"><w:rPrDefault><w:rPr>'
        f'<w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}" w:eastAsia="{FONT}" w:cs="{FONT}"/>'
        f'<w:sz w:val="{SIZE_HALF_POINTS}"/><w:szCs w:val="{SIZE_HALF_POINTS}"/>'
        '<w:lang w:val="th-TH" w:eastAsia="th-TH" w:bidi="th-TH"/></w:rPr></w:rPrDefault>'
        '<w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr></w:pPrDefault>'
        "</w:docDefaults>"))
    # The template's styles name theme fonts, which win over the defaults: make them name ours too.
    for fonts in document.styles.element.iter(f"{{{W_NS}}}rFonts"):
        for attribute in list(fonts.attrib):
            del fonts.attrib[attribute]
        for slot in ("ascii", "hAnsi", "eastAsia", "cs"):
            fonts.set(f"{{{W_NS}}}{slot}", FONT)
    return document


def add_paragraphs(document: DocumentObject, paragraphs: Iterable[str]) -> None:
    """Append paragraphs (WordprocessingML text) to the body, before the final section properties."""
    _append(document.element.body, "".join(paragraphs), before=document.element.body.sectPr)


def add_table(document: DocumentObject, widths: Sequence[int], rows: Iterable[str], *,
              borders: bool = True) -> Table:
    """A fixed-layout table with these column widths (twips), its rows given as WordprocessingML."""
    table: Table = document.add_table(rows=0, cols=len(widths))
    if borders:
        table.style = document.styles["Table Grid"]
    tbl = table._tbl
    tbl_pr = tbl.tblPr
    tbl_w = tbl_pr.find(f"{{{W_NS}}}tblW")
    if tbl_w is not None:
        tbl_pr.remove(tbl_w)
    tbl_pr.append(parse_xml(f'<w:tblW xmlns:w="{W_NS}" w:w="{sum(widths)}" w:type="dxa"/>'))
    tbl_pr.append(parse_xml(f'<w:tblLayout xmlns:w="{W_NS}" w:type="fixed"/>'))
    for col, width in zip(tbl.tblGrid.findall(f"{{{W_NS}}}gridCol"), widths, strict=True):
        col.set(f"{{{W_NS}}}w", str(width))
    _append(tbl, "".join(rows))
    return table


def _append(parent: BaseOxmlElement, xml: str, before: BaseOxmlElement | None = None) -> None:
    if not xml:
        return
    holder = parse_xml(f'<w:body xmlns:w="{W_NS}">{xml}</w:body>')
    for child in list(holder):
        if before is not None:
            before.addprevious(child)
        else:
            parent.append(child)


def page_break_xml() -> str:
    return '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'


def add_page_numbers(document: DocumentObject, style: DigitStyle) -> None:
    """The page number centred at the top of every page but the first, as Thai official letters do, in
    the documents' digit style: the section's page-number format (`w:pgNumType w:fmt="thaiNumbers"`) that
    Word and LibreOffice both apply to the PAGE field (Word's field switch \\* ThaiArabic comes out as Thai
    letters in LibreOffice, so it is not used)."""
    section = document.sections[0]
    section.different_first_page_header_footer = True
    sect_pr = section._sectPr
    for old in sect_pr.findall(f"{{{W_NS}}}pgNumType"):
        sect_pr.remove(old)
    if style is DigitStyle.THAI:
        # CT_SectPr's children come in schema order: pgNumType goes right after pgMar (python-docx adds it).
        number_type = parse_xml(f'<w:pgNumType xmlns:w="{W_NS}" w:fmt="thaiNumbers"/>')
        margins = sect_pr.find(f"{{{W_NS}}}pgMar")
        if margins is not None:
            margins.addnext(number_type)
        else:
            sect_pr.append(number_type)
    paragraph = section.header.paragraphs[0]
    paragraph._p.append(parse_xml(
        f'<w:fldSimple xmlns:w="{W_NS}" w:instr=" PAGE "><w:r><w:t>{Numerals(style).text("1")}</w:t></w:r>'
        '</w:fldSimple>'))
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def signature_rows(signatories: Sequence[tuple[str, str]], digits: Digits, sign_line: str, name_line: str,
                   blank_name: str) -> tuple[list[int], list[str]]:
    """A borderless row of signature blocks: the line to sign on, the name in brackets, the position."""
    count = max(1, len(signatories))
    width = TEXT_WIDTH // count
    cells = []
    for position, name in signatories:
        paragraphs = [
            paragraph_xml(digits(sign_line), center=True, keep_next=True),
            paragraph_xml(digits(name_line.format(name=name) if name else blank_name), center=True, keep_next=True),
            paragraph_xml(digits(position), center=True),
        ]
        cells.append(cell_xml(paragraphs, width))
    return [width] * count, [row_xml(cells, cant_split=True)]


def save(document: DocumentObject) -> bytes:
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


class Pictures:
    """Pictures added to a document without python-docx's per-picture scans of the whole document (for
    the next drawing id and for a duplicate image), which grow with the document and the picture count."""

    FIRST_ID = 10_000  # drawing ids of their own: nothing else in these documents has any

    def __init__(self, document: DocumentObject) -> None:
        self.document = document
        self.count = 0

    def add(self, data: bytes, width: int, height: int) -> None:
        """A centred paragraph holding one picture of this size (EMU)."""
        self.count += 1
        image = DocxImage.from_blob(data)
        part = ImagePart.from_image(image, PackURI(f"/word/media/evidence{self.count}.{image.ext}"))
        rid = self.document.part.relate_to(part, RT.IMAGE)
        inline = CT_Inline.new_pic_inline(self.FIRST_ID + self.count, rid, f"evidence{self.count}.{image.ext}",
                                          Emu(width), Emu(height))
        paragraph = self.document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.keep_with_next = True
        paragraph.add_run()._r.add_drawing(inline)
