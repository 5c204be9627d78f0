"""The digit policy on every surface, in process (issue #15 item 9 and the report round titles): LINE chat,
the console, Word/Excel reports and the public pages each in the organisation's chosen style and never
mixed; the setting changed from the console and the CLI, audited; the Word page number; the public page's
step numbering; round titles in reports after a scheme change."""

from __future__ import annotations

import html
import io
import re
import zipfile
from typing import Any

import docx
import openpyxl
import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from domain.digits import DigitStyle, Surface
from domain.reports.progress import MeasureRow
from storage.audit_log import Actor
from storage.clock import utcnow
from storage.console_models import AuditEntry
from tests.support.botcli import bind, run_cli
from tests.support.console import PASSWORD, add_console_user
from tests.support.inprocess import ChatBot
from tests.support.plans import load_plan, measure, small_plan, this_fiscal_year
from usecases.current_round import current_round, local_today
from usecases.digit_settings import change_digits
from usecases.report_files import render_progress_report
from usecases.rounds_change import change_rounds

HEAD = "U" + "1" * 32  # head of สำนักปลัดเทศบาล
ADMIN = "U" + "3" * 32
STYLES = [DigitStyle.THAI, DigitStyle.ARABIC]
ARABIC_DIGIT = re.compile("[0-9]")
THAI_DIGIT = re.compile("[๐-๙]")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def wrong_digits(style: DigitStyle) -> re.Pattern[str]:
    return ARABIC_DIGIT if style is DigitStyle.THAI else THAI_DIGIT


def set_style(bot: ChatBot, surface: Surface, style: DigitStyle) -> None:
    with bot.services.uow() as uow:
        change_digits(uow, bot.org_id, {surface: style}, Actor.cli(), utcnow())
        uow.commit()


def read_texts(message: Any) -> list[str]:
    """What a person reads in a LINE message: texts, spans, alt texts, titles and button labels."""
    found: list[str] = []
    if isinstance(message, list):
        for item in message:
            found += read_texts(item)
    elif isinstance(message, dict):
        for key, value in message.items():
            if isinstance(value, str) and (key in {"altText", "title", "label"}
                                           or (key == "text" and message.get("type") in {"text", "span"})):
                found.append(value)
            elif isinstance(value, dict | list):
                found += read_texts(value)
    return found


def page_text(page: str) -> str:
    """The text of an HTML page as a person reads it (no tags, attributes, styles or scripts)."""
    page = re.sub(r"<(style|script|textarea)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]*>", " ", page))


@pytest.fixture
def planned(chat_bot: ChatBot) -> ChatBot:
    bot = chat_bot
    load_plan(bot.services.uow, bot.org_id, small_plan())
    bind(bot, HEAD, "head", "สำนักปลัดเทศบาล")
    bind(bot, ADMIN, "admin")
    return bot


@pytest.mark.parametrize("style", STYLES)
def test_chat_messages_are_in_the_chosen_style(planned: ChatBot, style: DigitStyle) -> None:
    bot = planned
    set_style(bot, Surface.CHAT, style)
    before = {user: len(bot.fake.messages_to(user)) for user in (HEAD, ADMIN)}
    bot.say(HEAD, "รายงาน")  # the carousel: ม.1, periods, the round and its due date
    bot.say(ADMIN, "สรุป")  # the summary card: counts, the fiscal year, the due date
    bot.say(ADMIN, "ตั้งรอบ")  # the rounds with their dates
    bot.say(ADMIN, "ยกเลิก")
    answers = [m for user in (HEAD, ADMIN) for m in bot.fake.messages_to(user)[before[user]:]]
    texts = read_texts(answers)
    assert any(re.search("[0-9๐-๙]", t) for t in texts), texts  # there were numbers to write
    mixed = [t for t in texts if wrong_digits(style).search(t)]
    assert not mixed, mixed


