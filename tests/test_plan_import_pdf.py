"""Plans published as PDF: the tables of a text PDF read into the same rows as the other formats, Thai text
extracted from PDFs repaired to its dictionary form, and scanned, broken, locked or oversized PDFs answered
in Thai.

The PDFs in tests/fixtures/plans/pdf/ are the fixture tables as a ruled Word table in Sarabun, saved as PDF
by LibreOffice (`python -m tests.support.plan_pdf` remakes them); rows break across pages there as they do
in the municipalities' own PDFs. Those in pdf/unruled/ are the same tables with the borders turned off:
no line to find a cell by. One test converts tables afresh when LibreOffice is installed."""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from pathlib import Path

import pdfplumber
import pytest

from domain.plan_import import ParsedPlan, parse_plan
from domain.plan_pdf import PdfNoTextError, read_pdf
from domain.plan_table import PlanFileError, TableSource, read_source, read_table
from domain.thai_repair import repair_texts, repair_thai
from domain.thai_text import squeeze
from domain.units import resolve_units
from tests.support.botcli import run_cli
from tests.support.inprocess import ChatBot
from tests.support.plan_pdf import (
    PDF_FIXTURES,
    SOURCES,
    UNRULED_PDF_FIXTURES,
    converter,
    docx_to_pdf,
    scanned_pdf,
    write_ruled_docx,
)
from tests.support.plan_variants import facts
from tests.test_plan_import_parse import default_directory

YEARS = {"mueang-phon-2564": 2564, "sirirat-2567": 2567, "wiang-chiang-saen-2567": 2567, "ban-wiang-2565": 2565}
HEADER = ["มาตรการ/แนวทาง", "ขั้นตอน/วิธีดำเนินการ", "ผู้รับผิดชอบ", "ระยะเวลาดำเนินการ"]


@cache
def pdf_source(name: str, ruled: bool = True) -> TableSource:
    return read_source((PDF_FIXTURES if ruled else UNRULED_PDF_FIXTURES) / f"{name}.pdf")


def spaceless(plan: ParsedPlan) -> list[dict]:
    """A plan's measures, but the source row, with every text's spaces removed: a PDF wraps a cell's lines
    where the page ends, not where the typist put spaces (Thai does not separate words with them)."""
    def strip(value: object) -> object:
        if isinstance(value, str):
            return squeeze(value)
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return [{key: strip(value) for key, value in facts(m).items()} for m in plan.measures]


RULINGS = pytest.mark.parametrize("ruled", [True, False], ids=["ruled", "unruled"])


@RULINGS
@pytest.mark.parametrize("name", YEARS)
def test_pdf_gives_the_measures_of_the_tsv(name: str, ruled: bool) -> None:
    reference = parse_plan(read_table(SOURCES[name]), YEARS[name])
    from_pdf = parse_plan(pdf_source(name, ruled).rows, YEARS[name])
    assert spaceless(from_pdf) == spaceless(reference)
    assert [w.code for w in from_pdf.warnings] == [w.code for w in reference.warnings]


@RULINGS
@pytest.mark.parametrize("name", ["mueang-phon-2564", "sirirat-2567", "wiang-chiang-saen-2567"])
def test_pdf_matches_the_expected_facts(name: str, ruled: bool) -> None:
    expected = json.loads(SOURCES[name].with_name(f"{name}.expected.json").read_text(encoding="utf-8"))
    plan = parse_plan(pdf_source(name, ruled).rows, expected["fiscal_year_be"])
    assert len(plan.measures) == expected["measure_count"]
    for index, (measure, want) in enumerate(zip(plan.measures, expected["measures"], strict=True)):
        where = f"measure {index + 1} (row {measure.row})"
        assert measure.issue_no == want["issue_no"], where
        if want["all_units"] is not None:
            assert measure.all_units == want["all_units"], where
        names = resolve_units(measure.unit_texts, default_directory()).names
        assert all(any(part in n for n in names) for part in want["units_include"]), (where, names)
        assert (measure.start, measure.end) == (date.fromisoformat(want["start"]), date.fromisoformat(want["end"]))
        assert len(measure.steps) >= want["min_steps"], where
        if "ita_codes" in want:
            assert measure.ita_codes == want["ita_codes"], where


