"""Getting reports in LINE: an admin sends "ขอรายงาน", picks a round (or the complaint statistics) and a
format with quick replies and gets a signed link that expires; the web app serves the file made from the
data as it is when the link is opened. Bad and expired links get Thai pages; non-admins are refused; the
weekly summary links the current round's report. In process (tests/support/inprocess.py): the links are
opened on the bot's web app without a server."""

from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import docx
import openpyxl
import pytest
from sqlalchemy import select, update
from werkzeug.test import TestResponse

from bot.report_links import report_links
from domain.digits import ARABIC, DigitStyle, Numerals, Surface
from domain.reports.links import ReportFormat, ReportKind, ReportTicket
from storage.audit_log import Actor
from storage.clock import utcnow
from storage.conversation_models import Conversation, Evidence
from storage.models import Organisation
from storage.plan_models import ProgressReport
from tests.support.botcli import bind
from tests.support.chat import quick_replies, say
from tests.support.inprocess import ChatBot
from tests.support.plans import load_plan, small_plan
from usecases.current_round import current_round, local_today
from usecases.digit_settings import change_digits

HEAD = "U" + "1" * 32  # head of สำนักปลัดเทศบาล
FINANCE = "U" + "2" * 32  # head of กองคลัง
ADMIN = "U" + "3" * 32
CITIZEN = "U" + "4" * 32
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def bot(chat_bot: ChatBot) -> ChatBot:
    """This module runs in process (tests/support/inprocess.py): no HTTP, no worker thread."""
    return chat_bot


@pytest.fixture
def reporting(bot: ChatBot) -> ChatBot:
    load_plan(bot.services.uow, bot.org_id, small_plan())
    bind(bot, HEAD, "head", "สำนักปลัด")
    bind(bot, ADMIN, "admin")
    return bot


def current(bot: ChatBot) -> tuple[int, int]:
    with bot.services.uow() as uow:
        found = current_round(uow, bot.org_id, local_today(uow, bot.org_id))
    assert found is not None
    return found


def fetch(bot: ChatBot, url: str) -> TestResponse:
    """Open a link the bot gave (made for PUBLIC_BASE_URL) on the bot's web app."""
    assert url.startswith("http://127.0.0.1:5000/reports/")  # the default PUBLIC_BASE_URL
    return bot.http.get(urlsplit(url).path)


def link_in(text: str) -> str:
    return next(word for word in text.split() if word.startswith("http"))


def table_rows(data: bytes) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in docx.Document(io.BytesIO(data)).tables[0].rows]


def test_admin_picks_round_and_format_and_the_link_serves_the_report_as_it_is_now(reporting: ChatBot) -> None:
    bot = reporting
    year, months = current(bot)
    say(bot, HEAD, "รายงาน ม.1 เสร็จแล้ว 100% จัดทำประกาศและเผยแพร่แล้ว ปัญหา: งบประมาณจำกัด")
    say(bot, HEAD, "ยืนยัน")

    choose = say(bot, ADMIN, "ขอรายงาน")
    assert f"ปีงบประมาณ {year}" in choose["text"]
    assert quick_replies(choose)[-1] == "สถิติเรื่องร้องเรียน" and f"รอบ {months} เดือน" in quick_replies(choose)
    fmt = say(bot, ADMIN, f"รอบ {months} เดือน")
    assert quick_replies(fmt) == ["Word", "Excel", "CSV"]
    answer = say(bot, ADMIN, "Word")["text"]
    expires = utcnow() + timedelta(days=7)
    assert ARABIC.date(expires.astimezone(bot.services.settings.tz).date()) in answer
    assert f"รายงานผลการดำเนินงานตามมาตรการ ปีงบประมาณ {year} รอบ {months} เดือน (Word)" in answer
    with bot.services.uow() as uow:
        assert uow.session.scalar(select(Conversation)) is None  # the flow ended

    # A report sent after the link was given is in the file: it is made when the link is opened.
    say(bot, HEAD, "รายงาน ม.2 กำลังดำเนินการ 50% อบรมเจ้าหน้าที่แล้ว")
    say(bot, HEAD, "ยืนยัน")
    response = fetch(bot, link_in(answer))
    assert response.status_code == 200 and response.headers["Content-Type"] == DOCX
    assert response.headers["Cache-Control"] == "private, no-store"
    disposition = response.headers["Content-Disposition"]
    assert f'filename="ita-progress-{year}-r{months}.docx"' in disposition
    assert unquote(disposition.split("UTF-8''")[1]) == f"รายงานผลการดำเนินงาน-{year}-รอบ{months}เดือน.docx"
    rows = table_rows(response.data)
    by_measure = {row[0]: row for row in rows[1:] if row[0] != row[1]}  # heading rows span the columns
    assert by_measure["๑. มาตรการเผยแพร่ข้อมูลต่อสาธารณะ"][2:] == ["จัดทำประกาศและเผยแพร่แล้ว", "งบประมาณจำกัด"]
    every_unit = by_measure["๒. มาตรการจัดการเรื่องร้องเรียนการทุจริต"][2]
    assert "สำนักปลัดเทศบาล: อบรมเจ้าหน้าที่แล้ว" in every_unit and "กองคลัง: ยังไม่ได้รายงาน" in every_unit
    assert by_measure["๓. มาตรการเปิดเผยการจัดซื้อจัดจ้าง"][2] == "ยังไม่ได้รายงาน"


