"""The admin console in a real browser (Playwright + Debian's Chromium, phone-sized) against the running
bot over HTTP: an administrator made by `itabot create-admin` logs in, imports a fixture plan through the
preview and downloads a report; an officer given a login on the members page changes a complaint's status
and the complainant gets the message on the fake LINE platform (and sees it in the simulator); five wrong
passwords lock an account; a tampered CSRF token is refused. Step screenshots are kept on failure."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

from click.testing import CliRunner
from flask.cli import ScriptInfo
from openpyxl import load_workbook
from sqlalchemy import select

from bot.cli.main import cli
from storage.console_models import AuditEntry
from storage.plan_models import Measure, Plan
from tests.conftest import RunningBot
from tests.support.botcli import bind
from tests.support.chat import pushes_to
from tests.support.complaints import file_complaint

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page

    from tests.support.browser import StepShots

PLANS = Path(__file__).parent / "fixtures" / "plans"
ADMIN_PASSWORD = "ผู้ดูแล-รหัสผ่าน-2568"
OFFICER_PASSWORD = "นิติกร-รหัสผ่าน-2568"
CITIZEN = "U" + "a" * 32
OFFICER = "U" + "c" * 32


def create_admin(bot: RunningBot) -> None:
    app = bot.server.app  # type: ignore[attr-defined]
    result = CliRunner().invoke(cli, ["create-admin", "--username", "admin", "--password-stdin"],
                                obj=ScriptInfo(create_app=lambda: app), input=ADMIN_PASSWORD + "\n")
    assert result.exit_code == 0, result.output


def log_in(page: Page, bot: RunningBot, username: str, password: str) -> None:
    page.goto(bot.url + "/console/")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="เข้าสู่ระบบ").click()


def menu(page: Page, name: str) -> None:
    page.locator("nav.menu").get_by_role("link", name=name, exact=True).click()


def fits_the_phone(page: Page) -> bool:
    """No sideways scrolling of the page on a 390 px wide phone (wide tables scroll in their own box)."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def thai_web_font_loaded(page: Page) -> bool:
    """The page drew its Thai with the Sarabun font the app serves (not a system font, maybe none)."""
    return bool(page.evaluate(
        "document.fonts.ready.then(() => [...document.fonts].some(f => f.family.includes('Sarabun') && "
        "f.status === 'loaded'))"))


def test_admin_logs_in_imports_a_plan_through_the_preview_and_downloads_a_report(bot: RunningBot, page: Page,
                                                                                 steps: StepShots) -> None:
    from playwright.sync_api import expect

    create_admin(bot)
    fixture = PLANS / "wiang-chiang-saen-2567.tsv"
    expected = json.loads((PLANS / "wiang-chiang-saen-2567.expected.json").read_text(encoding="utf-8"))
    log_in(page, bot, "admin", ADMIN_PASSWORD)
    expect(page.locator("header .who")).to_contain_text("admin")
    expect(page.locator("h1")).to_have_text("ภาพรวม")
    assert thai_web_font_loaded(page)
    steps.shot("dashboard, no plan yet")

    menu(page, "นำเข้าแผน")
    page.locator("#file").set_input_files(str(fixture))
    page.locator("#fiscal_year").fill("2567")
    page.get_by_role("button", name="ตรวจสอบก่อนบันทึก").click()
    expect(page.locator("h1")).to_have_text("ตรวจสอบแผนก่อนบันทึก")
    expect(page.locator("#measure-count")).to_have_text(str(expected["measure_count"]))
    expect(page.locator("#preview tbody tr")).to_have_count(expected["measure_count"])
    expect(page.locator("#warnings")).to_contain_text("ไม่มีคำเตือน")
    assert fits_the_phone(page)
    steps.shot("preview")
    with bot.services.uow() as uow:
        assert list(uow.session.scalars(select(Plan))) == []  # the preview saved nothing

    page.get_by_role("button", name="บันทึก", exact=True).click()
    expect(page.locator(".flash")).to_contain_text(f"บันทึกแผนปีงบประมาณ 2567 แล้ว: {expected['measure_count']} มาตรการ")
    expect(page.locator('#plans tr[data-year="2567"]')).to_contain_text(fixture.name)
    steps.shot("saved")
    with bot.services.uow() as uow:
        [plan] = uow.session.scalars(select(Plan))
        assert plan.fiscal_year_be == 2567 and len(list(uow.session.scalars(
            select(Measure).where(Measure.plan_id == plan.id)))) == expected["measure_count"]

    menu(page, "รายงาน")
    page.locator("#round").select_option("2567-6")
    page.locator("#progress-format").select_option("xlsx")
    steps.shot("reports")
    with page.expect_download() as download_info:
        page.locator("#progress-report button").click()
    download = download_info.value
    assert download.suggested_filename == "รายงานผลการดำเนินงาน-2567-รอบ6เดือน.xlsx"
    workbook = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    titles = {str(c.value) for sheet in workbook for row in sheet.iter_rows() for c in row if c.value}
    assert any("การประชุมพนักงาน" in t for t in titles)

    menu(page, "บันทึกการใช้งาน")
    expect(page.locator('#audit tr[data-action="report.download"]')).to_have_count(1)
    expect(page.locator('#audit tr[data-action="plan.import"]')).to_have_count(1)
    assert fits_the_phone(page)
    steps.shot("audit log")


