"""Isolation between organisations as a tested property (#18): two organisations A and B in one database,
and every surface tried across the boundary must refuse or show nothing — LINE conversations (follow-up by
another organisation's code, officers' cases, report flow with the other's measure ids, invites, report
requests and the admin summary), complaint routing, reminders and weekly summaries, console pages and POSTs,
public pages and signed report links. In process (tests/support/inprocess.py); the console and the public
pages through Flask's test client. The two organisations are built once per module and each test gets its
own copy of them (tests/support/snapshot.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from bot.config import Settings
from bot.report_links import report_links
from domain.passwords import hash_password
from domain.reports.links import ReportFormat, ReportKind, ReportTicket
from storage.clock import utcnow
from storage.complaint_models import Complaint, ComplaintEntry
from storage.models import Member, Unit
from storage.plan_models import Measure, ProgressReport
from storage.tenancy import OPERATOR_SCOPE, org_scope
from tests.conftest import fresh_database, make_env
from tests.support.botcli import bind, invite
from tests.support.chat import pushes_to, say
from tests.support.complaints import Receipt, file_complaint
from tests.support.inprocess import UNREACHABLE_LINE, ChatBot, InProcessPlatform
from tests.support.orgs import ClientConsole, add_organisation, bind_in, in_org
from tests.support.plans import load_plan, measure, this_fiscal_year
from tests.support.snapshot import DatabaseSnapshot, copy_platform_state
from texts import chat as chat_texts
from usecases.reminder_run import run_reminders
from usecases.weekly_summary_run import send_weekly_summaries

BKK = ZoneInfo("Asia/Bangkok")
PASSWORD = "ทดสอบ-รหัสผ่าน-2568"
HEAD_A, OFFICER_A, ADMIN_A, CITIZEN_A = ("U" + c * 32 for c in "1234")
HEAD_B, OFFICER_B, ADMIN_B, CITIZEN_B = ("U" + c * 32 for c in "5678")
TITLE_A = "มาตรการเผยแพร่ข้อมูลต่อสาธารณะของเทศบาลเอ"
TITLE_B = "มาตรการลดขั้นตอนการอนุญาตของเทศบาลบี"
DETAILS_A = "เจ้าหน้าที่เรียกเงินใต้โต๊ะ 3,000 บาท ที่เทศบาลเอ"
DETAILS_B = "มีการฮั้วประมูลถนนสายหลัก ที่เทศบาลบี"


@dataclass
class TwoOrgs:
    bot: ChatBot
    a: int
    b: int
    receipt_a: Receipt
    receipt_b: Receipt

    def complaint(self, org_id: int) -> Complaint:
        with self.bot.services.uow() as uow:
            [found] = uow.session.scalars(select(Complaint).where(Complaint.org_id == org_id))
            return found

    def measure(self, org_id: int, fiscal_year: int | None = None) -> Measure:
        with self.bot.services.uow() as uow:
            plan = uow.plans.plan_for_year(org_id, fiscal_year or this_fiscal_year())
            assert plan is not None
            return uow.plans.measures(plan.id)[0]

    def unit(self, org_id: int, name: str = "สำนักปลัดเทศบาล") -> Unit:
        with self.bot.services.uow() as uow:
            unit = uow.people.find_unit(org_id, name)
            assert unit is not None
            return unit

    def member(self, org_id: int, user: str) -> Member:
        with self.bot.services.uow() as uow:
            member = uow.people.member(org_id, user)
            assert member is not None
            return member


def plan_of(title: str, year: int) -> list[Any]:
    return [measure(title, ["สำนักปลัดเทศบาล"], fiscal_year_be=year),
            measure(title + " (ทุกกอง)", [], all_units=True, fiscal_year_be=year, issue_no=2)]


def build_two_orgs(bot: ChatBot) -> TwoOrgs:
    a = bot.org_id
    b = add_organisation(bot, "tambon-b", "เทศบาลตำบลบี")
    for org_id, title in ((a, TITLE_A), (b, TITLE_B)):
        for year in (this_fiscal_year(), 2567):
            load_plan(bot.services.uow, org_id, plan_of(title, year), year)
    bind(bot, HEAD_A, "head", "สำนักปลัด", org=bot.services.settings.org_slug)
    bind(bot, OFFICER_A, "officer", org=bot.services.settings.org_slug)
    bind(bot, ADMIN_A, "admin", org=bot.services.settings.org_slug)
    bind_in(bot, b, HEAD_B, "head", "สำนักปลัดเทศบาล")
    bind_in(bot, b, OFFICER_B, "officer")
    bind_in(bot, b, ADMIN_B, "admin")
    receipt_a = file_complaint(bot, CITIZEN_A, details=(DETAILS_A,))
    with in_org(bot, b):
        receipt_b = file_complaint(bot, CITIZEN_B, details=(DETAILS_B,))
    return TwoOrgs(bot, a, b, receipt_a, receipt_b)


@dataclass(frozen=True)
class World:
    """The two organisations as built once: the database's rows and the fake platform's records."""

    orgs: TwoOrgs
    rows: DatabaseSnapshot
    platform: Any  # linesim.state.PlatformState


@pytest.fixture(scope="module")
def world(migrated_template: str, tmp_path_factory: pytest.TempPathFactory) -> World:
    """Built once per module (and per pytest-xdist process that runs some of its tests), in process, on a
    database of its own; each test then starts from a copy (`orgs`)."""
    directory = tmp_path_factory.mktemp("two-orgs")
    url = fresh_database(migrated_template, directory)
    bot = ChatBot.build(Settings.from_env(make_env(url, UNREACHABLE_LINE, directory)))
    try:
        built = build_two_orgs(bot)
        owner_url = migrated_template if migrated_template.startswith("postgresql") else url
        return World(built, DatabaseSnapshot.take(owner_url), copy_platform_state(bot.fake.state))
    finally:
        bot.stop()


@pytest.fixture
def orgs(world: World, superuser_database_url: str, start_chat_bot: Callable[..., ChatBot]) -> TwoOrgs:
    """The two organisations, in this test's own database and fake platform, as `world` left them."""
    world.rows.restore(superuser_database_url)
    platform = InProcessPlatform(lambda events_: None)  # the bot stores its own events (ChatBot.build)
    platform.state = copy_platform_state(world.platform)
    bot = start_chat_bot(platform)
    return replace(world.orgs, bot=bot)


