"""The administrators' pages of the console, in process (tests/support/console.py): plan import by upload
(preview, then "บันทึก" saves exactly what was previewed), the unit directory, invites and members, console
logins, rounds and reminders, report downloads, the dashboard's numbers (those of the LINE "สรุป") and the
audit log."""

from __future__ import annotations

import html
import io
import json
import re
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import func, select

from domain.fiscal import fiscal_year_of
from domain.plan_import import parse_plan
from domain.plan_table import read_table
from storage.clock import utcnow
from storage.console_models import AuditEntry, PlanUpload
from storage.plan_models import Measure, Plan
from tests.support.botcli import bind, run_cli
from tests.support.chat import say
from tests.support.console import Console, add_console_user, error_of, flashes, logged_in
from tests.support.inprocess import ChatBot
from tests.support.plans import load_plan, measure, small_plan, this_fiscal_year
from usecases.plan_import import import_plan
from usecases.plan_warnings import render_warning
from usecases.report_files import render_progress_report

PLANS = Path(__file__).parent / "fixtures" / "plans"
HEAD = "U" + "1" * 32  # head of สำนักปลัดเทศบาล
FINANCE = "U" + "2" * 32  # head of กองคลัง
ADMIN = "U" + "3" * 32
NEWCOMER = "U" + "5" * 32


@pytest.fixture
def bot(chat_bot: ChatBot) -> ChatBot:
    """These tests are about the console's pages: in process (tests/support/inprocess.py: the same app on the
    same real database, through Werkzeug's test client, no server and no worker)."""
    return chat_bot


def audit(bot: ChatBot, prefix: str = "") -> list[AuditEntry]:
    with bot.services.uow() as uow:
        return [e for e in uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id)) if e.action.startswith(prefix)]


def page_text(response: object) -> str:
    return html.unescape(response.text)  # type: ignore[attr-defined]


def plans(bot: ChatBot) -> list[tuple[int, str, int]]:
    with bot.services.uow() as uow:
        return [(p.fiscal_year_be, p.source_name, len(uow.plans.measures(p.id)))
                for p in uow.session.scalars(select(Plan).order_by(Plan.id))]


def upload(console: Console, path: Path, year: str = "2567", name: str | None = None, data: bytes | None = None
           ) -> object:
    console.get("/plan")
    content = data if data is not None else path.read_bytes()
    return console.post("/plan/preview", {"fiscal_year": year}, files={"file": (name or path.name, content)})


def test_plan_import_shows_the_parsed_table_and_warnings_then_saves_that_upload(bot: ChatBot) -> None:
    add_console_user(bot, "admin")
    add_console_user(bot, "deputy")
    admin = logged_in(bot, "admin")
    fixture = PLANS.parent / "reports" / "ban-wiang-2565.tsv"  # a table without a units column: warnings
    with bot.services.uow() as uow:  # what `itabot import-plan --dry-run` recovers, warnings included
        dry = import_plan(uow, bot.org_id, parse_plan(read_table(fixture), 2565), fixture.name, utcnow(), dry_run=True)
    assert len(dry.measures) > 5 and len(dry.warnings) > 5
    preview = upload(admin, fixture, year="2565")
    assert preview.status_code == 200  # type: ignore[attr-defined]
    text = page_text(preview)
    assert re.search(r'id="measure-count">(\d+)<', text).group(1) == str(len(dry.measures))  # type: ignore[union-attr]
    for m in dry.measures:
        assert m["title"] in text
    assert f"คำเตือน ({len(dry.warnings)})" in text
    for warning in dry.warnings:
        assert render_warning(warning) in text
    assert plans(bot) == []  # nothing saved before "บันทึก"
    token = re.search(r'name="token" value="([^"]+)"', text).group(1)  # type: ignore[union-attr]
    # The upload is kept for the person who made it: another admin, or a made-up token, saves nothing.
    deputy = logged_in(bot, "deputy")
    deputy.get("/plan")
    assert "ไม่พบไฟล์ที่ตรวจสอบไว้" in error_of(deputy.post("/plan/save", {"token": token}))
    assert "ไม่พบไฟล์ที่ตรวจสอบไว้" in error_of(admin.post("/plan/save", {"token": "../../etc/passwd"}))
    assert plans(bot) == []
    saved = admin.post("/plan/save", {"token": token})
    assert saved.url.endswith("/console/plan")
    assert any(f"บันทึกแผนปีงบประมาณ 2565 แล้ว: {len(dry.measures)} มาตรการ" in f for f in flashes(saved))
    assert plans(bot) == [(2565, fixture.name, len(dry.measures))]
    assert 'data-year="2565"' in saved.text
    assert "ไม่พบไฟล์ที่ตรวจสอบไว้" in error_of(admin.post("/plan/save", {"token": token}))  # used up
    with bot.services.uow() as uow:  # the file was kept in the database until saved, then forgotten
        assert uow.session.scalar(select(func.count()).select_from(PlanUpload)) == 0
    [entry] = audit(bot, "plan.import")
    assert entry.actor_label == "admin" and entry.target == "plan:2565"
    assert entry.detail["measures"] == len(dry.measures) and entry.detail["warnings"] == len(dry.warnings)