def test_officer_changes_a_complaints_status_and_the_complainant_gets_the_message(
        bot: RunningBot, page: Page, new_page: Callable[[], Page], steps: StepShots) -> None:
    from playwright.sync_api import expect

    create_admin(bot)
    bind(bot, OFFICER, "officer")
    receipt = file_complaint(bot, CITIZEN, mode="confidential")
    # The admin gives the officer's LINE member a console login.
    log_in(page, bot, "admin", ADMIN_PASSWORD)
    menu(page, "สมาชิก")
    with bot.services.uow() as uow:
        member_id = uow.people.member(bot.org_id, OFFICER).id  # type: ignore[union-attr]
    row = page.locator(f'#members tr[data-member="{member_id}"]')
    row.get_by_text("สร้างบัญชีเข้าใช้เว็บ").click()
    row.locator('input[name="username"]').fill("nitikorn")
    row.locator('input[name="password"]').fill(OFFICER_PASSWORD)
    row.locator('input[name="again"]').fill(OFFICER_PASSWORD)
    row.get_by_role("button", name="สร้างบัญชี").click()
    expect(page.locator(".flash")).to_contain_text("สร้างบัญชีเข้าใช้เว็บ \"nitikorn\" แล้ว")
    steps.shot("login made", page)

    officer = new_page()
    log_in(officer, bot, "nitikorn", OFFICER_PASSWORD)
    expect(officer.locator("h1")).to_have_text("เรื่องร้องเรียนที่ยังเปิดอยู่")
    officer.get_by_role("link", name="เปิดเรื่อง #1").click()
    expect(officer.locator("#details")).to_contain_text("เจ้าหน้าที่เรียกเงินใต้โต๊ะ")
    expect(officer.locator("#complainant")).to_contain_text("ปกปิดตัวตน")
    assert fits_the_phone(officer)
    steps.shot("case", officer)
    officer.get_by_role("button", name="รับผิดชอบเรื่องนี้").click()
    expect(officer.locator(".flash")).to_contain_text("คุณเป็นผู้รับผิดชอบเรื่องนี้แล้ว")
    expect(officer.locator("#take-form")).to_have_count(0)
    officer.locator("#status").select_option("screening")
    officer.locator("#note").fill("ตรวจเอกสารเบื้องต้นแล้ว มีมูล")
    officer.locator("#public").fill("รับเรื่องไว้พิจารณาแล้ว จะแจ้งผลภายใน 30 วัน")
    officer.get_by_role("button", name="บันทึกสถานะ").click()
    expect(officer.locator(".flash")).to_contain_text("รับเรื่องแล้ว → คัดกรอง")
    expect(officer.locator(".flash")).to_contain_text("ได้รับแจ้งทาง LINE แล้ว")
    expect(officer.locator("#case-status")).to_have_text("คัดกรอง")
    expect(officer.locator("#timeline")).to_contain_text("บันทึกภายใน: ตรวจเอกสารเบื้องต้นแล้ว มีมูล")
    steps.shot("status changed", officer)

    bot.wait_idle()
    [told] = [p for p in pushes_to(bot, CITIZEN) if "เปลี่ยนสถานะ" in p]
    assert receipt.code in told and "คัดกรอง" in told and "จะแจ้งผลภายใน 30 วัน" in told and "มีมูล" not in told
    # ... and the complainant reads it in their LINE thread on the simulator page.
    bot.fake.set_personas([{"user_id": CITIZEN, "name": "ผู้ร้อง", "role_label": "ประชาชน"}])
    chat = new_page()
    chat.goto(f"{bot.fake.base_url}/#chat={CITIZEN}")
    expect(chat.locator('.msg[data-side="bot"]', has_text="เปลี่ยนสถานะเป็น").last).to_contain_text("คัดกรอง")
    steps.shot("complainant's thread", chat)
    with bot.services.uow() as uow:
        actions = [e.action for e in uow.session.scalars(select(AuditEntry).where(
            AuditEntry.target == "complaint:1").order_by(AuditEntry.id))]
        assert actions == ["complaint.view", "complaint.assign", "complaint.view", "complaint.status",
                           "complaint.view"]