def texts_to(bot: ChatBot, user: str) -> str:
    return "\n".join(str(m) for m in bot.fake.messages_to(user))


# ----- LINE conversations ------------------------------------------------------------------------------

def test_follow_up_and_reply_by_another_organisations_code_find_nothing(orgs: TwoOrgs) -> None:
    bot = orgs.bot
    entries_before = _entries(bot)
    # B's receipt (code and PIN) typed in A's chat, by anyone (B's own complainant too): not found, nothing
    # added (few tries each: wrong codes are limited per hour)
    for user in (CITIZEN_A, CITIZEN_B):
        assert say(bot, user, orgs.receipt_b.follow_up)["text"] == chat_texts.COMPLAINT_NOT_FOUND
    answer = say(bot, HEAD_A, f"ตอบ {orgs.receipt_b.code} {orgs.receipt_b.pin} มีหลักฐานเพิ่มครับ")["text"]
    assert answer == chat_texts.COMPLAINT_NOT_FOUND
    assert DETAILS_B not in texts_to(bot, CITIZEN_A) + texts_to(bot, HEAD_A)
    with in_org(bot, orgs.b):  # and A's in B's
        assert say(bot, OFFICER_B, orgs.receipt_a.follow_up)["text"] == chat_texts.COMPLAINT_NOT_FOUND
        assert "สถานะ" in say(bot, CITIZEN_B, orgs.receipt_b.follow_up)["text"]  # its own is found there
    assert _entries(bot) == entries_before
    assert "สถานะ" in say(bot, CITIZEN_A, orgs.receipt_a.follow_up)["text"]


def _entries(bot: ChatBot) -> list[tuple[int, str]]:
    with bot.services.uow() as uow:
        return [(e.complaint_id, e.kind) for e in uow.session.scalars(select(ComplaintEntry).order_by(ComplaintEntry.id))]


