"""The LINE simulator page in a real browser (Playwright + Debian's Chromium) against the real stack: the
fake LINE platform serves the page, the bot is served over HTTP with its worker, the rich menu is
installed by `itabot richmenu deploy`, and everything the page sends travels as a signed webhook."""

from __future__ import annotations

import base64
import io
import re
from typing import TYPE_CHECKING

import pytest
import requests
from PIL import Image
from sqlalchemy import select

from storage.complaint_models import Complaint
from storage.plan_models import ProgressReport
from tests.conftest import RunningBot, wait_for
from tests.support.botcli import bind, run_cli
from tests.support.plans import load_plan, small_plan

pytestmark = pytest.mark.long  # run first (tests/conftest.py)

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

    from tests.support.browser import StepShots

CITIZEN = "U" + "a" * 32
HEAD = "U" + "b" * 32  # head of สำนักปลัดเทศบาล
OFFICER = "U" + "c" * 32
ADMIN = "U" + "d" * 32
PERSONAS = [
    {"user_id": CITIZEN, "name": "สมชาย ใจดี", "role_label": "ประชาชน"},
    {"user_id": HEAD, "name": "หัวหน้าสำนักปลัด", "role_label": "head · สำนักปลัดเทศบาล"},
    {"user_id": OFFICER, "name": "นิติกร", "role_label": "officer"},
    {"user_id": ADMIN, "name": "ปลัดเทศบาล", "role_label": "admin"},
]
CODE = re.compile(r"รหัสติดตามเรื่อง: (ร-[0-9A-Z]{4}-[0-9A-Z]{2})")
PIN = re.compile(r"PIN: (\d{6})")


@pytest.fixture
def simulator(bot: RunningBot) -> RunningBot:
    bot.fake.set_personas(PERSONAS)
    output = run_cli(bot, "richmenu", "deploy")
    assert "4/4" in output, output
    return bot


def photo_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


def open_chat(page: Page, bot: RunningBot, user_id: str) -> None:
    page.goto(bot.fake.base_url + "/")
    page.locator(f'.chat-entry[data-user-id="{user_id}"]').click()
    page.locator("#chat-view").wait_for(state="visible")


def last_bot(page: Page) -> Locator:
    return page.locator('.msg[data-side="bot"]').last


def mark_answered(page: Page) -> None:
    """Before acting: what is in the thread now is not the answer to what comes next."""
    page.evaluate("document.querySelectorAll('#thread .msg').forEach((m) => m.classList.add('before-test-step'))")


def expect_bot(page: Page, text: str) -> None:
    """A bot message that arrived since the last step contains `text`."""
    from playwright.sync_api import expect

    expect(page.locator('.msg[data-side="bot"]:not(.before-test-step)', has_text=text).first).to_be_visible()


def chip(page: Page, label: str) -> None:
    target = page.locator("#chips .chip", has_text=label).first
    target.wait_for()
    mark_answered(page)
    target.click()


def type_text(page: Page, text: str) -> None:
    mark_answered(page)
    page.locator("#text").fill(text)
    page.locator("#text").press("Enter")


def tap_menu(page: Page, label: str) -> None:
    mark_answered(page)
    page.locator(f'.richmenu-area[aria-label="{label}"]').click()


def bot_texts(page: Page) -> list[str]:
    return page.locator('.msg[data-side="bot"] .bubble.text').all_inner_texts()


