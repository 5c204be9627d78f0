"""The console's operators (#18): the hosting vendor, bound to no organisation. Made by `itabot operator
add`; at /console/operator/login they list organisations, add one with its LINE credentials (sealed, never
shown back or logged) and its first administrator, replace credentials, disable one — and read nothing of
any organisation. The staff of an organisation added so log in to it by its slug. In process, on SQLite and
PostgreSQL (row-level security: an operator's scope shows no organisation's rows)."""

from __future__ import annotations

import logging

import pytest
from click.testing import CliRunner, Result
from flask.cli import ScriptInfo
from sqlalchemy import select

from bot.cli.main import cli
from storage.complaint_models import Complaint
from storage.console_models import AuditEntry, ConsoleUser
from storage.models import Member, Organisation, Unit
from storage.org_models import OrgCredentials
from storage.tenancy import OPERATOR_SCOPE, org_scope
from tests.support.inprocess import ChatBot
from tests.support.orgs import ClientConsole
from usecases.organisations import open_credentials

PASSWORD = "ผู้ให้บริการ-รหัส-2568"
ADMIN_PASSWORD = "ผู้ดูแล-เทศบาลซี-2568"
SECRET_C = "c-channel-secret-0123456789abcdef"
TOKEN_C = "c-long-lived-token-ZYXWVUTSRQPONMLK"


def itabot(bot: ChatBot, *args: str, input: str | None = None, expect_exit: int = 0) -> Result:
    result = CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: bot.app), input=input,
                                catch_exceptions=False)
    assert result.exit_code == expect_exit, result.output
    return result


def operator(bot: ChatBot, username: str = "vendor") -> ClientConsole:
    itabot(bot, "operator", "add", username, "--password-stdin", input=f"{PASSWORD}\n")
    client = ClientConsole(bot.app)
    response = client.post("/operator/login", {"username": username, "password": PASSWORD},
                           form_page="/operator/login")
    assert response.status_code == 200 and response.request.path == "/console/operator/orgs", \
        response.get_data(as_text=True)[:1000]
    return client


NEW_ORG = {"slug": "tambon-c", "name": "เทศบาลตำบลซี", "timezone": "Asia/Bangkok", "channel_secret": SECRET_C,
           "access_token": TOKEN_C, "admin_username": "admin-c", "admin_password": ADMIN_PASSWORD,
           "admin_again": ADMIN_PASSWORD}


def org_named(bot: ChatBot, slug: str) -> Organisation | None:
    with bot.services.uow() as uow:
        return uow.people.organisation(slug)


def test_an_operator_is_made_by_the_cli_and_logs_in_on_its_own_page(chat_bot: ChatBot) -> None:
    made = itabot(chat_bot, "operator", "add", "Vendor", "--password-stdin", input=f"{PASSWORD}\n")
    assert "vendor" in made.output and "/console/operator/login" in made.output and PASSWORD not in made.output
    again = itabot(chat_bot, "operator", "add", "vendor", "--password-stdin", input=f"{PASSWORD}\n", expect_exit=1)
    assert "มีผู้ใช้ \"vendor\" อยู่แล้ว" in again.output
    weak = itabot(chat_bot, "operator", "add", "other", "--password-stdin", input="short\n", expect_exit=1)
    assert "other" not in itabot(chat_bot, "operator", "list").output and "รหัสผ่าน" in weak.output
    assert "vendor" in itabot(chat_bot, "operator", "list").output
    with chat_bot.services.uow() as uow:
        [user] = uow.session.scalars(select(ConsoleUser).where(ConsoleUser.username == "vendor"))
        assert user.org_id is None and user.role == "operator"
        [made_entry] = uow.session.scalars(select(AuditEntry).where(AuditEntry.target == f"console_user:{user.id}"))
        assert made_entry.org_id is None and made_entry.channel == "cli"
    # not an organisation's login: the staff login page (any organisation) does not know it
    staff_page = ClientConsole(chat_bot.app).post("/login", {"username": "vendor", "password": PASSWORD},
                                                  form_page="/login")
    assert staff_page.status_code == 401
    client = ClientConsole(chat_bot.app)
    page = client.post("/operator/login", {"username": "vendor", "password": PASSWORD}, form_page="/operator/login")
    assert page.status_code == 200 and page.request.path == "/console/operator/orgs"
    text = page.get_data(as_text=True)
    assert chat_bot.services.settings.org_slug in text and "ไม่เห็นเรื่องร้องเรียน" in text
    assert client.get("/").request.path == "/console/operator/orgs"  # its home
    logged_out = client.post("/logout", {}, form_page="/operator/orgs")
    assert logged_out.request.path == "/console/operator/login"
    assert client.get("/operator/orgs").request.path == "/console/operator/login"