def test_officers_list_and_open_only_their_own_organisations_cases(orgs: TwoOrgs) -> None:
    bot = orgs.bot
    case_a, case_b = orgs.complaint(orgs.a).id, orgs.complaint(orgs.b).id
    listing_a = say(bot, OFFICER_A, "เรื่องร้องเรียน")["text"]
    assert f"#{case_a} " in listing_a and f"#{case_b} " not in listing_a
    refused = chat_texts.COMPLAINT_CASE_NOT_FOUND.format(id=case_b)
    assert say(bot, OFFICER_A, f"เปิด {case_b}")["text"].startswith(refused.split("{")[0][:20])
    assert DETAILS_B not in texts_to(bot, OFFICER_A)
    with in_org(bot, orgs.b):
        listing_b = say(bot, OFFICER_B, "เรื่องร้องเรียน")["text"]
        assert f"#{case_b} " in listing_b and f"#{case_a} " not in listing_b
        say(bot, OFFICER_B, f"เปิด {case_a}")
        assert chat_texts.COMPLAINT_CASE_NOT_FOUND.format(id=case_a) in bot.texts_to(OFFICER_B)[-1]
        # an officer of A is nobody in B: the officers' words get no case list
        say(bot, OFFICER_A, "เรื่องร้องเรียน")
        assert f"#{case_b} " not in bot.texts_to(OFFICER_A)[-1]
    assert DETAILS_A not in texts_to(bot, OFFICER_B)
    with bot.services.uow() as uow:  # nobody of A was assigned B's case
        assert uow.complaints.get(orgs.b, case_b).assigned_member_id is None  # type: ignore[union-attr]
        assert uow.complaints.get(orgs.a, case_b) is None and uow.complaints.get(orgs.b, case_a) is None


def test_complaints_are_routed_only_to_their_own_organisations_officers(orgs: TwoOrgs) -> None:
    bot = orgs.bot
    told_a = [p for p in pushes_to(bot, OFFICER_A) if "เรื่องร้องเรียนใหม่" in p or "ร้องเรียน" in p]
    told_b = [p for p in pushes_to(bot, OFFICER_B) if "เรื่องร้องเรียนใหม่" in p or "ร้องเรียน" in p]
    assert len(told_a) == 1 and len(told_b) == 1, (told_a, told_b)
    assert f"#{orgs.complaint(orgs.a).id}" in told_a[0] and f"#{orgs.complaint(orgs.b).id}" in told_b[0]
    for user in (HEAD_A, ADMIN_A, HEAD_B, ADMIN_B):  # with officers bound, admins and heads hear nothing
        assert not [p for p in pushes_to(bot, user) if "ร้องเรียน" in p]


def test_a_head_cannot_report_on_another_organisations_measure(orgs: TwoOrgs) -> None:
    bot = orgs.bot
    theirs = orgs.measure(orgs.b)
    before = _reports(bot)
    assert say(bot, HEAD_A, "รายงาน").get("altText") is not None
    carousel = texts_to(bot, HEAD_A)
    assert TITLE_A in carousel and TITLE_B not in carousel
    assert say(bot, HEAD_A, "ยกเลิก")
    # B's measure id tapped (a forged postback), inside the flow and from a reminder's button
    say(bot, HEAD_A, "รายงาน")
    assert bot.tap(HEAD_A, f"report:pick:{theirs.id}")["text"] == chat_texts.REPORT_MEASURE_GONE
    say(bot, HEAD_A, "ยกเลิก")
    assert bot.tap(HEAD_A, f"report:pick:{theirs.id}")["text"] == chat_texts.REPORT_MEASURE_GONE
    # the shortcut by number reports A's own measure 1, never B's
    say(bot, HEAD_A, "รายงาน ม.1 เสร็จแล้ว 100% จัดประชุมชี้แจงแล้ว")
    say(bot, HEAD_A, "ยืนยัน")
    with in_org(bot, orgs.b):  # B's head, in B, with A's measure id
        ours = orgs.measure(orgs.a)
        assert bot.tap(HEAD_B, f"report:pick:{ours.id}")["text"] == chat_texts.REPORT_MEASURE_GONE
        assert TITLE_A not in texts_to(bot, HEAD_B)
    added = [r for r in _reports(bot) if r not in before]
    assert all(org == orgs.a and measure_id == orgs.measure(orgs.a).id for org, measure_id in added), added


def _reports(bot: ChatBot) -> list[tuple[int, int]]:
    with bot.services.uow() as uow:
        return [(r.org_id, r.measure_id) for r in uow.session.scalars(select(ProgressReport).order_by(ProgressReport.id))]