def test_reimporting_a_plan_by_upload_updates_it(bot: ChatBot) -> None:
    add_console_user(bot, "admin")
    admin = logged_in(bot, "admin")
    fixture = PLANS / "wiang-chiang-saen-2567.tsv"
    expected = json.loads((PLANS / "wiang-chiang-saen-2567.expected.json").read_text(encoding="utf-8"))
    for round_no in (1, 2):
        preview = upload(admin, fixture)
        assert ("มีแผนปีงบประมาณ 2567 อยู่แล้ว" in page_text(preview)) is (round_no == 2)
        token = re.search(r'name="token" value="([^"]+)"', preview.text).group(1)  # type: ignore[attr-defined,union-attr]
        saved = admin.post("/plan/save", {"token": token})
        count = expected["measure_count"]
        news, updates = (count, 0) if round_no == 1 else (0, count)
        assert any(f"(ใหม่ {news}, ปรับปรุง {updates}, ไม่อยู่ในแผนแล้ว 0)" in f for f in flashes(saved))
    assert plans(bot) == [(2567, fixture.name, expected["measure_count"])]


def test_plan_upload_problems_get_a_thai_answer_and_save_nothing(bot: ChatBot) -> None:
    add_console_user(bot, "admin")
    admin = logged_in(bot, "admin")
    fixture = PLANS / "sirirat-2567.tsv"
    wrong_type = upload(admin, fixture, name="plan.odt")
    assert wrong_type.status_code == 400 and "รองรับเฉพาะไฟล์" in error_of(wrong_type)  # type: ignore[attr-defined]
    not_pdf = upload(admin, fixture, name="plan.pdf")
    assert not_pdf.status_code == 400 and "ไม่ใช่ไฟล์ PDF จริง" in error_of(not_pdf)  # type: ignore[attr-defined]
    broken = upload(admin, fixture, name="plan.xlsx", data=b"not really a workbook")
    assert broken.status_code == 400 and "ไม่ใช่ไฟล์ .xlsx จริง" in error_of(broken)  # type: ignore[attr-defined]
    assert "tmp" not in error_of(broken) and "itabot-plan" not in error_of(broken)
    no_table = upload(admin, fixture, name="notes.tsv", data="สวัสดี\tครับ\n".encode())
    assert no_table.status_code == 400 and "ไม่พบหัวตารางมาตรการ" in error_of(no_table)  # type: ignore[attr-defined]
    bad_year = upload(admin, fixture, year="67")
    assert bad_year.status_code == 400 and "ปีงบประมาณ" in error_of(bad_year)  # type: ignore[attr-defined]
    admin.get("/plan")
    too_big = admin.post("/plan/preview", {"fiscal_year": "2567"}, files={"file": ("big.tsv", b"x" * (11 << 20))})
    assert too_big.status_code == 413 and "ไฟล์ใหญ่เกิน 10 MB" in error_of(too_big)
    assert plans(bot) == []
    with bot.services.uow() as uow:  # a file that cannot be previewed is not kept either
        assert uow.session.scalar(select(func.count()).select_from(PlanUpload)) == 0