def test_five_wrong_passwords_lock_the_account(bot: RunningBot, page: Page, steps: StepShots) -> None:
    from playwright.sync_api import expect

    create_admin(bot)
    for attempt in range(1, 6):
        log_in(page, bot, "admin", f"ผิดครั้งที่-{attempt}-นะครับ")
        message = "ถูกล็อกชั่วคราว" if attempt == 5 else "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง"
        expect(page.locator(".error")).to_contain_text(message)
    steps.shot("locked")
    log_in(page, bot, "admin", ADMIN_PASSWORD)  # the right password, but locked
    expect(page.locator(".error")).to_contain_text("ถูกล็อกชั่วคราว")
    expect(page.locator("#login-form")).to_be_visible()
    steps.shot("still locked")
    with bot.services.uow() as uow:
        user = uow.console_users.by_username(bot.org_id, "admin")
        assert user is not None and user.locked_until is not None


def test_a_form_with_a_tampered_csrf_token_is_refused(bot: RunningBot, page: Page, steps: StepShots) -> None:
    from playwright.sync_api import expect

    create_admin(bot)
    log_in(page, bot, "admin", ADMIN_PASSWORD)
    menu(page, "หน่วยงาน")
    page.locator("#unit-name").fill("กองทดลองปลอม")
    page.evaluate("document.querySelector('#unit-add input[name=csrf_token]').value = 'forged'")
    page.locator("#unit-add button").click()
    expect(page.locator("#problem")).to_contain_text("แบบฟอร์มนี้หมดอายุหรือไม่ได้ส่งมาจากหน้าของระบบ")
    steps.shot("refused")
    with bot.services.uow() as uow:
        assert uow.people.find_unit(bot.org_id, "กองทดลองปลอม") is None
    menu(page, "หน่วยงาน")  # the page's own token works
    page.locator("#unit-name").fill("กองทดลองจริง")
    page.locator("#unit-add button").click()
    expect(page.locator(".flash")).to_contain_text("เพิ่มหน่วยงาน \"กองทดลองจริง\" แล้ว")
    expect(page.locator('#units tr[data-unit="กองทดลองจริง"]')).to_be_visible()
    steps.shot("accepted")