def test_an_invite_of_one_organisation_binds_nobody_in_another(orgs: TwoOrgs) -> None:
    bot = orgs.bot
    code = invite(bot, "--role", "admin", "--org", bot.services.settings.org_slug)  # A's invite, typed in B's chat
    newcomer = "U" + "9" * 32
    with in_org(bot, orgs.b):
        answer = say(bot, newcomer, code)["text"]
    assert "ผูกบัญชีเรียบร้อย" not in answer
    with bot.services.uow() as uow:
        member = uow.people.member(orgs.b, newcomer)
        assert member is None or member.role == "citizen"
        assert uow.people.member(orgs.a, newcomer) is None
    assert "ผูกบัญชีเรียบร้อย" in say(bot, newcomer, code)["text"]  # in A it works


def test_summary_and_report_links_carry_only_their_own_organisation(orgs: TwoOrgs) -> None:
    bot = orgs.bot
    summary_a = str(say(bot, ADMIN_A, "สรุป"))
    assert TITLE_B not in summary_a
    with in_org(bot, orgs.b):
        summary_b = str(say(bot, ADMIN_B, "สรุป"))
        assert TITLE_A not in summary_b
    # a signed link made for A opens A's report; the same ticket for B is B's; a token altered to name
    # the other organisation is refused
    signer = report_links(bot.services.settings).signer
    year, expiry = this_fiscal_year(), utcnow() + timedelta(days=1)
    tokens = {org: signer.sign(ReportTicket(org, ReportKind.PROGRESS, year, 6, ReportFormat.XLSX), expiry)
              for org in (orgs.a, orgs.b)}
    for org, mine, other in ((orgs.a, TITLE_A, TITLE_B), (orgs.b, TITLE_B, TITLE_A)):
        response = bot.http.get(f"/reports/{tokens[org]}")
        assert response.status_code == 200
        text = _xlsx_text(response.data)
        assert mine in text and other not in text
    payload, signature = tokens[orgs.a].split(".")
    forged_payload = _swap_org(payload, orgs.a, orgs.b)
    assert bot.http.get(f"/reports/{forged_payload}.{signature}").status_code == 404


def _xlsx_text(data: bytes) -> str:
    import io

    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(data))
    return "\n".join(str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row
                     if c is not None)


def _swap_org(payload: str, old: int, new: int) -> str:
    import base64
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode("ascii")
    parts = raw.split("|")
    assert parts[1] == str(old)
    parts[1] = str(new)
    return base64.urlsafe_b64encode("|".join(parts).encode("ascii")).decode("ascii").rstrip("=")


# ----- public pages ------------------------------------------------------------------------------------

def test_public_pages_show_each_organisation_only_its_own(orgs: TwoOrgs) -> None:
    http = orgs.bot.http
    year = this_fiscal_year()
    with orgs.bot.services.uow() as uow:
        slug_a = uow.people.organisation_by_id(orgs.a).slug  # type: ignore[union-attr]
    for slug, mine, other in ((slug_a, TITLE_A, TITLE_B), ("tambon-b", TITLE_B, TITLE_A)):
        page = http.get(f"/public/{slug}/progress/{year}")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert mine in text and other not in text
        complaints = http.get(f"/public/{slug}/complaints/{year}").get_data(as_text=True)
        assert DETAILS_A not in complaints and DETAILS_B not in complaints
    assert http.get(f"/public/no-such-org/progress/{year}").status_code == 404


# ----- reminders and weekly summaries ------------------------------------------------------------------

def test_reminders_and_weekly_summaries_go_to_each_organisations_own_people(orgs: TwoOrgs) -> None:
    bot = orgs.bot
    bot.fake.reset()
    for moment in (datetime(2024, 4, 1, 9, 0, tzinfo=BKK), datetime(2024, 4, 22, 8, 40, tzinfo=BKK)):
        with time_machine.travel(moment, tick=False):
            run_reminders(bot.services.uow, moment)
            send_weekly_summaries(bot.services.uow, bot.services.complaints.policy, moment)
            bot.worker_pass()
            bot.deliver()
    for head, mine, other in ((HEAD_A, TITLE_A, TITLE_B), (HEAD_B, TITLE_B, TITLE_A)):
        pushed = "\n".join(str(d.messages) for d in bot.fake.deliveries("push", head))
        assert mine in pushed and other not in pushed, head
    for admin, mine, other in ((ADMIN_A, "เทศบาลทดสอบ", "เทศบาลตำบลบี"), (ADMIN_B, "เทศบาลตำบลบี", "เทศบาลทดสอบ")):
        summaries = [str(d.messages) for d in bot.fake.deliveries("push", admin) if "สรุปประจำสัปดาห์" in str(d.messages)]
        assert len(summaries) == 2, admin  # the weeks of 1 and of 22 April
        assert all(mine in s and other not in s for s in summaries), admin
    for user in (OFFICER_A, OFFICER_B, CITIZEN_A, CITIZEN_B):  # nobody else is pushed a reminder
        assert not [d for d in bot.fake.deliveries("push", user) if TITLE_A in str(d.messages) or TITLE_B in str(d.messages)]