def test_units_are_added_renamed_and_merged_as_the_cli_does(bot: ChatBot) -> None:
    add_console_user(bot, "admin")
    admin = logged_in(bot, "admin")
    load_plan(bot.services.uow, bot.org_id, [measure("มาตรการตรวจรับพัสดุ", ["ศูนย์พัสดุกลาง"])])
    bind(bot, FINANCE, "head", "ศูนย์พัสดุกลาง")
    added = admin.post("/units/add", {"name": "กองสวัสดิการสังคม", "aliases": "สวัสดิการ, กองสวัสดิการฯ"},
                       form_page="/units")
    assert any("เพิ่มหน่วยงาน \"กองสวัสดิการสังคม\" แล้ว" in f for f in flashes(added))
    taken = admin.post("/units/add", {"name": "กองใหม่", "aliases": "กองคลัง"})
    assert taken.status_code == 400 and "เป็นชื่อของหน่วยงาน \"กองคลัง\" อยู่แล้ว" in error_of(taken)
    with bot.services.uow() as uow:
        welfare = uow.people.find_unit(bot.org_id, "สวัสดิการ")
        old_finance = uow.people.find_unit(bot.org_id, "ศูนย์พัสดุกลาง")
        finance = uow.people.find_unit(bot.org_id, "กองคลัง")
        assert welfare is not None and old_finance is not None and finance is not None
        ids = (welfare.id, old_finance.id, finance.id)
    clash = admin.post(f"/units/{ids[0]}/rename", {"name": "กองคลัง"})
    assert clash.status_code == 400 and "อยู่แล้ว" in error_of(clash)
    renamed = admin.post(f"/units/{ids[0]}/rename", {"name": "กองสวัสดิการ"})
    assert any("เปลี่ยนชื่อหน่วยงาน \"กองสวัสดิการสังคม\" เป็น \"กองสวัสดิการ\"" in f for f in flashes(renamed))
    assert "กองสวัสดิการ  (= สวัสดิการ, กองสวัสดิการฯ, กองสวัสดิการสังคม)" in run_cli(bot, "units", "list")
    merged = admin.post("/units/merge", {"source": str(ids[1]), "target": str(ids[2])})
    assert any("รวมหน่วยงาน \"ศูนย์พัสดุกลาง\" เข้ากับ \"กองคลัง\"" in f for f in flashes(merged))
    with bot.services.uow() as uow:
        assert uow.people.unit(ids[1]) is None
        assert uow.people.find_unit(bot.org_id, "ศูนย์พัสดุกลาง").id == ids[2]  # type: ignore[union-attr]
        assert uow.people.member(bot.org_id, FINANCE).unit_id == ids[2]  # type: ignore[union-attr]
        [m] = uow.session.scalars(select(Measure))
        assert uow.plans.unit_ids_by_measure([m.id])[m.id] == {ids[2]}
    same = admin.post("/units/merge", {"source": str(ids[2]), "target": str(ids[2])})
    assert same.status_code == 400 and "คนละหน่วยงาน" in error_of(same)
    assert [e.action for e in audit(bot, "unit.")] == ["unit.add", "unit.rename", "unit.merge"]