def test_complaint_statistics_as_excel_and_wrong_answers_asked_again(reporting: ChatBot) -> None:
    bot = reporting
    again = say(bot, ADMIN, "ขอรายงาน")
    again = say(bot, ADMIN, "รอบ 9 เดือน")  # not a round of this plan
    assert "กรุณาเลือกรายงาน" in again["text"] and "สถิติเรื่องร้องเรียน" in quick_replies(again)
    formats = say(bot, ADMIN, "สถิติเรื่องร้องเรียน")
    assert quick_replies(formats) == ["Word", "Excel"]
    assert "กรุณาเลือกรูปแบบไฟล์" in say(bot, ADMIN, "CSV")["text"]  # statistics come as Word or Excel only
    answer = say(bot, ADMIN, "excel")["text"]
    response = fetch(bot, link_in(answer))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["สรุป", "รายเดือน", "เดือน-หมวด-สถานะ", "ขั้นตอน"]


def test_non_admins_are_refused_and_cancel_works(reporting: ChatBot) -> None:
    bot = reporting
    for user in (HEAD, CITIZEN):
        assert "ใช้ได้เฉพาะผู้ดูแลระบบ" in say(bot, user, "ขอรายงาน")["text"]
    say(bot, ADMIN, "ขอรายงาน")
    assert "ยกเลิกการขอรายงานแล้ว" in say(bot, ADMIN, "ยกเลิก")["text"]
    with bot.services.uow() as uow:
        assert uow.session.scalar(select(Conversation)) is None
    help_text = say(bot, ADMIN, "ช่วยเหลือ")["text"]
    assert "\"ขอรายงาน\"" in help_text


def test_without_a_plan_only_the_complaint_statistics_are_offered(bot: ChatBot) -> None:
    bind(bot, ADMIN, "admin")
    choose = say(bot, ADMIN, "ขอรายงาน")
    assert "ยังไม่มีแผนมาตรการ" in choose["text"] and quick_replies(choose) == ["สถิติเรื่องร้องเรียน"]
    assert "กรุณาเลือกรายงาน" in say(bot, ADMIN, "รอบ 6 เดือน")["text"]
    say(bot, ADMIN, "สถิติเรื่องร้องเรียน")
    response = fetch(bot, link_in(say(bot, ADMIN, "Word")["text"]))
    assert response.status_code == 200 and response.headers["Content-Type"] == DOCX


def test_expired_forged_and_orphaned_links_get_thai_pages(reporting: ChatBot) -> None:
    bot = reporting
    year, months = current(bot)
    links = report_links(bot.services.settings)
    ticket = ReportTicket(bot.org_id, ReportKind.PROGRESS, year, months, ReportFormat.DOCX)
    expired = links.link(ticket, utcnow() - timedelta(days=8)).url
    response = fetch(bot, expired)
    assert response.status_code == 410 and "หมดอายุ" in response.text and "ขอรายงาน" in response.text
    assert response.headers["Content-Type"].startswith("text/html")
    valid = links.link(ticket, utcnow()).url
    assert fetch(bot, valid).status_code == 200
    forged = valid[:-4] + ("AAAA" if not valid.endswith("AAAA") else "BBBB")
    response = fetch(bot, forged)
    assert response.status_code == 404 and "ลิงก์ไม่ถูกต้อง" in response.text
    assert bot.http.get("/reports/not-a-token").status_code == 404
    no_plan = links.link(ReportTicket(bot.org_id, ReportKind.PROGRESS, year - 5, 6, ReportFormat.DOCX), utcnow()).url
    response = fetch(bot, no_plan)
    assert response.status_code == 404 and "ไม่พบรายงาน" in response.text