def test_an_operator_adds_an_organisation_its_credentials_and_first_admin(
        chat_bot: ChatBot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = operator(chat_bot)
    added = client.post("/operator/orgs", NEW_ORG, form_page="/operator/orgs")
    text = added.get_data(as_text=True)
    assert added.status_code == 200 and "เพิ่มองค์กร &#34;เทศบาลตำบลซี&#34; (tambon-c) แล้ว" in text, text[text.find("<main>"):][:1500]
    assert "/callback/tambon-c" in text and "admin-c" in text
    org = org_named(chat_bot, "tambon-c")
    assert org is not None and org.name == "เทศบาลตำบลซี" and org.disabled_at is None
    with chat_bot.services.uow() as uow:
        opened = open_credentials(uow, chat_bot.services.credentials_box, org.id)
        assert len(uow.people.units(org.id)) > 0  # the default units, as `itabot org add` makes them
        entries = list(uow.session.scalars(select(AuditEntry).where(AuditEntry.org_id == org.id)))
    assert opened is not None and opened.channel_secret == SECRET_C and opened.access_token == TOKEN_C
    assert {e.action for e in entries} == {"organisation.create", "organisation.first-admin"}
    assert {e.actor_label for e in entries} == {"vendor"}
    # never shown back nor logged
    listing = client.get("/operator/orgs").get_data(as_text=True)
    for secret in (SECRET_C, TOKEN_C, ADMIN_PASSWORD):
        assert secret not in text and secret not in listing and secret not in caplog.text
    # the first administrator logs in to its own organisation by its slug, and sees only it
    admin = ClientConsole(chat_bot.app)
    page = admin.post("/login", {"org": "tambon-c", "username": "admin-c", "password": ADMIN_PASSWORD},
                      form_page="/login")
    assert page.status_code == 200 and page.request.path == "/console/dashboard", page.get_data(as_text=True)[:1000]
    audit = admin.get("/audit").get_data(as_text=True)
    assert "ผู้ให้บริการระบบเพิ่มองค์กร" in audit and "vendor" in audit
    assert admin.get("/operator/orgs").status_code == 403
    # without the slug the same login is the deployment's organisation's, where admin-c is no account
    assert ClientConsole(chat_bot.app).post("/login", {"username": "admin-c", "password": ADMIN_PASSWORD},
                                            form_page="/login").status_code == 401
    # short-lived tokens: the channel id and secret only
    short = {**NEW_ORG, "slug": "tambon-d", "name": "เทศบาลตำบลดี", "access_token": "", "channel_id": "2000000004",
             "admin_username": ""}
    assert client.post("/operator/orgs", short, form_page="/operator/orgs").status_code == 200
    org_d = org_named(chat_bot, "tambon-d")
    assert org_d is not None
    with chat_bot.services.uow() as uow:
        row = uow.session.get(OrgCredentials, org_d.id)
        assert row is not None and row.token_kind == "short_lived" and row.channel_id == "2000000004"


@pytest.mark.parametrize(("change", "message"), [
    ({"slug": "Tambon C!"}, "ใช้ไม่ได้"),
    ({"name": " "}, "กรุณากรอกชื่อองค์กร"),
    ({"timezone": "Mars/Olympus"}, "ไม่รู้จักเขตเวลา"),
    ({"access_token": ""}, "Channel access token"),
    ({"channel_secret": "has space"}, "Channel secret"),
    ({"slug": "default"}, "มีองค์กรรหัส"),
    ({"admin_again": "something-else-2568"}, "ไม่ตรงกัน"),
    ({"admin_username": "x"}, "ชื่อผู้ใช้ต้องยาว"),
])
def test_bad_input_gets_a_thai_answer_and_changes_nothing(chat_bot: ChatBot, change: dict[str, str],
                                                          message: str) -> None:
    client = operator(chat_bot)
    with chat_bot.services.uow() as uow:
        before = len(uow.session.scalars(select(Organisation)).all())
    response = client.post("/operator/orgs", {**NEW_ORG, **change}, form_page="/operator/orgs")
    text = response.get_data(as_text=True)
    assert 400 <= response.status_code < 500 and message in text, (response.status_code, text[:3000])
    assert SECRET_C not in text and TOKEN_C not in text and ADMIN_PASSWORD not in text  # not put back in the form
    with chat_bot.services.uow() as uow:
        assert len(uow.session.scalars(select(Organisation)).all()) == before
        assert uow.console_users.by_username(None, "admin-c") is None


def test_only_the_first_admin_and_every_post_needs_csrf(chat_bot: ChatBot) -> None:
    client = operator(chat_bot)
    bare = {k: v for k, v in NEW_ORG.items() if not k.startswith("admin")}
    assert client.post("/operator/orgs", bare, form_page="/operator/orgs").status_code == 200
    first = {"admin_username": "admin-c", "admin_password": ADMIN_PASSWORD, "admin_again": ADMIN_PASSWORD}
    assert client.post("/operator/orgs/tambon-c/admin", first, form_page="/operator/orgs").status_code == 200
    second = client.post("/operator/orgs/tambon-c/admin", {**first, "admin_username": "vendor-backdoor"},
                         form_page="/operator/orgs")
    assert second.status_code == 409 and "มีผู้ดูแลระบบแล้ว" in second.get_data(as_text=True)
    # the deployment's organisation has its administrator (itabot create-admin): no operator adds another
    slug = chat_bot.services.settings.org_slug
    itabot(chat_bot, "create-admin", "--org", slug, "--username", "admin-a", "--password-stdin",
           input=f"{ADMIN_PASSWORD}\n")
    assert client.post(f"/operator/orgs/{slug}/admin", {**first, "admin_username": "backdoor"},
                       form_page="/operator/orgs").status_code == 409
    with chat_bot.services.uow() as uow:
        assert uow.session.scalars(select(ConsoleUser.username).where(ConsoleUser.username.in_(
            ("vendor-backdoor", "backdoor")))).all() == []
    # a POST without the session's CSRF token changes nothing
    forged = client.client.post("/console/operator/orgs", data={**NEW_ORG, "slug": "tambon-x"})
    assert forged.status_code == 400 and org_named(chat_bot, "tambon-x") is None
    forged = client.client.post("/console/operator/orgs/tambon-c/disable", data={"csrf_token": "forged"})
    assert forged.status_code == 400 and org_named(chat_bot, "tambon-c").disabled_at is None  # type: ignore[union-attr]
    assert client.post("/operator/orgs/nowhere/disable", {}, form_page="/operator/orgs").status_code == 404


def test_disabling_ends_the_organisations_console_and_replacing_credentials_is_audited(chat_bot: ChatBot) -> None:
    client = operator(chat_bot)
    assert client.post("/operator/orgs", NEW_ORG, form_page="/operator/orgs").status_code == 200
    org = org_named(chat_bot, "tambon-c")
    assert org is not None
    new_secret, new_token = "c-new-secret-abcdef", "c-new-token-abcdef"
    replaced = client.post("/operator/orgs/tambon-c/credentials",
                           {"channel_secret": new_secret, "access_token": new_token}, form_page="/operator/orgs")
    assert replaced.status_code == 200 and new_secret not in replaced.get_data(as_text=True)
    with chat_bot.services.uow() as uow:
        opened = open_credentials(uow, chat_bot.services.credentials_box, org.id)
        assert opened is not None and (opened.channel_secret, opened.access_token) == (new_secret, new_token)
    admin = ClientConsole(chat_bot.app)
    admin.post("/login", {"org": "tambon-c", "username": "admin-c", "password": ADMIN_PASSWORD}, form_page="/login")
    assert admin.get("/units").status_code == 200
    disabled = client.post("/operator/orgs/tambon-c/disable", {}, form_page="/operator/orgs")
    assert disabled.status_code == 200 and "ปิดการให้บริการองค์กร tambon-c แล้ว" in disabled.get_data(as_text=True)
    assert admin.get("/units").request.path == "/console/login"  # its session ended
    again = ClientConsole(chat_bot.app).post(
        "/login", {"org": "tambon-c", "username": "admin-c", "password": ADMIN_PASSWORD}, form_page="/login")
    assert again.status_code == 401
    with chat_bot.services.uow() as uow:
        actions = set(uow.session.scalars(select(AuditEntry.action).where(AuditEntry.org_id == org.id)))
    assert {"organisation.credentials", "organisation.disable"} <= actions


def test_enabling_again_restores_the_organisations_logins_and_is_audited(chat_bot: ChatBot) -> None:
    client = operator(chat_bot)
    assert client.post("/operator/orgs", NEW_ORG, form_page="/operator/orgs").status_code == 200
    org = org_named(chat_bot, "tambon-c")
    assert org is not None
    already = client.post("/operator/orgs/tambon-c/enable", {}, form_page="/operator/orgs")
    assert "องค์กร tambon-c เปิดการให้บริการอยู่แล้ว" in already.get_data(as_text=True)
    client.post("/operator/orgs/tambon-c/disable", {}, form_page="/operator/orgs")
    page = client.get("/operator/orgs").get_data(as_text=True)
    assert "/console/operator/orgs/tambon-c/enable" in page  # the button is shown for a disabled organisation
    enabled = client.post("/operator/orgs/tambon-c/enable", {}, form_page="/operator/orgs")
    assert enabled.status_code == 200 and "เปิดการให้บริการองค์กร tambon-c อีกครั้งแล้ว" in enabled.get_data(as_text=True)
    assert org_named(chat_bot, "tambon-c").disabled_at is None  # type: ignore[union-attr]
    admin = ClientConsole(chat_bot.app)
    admin.post("/login", {"org": "tambon-c", "username": "admin-c", "password": ADMIN_PASSWORD}, form_page="/login")
    assert admin.get("/units").status_code == 200  # its staff log in again
    assert client.post("/operator/orgs/nowhere/enable", {}, form_page="/operator/orgs").status_code == 404
    with chat_bot.services.uow() as uow:
        logged = list(uow.session.execute(select(AuditEntry.action, AuditEntry.actor_label).where(
            AuditEntry.org_id == org.id, AuditEntry.action.like("organisation.%")).order_by(AuditEntry.id)))
    assert [action for action, _ in logged][-2:] == ["organisation.disable", "organisation.enable"]
    assert logged[-1][1] == logged[-2][1] == "vendor"  # the operator's own name


def test_the_operator_scope_shows_no_organisations_rows(chat_bot: ChatBot, on_postgresql: bool) -> None:
    """Row-level security (PostgreSQL): under the operators' scope a query that forgets every filter sees no
    organisation's units, members, complaints or logins, only the operators' own rows; the organisations
    table (no tenant table) stays readable."""
    if not on_postgresql:
        pytest.skip("PostgreSQL only: on SQLite the repositories' filters are the wall")
    operator(chat_bot)
    itabot(chat_bot, "create-admin", "--org", "default", "--username", "admin-a", "--password-stdin", input=f"{ADMIN_PASSWORD}\n")
    factory = chat_bot.services.uow
    with factory() as uow:  # system-level: there is something to hide
        assert uow.session.scalars(select(Unit)).first() is not None
    with org_scope(OPERATOR_SCOPE), factory() as uow:
        assert uow.session.scalars(select(Unit)).all() == []
        assert uow.session.scalars(select(Member)).all() == []
        assert uow.session.scalars(select(Complaint)).all() == []
        assert uow.session.scalars(select(OrgCredentials)).all() == []
        assert set(uow.session.scalars(select(ConsoleUser.username))) == {"vendor"}
        assert {e.org_id for e in uow.session.scalars(select(AuditEntry))} == {None}
        assert uow.session.scalars(select(Organisation)).first() is not None
    with org_scope(chat_bot.org_id), factory() as uow:  # an organisation's scope never shows the operators
        assert "vendor" not in set(uow.session.scalars(select(ConsoleUser.username)))


def test_migration_0017_keeps_existing_console_users_and_their_references(tmp_path: object) -> None:
    """On SQLite 0017 rebuilds console_users, audit_log and console_login_failures (org_id becomes nullable):
    with rows that other tables reference, foreign keys must not stop it nor be left broken."""
    from sqlalchemy import create_engine, text

    from storage.migrate import upgrade

    url = f"sqlite:///{tmp_path}/old.db"
    upgrade(url, "0016")
    engine = create_engine(url)
    stamp = "'2026-01-01 00:00:00'"
    with engine.begin() as c:
        c.execute(text(f"INSERT INTO organisations (slug, name, timezone, created_at) VALUES ('a', 'A', 'Asia/Bangkok', {stamp})"))
        c.execute(text("INSERT INTO console_users (org_id, username, password_hash, role, active, failed_attempts, "
                       f"session_epoch, password_changed_at, created_at) VALUES (1, 'adm', 'x', 'admin', 1, 0, 0, {stamp}, {stamp})"))
        c.execute(text("INSERT INTO audit_log (org_id, at, channel, actor_user_id, actor_label, action, detail) "
                       f"VALUES (1, {stamp}, 'console', 1, 'adm', 'login.ok', '{{}}')"))
        c.execute(text("INSERT INTO console_plan_uploads (token, org_id, user_id, original_name, fiscal_year, data, "
                       f"created_at) VALUES ('t', 1, 1, 'f', 2567, x'00', {stamp})"))
    engine.dispose()
    upgrade(url)
    engine = create_engine(url)
    with engine.begin() as c:
        assert c.execute(text("SELECT username, org_id FROM console_users")).all() == [("adm", 1)]
        assert c.execute(text("SELECT actor_user_id FROM audit_log")).scalar() == 1
        assert c.execute(text("PRAGMA foreign_key_check")).all() == []
        c.execute(text("INSERT INTO console_users (org_id, username, password_hash, role, active, failed_attempts, "
                       f"session_epoch, password_changed_at, created_at) VALUES (NULL, 'op', 'x', 'operator', 1, 0, 0, {stamp}, {stamp})"))
    engine.dispose()


def test_the_operators_audit_page_shows_every_operators_logins_and_actions_and_no_organisations_data(
        chat_bot: ChatBot) -> None:
    import re

    vendor = operator(chat_bot)
    assert vendor.post("/operator/orgs", NEW_ORG, form_page="/operator/orgs").status_code == 200
    vendor.post("/operator/orgs/tambon-c/credentials", {"channel_secret": "c-new-secret-abcdef",
                                                        "access_token": "c-new-token-abcdef"}, form_page="/operator/orgs")
    vendor.post("/operator/orgs/tambon-c/disable", {}, form_page="/operator/orgs")
    vendor.post("/operator/orgs/tambon-c/enable", {}, form_page="/operator/orgs")
    itabot(chat_bot, "operator", "add", "other", "--password-stdin", input=f"{PASSWORD}\n")
    ClientConsole(chat_bot.app).post("/operator/login", {"username": "other", "password": "wrong-password-1"},
                                     form_page="/operator/login")
    other = ClientConsole(chat_bot.app)
    other.post("/operator/login", {"username": "other", "password": PASSWORD}, form_page="/operator/login")
    # the organisations' own staff at work: none of it is an operator's
    admin_c = ClientConsole(chat_bot.app)
    admin_c.post("/login", {"org": "tambon-c", "username": "admin-c", "password": ADMIN_PASSWORD}, form_page="/login")
    admin_c.post("/units", {"name": "กองลับเฉพาะซี"}, form_page="/units")
    itabot(chat_bot, "create-admin", "--org", "default", "--username", "admin-a", "--password-stdin", input=f"{ADMIN_PASSWORD}\n")
    admin_a = ClientConsole(chat_bot.app)
    admin_a.login("admin-a", ADMIN_PASSWORD)

    page = other.get("/operator/audit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    rows = re.findall(r'<tr data-action="([^"]+)"><td data-label="เวลา">[^<]*</td><td data-label="ผู้ให้บริการ">'
                      r'([^<]*)</td>.*?<td data-label="รหัสองค์กร"><code>([^<]*)</code>', html, re.S)
    assert [row for row in rows if row[1] == "vendor"][::-1] == [
        ("login.ok", "vendor", "—"), ("organisation.create", "vendor", "tambon-c"),
        ("organisation.first-admin", "vendor", "tambon-c"), ("organisation.credentials", "vendor", "tambon-c"),
        ("organisation.disable", "vendor", "tambon-c"), ("organisation.enable", "vendor", "tambon-c")]
    assert ("login.failed", "other", "—") in rows and rows[0] == ("login.ok", "other", "—")
    assert [row for row in rows if row[1] == "itabot"] == [("console_user.create", "itabot", "—")] * 2  # operator add
    assert len(rows) == 10  # the staff's logins and units are no operator's
    for private in ("admin-c", "admin-a", "กองลับเฉพาะซี", "console_user:", "c-new-", SECRET_C):
        assert private not in html
    # operators only: the staff of any organisation get 403
    assert admin_c.get("/operator/audit").status_code == 403
    assert admin_a.get("/operator/audit").status_code == 403
    assert ClientConsole(chat_bot.app).get("/operator/audit").request.path == "/console/operator/login"