def test_invites_bind_staff_and_members_get_console_logins_that_follow_their_line_role(bot: ChatBot) -> None:
    add_console_user(bot, "admin")
    admin = logged_in(bot, "admin")
    admin.get("/members")
    no_unit = admin.post("/members/invite", {"role": "head"})
    assert no_unit.status_code == 400 and "ต้องเลือกหน่วยงาน" in error_of(no_unit)
    with bot.services.uow() as uow:
        finance_id = uow.people.find_unit(bot.org_id, "กองคลัง").id  # type: ignore[union-attr]
    made = admin.post("/members/invite", {"role": "head", "unit": str(finance_id), "note": "ผอ.กองคลัง"})
    code = re.search(r"ITA-[A-Z0-9]{4}-[A-Z0-9]{4}", made.text).group(0)  # type: ignore[union-attr]
    assert "หน่วยงาน: กองคลัง" in made.text
    assert "ผูกบัญชีเรียบร้อย" in say(bot, NEWCOMER, code)["text"]
    [invite_entry] = audit(bot, "invite.")
    assert code not in json.dumps(invite_entry.detail, ensure_ascii=False)
    page = admin.get("/members")
    with bot.services.uow() as uow:
        member_id = uow.people.member(bot.org_id, NEWCOMER).id  # type: ignore[union-attr]
    assert f'data-member="{member_id}"' in page.text and NEWCOMER not in page.text  # pseudonyms, not LINE ids
    weak = admin.post(f"/members/{member_id}/login", {"username": "finance", "password": "short", "again": "short"})
    assert weak.status_code == 400 and "อย่างน้อย 10 ตัวอักษร" in error_of(weak)
    created = admin.post(f"/members/{member_id}/login",
                         {"username": "Finance", "password": "กองคลัง-2568-ok", "again": "กองคลัง-2568-ok"})
    assert any("สร้างบัญชีเข้าใช้เว็บ \"finance\"" in f for f in flashes(created))
    twice = admin.post(f"/members/{member_id}/login",
                       {"username": "finance", "password": "กองคลัง-2568-ok", "again": "กองคลัง-2568-ok"})
    assert twice.status_code == 400 and "มีอยู่แล้ว" in error_of(twice)
    head = logged_in(bot, "finance", "กองคลัง-2568-ok")
    assert "ภาพรวม · กองคลัง" in head.get("/dashboard").text
    admin.get("/members")
    revoked = admin.post(f"/members/{member_id}/revoke")
    assert any(f"ยกเลิกการผูกบัญชีสมาชิกหมายเลข {member_id}" in f for f in flashes(revoked))
    assert "/console/login" in head.get("/dashboard").url  # the login followed the LINE role away
    with bot.services.uow() as uow:
        assert uow.people.member(bot.org_id, NEWCOMER).role == "citizen"  # type: ignore[union-attr]
    assert [e.action for e in audit(bot, "member.")] == ["member.revoke"]


def test_an_admin_closes_a_login_and_its_sessions_end(bot: ChatBot) -> None:
    add_console_user(bot, "admin")
    deputy_id = add_console_user(bot, "deputy")
    admin, deputy = logged_in(bot, "admin"), logged_in(bot, "deputy")
    admin.get("/members")
    with bot.services.uow() as uow:
        admin_id = uow.console_users.by_username(bot.org_id, "admin").id  # type: ignore[union-attr]
    myself = admin.post(f"/logins/{admin_id}/deactivate")
    assert myself.status_code == 400 and "ของตัวเองไม่ได้" in error_of(myself)
    admin.post(f"/logins/{deputy_id}/deactivate")
    assert "/console/login" in deputy.get("/dashboard").url
    assert Console(bot).login("deputy").status_code == 401
    admin.post(f"/logins/{deputy_id}/activate")
    reset = admin.post(f"/logins/{deputy_id}/password", {"password": "ใหม่-ยาวพอแล้ว-1", "again": "ใหม่-ยาวพอแล้ว-1"})
    assert any("ตั้งรหัสผ่านใหม่ให้ \"deputy\"" in f for f in flashes(reset))
    logged_in(bot, "deputy", "ใหม่-ยาวพอแล้ว-1")
    assert [e.action for e in audit(bot, "console_user.")] == [
        "console_user.deactivate", "console_user.activate", "console_user.password"]