def test_a_table_cut_at_page_breaks_is_one_table() -> None:
    source = pdf_source("sirirat-2567")
    assert source.kind == "table" and source.total > 10  # one table a page
    assert len(source.used) >= source.total - 2  # all of them but the pages holding only a cut row's end
    # a row cut at the foot of a page is joined again with its end at the head of the next
    rows = [row for row in source.rows if row[0].startswith("(4)")]
    assert rows and all("ใช้ทรัพย์สินของราชการ" in squeeze(row[0]) for row in rows)


def test_a_cells_lines_are_joined_where_the_layout_wrapped_them() -> None:
    [header, first, *_] = pdf_source("mueang-phon-2564").rows
    assert header[2] == "มาตรการ/แนวทางการพัฒนา"  # wrapped after "แนวทางการ": no space between Thai
    assert first[2].startswith("<p>จัดให้มีการเปิดเผยข้อมูลการใช้จ่ายงบประมาณประจำปีของหน่วยงาน แผนการจัดซื้อ")


# -- Thai repair ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("broken", "repaired"), [
    ("คณุ ธรรม", "คุณ ธรรม"),  # the space between phrases is left to the parser (it drops this one)
    ("ประเมนิ", "ประเมิน"),
    ("การประเมนิคณุธรรมและความโปรง่ใสในการดาํเนนิงาน", "การประเมินคุณธรรมและความโปร่งใสในการดำเนินงาน"),
    ("ตวัชีว้ดั", "ตัวชี้วัด"),
    ("ข้นั ตอน", "ขั้น ตอน"),
    ("ขั ้นตอน", "ขั้นตอน"),
    ("แผนการจัดซ้อื", "แผนการจัดซื้อ"),
    ("ประจำาปี", "ประจำปี"),
    ("ประจําปี", "ประจำปี"),
    ("สม่ำาเสมอ", "สม่ำเสมอ"),
    ("ป ี", "ปี"),
    ("ท\uf70bี่ประชุม", "ที่ประชุม"),  # private-use glyphs of TH Sarabun: a lowered tone mark
    ("ป\uf713า", "ป่า"),  # a tone mark shifted left (over a tall consonant)
    ("ผ\uf70bู้รับผิดชอบ", "ผู้รับผิดชอบ"),
])
def test_broken_forms_are_repaired(broken: str, repaired: str) -> None:
    assert repair_thai(broken) == repaired


@pytest.mark.parametrize("clean", ["สนุกสนาน", "ผู้รับผิดชอบ", "ที่ปรึกษา", "(นายสักกะ บรรดิตย์)", "กองคลัง\nงานพัสดุ",
                                   "e-service ITA 2567", "\tข้อคำถาม ITA\t"])
def test_clean_text_is_left_alone(clean: str) -> None:
    assert repair_thai(clean) == clean


def test_clean_seed_documents_are_left_alone() -> None:
    """The seed texts (already clean Thai, with names the dictionary lacks) go through unchanged."""
    seeds = Path(__file__).parent / "fixtures" / "plans"
    for table in sorted(seeds.glob("*.tsv")):
        text = table.read_text(encoding="utf-8")
        assert repair_texts(text.split("\n")) == text.split("\n")


@pytest.mark.parametrize("name", YEARS)
def test_repair_of_text_a_pdf_scrambles(name: str) -> None:
    """Real scrambled text: pdfplumber's default extraction sorts a cell's characters by position, which puts
    marks after the next consonant ("ข้นั ตอน", "เพ่อื"), splits sara am ("ดำาเนิน") and cuts words at marks.
    Repaired, it reads as the text taken in the order the PDF draws it."""
    scrambled: list[str] = []
    drawn: list[str] = []
    with pdfplumber.open(PDF_FIXTURES / f"{name}.pdf") as pdf:
        for page in pdf.pages:
            for table in page.find_tables():
                scrambled += [c or "" for row in table.extract() for c in row]
                drawn += [c or "" for row in table.extract(use_text_flow=True) for c in row]
    truth = [squeeze(t) for t in repair_texts(drawn)]
    filled = [i for i, t in enumerate(truth) if t]
    repaired = repair_texts(scrambled)
    before = sum(squeeze(scrambled[i]) == truth[i] for i in filled)
    after = sum(squeeze(repaired[i]) == truth[i] for i in filled)
    assert before < len(filled) * 0.9  # the extraction did scramble this document
    assert after >= len(filled) - 1, (before, after, len(filled))