def console_client(bot: ChatBot) -> FlaskClient:
    add_console_user(bot, "admin-digits")  # type: ignore[arg-type]
    client = bot.http
    login = client.get("/console/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', login)
    assert token is not None
    answer = client.post("/console/login", data={"username": "admin-digits", "password": PASSWORD,
                                                 "csrf_token": token.group(1)})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    return client


def csrf(page: str) -> str:
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    return token.group(1)


@pytest.mark.parametrize("style", STYLES)
def test_console_pages_are_in_the_chosen_style_and_the_change_is_audited(planned: ChatBot,
                                                                          style: DigitStyle) -> None:
    bot = planned
    client = console_client(bot)
    settings = client.get("/console/settings").get_data(as_text=True)
    answer = client.post("/console/settings/digits", data={"chat": "arabic", "console": style.value,
                                                           "documents": "thai", "csrf_token": csrf(settings)})
    assert answer.status_code == 302
    for path in ("/console/dashboard", "/console/settings", "/console/audit", "/console/plan"):
        page = client.get(path)
        assert page.status_code == 200, path
        text = page_text(page.get_data(as_text=True))
        assert re.search("[0-9๐-๙]", text), path
        assert not wrong_digits(style).search(text), (path, wrong_digits(style).findall(text)[:5])
    settings = client.get("/console/settings").get_data(as_text=True)
    assert re.search(r'id="due_days"[^>]*value="[0-9]+"', settings)  # form values stay as typed: Arabic
    with bot.services.uow() as uow:
        entries = [e for e in uow.session.scalars(select(AuditEntry)) if e.action == "settings.digits"]
    if style is DigitStyle.THAI:
        assert len(entries) == 1 and entries[0].channel == "console"
        assert entries[0].detail == {"chat": "arabic", "console": "thai", "documents": "thai"}
        assert "ตัวเลขในหน้าเว็บผู้ดูแล: เลขไทย" in page_text(client.get("/console/audit").get_data(as_text=True))
    else:
        assert entries == []  # nothing changed: the defaults were chosen
    bad = client.post("/console/settings/digits", data={"chat": "roman", "console": "thai", "documents": "thai",
                                                        "csrf_token": csrf(settings)})
    assert bad.status_code == 400 and "เลือกรูปแบบตัวเลข" in bad.get_data(as_text=True)


def test_the_cli_changes_the_digits_audited_and_refuses_nonsense(chat_bot: ChatBot) -> None:
    bot = chat_bot
    shown = run_cli(bot, "report", "settings", "--digits", "chat=thai", "--arabic-digits")
    assert "(chat): เลขไทย" in shown and "(documents): เลขอารบิก" in shown and "(console): เลขอารบิก" in shown
    with bot.services.uow() as uow:
        policy = uow.report_settings.digit_policy(bot.org_id)
        entries = [e for e in uow.session.scalars(select(AuditEntry)) if e.action == "settings.digits"]
    assert (policy.chat, policy.console, policy.documents) == (DigitStyle.THAI, DigitStyle.ARABIC, DigitStyle.ARABIC)
    assert [(e.channel, e.detail) for e in entries] == [("cli", {"chat": "thai", "console": "arabic",
                                                                 "documents": "arabic"})]
    refused = run_cli(bot, "report", "settings", "--digits", "chat=roman", expect_exit=None)
    assert "ตั้งตัวเลขไม่ได้" in refused and "Traceback" not in refused


def docx_texts(data: bytes) -> tuple[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        body = z.read("word/document.xml").decode()
        headers = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("word/header"))
    return body, headers


@pytest.mark.parametrize("style", STYLES)
def test_word_report_digits_and_page_numbers_follow_the_documents_style(planned: ChatBot,
                                                                        style: DigitStyle) -> None:
    bot = planned
    set_style(bot, Surface.DOCUMENTS, style)
    with bot.services.uow() as uow:
        year, months = current_round(uow, bot.org_id, local_today(uow, bot.org_id))
        data = render_progress_report(uow, bot.org_id, year, months, "docx")
        xlsx = render_progress_report(uow, bot.org_id, year, months, "xlsx")
    document = docx.Document(io.BytesIO(data))
    text = "\n".join([p.text for p in document.paragraphs]
                     + [c.text for t in document.tables for r in t.rows for c in r.cells])
    assert re.search("[0-9๐-๙]", text) and not wrong_digits(style).search(text)
    body, headers = docx_texts(data)
    assert 'w:instr=" PAGE "' in headers
    number_format = re.findall(r'<w:pgNumType w:fmt="(\w+)"/>', body)
    assert number_format == (["thaiNumbers"] if style is DigitStyle.THAI else [])
    # Excel stays in Arabic digits whatever the documents' style: its cells are data
    sheet_text = " ".join(str(c.value) for ws in openpyxl.load_workbook(io.BytesIO(xlsx)).worksheets
                          for row in ws.iter_rows() for c in row if isinstance(c.value, str))
    assert not THAI_DIGIT.search(sheet_text)


def test_word_page_numbers_stay_numbers_in_libreoffice(planned: ChatBot, tmp_path: Any) -> None:
    """Word writes the section's thaiNumbers page numbers as ๒, ๓...; LibreOffice 7.4 does not know that
    format and prints 2, 3... — still numbers, never the Thai letters (ข) Word's \\* ThaiArabic switch
    becomes there, which is why that switch is not used."""
    import shutil
    import subprocess

    if shutil.which("soffice") is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice or pdftotext is not installed (scripts/setup installs them)")
    bot = planned
    with bot.services.uow() as uow:
        year, months = current_round(uow, bot.org_id, local_today(uow, bot.org_id))
        data = render_progress_report(uow, bot.org_id, year, months, "docx")
    source = tmp_path / "r.docx"
    source.write_bytes(data)
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(source)], check=True, capture_output=True, timeout=120)
    pages = subprocess.run(["pdftotext", "-layout", str(tmp_path / "r.pdf"), "-"], check=True,
                           capture_output=True, text=True).stdout.split("\f")
    assert len(pages) >= 2 and pages[1].strip()[:1] in {"2", "๒"}, pages[1][:200]