def test_rich_menu_is_shown_with_its_four_tappable_areas(simulator: RunningBot, page: Page,
                                                        steps: StepShots) -> None:
    from playwright.sync_api import expect

    open_chat(page, simulator, CITIZEN)
    menu = page.locator("#richmenu")
    expect(menu).to_be_visible()
    assert menu.get_attribute("data-rich-menu-id") == simulator.fake.state.richmenus.default_id()
    page.wait_for_function("document.getElementById('richmenu-image').naturalWidth === 2500")
    labels = [a.get_attribute("aria-label") for a in page.locator(".richmenu-area").all()]
    assert labels == ["รายงานผล", "ร้องเรียน", "ติดตามเรื่อง", "ช่วยเหลือ"]
    image = page.locator("#richmenu-image").bounding_box()
    first = page.locator(".richmenu-area").first.bounding_box()
    assert image and first
    assert abs(first["width"] - image["width"] / 2) < 2 and abs(first["height"] - image["height"] / 2) < 2
    steps.shot("menu")

    tap_menu(page, "ช่วยเหลือ")
    expect(page.locator('.msg[data-side="user"]').last).to_contain_text("ช่วยเหลือ")
    expect_bot(page, "คำสั่งที่ใช้ได้")
    tap_menu(page, "ติดตามเรื่อง")
    expect_bot(page, "ติดตามเรื่องร้องเรียน")
    page.locator("#richmenu-bar").click()  # the bar folds the menu away, as in LINE
    expect(page.locator("#richmenu-panel")).to_be_hidden()
    steps.shot("folded")


def test_unit_head_reports_progress_with_a_photo_through_the_simulator(simulator: RunningBot, page: Page,
                                                                       steps: StepShots) -> None:
    from playwright.sync_api import expect

    bot = simulator
    load_plan(bot.services.uow, bot.org_id, small_plan())
    bind(bot, HEAD, "head", "สำนักปลัด")
    open_chat(page, bot, HEAD)
    expect(page.locator('.msg[data-side="bot"]')).to_have_count(1)  # the binding answer, already in the thread
    steps.shot("thread")

    tap_menu(page, "รายงานผล")
    expect(page.locator('.msg[data-side="user"]').last).to_contain_text("รายงานผล")  # the displayText
    carousel = page.locator('.msg[data-type="flex"] .flex-carousel').last
    expect(carousel.locator(".flex-bubble")).to_have_count(2)  # สำนักปลัด's measure and the all-units one
    steps.shot("carousel")
    card = carousel.locator(".flex-bubble", has_text="มาตรการเผยแพร่ข้อมูลต่อสาธารณะ")
    mark_answered(page)
    card.locator('.flex-button[data-action-type="postback"]').click()
    expect(page.locator('.msg[data-side="user"]').last).to_contain_text("ม.1")
    expect_bot(page, "มาตรการเผยแพร่ข้อมูล")
    expect(page.locator("#chips .chip")).to_have_count(4)
    steps.shot("status chips")
    chip(page, "กำลังดำเนินการ")
    expect_bot(page, "ร้อยละ")
    chip(page, "50%")
    expect_bot(page, "ผลการดำเนินงาน")
    type_text(page, "จัดประชุมชี้แจงและเผยแพร่ประกาศทางเว็บไซต์แล้ว")
    expect_bot(page, "ปัญหา")
    chip(page, "ไม่มี")
    expect_bot(page, "หลักฐาน")
    steps.shot("evidence asked")

    photo = photo_bytes()
    mark_answered(page)
    page.locator("#plus").click()
    page.locator("#photo-input").set_input_files(
        files=[{"name": "ป้ายประกาศ.jpg", "mimeType": "image/jpeg", "buffer": photo}])
    expect(page.locator('.msg[data-side="user"][data-type="image"] img')).to_be_visible()
    page.wait_for_function("document.querySelector('.msg[data-type=\"image\"] img').naturalWidth === 64")
    expect_bot(page, "รวม 1 รายการ")
    pdf = b"%PDF-1.4 minutes of the meeting"
    mark_answered(page)
    page.locator("#plus").click()
    page.locator("#file-input").set_input_files(
        files=[{"name": "รายงานการประชุม.pdf", "mimeType": "application/pdf", "buffer": pdf}])
    expect(page.locator('.msg[data-side="user"][data-type="file"]')).to_contain_text("รายงานการประชุม.pdf")
    expect_bot(page, "รวม 2 รายการ")
    chip(page, "เสร็จ")
    expect_bot(page, "กำลังดำเนินการ (50%)")
    steps.shot("summary")
    chip(page, "ยืนยัน")
    expect_bot(page, "บันทึกรายงานเรียบร้อย")
    steps.shot("saved")

    bot.wait_idle()
    with bot.services.uow() as uow:
        [report] = uow.session.scalars(select(ProgressReport)).all()
        assert (report.status, report.percent) == ("in_progress", 50)
        assert report.details == "จัดประชุมชี้แจงและเผยแพร่ประกาศทางเว็บไซต์แล้ว"
        report_id = report.id

    def evidence_ready() -> bool:
        with bot.services.uow() as uow:
            files = uow.evidence.for_owner("progress_report", report_id)
            return [(f.status, f.content, f.file_name) for f in files] == [
                ("ready", photo, None), ("ready", pdf, "รายงานการประชุม.pdf")]

    assert wait_for(evidence_ready, 10), "the photo and file sent from the page were not stored as evidence"