# -- files that are not text PDFs ------------------------------------------------------------------------


def test_a_scanned_pdf_says_it_has_no_text_and_what_to_do(tmp_path: Path) -> None:
    scan = scanned_pdf(PDF_FIXTURES / "mueang-phon-2564.pdf", tmp_path / "scan.pdf")
    with pdfplumber.open(scan) as pdf:
        assert pdf.pages and not any(page.chars for page in pdf.pages) and pdf.pages[0].images
    with pytest.raises(PdfNoTextError) as error:
        read_table(scan)
    message = str(error.value)
    assert "ไม่มีข้อความ" in message and "สแกน" in message and ".docx" in message and "scan.pdf" in message


def text_only_pdf(path: Path, lines: list[str]) -> Path:
    """A text PDF without a ruled table: lines of Latin text in Helvetica (PDFium writes it)."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    document = pdfium.PdfDocument.new()
    page = document.new_page(595, 842)
    for number, line in enumerate(lines):
        text = pdfium_c.FPDFPageObj_NewTextObj(document.raw, b"Helvetica", ctypes.c_float(12))
        encoded = (line + "\0").encode("utf-16-le")
        pdfium_c.FPDFText_SetText(text, ctypes.cast(ctypes.create_string_buffer(encoded), ctypes.POINTER(ctypes.c_ushort)))
        pdfium_c.FPDFPageObj_Transform(text, 1, 0, 0, 1, 50, 780 - 20 * number)
        pdfium_c.FPDFPage_InsertObject(page.raw, text)
    pdfium_c.FPDFPage_GenerateContent(page.raw)
    document.save(str(path))
    return path


def test_a_pdf_without_a_measure_table_says_so(tmp_path: Path) -> None:
    """Text in columns but no header row of a measure table, ruled or not: a Thai message saying so."""
    plain = text_only_pdf(tmp_path / "letter.pdf", ["Measures 2567", "Measure A    Step 1    Finance"])
    with pdfplumber.open(plain) as pdf:
        assert "Measure A" in pdf.pages[0].extract_text()
    with pytest.raises(PlanFileError, match="ไม่พบตารางมาตรการ") as error:
        read_table(plain)
    assert not isinstance(error.value, PdfNoTextError)


def test_broken_and_foreign_files_named_pdf(tmp_path: Path) -> None:
    not_pdf = tmp_path / "plan.pdf"
    not_pdf.write_text("มาตรการ\tผู้รับผิดชอบ\n", encoding="utf-8")
    with pytest.raises(PlanFileError, match="ไม่ใช่ไฟล์ PDF"):
        read_table(not_pdf)
    cut = tmp_path / "cut.pdf"
    cut.write_bytes((PDF_FIXTURES / "mueang-phon-2564.pdf").read_bytes()[:3000])
    with pytest.raises(PlanFileError, match="PDF"):
        read_table(cut)
    header_only = tmp_path / "header.pdf"
    header_only.write_bytes(b"%PDF-1.4")
    with pytest.raises(PlanFileError, match="PDF"):
        read_table(header_only)


def locked_pdf(path: Path) -> Path:
    """A one-page PDF locked with a user password (standard security handler, revision 2)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
               b"<< /Filter /Standard /V 1 /R 2 /O <" + b"11" * 32 + b"> /U <" + b"22" * 32 + b"> /P -4 >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += (b"trailer\n<< /Size %d /Root 1 0 R /Encrypt 4 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, b"ab" * 16, b"ab" * 16, xref))
    path.write_bytes(bytes(out))
    return path


def test_a_locked_pdf_asks_for_it_unlocked(tmp_path: Path) -> None:
    with pytest.raises(PlanFileError, match="รหัสผ่าน"):
        read_table(locked_pdf(tmp_path / "locked.pdf"))


def test_size_and_page_caps(tmp_path: Path) -> None:
    source = PDF_FIXTURES / "sirirat-2567.pdf"
    with pytest.raises(PlanFileError, match="ใหญ่เกินไป"):
        read_pdf(source, max_bytes=source.stat().st_size - 1)
    with pytest.raises(PlanFileError, match="หน้ามากเกินไป"):
        read_pdf(source, max_pages=5)
    assert read_pdf(source, max_pages=100)


