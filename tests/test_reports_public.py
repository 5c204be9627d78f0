"""The public pages the municipality links from its website: the progress report of a fiscal year's
rounds and the complaint statistics — Thai, mobile-friendly, cacheable, counts only for complaints, 404 in
Thai for what does not exist. Reports and complaints come in through LINE, in process
(tests/support/inprocess.py), and the pages are read from the web app without a server."""

from __future__ import annotations

import re

import pytest
from werkzeug.test import TestResponse

from domain.thai_text import to_thai_digits
from tests.support.botcli import bind
from tests.support.chat import say
from tests.support.complaints import complaints as stored_complaints
from tests.support.complaints import file_complaint
from tests.support.inprocess import ChatBot
from tests.support.plans import load_plan, small_plan, this_fiscal_year
from usecases.current_round import current_round, local_today

HEAD = "U" + "1" * 32
ADMIN = "U" + "3" * 32
CITIZEN = "U" + "4" * 32
WITNESS = "U" + "5" * 32


@pytest.fixture
def bot(chat_bot: ChatBot) -> ChatBot:
    """This module runs in process (tests/support/inprocess.py): no HTTP, no worker thread."""
    return chat_bot


@pytest.fixture
def reporting(bot: ChatBot) -> ChatBot:
    load_plan(bot.services.uow, bot.org_id, small_plan())
    bind(bot, HEAD, "head", "สำนักปลัด")
    return bot


def get(bot: ChatBot, path: str, **headers: str) -> TestResponse:
    return bot.http.get(path, headers=headers)


def assert_thai_404(response: TestResponse) -> None:
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html") and "ไม่พบหน้านี้" in response.text


def test_progress_page_shows_the_round_and_caches(reporting: ChatBot) -> None:
    bot = reporting
    with bot.services.uow() as uow:
        year, months = current_round(uow, bot.org_id, local_today(uow, bot.org_id))
    say(bot, HEAD, "รายงาน ม.1 เสร็จแล้ว 100% จัดทำประกาศแล้ว ปัญหา: ผู้ใช้ยังน้อย")
    say(bot, HEAD, "ยืนยัน")
    path = f"/public/default/progress/{year}"
    page = get(bot, path)
    assert page.status_code == 200 and page.headers["Content-Language"] == "th"
    html = page.text
    assert '<html lang="th">' in html and 'name="viewport"' in html and "@media (max-width" in html
    assert to_thai_digits(f"ประจำปีงบประมาณ พ.ศ. {year} (รอบ {months} เดือน)") in html
    assert "จัดทำประกาศแล้ว" in html and "ผู้ใช้ยังน้อย" in html and "ยังไม่ได้รายงาน" in html
    assert "ดำเนินการแล้วเสร็จ" in html and "เทศบาลทดสอบ" in html
    assert HEAD not in html and "u:" not in html  # nobody's LINE account or pseudonym
    assert page.headers["Cache-Control"] == "public, max-age=300"
    etag, modified = page.headers["ETag"], page.headers["Last-Modified"]
    assert get(bot, path, **{"If-None-Match": etag}).status_code == 304
    assert get(bot, path, **{"If-Modified-Since": modified}).status_code == 304
    # A new report changes the page: the old validators no longer match.
    say(bot, HEAD, "รายงาน ม.2 กำลังดำเนินการ 40% อบรมแล้วหนึ่งรุ่น <script>alert(1)</script>")
    say(bot, HEAD, "ยืนยัน")
    again = get(bot, path, **{"If-None-Match": etag})
    assert again.status_code == 200 and "อบรมแล้วหนึ่งรุ่น" in again.text and again.headers["ETag"] != etag
    assert "<script>alert" not in again.text and "&lt;script&gt;alert" in again.text  # what heads type is text
    # Another round of the year by its link; and what does not exist.
    with bot.services.uow() as uow:
        others = [r.months for r in uow.plans.rounds(bot.org_id, year) if r.months != months]
    assert get(bot, f"{path}?round={others[0]}").status_code == 200
    assert_thai_404(get(bot, f"{path}?round=9"))
    assert_thai_404(get(bot, f"/public/default/progress/{year - 3}"))
    assert_thai_404(get(bot, f"/public/nowhere/progress/{year}"))
    assert_thai_404(get(bot, "/public/default/progress/not-a-year"))
    index = get(bot, "/public/default/")
    assert index.status_code == 200 and f"/public/default/progress/{year}" in index.text
    assert f"/public/default/complaints/{year}" in index.text


def test_complaint_statistics_page_shows_counts_only(bot: ChatBot) -> None:
    secret = "นายก้องภพ รับเงินสามพันบาทที่หน้าห้องกองช่าง"
    file_complaint(bot, CITIZEN, details=(secret,), category="เรียกรับสินบน")
    file_complaint(bot, WITNESS, mode="identified", name="สมหญิง ทดสอบ", phone="081-234-5678",
                   details=("ขอร้องเรียนเรื่องการจัดซื้อวัสดุก่อสร้างราคาสูงผิดปกติ",), category="จัดซื้อจัดจ้าง")
    year = this_fiscal_year()
    path = f"/public/default/complaints/{year}"
    page = get(bot, path)
    assert page.status_code == 200
    html = page.text
    assert "ข้อมูลเชิงสถิติเรื่องร้องเรียนการทุจริตและประพฤติมิชอบ" in html
    assert "เรื่องร้องเรียนที่ได้รับทั้งหมด ๒ เรื่อง" in html
    assert "ขั้นตอนการจัดการเรื่องร้องเรียน" in html and "ภายใน ๗ วัน" in html
    assert len(stored_complaints(bot)) == 2
    for private in (secret, "ก้องภพ", "สมหญิง", "081-234-5678", "ราคาสูงผิดปกติ", CITIZEN, WITNESS):
        assert private not in html
    assert not re.search(r"ร-[0-9A-Z]{4}-[0-9A-Z]{2}", html)  # no tracking code
    assert "Last-Modified" not in page.headers  # when a complaint came in is not published
    assert get(bot, path, **{"If-None-Match": page.headers["ETag"]}).status_code == 304
    assert_thai_404(get(bot, f"/public/default/complaints/{year + 1}"))
    assert_thai_404(get(bot, f"/public/default/complaints/{year - 1}"))  # before the organisation started
    assert_thai_404(get(bot, f"/public/elsewhere/complaints/{year}"))


def test_public_pages_and_download_pages_carry_a_content_security_policy(reporting: ChatBot) -> None:
    bot = reporting
    year = this_fiscal_year()
    pages = {f"/public/default/progress/{year}": 200, f"/public/default/complaints/{year}": 200,
             "/public/default/": 200, "/public/nowhere/": 404, "/public/default/progress/not-a-year": 404,
             "/reports/not-a-token": 404}
    for path, status in pages.items():
        response = get(bot, path)
        assert response.status_code == status, path
        policy = response.headers.get("Content-Security-Policy", "")
        directives = dict(d.strip().partition(" ")[::2] for d in policy.split(";"))
        assert directives.get("default-src") == "'none'", (path, policy)  # no script, frame, font, connect
        assert directives.get("style-src") == "'unsafe-inline'" and directives.get("form-action") == "'none'"
        assert "script-src" not in directives and response.headers["X-Content-Type-Options"] == "nosniff"
