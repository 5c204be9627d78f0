"""The progress report as a Word file: title, the four-column table grouped by issue, the signature block
and an annex with the evidence (pictures embedded and scaled, other files listed by name)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

from docx.document import Document as DocumentObject

from domain.digits import ARABIC
from domain.reports import word
from domain.reports.pictures import FittedPicture, fit_picture
from domain.reports.progress import CellLine, EvidenceFacts, MeasureRow, RoundReport
from texts import documents

# Column widths (twips) of มาตรการ | ขั้นตอน | ผลการดำเนินงาน | ปัญหา: 22%, 26%, 32%, 20% of the text width.
COLUMN_SHARES = (0.22, 0.26, 0.32, 0.20)
PICTURE_MAX_WIDTH_CM, PICTURE_MAX_HEIGHT_CM = 16.0, 9.0
PICTURE_THREADS = min(4, os.cpu_count() or 1)
PICTURE_BATCH = 4 * PICTURE_THREADS  # photos held in memory at once

ContentLoader = Callable[[int], bytes | None]


def _widths() -> list[int]:
    widths = [int(word.TEXT_WIDTH * share) for share in COLUMN_SHARES]
    widths[-1] += word.TEXT_WIDTH - sum(widths)
    return widths


def _lines(lines: list[CellLine], digits: word.Digits) -> list[str]:
    paragraphs: list[str] = []
    for line in lines:
        prefix = documents.UNIT_PREFIX.format(unit=line.unit) if line.unit else None
        paragraphs += word.text_paragraphs(line.text, digits, prefix)
    return paragraphs


def _measure_row(measure: MeasureRow, widths: list[int], digits: word.Digits) -> str:
    cells = [
        word.cell_xml(word.text_paragraphs(measure.heading, digits), widths[0]),
        word.cell_xml([p for step in measure.step_lines for p in word.text_paragraphs(step, digits)], widths[1]),
        word.cell_xml(_lines(measure.result_lines, digits), widths[2]),
        word.cell_xml(_lines(measure.problem_lines, digits), widths[3]),
    ]
    return word.row_xml(cells)


def _table_rows(report: RoundReport, widths: list[int], digits: word.Digits) -> list[str]:
    header = word.row_xml([word.cell_xml([word.paragraph_xml(name, center=True, bold=True)], width,
                                         fill=word.HEADING_FILL)
                           for name, width in zip(documents.COLUMNS, widths, strict=True)],
                          header=True, cant_split=True)
    rows = [header]
    for group in report.groups:
        if group.heading is not None:
            rows.append(word.row_xml([word.cell_xml([word.paragraph_xml(digits(group.heading), bold=True,
                                                                        keep_next=True)],
                                                    sum(widths), span=len(widths), fill=word.GROUP_FILL)],
                                     cant_split=True))
        rows += [_measure_row(m, widths, digits) for m in group.measures]
    return rows


def _title(report: RoundReport, digits: word.Digits) -> list[str]:
    period = documents.ROUND_PERIOD.format(start=ARABIC.date(report.round.start, short=False),
                                        end=ARABIC.date(report.round.end, short=False))
    return [
        word.paragraph_xml(digits(report.title), center=True, bold=True),
        word.paragraph_xml(digits(report.subtitle), center=True, bold=True),
        word.paragraph_xml(digits(report.org_name), center=True, bold=True),
        word.paragraph_xml(digits(period), center=True),
        word.paragraph_xml(digits(documents.AS_OF.format(date=ARABIC.date(report.as_of, short=False))),
                           center=True),
        word.paragraph_xml(""),
    ]


def _is_picture(evidence: EvidenceFacts) -> bool:
    return evidence.kind == "image" or (evidence.content_type or "").startswith("image/")


def _fitted_pictures(items: list[EvidenceFacts], load: ContentLoader
                     ) -> Iterator[tuple[EvidenceFacts, FittedPicture | None]]:
    """Each evidence item with its picture made fit (None for other files and unreadable pictures), in
    order. Contents are read here (the loader may use a database session) a few at a time, and shrunk on
    a few threads: Pillow decodes and encodes outside the GIL."""

    def fit(content: bytes | None) -> FittedPicture | None:
        return fit_picture(content, PICTURE_MAX_WIDTH_CM, PICTURE_MAX_HEIGHT_CM) if content else None

    with ThreadPoolExecutor(max_workers=PICTURE_THREADS) as pool:
        for start in range(0, len(items), PICTURE_BATCH):
            batch = items[start:start + PICTURE_BATCH]
            contents = [load(e.id) if _is_picture(e) else None for e in batch]
            yield from zip(batch, pool.map(fit, contents), strict=True)


def _annex(document: DocumentObject, report: RoundReport, load: ContentLoader, digits: word.Digits) -> None:
    word.add_paragraphs(document, [word.page_break_xml(),
                                   word.paragraph_xml(digits(documents.ANNEX_TITLE), center=True, bold=True)])
    items = report.evidence
    if not items:
        word.add_paragraphs(document, [word.paragraph_xml(digits(documents.ANNEX_EMPTY), center=True)])
        return
    current: int | None = None
    pictures = word.Pictures(document)
    fitted = _fitted_pictures([evidence for _, _, evidence in items], load)
    for (measure, unit, evidence), (_, picture) in zip(items, fitted, strict=True):
        if measure.id != current:
            current = measure.id
            word.add_paragraphs(document, [word.paragraph_xml(""), word.paragraph_xml(
                digits(documents.ANNEX_MEASURE.format(seq=measure.seq, title=measure.title)), bold=True,
                keep_next=True)])
        name = evidence.file_name or f"{documents.FILE_KIND_NAMES.get(evidence.kind, evidence.kind)} #{evidence.id}"
        if not _is_picture(evidence):
            line = documents.ANNEX_FILE.format(name=name, unit=unit.unit)
        elif picture is None:
            line = documents.ANNEX_UNREADABLE_PICTURE.format(name=name, unit=unit.unit)
        else:
            pictures.add(picture.data, picture.width_emu, picture.height_emu)
            line = documents.ANNEX_PICTURE.format(no=pictures.count, unit=unit.unit)
        word.add_paragraphs(document, [word.paragraph_xml(digits(line), center=picture is not None)])


def render_progress_docx(report: RoundReport, load_content: ContentLoader) -> bytes:
    """The Word file of a round's report; `load_content(evidence_id)` gives an evidence file's bytes."""
    digits = word.digits_for(report.options.digits)
    document = word.new_document()
    word.add_page_numbers(document, report.options.digits)
    word.add_paragraphs(document, _title(report, digits))
    widths = _widths()
    word.add_table(document, widths, _table_rows(report, widths, digits))
    signatories = [(s.position, s.name) for s in report.options.signatories]
    if signatories:
        word.add_paragraphs(document, [word.paragraph_xml(""), word.paragraph_xml("")])
        sign_widths, sign_rows = word.signature_rows(signatories, digits, documents.SIGN_LINE, documents.SIGN_NAME,
                                                     documents.SIGN_NAME_BLANK)
        word.add_table(document, sign_widths, sign_rows, borders=False)
    _annex(document, report, load_content, digits)
    return word.save(document)
