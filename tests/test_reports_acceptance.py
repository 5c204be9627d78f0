"""The issue's acceptance test: the ten measures and steps of the published ban-wiang report are imported as
a plan; unit heads send each row's ผลการดำเนินงาน and ปัญหา/ข้อเสนอแนะ in LINE (in process on a real database,
tests/support/inprocess.py); the Word report is generated with `itabot report progress` and read back with
python-docx: every row's four cells carry the seed's texts. Then, where LibreOffice is installed, the
report is converted to PDF and `pdftotext` must still find the Thai text."""

from __future__ import annotations

import csv
import html
import io
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import docx
import pytest
from docx.enum.section import WD_ORIENT
from docx.shared import Cm
from PIL import Image
from sqlalchemy import select

from domain.thai_text import to_thai_digits
from storage.plan_models import Measure
from tests.support.botcli import bind, run_cli
from tests.support.chat import say, send, tap
from tests.support.inprocess import ChatBot
from tests.support.plans import this_fiscal_year
from usecases.current_round import local_today

SEED = Path(__file__).parent / "fixtures" / "reports" / "ban-wiang-2565.tsv"
COLUMNS = ["มาตรการ", "ขั้นตอนหรือวิธีการปฏิบัติ", "ผลการดำเนินงาน", "ปัญหา / ข้อเสนอแนะ"]
HEADS = {"สำนักปลัดเทศบาล": "U" + "a1" * 16, "กองคลัง": "U" + "b2" * 16}
W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture
def bot(chat_bot: ChatBot) -> ChatBot:
    """This module runs in process (tests/support/inprocess.py): no HTTP, no worker thread."""
    return chat_bot


def seed_rows() -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(SEED.read_text(encoding="utf-8")), delimiter="\t"))
    return [row for row in rows if row[0] != COLUMNS[0]]


def paragraphs_of(cell: str) -> list[str]:
    """The cell's paragraphs without markup: "<p>๑. …</p> <p>๒. …</p>" → ["๑. …", "๒. …"]."""
    parts = re.split(r"</p>\s*<p>|<br\s*/?>", cell)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", part)).split()) for part in parts if part.strip()]