def test_steps_already_numbered_in_the_plan_are_numbered_once() -> None:
    row = MeasureRow(1, 1, 1, "", "ปรับปรุงคู่มือ", ("1. ปรับปรุงคู่มือ", "(2) เผยแพร่", "๓) ติดตาม 1.5 เดือน",
                                                     "ประเมินผล"), None, None, ())
    assert row.step_lines == ["1. ปรับปรุงคู่มือ", "2. เผยแพร่", "3. ติดตาม 1.5 เดือน", "4. ประเมินผล"]
    decimal = MeasureRow(1, 1, 1, "", "t", ("1.5 ล้านบาท", "ลงประกาศ"), None, None, ())
    assert decimal.step_lines == ["1. 1.5 ล้านบาท", "2. ลงประกาศ"]


@pytest.mark.parametrize("style", STYLES)
def test_public_page_numbers_steps_once_in_the_documents_style(chat_bot: ChatBot, style: DigitStyle) -> None:
    bot = chat_bot
    load_plan(bot.services.uow, bot.org_id, [
        measure("มาตรการปรับปรุงคู่มือ", ["สำนักปลัดเทศบาล"], steps=["1. ปรับปรุงคู่มือ", "2. เผยแพร่"])])
    set_style(bot, Surface.DOCUMENTS, style)
    with bot.services.uow() as uow:
        org = uow.people.organisation_by_id(bot.org_id)
        assert org is not None
        slug = org.slug
    page = bot.http.get(f"/public/{slug}/progress/{this_fiscal_year()}")
    assert page.status_code == 200
    text = page_text(page.get_data(as_text=True))
    first = "๑" if style is DigitStyle.THAI else "1"
    assert f"{first}. ปรับปรุงคู่มือ" in text and f"{first}. {first}." not in text
    assert re.search("[0-9๐-๙]", text) and not wrong_digits(style).search(text)


def test_report_round_titles_say_what_the_round_covers_after_a_scheme_change(planned: ChatBot) -> None:
    bot = planned
    year = this_fiscal_year()
    with bot.services.uow() as uow:
        change_rounds(uow, bot.org_id, year, "quarterly", 7, Actor.cli(), utcnow())
        uow.commit()
    set_style(bot, Surface.DOCUMENTS, DigitStyle.ARABIC)
    with bot.services.uow() as uow:
        word = docx.Document(io.BytesIO(render_progress_report(uow, bot.org_id, year, 6, "docx")))
        excel = openpyxl.load_workbook(io.BytesIO(render_progress_report(uow, bot.org_id, year, 6, "xlsx")))
        first = docx.Document(io.BytesIO(render_progress_report(uow, bot.org_id, year, 3, "docx")))
    title = "\n".join(p.text for p in word.paragraphs)
    assert f"ประจำปีงบประมาณ พ.ศ. {year} (ไตรมาส 2 (ม.ค.–มี.ค.))" in title and "รอบ 6 เดือน" not in title
    cells = " ".join(str(c.value) for ws in excel.worksheets for row in ws.iter_rows() for c in row if c.value)
    assert "ไตรมาส 2 (ม.ค.–มี.ค.)" in cells and "รอบ 6 เดือน" not in cells
    assert "(รอบ 3 เดือน)" in "\n".join(p.text for p in first.paragraphs)  # the first quarter is from the start