def test_rounds_and_reminder_settings_are_the_schedule_settings(bot: ChatBot) -> None:
    add_console_user(bot, "admin")
    load_plan(bot.services.uow, bot.org_id, small_plan())
    admin = logged_in(bot, "admin")
    page = admin.get("/settings")
    assert 'value="7,3,1"' in page.text and "รอบ 6 เดือน" in page.text
    saved = admin.post("/settings/reminders", {
        "days_before": "5, 2", "on_due_day": "1", "overdue_every_days": "2", "overdue_max": "4",
        "escalate_after_days": "10", "escalate_to_admins": "1", "work_start": "08:30", "work_end": "16:30",
        "summary_weekday": "4", "summary_time": "09:15"})
    assert any("บันทึกการตั้งค่าการแจ้งเตือนแล้ว" in f for f in flashes(saved))
    shown = json.loads(run_cli(bot, "reminders", "show", "--json"))
    assert shown["days_before"] == [5, 2] and shown["overdue_every_days"] == 2 and shown["overdue_max"] == 4
    assert shown["escalate_to_admins"] is True and shown["work_end"] == "16:30" and shown["summary_weekday"] == 4
    backwards = admin.post("/settings/reminders", {"days_before": "3", "overdue_every_days": "2", "overdue_max": "4",
                                                   "escalate_after_days": "10", "work_start": "18:00",
                                                   "work_end": "08:00", "summary_weekday": "0",
                                                   "summary_time": "08:30"})
    assert backwards.status_code == 400 and "ส่งได้ถึง" in error_of(backwards)
    assert json.loads(run_cli(bot, "reminders", "show", "--json"))["work_end"] == "16:30"
    rounds = admin.post("/settings/rounds", {"scheme": "quarterly", "due_days": "10"}, form_page="/settings")
    assert any("รายไตรมาส" in f and "10 วัน" in f for f in flashes(rounds))
    with bot.services.uow() as uow:
        assert [r.months for r in uow.plans.rounds(bot.org_id, this_fiscal_year())] == [3, 6, 9, 12]
        assert uow.schedule.settings(bot.org_id).round_due_days == 10
    assert "ไตรมาส 3 (เม.ย.–มิ.ย.)" in page_text(rounds)  # a round names the months it covers
    assert [e.action for e in audit(bot, "settings.")] == ["settings.reminders", "settings.rounds"]


def test_reports_download_as_the_report_service_makes_them(bot: ChatBot) -> None:
    add_console_user(bot, "admin")
    load_plan(bot.services.uow, bot.org_id, small_plan())
    bind(bot, HEAD, "head", "สำนักปลัด")
    for said in ("รายงาน ม.1 มีปัญหา 20% ติดขั้นตอนจัดซื้อ", "ผู้ขายไม่ยื่นเสนอราคา", "ยืนยัน"):
        say(bot, HEAD, said)
    admin = logged_in(bot, "admin")
    year = this_fiscal_year()
    page = admin.get("/reports")
    assert f'<option value="{year}-6">' in page.text and f'<option value="{year}">{year}</option>' in page.text
    csv_file = admin.get(f"/reports/progress?round={year}-6&format=csv")
    assert csv_file.status_code == 200 and csv_file.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="ita-progress-{year}-r6.csv"' in csv_file.headers["Content-Disposition"]
    with bot.services.uow() as uow:
        assert csv_file.content == render_progress_report(uow, bot.org_id, year, 6, "csv")
    assert "ติดขั้นตอนจัดซื้อ" in csv_file.content.decode("utf-8-sig")
    workbook = load_workbook(io.BytesIO(admin.get(f"/reports/progress?round={year}-6&format=xlsx").content))
    assert any("ติดขั้นตอนจัดซื้อ" in str(cell.value) for sheet in workbook for row in sheet.iter_rows() for cell in row)
    stats = admin.get(f"/reports/complaints?year={year}&format=docx")
    assert stats.status_code == 200 and "สถิติเรื่องร้องเรียน" in "\n".join(
        p.text for p in Document(io.BytesIO(stats.content)).paragraphs)
    assert admin.get(f"/reports/complaints?year={year}&format=csv").status_code == 400
    missing = admin.get(f"/reports/progress?round={year - 5}-6&format=docx")
    assert missing.status_code == 404 and "ไม่พบข้อมูลของรายงานนี้" in error_of(missing)
    assert [(e.target, e.detail) for e in audit(bot, "report.")] == [
        (f"report:progress:{year}", {"round": 6, "format": "csv"}),
        (f"report:progress:{year}", {"round": 6, "format": "xlsx"}),
        (f"report:complaints:{year}", {"round": None, "format": "docx"})]