def test_citizen_files_an_anonymous_complaint_and_follows_it_by_code(simulator: RunningBot, page: Page,
                                                                     steps: StepShots) -> None:
    from playwright.sync_api import expect

    bot = simulator
    bind(bot, OFFICER, "officer")
    open_chat(page, bot, CITIZEN)
    tap_menu(page, "ร้องเรียน")
    expect_bot(page, "ไม่ระบุตัวตน")
    steps.shot("modes")
    chip(page, "ไม่ระบุตัวตน")
    expect_bot(page, "ประเภท")
    chip(page, "ทุจริต/ประพฤติมิชอบ")
    expect_bot(page, "เล่าเหตุการณ์")
    type_text(page, "เจ้าหน้าที่เรียกเงินใต้โต๊ะ 3,000 บาท เพื่อเร่งออกใบอนุญาตก่อสร้าง")
    expect_bot(page, "รับข้อความแล้ว")
    chip(page, "เสร็จ")
    expect_bot(page, "หมวด")
    chip(page, "ใช่")
    expect_bot(page, "ที่ไหน")
    mark_answered(page)
    page.locator("#plus").click()
    page.locator("#send-location").click()
    page.locator("#location-title").fill("ตลาดสดเทศบาล")
    page.locator("#location-send").click()
    expect(page.locator('.msg[data-side="user"][data-type="location"]')).to_contain_text("ตลาดสดเทศบาล")
    expect_bot(page, "ได้รับตำแหน่ง")
    chip(page, "ถัดไป")
    expect_bot(page, "เกี่ยวข้อง")
    chip(page, "ข้าม")
    expect_bot(page, "แนบหลักฐาน")
    chip(page, "ข้าม")
    expect_bot(page, "ตรวจสอบก่อนส่ง")
    steps.shot("summary")
    chip(page, "ยืนยันส่ง")
    expect(page.locator('.msg[data-side="bot"]', has_text=CODE)).to_have_count(1)
    steps.shot("receipt")

    receipt = "\n".join(bot_texts(page))
    code, pin = CODE.search(receipt), PIN.search(receipt)
    assert code and pin, receipt
    type_text(page, f"ติดตาม {code.group(1)} {pin.group(1)}")
    expect_bot(page, "สถานะ: รับเรื่องแล้ว")
    steps.shot("followed")
    with bot.services.uow() as uow:
        [complaint] = uow.session.scalars(select(Complaint)).all()
        assert complaint.mode == "anonymous"

    # The officer's push arrived while nobody had their chat open: the chat list counts it as unread.
    page.locator("#back").click()
    officer = page.locator(f'.chat-entry[data-user-id="{OFFICER}"]')
    expect(officer.locator(".unread")).not_to_have_text("")
    officer.click()
    expect(page.locator('.msg[data-side="bot"][data-kind="push"]', has_text="เรื่องร้องเรียนใหม่")).to_have_count(1)
    steps.shot("officer push")