# ----- the console -------------------------------------------------------------------------------------

def console_user(bot: ChatBot, org_id: int, username: str, role: str = "admin", member: str | None = None) -> int:
    with bot.services.uow() as uow:
        member_id = uow.people.member(org_id, member).id if member else None  # type: ignore[union-attr]
        user = uow.console_users.create(org_id, username, hash_password(PASSWORD), role, utcnow(), member_id=member_id)
        uow.commit()
        return user.id


def test_the_console_of_one_organisation_refuses_every_id_of_another(orgs: TwoOrgs) -> None:
    bot = orgs.bot
    console_user(bot, orgs.a, "admin-a")
    console_user(bot, orgs.a, "officer-a", "officer", OFFICER_A)
    b_login = console_user(bot, orgs.b, "admin-b")
    console_user(bot, orgs.b, "officer-b", "officer", OFFICER_B)
    # B's logins do not open A's console (the deployment's console is A's)
    refused = ClientConsole(bot.app).post("/login", {"username": "admin-b", "password": PASSWORD},
                                          form_page="/login")
    assert refused.status_code == 401
    admin = ClientConsole(bot.app)
    admin.login("admin-a", PASSWORD)
    unit_b, head_b = orgs.unit(orgs.b), orgs.member(orgs.b, HEAD_B)
    unit_a = orgs.unit(orgs.a, "กองคลัง")
    attempts = [
        (f"/units/{unit_b.id}/rename", {"name": "กองที่ถูกแก้"}, "/units"),
        ("/units/merge", {"source": str(unit_b.id), "target": str(unit_a.id)}, "/units"),
        ("/units/merge", {"source": str(unit_a.id), "target": str(unit_b.id)}, "/units"),
        (f"/members/{head_b.id}/revoke", {}, "/members"),
        (f"/members/{head_b.id}/login", {"username": "stolen", "password": PASSWORD, "again": PASSWORD}, "/members"),
        ("/members/invite", {"role": "head", "unit": str(unit_b.id)}, "/members"),
        (f"/logins/{b_login}/unlock", {}, "/members"),
        (f"/logins/{b_login}/deactivate", {}, "/members"),
        (f"/logins/{b_login}/password", {"password": "ใหม่-รหัสผ่าน-2568", "again": "ใหม่-รหัสผ่าน-2568"}, "/members"),
    ]
    for path, data, page in attempts:
        response = admin.post(path, data, form_page=page)
        assert 400 <= response.status_code < 500, (path, response.status_code)
    # the same forms with A's own ids work (the refusals above are not a form or CSRF problem)
    renamed = admin.post(f"/units/{unit_a.id}/rename", {"name": "กองคลังและพัสดุ"}, form_page="/units")
    assert renamed.status_code == 200 and orgs.unit(orgs.a, "กองคลังและพัสดุ").id == unit_a.id
    head_a = orgs.member(orgs.a, HEAD_A)
    assert admin.post(f"/members/{head_a.id}/revoke", {}, form_page="/members").status_code == 200
    assert orgs.member(orgs.a, HEAD_A).role == "citizen"
    for path in ("/dashboard", "/units", "/members", "/plan", "/reports", "/settings", "/audit"):
        page_ = admin.get(path)
        assert page_.status_code == 200, path
        text = page_.get_data(as_text=True)
        assert TITLE_B not in text and "เทศบาลตำบลบี" not in text and "admin-b" not in text, path
    officer = ClientConsole(bot.app)
    officer.login("officer-a", PASSWORD)
    case_b = orgs.complaint(orgs.b).id
    listing = officer.get("/complaints").get_data(as_text=True)
    assert DETAILS_B not in listing and f"/complaints/{case_b}\"" not in listing
    assert officer.get(f"/complaints/{case_b}").status_code == 404
    for path, data in ((f"/complaints/{case_b}/take", {}),
                       (f"/complaints/{case_b}/status", {"status": "screening", "note": "x", "from": "received"}),
                       (f"/complaints/{case_b}/message", {"message": "สวัสดีครับ"})):
        assert officer.post(path, data, form_page="/complaints").status_code == 404, path
    case_a = orgs.complaint(orgs.a).id
    assert officer.get(f"/complaints/{case_a}").status_code == 200
    assert officer.post(f"/complaints/{case_a}/take", {}, form_page="/complaints").status_code == 200
    officer_a = orgs.member(orgs.a, OFFICER_A).id
    with bot.services.uow() as uow:
        assert uow.complaints.get(orgs.a, case_a).assigned_member_id == officer_a  # type: ignore[union-attr]
    # nothing of B changed
    assert orgs.unit(orgs.b).name == "สำนักปลัดเทศบาล"
    assert orgs.member(orgs.b, HEAD_B).role == "head"
    complaint_b = orgs.complaint(orgs.b)
    assert complaint_b.status == "received" and complaint_b.assigned_member_id is None
    with bot.services.uow() as uow:
        login_b = uow.console_users.get(orgs.b, b_login)
        assert login_b is not None and login_b.active
        assert uow.console_users.by_username(orgs.a, "stolen") is None