def test_the_dashboard_shows_the_numbers_of_the_line_summary(bot: ChatBot) -> None:
    load_plan(bot.services.uow, bot.org_id, small_plan())  # ม.1 สำนักปลัด, ม.2 every unit, ม.3 กองคลัง
    bind(bot, HEAD, "head", "สำนักปลัด")
    bind(bot, FINANCE, "head", "กองคลัง")
    bind(bot, ADMIN, "admin")
    for said in ("รายงาน ม.1 มีปัญหา 20% ติดขั้นตอนจัดซื้อ", "ผู้ขายไม่ยื่นเสนอราคา", "ยืนยัน"):
        say(bot, HEAD, said)
    say(bot, HEAD, "รายงาน ม.2 เสร็จแล้ว 100% ชี้แจงบุคลากรแล้ว")
    say(bot, HEAD, "ยืนยัน")
    line_summary = say(bot, ADMIN, "สรุป")["altText"]
    reported, expected = re.search(r"รายงานแล้ว (\d+)/(\d+)", line_summary).groups()  # type: ignore[union-attr]
    add_console_user(bot, "admin")
    add_console_user(bot, "head", "head", HEAD)
    dashboard = page_text(logged_in(bot, "admin").get("/dashboard"))
    assert f"<b>{reported}/{expected}</b>รายงานแล้ว" in dashboard
    assert re.search(r'id="stat-done"><b>1</b>', dashboard) and re.search(r'id="stat-problem"><b>1</b>', dashboard)
    finance_row = re.search(r'<tr data-unit="กองคลัง">.*?</tr>', dashboard, re.S).group(0)  # type: ignore[union-attr]
    assert "0/2" in finance_row and "ยังไม่ส่งรายงานในรอบนี้" in finance_row
    office_row = re.search(r'<tr data-unit="สำนักปลัดเทศบาล">.*?</tr>', dashboard, re.S).group(0)  # type: ignore[union-attr]
    assert "2/2" in office_row and "ยังไม่ส่งรายงาน" not in office_row
    assert "ม.1" in dashboard or 'id="m1"' in dashboard
    own = page_text(logged_in(bot, "head").get("/dashboard"))
    assert 'id="m1"' in own and 'id="m2"' in own and 'id="m3"' not in own  # ม.3 is กองคลัง's
    assert "มีปัญหา-อุปสรรค" in own and "กองคลัง" not in own and "จำนวนเท่านั้น" not in own
    assert fiscal_year_of(utcnow().date()) >= this_fiscal_year() - 1
    # The year's other round, chosen above the dashboard: nothing reported for it yet.
    [current] = re.findall(r'data-months="(\d+)">[^<]*\(รอบปัจจุบัน\)', dashboard)
    other = next(m for m in re.findall(r'data-months="(\d+)"', dashboard) if m != current)
    later = page_text(logged_in(bot, "admin").get(f"/dashboard?round={other}"))
    assert f"<b>0/{expected}</b>รายงานแล้ว" in later and re.search(rf"รอบ {other} เดือน[^<]*</h2>", later)
    for odd in ("7", "abc"):  # not a round of the year: the current one
        assert f"<b>{reported}/{expected}</b>รายงานแล้ว" in page_text(logged_in(bot, "admin").get(f"/dashboard?round={odd}"))


def test_the_audit_log_pages_and_filters(bot: ChatBot) -> None:
    add_console_user(bot, "admin")
    admin = logged_in(bot, "admin")
    for name in (f"กองทดสอบ{i}" for i in range(55)):
        admin.post("/units/add", {"name": name})
    first = admin.get("/audit")
    assert "56 รายการ · หน้า 1/2" in first.text and first.text.count('data-action="unit.add"') == 50
    second = admin.get("/audit?page=2")
    assert 'data-action="login.ok"' in second.text
    logins = admin.get("/audit?kind=login")
    assert "1 รายการ" in logins.text and 'data-action="unit.add"' not in logins.text
    assert admin.get("/audit?kind=nonsense&page=x").status_code == 200