def test_an_expired_links_page_says_when_in_the_organisations_zone_and_documents_digits(
        reporting: ChatBot) -> None:
    """The expiry on the 410 page is the organisation's local time, in its documents' digit style (Thai by
    default, as its Word reports), not the deployment's zone in Arabic digits."""
    bot = reporting
    year, months = current(bot)
    links = report_links(bot.services.settings)
    ticket = ReportTicket(bot.org_id, ReportKind.PROGRESS, year, months, ReportFormat.DOCX)
    with bot.services.uow() as uow:
        uow.session.execute(update(Organisation).where(Organisation.id == bot.org_id)
                            .values(timezone="Asia/Tokyo"))  # two hours ahead of the deployment's Bangkok
        uow.commit()
    link = links.link(ticket, utcnow() - timedelta(days=8))
    local = link.expires_at.astimezone(ZoneInfo("Asia/Tokyo"))
    page = fetch(bot, link.url).text
    assert f"ใช้ได้ถึง {Numerals(DigitStyle.THAI).date_time(local)} น." in page
    with bot.services.uow() as uow:
        change_digits(uow, bot.org_id, {Surface.DOCUMENTS: DigitStyle.ARABIC}, Actor.cli(), utcnow())
        uow.commit()
    assert f"ใช้ได้ถึง {ARABIC.date_time(local)} น." in fetch(bot, link.url).text


def test_a_csv_link_says_its_charset_once(reporting: ChatBot) -> None:
    bot = reporting
    year, months = current(bot)
    links = report_links(bot.services.settings)
    ticket = ReportTicket(bot.org_id, ReportKind.PROGRESS, year, months, ReportFormat.CSV)
    response = fetch(bot, links.link(ticket, utcnow()).url)
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith(b"\xef\xbb\xbf")


def test_only_unit_evidence_goes_into_the_annex(reporting: ChatBot) -> None:
    """A complaint's evidence that happens to share an owner id with a progress report never shows."""
    bot = reporting
    year, months = current(bot)
    say(bot, HEAD, "รายงาน ม.1 เสร็จแล้ว 100% ประกาศแล้ว")
    say(bot, HEAD, "ยืนยัน")
    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (300, 200), (0, 90, 0)).save(picture, "JPEG")
    with bot.services.uow() as uow:
        report_id = uow.session.scalar(select(ProgressReport.id))
        for kind, message_id in (("complaint", "m-complaint"), ("progress_report", "m-report")):
            uow.session.add(Evidence(org_id=bot.org_id, owner_kind=kind, owner_id=report_id, line_message_id=message_id,
                                     message_type="image", status="ready", content=picture.getvalue(),
                                     content_type="image/jpeg", size=len(picture.getvalue()), attempts=1,
                                     next_attempt_at=utcnow(), created_at=utcnow()))
        uow.commit()
    links = report_links(bot.services.settings)
    data = fetch(bot, links.link(ReportTicket(bot.org_id, ReportKind.PROGRESS, year, months, ReportFormat.DOCX),
                                 utcnow()).url).data
    assert len(docx.Document(io.BytesIO(data)).inline_shapes) == 1


def test_weekly_summary_links_the_current_rounds_report(reporting: ChatBot) -> None:
    bot = reporting
    summary = say(bot, ADMIN, "สรุปประจำสัปดาห์")
    button = summary["contents"]["footer"]["contents"][0]["action"]
    response = fetch(bot, button["uri"])
    assert response.status_code == 200 and response.headers["Content-Type"] == DOCX
    with bot.services.uow() as uow:
        scheduled = bot.services.report_link(uow, bot.org_id)  # what the scheduler's weekly push uses
    assert scheduled is not None and fetch(bot, scheduled).status_code == 200