def test_an_operator_reads_no_organisations_data_and_staff_reach_no_operator_page(orgs: TwoOrgs) -> None:
    """The deployment's operator (#18) is the hosting vendor: every page and POST of an organisation's data is
    403 to it, whichever organisation; an organisation's administrator gets 403 on every operator page."""
    bot = orgs.bot
    with org_scope(OPERATOR_SCOPE), bot.services.uow() as uow:
        uow.console_users.create(None, "vendor", hash_password(PASSWORD), "operator", utcnow())
        uow.commit()
    vendor = ClientConsole(bot.app)
    landed = vendor.post("/operator/login", {"username": "vendor", "password": PASSWORD}, form_page="/operator/login")
    assert landed.request.path == "/console/operator/orgs"
    case_a, case_b = orgs.complaint(orgs.a).id, orgs.complaint(orgs.b).id
    unit_a = orgs.unit(orgs.a, "กองคลัง")
    for path in ("/dashboard", "/units", "/members", "/plan", "/reports", "/settings", "/audit", "/complaints",
                 f"/complaints/{case_a}", f"/complaints/{case_b}", "/reports/progress", "/reports/complaints"):
        page = vendor.get(path)
        text = page.get_data(as_text=True)
        assert page.status_code == 403, (path, page.status_code)
        assert DETAILS_A not in text and DETAILS_B not in text and TITLE_A not in text, path
    for path, data in ((f"/complaints/{case_a}/take", {}), (f"/units/{unit_a.id}/rename", {"name": "ถูกแก้"}),
                       ("/members/invite", {"role": "admin"}), ("/settings/reminders", {"days_before": "1"})):
        assert vendor.post(path, data, form_page="/operator/orgs").status_code == 403, path
    assert orgs.unit(orgs.a, "กองคลัง").id == unit_a.id and orgs.complaint(orgs.a).assigned_member_id is None
    console_user(bot, orgs.a, "admin-a")
    admin = ClientConsole(bot.app)
    admin.login("admin-a", PASSWORD)
    assert admin.get("/operator/orgs").status_code == 403 and admin.get("/operator/audit").status_code == 403
    for path, data in (("/operator/orgs", {"slug": "evil", "name": "x", "channel_secret": "s", "access_token": "t"}),
                       ("/operator/orgs/tambon-b/disable", {}), ("/operator/orgs/tambon-b/enable", {}),
                       ("/operator/orgs/tambon-b/credentials", {"channel_secret": "s", "access_token": "t"}),
                       ("/operator/orgs/tambon-b/admin", {"admin_username": "evil-admin", "admin_password": PASSWORD,
                                                          "admin_again": PASSWORD})):
        assert admin.post(path, data, form_page="/dashboard").status_code == 403, path
    with bot.services.uow() as uow:
        assert uow.people.organisation("evil") is None
        org_b = uow.people.organisation("tambon-b")
        assert org_b is not None and org_b.disabled_at is None
        assert uow.console_users.by_username(orgs.b, "evil-admin") is None
    # nor does an administrator's password open the operators' page
    assert ClientConsole(bot.app).post("/operator/login", {"username": "admin-a", "password": PASSWORD},
                                       form_page="/operator/login").status_code == 401