def test_pushes_appear_while_the_chat_is_open_and_flex_summary_renders(simulator: RunningBot, page: Page,
                                                                      steps: StepShots) -> None:
    from playwright.sync_api import expect

    bot = simulator
    load_plan(bot.services.uow, bot.org_id, small_plan())
    bind(bot, ADMIN, "admin")
    bind(bot, OFFICER, "officer")
    open_chat(page, bot, OFFICER)
    expect(page.locator('.msg[data-side="bot"]')).to_have_count(1)  # the binding answer
    mark_answered(page)
    # A complaint filed elsewhere reaches the officer by push while their chat is open.
    bot.fake.send_text(CITIZEN, "ร้องเรียน")
    for answer in ("ไม่ระบุตัวตน", "ร้องทุกข์ทั่วไป", "ถนนหน้าโรงเรียนเป็นหลุมลึกหลายจุด", "เสร็จ", "ข้าม", "ข้าม", "ข้าม",
                   "ยืนยันส่ง"):
        bot.wait_idle()
        bot.fake.send_text(CITIZEN, answer)
    expect(page.locator('.msg[data-side="bot"]')).to_have_count(2)
    expect(last_bot(page)).to_have_attribute("data-kind", "push")
    expect_bot(page, "เรื่องร้องเรียนใหม่")
    steps.shot("push")

    open_chat(page, bot, ADMIN)
    type_text(page, "สรุป")
    summary = page.locator('.msg[data-type="flex"] .flex-carousel').last
    expect(summary.locator(".flex-bubble")).to_have_count(2)  # the totals, then the measures
    head = summary.locator(".flex-bubble").first
    expect(head.locator(".flex-text").first).to_have_css("font-weight", "700")
    expect(summary.locator(".flex-bubble").nth(1).locator(".flex-text")).to_have_count(3)
    steps.shot("summary")


def test_what_the_page_reads_besides_the_thread(simulator: RunningBot) -> None:
    """Without a browser: the page's files, the content people sent, unread counts and the default menu."""
    base = simulator.fake.base_url
    assert "flex_render.js" in requests.get(base + "/", timeout=5).text
    for name in ("chat_page.js", "chat_page.css", "flex_render.js"):
        assert requests.get(f"{base}/_fake/static/{name}", timeout=5).status_code == 200
    assert requests.get(base + "/_fake/static/..%2Fstate.py", timeout=5).status_code == 404
    assert requests.get(base + "/_fake/fonts/Sarabun-Bold.ttf", timeout=5).content[:4] == b"\x00\x01\x00\x00"

    photo = photo_bytes()
    sent = requests.post(base + "/_fake/send", json={"user_id": CITIZEN, "type": "image", "content_type": "image/jpeg",
                                                     "content_b64": base64.b64encode(photo).decode()},
                         timeout=10).json()
    simulator.wait_idle()
    served = requests.get(f"{base}/_fake/content/{sent['event']['message']['id']}", timeout=5)
    assert (served.content, served.headers["Content-Type"]) == (photo, "image/jpeg")
    requests.post(base + "/_fake/send", json={"user_id": CITIZEN, "type": "postback", "data": "x=1"}, timeout=10)
    simulator.wait_idle()
    items = requests.get(base + "/_fake/thread", params={"user_id": CITIZEN}, timeout=5).json()["items"]
    postback = next(i for i in items if i["kind"] == "postback")
    assert (postback["label"], postback["data"]) == (None, "x=1")  # no displayText: nothing shown in the chat
    threads = requests.get(base + "/_fake/threads", timeout=5).json()["threads"]
    assert threads[CITIZEN]["bot_messages"] == len([i for i in items if i["side"] == "bot"]) == 2

    menu = requests.get(base + "/_fake/richmenu", timeout=5).json()["richmenu"]
    assert menu["richMenuId"] == simulator.fake.state.richmenus.default_id()
    image = requests.get(base + menu["imageUrl"], timeout=5)
    assert Image.open(io.BytesIO(image.content)).size == (2500, 1686)