def test_import_plan_cli_reads_a_pdf_and_answers_a_scan_in_thai(chat_bot: ChatBot, tmp_path: Path) -> None:
    result = json.loads(run_cli(chat_bot, "import-plan", str(PDF_FIXTURES / "wiang-chiang-saen-2567.pdf"),
                                "--fiscal-year", "2567", "--json", "--dry-run"))
    assert len(result["measures"]) == 17
    scan = scanned_pdf(PDF_FIXTURES / "wiang-chiang-saen-2567.pdf", tmp_path / "scan.pdf", pages=1)
    output = run_cli(chat_bot, "import-plan", str(scan), "--fiscal-year", "2567", expect_exit=None)
    assert "ไม่มีข้อความ" in output and "Traceback" not in output


@pytest.mark.slow
def test_a_word_table_saved_as_pdf_now(tmp_path: Path) -> None:
    """Word -> PDF with LibreOffice, here and now: what a municipality does before it publishes; cells merged
    down rows (an issue over its measures, a unit and a period shared by two) read as from the .docx."""
    if converter() is None:
        pytest.skip("LibreOffice is not installed (scripts/setup installs libreoffice-writer-nogui)")
    rows = [HEADER,
            ["ส่งเสริมคุณธรรมและความโปร่งใสในการจัดซื้อจัดจ้าง", "๑. ประชุมชี้แจงขั้นตอน\n๒. เผยแพร่ประกาศ",
             "กองคลัง\nกองช่าง", "ต.ค. ๖๖ - มี.ค. ๖๗"],
            ["ปรับปรุงคู่มือการให้บริการประชาชน", "จัดทำคู่มือ", "สำนักปลัด", "ไตรมาส ๒"]]
    merged_rows = [
        ["ประเด็น", *HEADER],
        ["๑. กระบวนการปฏิบัติงานที่โปร่งใสและมีประสิทธิภาพ", "มาตรการ ก", "๑. ประชุม", "กองคลัง", "ต.ค. ๖๖ - มี.ค. ๖๗"],
        ["", "มาตรการ ข", "๑. ประกาศ", "", ""],
        ["", "มาตรการ ค", "๑. รายงาน", "กองช่าง", "ก.ย. ๖๗"],
        ["๒. การให้บริการและระบบ E-Service", "มาตรการ ง", "๑. เปิดช่องทาง", "สำนักปลัด", "ไตรมาส ๒"],
    ]
    # the issue over its three measures, one unit and one period for ก and ข
    merges = [(1, 0, 3, 0), (1, 3, 2, 3), (1, 4, 2, 4)]
    documents = [write_ruled_docx(rows, tmp_path / "now.docx"),
                 write_ruled_docx(merged_rows, tmp_path / "merged.docx", merges=merges),
                 write_ruled_docx(rows, tmp_path / "borderless.docx", ruled=False)]
    pdf, merged_pdf, borderless_pdf = docx_to_pdf(documents, tmp_path)
    assert spaceless(parse_plan(read_table(borderless_pdf), 2567)) == spaceless(parse_plan(read_table(pdf), 2567))
    from_docx = parse_plan(read_table(documents[1]), 2567)
    from_pdf = parse_plan(read_table(merged_pdf), 2567)
    assert spaceless(from_pdf) == spaceless(from_docx)
    assert [(m.issue_no, m.title, m.unit_texts) for m in from_pdf.measures] == [
        (1, "มาตรการ ก", ["กองคลัง"]), (1, "มาตรการ ข", ["กองคลัง"]), (1, "มาตรการ ค", ["กองช่าง"]),
        (2, "มาตรการ ง", ["สำนักปลัด"])]
    plan = parse_plan(read_table(pdf), 2567)
    assert [(m.title, m.steps, m.unit_texts, (m.start, m.end)) for m in plan.measures] == [
        ("ส่งเสริมคุณธรรมและความโปร่งใสในการจัดซื้อจัดจ้าง", ["ประชุมชี้แจงขั้นตอน", "เผยแพร่ประกาศ"],
         ["กองคลัง", "กองช่าง"], (date(2023, 10, 1), date(2024, 3, 31))),
        ("ปรับปรุงคู่มือการให้บริการประชาชน", ["จัดทำคู่มือ"], ["สำนักปลัด"], (date(2024, 1, 1), date(2024, 3, 31))),
    ]
