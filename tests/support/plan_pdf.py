"""Measure tables as municipalities publish them: a Word table in a Thai font, ruled or with its borders
turned off, saved as PDF by LibreOffice (as Word's "Save as PDF" does); and a scanned PDF (the pages as
images, no text).

    python -m tests.support.plan_pdf      # rewrites tests/fixtures/plans/pdf/{,unruled/}*.pdf from the TSVs

The PDFs the tests read are committed (a fresh clone needs no LibreOffice); tests/test_plan_import_pdf.py
also converts one table afresh when LibreOffice is installed. Used by bench/import_parse.py too."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PDF_FIXTURES = ROOT / "tests" / "fixtures" / "plans" / "pdf"
UNRULED_PDF_FIXTURES = PDF_FIXTURES / "unruled"
SOURCES = {
    "mueang-phon-2564": ROOT / "tests" / "fixtures" / "plans" / "mueang-phon-2564.tsv",
    "sirirat-2567": ROOT / "tests" / "fixtures" / "plans" / "sirirat-2567.tsv",
    "wiang-chiang-saen-2567": ROOT / "tests" / "fixtures" / "plans" / "wiang-chiang-saen-2567.tsv",
    "ban-wiang-2565": ROOT / "tests" / "fixtures" / "reports" / "ban-wiang-2565.tsv",
}
FONT = "Sarabun"


def converter() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def write_ruled_docx(rows: Sequence[Sequence[str]], path: Path, title: str = "มาตรการส่งเสริมคุณธรรมและความโปร่งใส",
                     merges: Sequence[tuple[int, int, int, int]] = (), ruled: bool = True) -> Path:
    """The rows as a ruled table (Word's "Table Grid"; with `ruled` False, "Normal Table": no borders) on
    landscape A4, in Sarabun 14 pt; merges: cells (row, column) to (row, column) merged, 0-based."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(14)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)
    size_cs = normal.element.get_or_add_rPr().makeelement(qn("w:szCs"), {qn("w:val"): "28"})
    normal.element.get_or_add_rPr().append(size_cs)
    document.add_paragraph(title)
    width = max(len(row) for row in rows)
    table = document.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid" if ruled else "Normal Table"
    for row, cells in zip(rows, table.rows, strict=True):
        for text, cell in zip(row, cells.cells, strict=False):
            if text:
                cell.text = text
    for top, left, bottom, right in merges:
        merged = table.cell(top, left).merge(table.cell(bottom, right))
        merged.text = rows[top][left]
    document.save(str(path))
    return path


def _fontconfig(directory: Path) -> Path:
    """A fontconfig file adding the Sarabun of the fontpkg-sarabun package to the system's fonts."""
    from importlib import resources

    fonts = Path(str(resources.files("fontpkg_sarabun").joinpath("files")))
    config = directory / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <dir>{fonts}</dir>\n  <cachedir>{directory / 'fc-cache'}</cachedir>\n</fontconfig>\n",
        encoding="utf-8")
    return config


def docx_to_pdf(documents: Sequence[Path], outdir: Path) -> list[Path]:
    """Convert with LibreOffice (headless, a throw-away profile, Sarabun available); the PDFs' paths."""
    program = converter()
    if program is None:
        raise RuntimeError("LibreOffice is not installed (scripts/setup installs libreoffice-writer-nogui)")
    with tempfile.TemporaryDirectory() as work:
        env = {**os.environ, "FONTCONFIG_FILE": str(_fontconfig(Path(work)))}
        subprocess.run([program, f"-env:UserInstallation=file://{work}/profile", "--headless", "--convert-to", "pdf",
                        "--outdir", str(outdir), *map(str, documents)], check=True, timeout=600,
                       capture_output=True, env=env)
    return [outdir / (d.stem + ".pdf") for d in documents]


def scanned_pdf(source: Path, target: Path, pages: int = 2) -> Path:
    """A scan of a PDF: its first pages rendered to images (pypdfium2), saved as an image-only PDF."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(source))
    try:
        images = [document[i].render(scale=1).to_pil().convert("RGB") for i in range(min(pages, len(document)))]
    finally:
        document.close()
    images[0].save(target, "PDF", save_all=True, append_images=images[1:], resolution=72)
    return target


def main() -> None:
    from domain.plan_table import read_table

    for target, ruled in ((PDF_FIXTURES, True), (UNRULED_PDF_FIXTURES, False)):
        target.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            documents = [write_ruled_docx(read_table(source), Path(tmp) / f"{name}.docx", ruled=ruled)
                         for name, source in SOURCES.items()]
            for pdf in docx_to_pdf(documents, Path(tmp)):
                shutil.copy(pdf, target / pdf.name)
                print(target / pdf.name, pdf.stat().st_size)


if __name__ == "__main__":
    main()