def comparable(text: str) -> str:
    """Markup removed, whitespace normalised."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def unit_of(seq: int) -> str:
    return "สำนักปลัดเทศบาล" if seq <= 5 else "กองคลัง"


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


@dataclass
class GeneratedReport:
    path: Path
    year: int
    months: int


def report_every_row(bot: ChatBot, tmp_path: Path) -> GeneratedReport:
    # The plan: the seed's measures and steps, with the unit answering for each (the seed has no such
    # column; the import reads only the plan's columns).
    plan_file = tmp_path / "ban-wiang-plan.tsv"
    lines = ["\t".join([*COLUMNS[:2], "ผู้รับผิดชอบ"])]
    lines += ["\t".join([row[0], row[1], unit_of(seq)]) for seq, row in enumerate(seed_rows(), start=1)]
    plan_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    year = this_fiscal_year()
    assert "ใหม่ 10" in run_cli(bot, "import-plan", str(plan_file), "--fiscal-year", str(year))
    for unit, user in HEADS.items():
        bind(bot, user, "head", unit)
    with bot.services.uow() as uow:
        ids = dict(uow.session.execute(select(Measure.seq, Measure.id).where(Measure.active.is_(True))).all())
        rnd = uow.plans.round_for(bot.org_id, year, local_today(uow, bot.org_id))
        assert rnd is not None
        months = rnd.months

    for seq, row in enumerate(seed_rows(), start=1):
        head = HEADS[unit_of(seq)]
        if seq == 1:
            assert say(bot, head, "รายงาน")["type"] == "flex"  # the carousel of the unit's measures
        assert "ดำเนินการ" in tap(bot, head, f"report:pick:{ids[seq]}")["text"]  # the status question
        assert "ผลการดำเนินงาน" in say(bot, head, "ดำเนินการแล้วเสร็จ")["text"]
        assert "ปัญหา" in say(bot, head, "\n".join(paragraphs_of(row[2])))["text"]
        assert "หลักฐาน" in say(bot, head, "\n".join(paragraphs_of(row[3])))["text"]
        if seq == 1:  # evidence: a photo (embedded, scaled) and a file (listed by name)
            send(bot, bot.fake.image_event(head, content=png(2400, 1600), content_type="image/png"))
            send(bot, bot.fake.file_event(head, "รายงานการประชุม.pdf", b"%PDF-1.4 minutes"))
            assert "หลักฐาน: 2 รายการ" in say(bot, head, "เสร็จ")["text"]
        else:
            say(bot, head, "ไม่มี")
        assert "บันทึกรายงานเรียบร้อย" in say(bot, head, "ยืนยัน")["text"]

    output = tmp_path / "report.docx"
    printed = run_cli(bot, "report", "progress", "--fiscal-year", str(year), "--round", str(months),
                      "--format", "docx", "-o", str(output))
    assert str(output) in printed
    return GeneratedReport(output, year, months)


def test_word_report_carries_every_row_of_the_seed(bot: ChatBot, tmp_path: Path) -> None:
    generated = report_every_row(bot, tmp_path)
    document = docx.Document(str(generated.path))

    # Thai government style: A4 landscape, TH Sarabun New 16 pt for Latin, East-Asian and Thai (cs) text.
    section = document.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE
    assert abs(section.page_width - Cm(29.7)) < Cm(0.1) and abs(section.page_height - Cm(21)) < Cm(0.1)
    defaults = document.styles.element.find(f"{W_NS}docDefaults/{W_NS}rPrDefault/{W_NS}rPr")
    fonts = defaults.find(f"{W_NS}rFonts")
    assert {fonts.get(f"{W_NS}{slot}") for slot in ("ascii", "hAnsi", "cs", "eastAsia")} == {"TH Sarabun New"}
    assert defaults.find(f"{W_NS}sz").get(f"{W_NS}val") == "32" == defaults.find(f"{W_NS}szCs").get(f"{W_NS}val")

    text = "\n".join(p.text for p in document.paragraphs)
    assert "รายงานผลการดำเนินงานตามมาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน" in text
    assert to_thai_digits(f"ประจำปีงบประมาณ พ.ศ. {generated.year} (รอบ {generated.months} เดือน)") in text
    assert "เทศบาลทดสอบ" in text

    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == COLUMNS
    body = table.rows[1:]
    seed = seed_rows()
    assert len(body) == len(seed) == 10
    for got, want in zip(body, seed, strict=True):
        assert [comparable(c.text) for c in got.cells] == [comparable(c) for c in want]

    # The signature block, by position.
    signatures = " ".join(c.text for c in document.tables[1].rows[0].cells)
    assert all(position in signatures for position in ("ผู้รายงาน", "ปลัดเทศบาล", "นายกเทศมนตรี"))
    # The annex: the photo embedded and scaled to fit, the file listed by name.
    [picture] = document.inline_shapes
    assert picture.width <= Cm(16) + 1 and picture.height <= Cm(9) + 1
    assert abs(picture.width / picture.height - 1.5) < 0.01
    assert "ไฟล์แนบ: รายงานการประชุม.pdf (สำนักปลัดเทศบาล)" in text


def _converter() -> str | None:
    return shutil.which("libreoffice") or shutil.which("soffice")


def test_word_report_survives_pdf_conversion(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    converter, pdftotext = _converter(), shutil.which("pdftotext")
    if converter is None or pdftotext is None:
        pytest.skip("LibreOffice (libreoffice-writer-nogui) or pdftotext (poppler-utils) is not installed")
    generated = report_every_row(request.getfixturevalue("bot"), tmp_path)
    profile = tmp_path / "lo-profile"
    subprocess.run([converter, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(generated.path)], check=True, timeout=180,
                   capture_output=True)
    pdf = generated.path.with_suffix(".pdf")
    assert pdf.exists()
    # -raw keeps the content stream's order: a cell's lines stay together and Thai marks stay in place.
    text = subprocess.run([pdftotext, "-raw", str(pdf), "-"], check=True, capture_output=True,
                          timeout=60).stdout.decode("utf-8")
    squeezed = "".join(text.split())
    phrases = ["รายงานผลการดำเนินงานตามมาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน",
               to_thai_digits(f"ประจำปีงบประมาณพ.ศ.{generated.year}(รอบ{generated.months}เดือน)"), "เทศบาลทดสอบ",
               *["".join(c.split()) for c in COLUMNS], "ผู้รายงาน", "ปลัดเทศบาล", "นายกเทศมนตรี",
               "ไฟล์แนบ:รายงานการประชุม.pdf(สำนักปลัดเทศบาล)"]
    # Rows may break across pages, so of each cell the first line is certain to be contiguous: its start.
    phrases += ["".join(comparable(cell).split())[:12] for row in seed_rows() for cell in row]
    missing = [phrase for phrase in phrases if phrase not in squeezed]
    assert not missing, missing
