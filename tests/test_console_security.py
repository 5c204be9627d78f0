"""The admin console's security, in process (tests/support/console.py: the app through Werkzeug's test client,
cookies kept by path as a browser keeps them), and over real HTTP against the running bot where the wire is
the point (which responses set a cookie, the webhook's included): argon2 hashes, cookie flags and where the cookie goes, CSRF on every
form, lockout after repeated failures, slowing down one client, idle timeout, logout, roles as in LINE, and
`itabot create-admin`."""

from __future__ import annotations

import base64
import os
import re
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
import requests
import time_machine
from argon2 import PasswordHasher
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from bot.app import create_app
from bot.cli.main import cli
from bot.config import Settings
from domain import passwords
from domain.passwords import (
    hash_password,
    needs_rehash,
    normalise_username,
    password_problem,
    verify_password,
)
from storage import console_login
from storage.clock import utcnow
from storage.console_models import AuditEntry, ConsoleUser
from tests.conftest import PRODUCTION_PASSWORD_HASHER, QUICK_PASSWORD_HASHER, RunningBot, make_env
from tests.support.botcli import bind, run_cli
from tests.support.console import PASSWORD, Console, add_console_user, error_of, logged_in
from tests.support.inprocess import ChatBot

if TYPE_CHECKING:
    from tests.support.chat import Bot

HEAD = "U" + "b" * 32
OFFICER = "U" + "c" * 32
ADMIN_MEMBER = "U" + "d" * 32


def audit_actions(bot: Bot) -> list[str]:
    with bot.services.uow() as uow:
        return list(uow.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def unit_names(bot: Bot) -> list[str]:
    with bot.services.uow() as uow:
        return [u.name for u in uow.people.units(bot.org_id)]


# -- passwords ------------------------------------------------------------------------------------------------
def test_passwords_are_stored_as_argon2id_hashes_and_checked_by_them() -> None:
    digest = hash_password("ยาวพอแล้ว-1234")
    assert digest.startswith("$argon2id$") and "ยาวพอแล้ว" not in digest
    assert verify_password(digest, "ยาวพอแล้ว-1234") and not verify_password(digest, "ยาวพอแล้ว-1235")
    assert not verify_password("not-a-hash", "anything") and needs_rehash("not-a-hash")
    assert not needs_rehash(digest)
    assert password_problem("short", "admin") == "short"
    assert password_problem("my-admin-password", "admin") == "username"
    assert password_problem("          ", "admin") == "blank"
    assert password_problem("ยาวพอแล้ว-1234", "admin") is None
    assert normalise_username(" Somchai.K ") == "somchai.k"
    assert normalise_username("ab") is None and normalise_username("สมชาย") is None
    assert normalise_username("-lead") is None


def test_production_hashes_cost_what_argon2_cffi_recommends(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests hash at argon2id's smallest cost (tests/conftest.py); the bot itself at the defaults."""
    monkeypatch.setattr(passwords, "_hasher", PRODUCTION_PASSWORD_HASHER)
    quick = QUICK_PASSWORD_HASHER.hash("ยาวพอแล้ว-1234")
    digest = hash_password("ยาวพอแล้ว-1234")
    defaults = PasswordHasher()
    assert digest.split("$")[3] == f"m={defaults.memory_cost},t={defaults.time_cost},p={defaults.parallelism}"
    assert verify_password(digest, "ยาวพอแล้ว-1234") and not needs_rehash(digest)
    assert verify_password(quick, "ยาวพอแล้ว-1234") and needs_rehash(quick)  # weaker: rehashed at the next login


# -- cookies --------------------------------------------------------------------------------------------------
def test_the_session_cookie_is_hardened_and_sent_only_to_the_console(bot: RunningBot) -> None:
    add_console_user(bot, "admin")
    console = Console(bot)
    page = console.get("/login")
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith("itabot_console=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Path=/console" in cookie and "Secure" not in cookie  # development over http
    assert page.headers["Cache-Control"] == "no-store" and page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert console.login("admin").url.endswith("/console/dashboard")
    # The webhook, health and public pages never open a session, logged in or not.
    answer = bot.fake.send_text(HEAD, "สวัสดี")
    assert answer.status_code == 200 and "Set-Cookie" not in answer.headers
    for path in ("/healthz", "/public/default/"):
        response = console.http.get(bot.url + path, timeout=30)
        assert response.status_code == 200 and "Set-Cookie" not in response.headers, path
    bot.wait_idle()


def test_outside_development_the_cookie_is_secure(database_url: str, tmp_path: Any) -> None:
    env = make_env(database_url, "http://127.0.0.1:9", tmp_path, ITABOT_ENV="production",
                   COMPLAINT_KEY=base64.b64encode(os.urandom(32)).decode())
    app = create_app(Settings.from_env(env))
    try:
        response = app.test_client().get("/console/login")
        cookie = response.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/console" in cookie
        # The session is signed with a key derived from SECRET_KEY, not with SECRET_KEY itself.
        assert app.secret_key not in (None, env["SECRET_KEY"], env["SECRET_KEY"].encode())
    finally:
        app.extensions["itabot"].close()


# -- CSRF -----------------------------------------------------------------------------------------------------------
def test_a_form_without_the_session_csrf_token_is_refused_and_changes_nothing(chat_bot: ChatBot) -> None:
    bot = chat_bot
    add_console_user(bot, "admin")
    console = logged_in(bot, "admin")
    before = unit_names(bot)
    other = logged_in(bot, "admin")  # a second session of the same user has its own token
    for token in ("", "forged-token", other.token):
        refused = console.post("/units/add", {"name": "กองทดลอง"}, csrf=token)
        assert refused.status_code == 400 and "แบบฟอร์มนี้หมดอายุ" in error_of(refused), token
    missing = console.http.post(console.url("/units/add"), data={"name": "กองทดลอง"}, timeout=10)
    assert missing.status_code == 400
    assert unit_names(bot) == before
    done = console.post("/units/add", {"name": "กองทดลอง"}, form_page="/units")
    assert done.status_code == 200 and "กองทดลอง" in unit_names(bot)
    # The login form is protected too: a login posted from elsewhere does nothing.
    stranger = Console(bot).http.post(console.url("/login"), data={"username": "admin", "password": PASSWORD})
    assert stranger.status_code == 400 and "Set-Cookie" not in stranger.headers


# -- lockout and slowing down -----------------------------------------------------------------------------------
def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(chat_bot: ChatBot) -> None:
    bot = chat_bot
    add_console_user(bot, "admin")
    console = Console(bot)
    for attempt in range(4):
        wrong = console.login("admin", "ผิด-รหัสผ่าน-นะ")
        assert wrong.status_code == 401 and error_of(wrong) == "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง", attempt
    fifth = console.login("admin", "ผิด-รหัสผ่าน-นะ")
    assert fifth.status_code == 423 and "ถูกล็อกชั่วคราว" in error_of(fifth)
    right_but_locked = console.login("admin")
    assert right_but_locked.status_code == 423 and "/console/login" in right_but_locked.url
    with bot.services.uow() as uow:
        user = uow.console_users.by_username(bot.org_id, "admin")
        assert user is not None and user.locked_until is not None
        assert timedelta(minutes=14) < user.locked_until - utcnow() <= timedelta(minutes=15)
    assert audit_actions(bot).count("login.failed") == 4 and "login.locked" in audit_actions(bot)
    with time_machine.travel(utcnow() + timedelta(minutes=16), tick=True):
        assert logged_in(bot, "admin").get("/dashboard").status_code == 200
    with bot.services.uow() as uow:
        user = uow.console_users.by_username(bot.org_id, "admin")
        assert user is not None and user.failed_attempts == 0 and user.locked_until is None


def test_a_username_that_is_no_account_answers_as_one_would_lock_included(chat_bot: ChatBot) -> None:
    bot = chat_bot
    add_console_user(bot, "admin")
    add_console_user(bot, "closed")
    with bot.services.uow() as uow:
        closed = uow.console_users.by_username(bot.org_id, "closed")
        assert closed is not None
        uow.console_users.set_active(closed, False)
        uow.commit()
    answers: dict[str, list[tuple[int, str]]] = {}
    for name in ("admin", "ghost", "closed"):
        console = Console(bot)
        with time_machine.travel(utcnow() + timedelta(minutes=20 * len(answers)), tick=True):  # a fresh client window
            tries = [console.login(name, "ผิด-รหัสผ่าน-นะ") for _ in range(6)]
        answers[name] = [(t.status_code, error_of(t).split(" ลองใหม่ได้หลังเวลา")[0]) for t in tries]
    assert answers["ghost"] == answers["admin"] == answers["closed"]
    assert [status for status, _ in answers["ghost"]] == [401, 401, 401, 401, 423, 423]
    # the lock of a name ends as an account's does
    with time_machine.travel(utcnow() + timedelta(minutes=60 + 16), tick=True):
        assert Console(bot).login("ghost", "ผิด-รหัสผ่าน-นะ").status_code == 401


def _guess_at_once(bot: ChatBot, monkeypatch: pytest.MonkeyPatch, username: str, guesses: int) -> tuple[int, Counter]:
    """`guesses` wrong passwords for one username at the same moment, each from a client of its own, against
    the real database; returns how many passwords were checked (argon2, or its dummy for a name that is no
    account) and the answers. A check is held until every other attempt is being checked too or has been
    answered, so all of them meet in the widest race there is."""
    cond = threading.Condition()
    checking: set[int] = set()
    answered_unchecked = 0

    def held(check: Callable[..., Any]) -> Callable[..., Any]:
        def checked(*args: Any) -> Any:
            with cond:
                checking.add(threading.get_ident())
                cond.notify_all()
                assert cond.wait_for(lambda: len(checking) + answered_unchecked == guesses, timeout=60)
            return check(*args)
        return checked

    start = threading.Barrier(guesses)
    outcomes: Counter[str] = Counter()

    def guess(n: int) -> None:
        nonlocal answered_unchecked
        start.wait()
        try:
            result = console_login.attempt_login(bot.services.uow, bot.org_id, username, "ผิด-รหัสผ่าน-นะ",
                                                 f"client-{n}", f"name-{username}", utcnow())
            outcome = result.outcome.value
        except Exception as exc:
            outcome = type(exc).__name__
        with cond:
            outcomes[outcome] += 1
            if threading.get_ident() not in checking:
                answered_unchecked += 1
                cond.notify_all()

    with monkeypatch.context() as patch:
        patch.setattr(console_login, "verify_password", held(console_login.verify_password))
        patch.setattr(console_login, "waste_a_verification", held(console_login.waste_a_verification))
        threads = [threading.Thread(target=guess, args=(n,)) for n in range(guesses)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    return len(checking), outcomes


def test_simultaneous_wrong_passwords_check_no_more_than_the_lock_allows(chat_bot: ChatBot,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    bot = chat_bot
    add_console_user(bot, "admin")
    checked, outcomes = _guess_at_once(bot, monkeypatch, "admin", 40)
    assert checked == 5 and outcomes == {"locked": 40}, (checked, outcomes)  # was 40 (17 by real timing)
    with bot.services.uow() as uow:
        user = uow.console_users.by_username(bot.org_id, "admin")
        assert user is not None and user.locked_until is not None and user.locked_until > utcnow()
    assert audit_actions(bot).count("login.locked") == 1
    # a name that is no account answers the same, after as many (dummy) checks
    assert _guess_at_once(bot, monkeypatch, "ghost", 40) == (5, {"locked": 40})
    # after the lock, the right password logs in and clears the count
    later = utcnow() + timedelta(minutes=16)
    for _ in range(4):
        wrong = console_login.attempt_login(bot.services.uow, bot.org_id, "admin", "ผิด-รหัสผ่าน-นะ", "c", "n", later)
        assert wrong.outcome is console_login.Outcome.BAD
    right = console_login.attempt_login(bot.services.uow, bot.org_id, "admin", PASSWORD, "c2", "n", later)
    assert right.outcome is console_login.Outcome.OK
    with bot.services.uow() as uow:
        user = uow.console_users.by_username(bot.org_id, "admin")
        assert user is not None and user.failed_attempts == 0 and user.locked_until is None


def test_an_admin_unlocks_a_locked_account(chat_bot: ChatBot) -> None:
    bot = chat_bot
    add_console_user(bot, "admin")
    add_console_user(bot, "deputy")
    with bot.services.uow() as uow:
        deputy = uow.console_users.by_username(bot.org_id, "deputy")
        assert deputy is not None
        deputy.locked_until = utcnow() + timedelta(minutes=15)
        uow.commit()
        deputy_id = deputy.id
    assert Console(bot).login("deputy").status_code == 423
    admin = logged_in(bot, "admin")
    page = admin.get("/members")
    assert "ล็อกถึง" in page.text
    admin.post(f"/logins/{deputy_id}/unlock")
    logged_in(bot, "deputy")


def test_failures_from_one_client_slow_it_down_whichever_usernames_it_tries(chat_bot: ChatBot) -> None:
    bot = chat_bot
    add_console_user(bot, "admin")
    console = Console(bot)
    for name in ("root", "administrator", "test", "somchai", "nobody"):
        guess = console.login(name, "password1234")
        assert guess.status_code == 401 and error_of(guess) == "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง"
    slowed = console.login("admin")  # even the right password must wait now
    assert slowed.status_code == 429 and slowed.headers["Retry-After"] in ("1", "2") and "กรุณารอ" in error_of(slowed)
    with time_machine.travel(utcnow() + timedelta(seconds=3), tick=True):  # past the Retry-After
        assert logged_in(bot, "admin").get("/dashboard").status_code == 200
    with bot.services.uow() as uow:  # the client is kept as a keyed hash, never its address
        entries = list(uow.session.scalars(select(AuditEntry)))
        assert all("127.0.0.1" not in str(e.detail) and "127.0.0.1" not in e.actor_label for e in entries)
        assert "login.slowed" in [e.action for e in entries]


def test_the_thai_web_font_is_served_to_anyone_without_a_session(chat_bot: ChatBot) -> None:
    bot = chat_bot
    http = Console(bot).http
    font = http.get("/console/fonts/Sarabun-Regular.ttf")
    assert font.status_code == 200 and font.headers["Content-Type"] == "font/ttf" and len(font.content) > 10_000
    assert "Set-Cookie" not in font.headers and "max-age" in font.headers["Cache-Control"]
    assert http.get("/console/fonts/..%2Fconfig.py").status_code == 404
    assert http.get("/console/fonts/Other.ttf").status_code == 404
    login = http.get("/console/login")
    assert "/console/fonts/Sarabun-Regular.ttf" in login.text
    assert "font-src 'self'" in login.headers["Content-Security-Policy"]


def test_a_forged_forwarded_address_does_not_dodge_the_slow_down(chat_bot: ChatBot) -> None:
    bot = chat_bot
    add_console_user(bot, "admin")
    console = Console(bot)
    for n in range(5):  # no proxy is trusted by default: X-Forwarded-For is not the client
        console.http.headers["X-Forwarded-For"] = f"203.0.113.{n}"
        assert console.login(f"nobody{n}", "password1234").status_code == 401
    console.http.headers["X-Forwarded-For"] = "203.0.113.99"
    assert console.login("admin").status_code == 429


def test_behind_a_trusted_proxy_each_client_address_counts_on_its_own(
        start_chat_bot: Callable[..., ChatBot]) -> None:
    bot = start_chat_bot(TRUSTED_PROXIES=1)
    add_console_user(bot, "admin")
    guesser, owner = Console(bot), Console(bot)
    guesser.http.headers["X-Forwarded-For"] = "203.0.113.7"
    owner.http.headers["X-Forwarded-For"] = "198.51.100.20"
    for name in ("root", "administrator", "test", "somchai", "nobody"):
        assert guesser.login(name, "password1234").status_code == 401
    assert guesser.login("admin").status_code == 429  # the guessing address waits ...
    landed = owner.login("admin")  # ... the administrator's does not
    assert landed.status_code == 200 and "/console/login" not in landed.url


# -- session lifetime -------------------------------------------------------------------------------------------------
def test_an_idle_session_ends_after_thirty_minutes(chat_bot: ChatBot) -> None:
    bot = chat_bot
    add_console_user(bot, "admin")
    start = utcnow()
    with time_machine.travel(start, tick=True):
        console = logged_in(bot, "admin")
    with time_machine.travel(start + timedelta(minutes=20), tick=True):
        assert console.get("/dashboard").url.endswith("/console/dashboard")  # activity moves the clock on
    with time_machine.travel(start + timedelta(minutes=45), tick=True):
        assert console.get("/dashboard").url.endswith("/console/dashboard")
    with time_machine.travel(start + timedelta(minutes=76), tick=True):
        expired = console.get("/units")
        assert "/console/login" in expired.url and "next=/console/units" in expired.url
        assert "หมดเวลาการใช้งาน" in expired.text
        assert console.get("/dashboard").url.split("?")[0].endswith("/console/login")


def test_logout_ends_the_session_even_for_a_copy_of_the_cookie(chat_bot: ChatBot) -> None:
    bot = chat_bot
    add_console_user(bot, "admin")
    console = logged_in(bot, "admin")
    stolen = console.with_same_cookies()
    assert stolen.get("/audit").url.endswith("/console/audit")
    out = console.post("/logout", form_page="/dashboard")
    assert "ออกจากระบบแล้ว" in out.text
    assert "/console/login" in stolen.get("/audit").url
    assert "logout" in audit_actions(bot)


def test_after_login_only_a_console_path_is_followed(chat_bot: ChatBot) -> None:
    bot = chat_bot
    add_console_user(bot, "admin")
    for target, lands in (("/console/units", "/console/units"), ("https://evil.example/", "/console/dashboard"),
                          ("//evil.example/console/", "/console/dashboard"), ("/public/default/", "/console/dashboard")):
        console = Console(bot)
        console.get(f"/login?next={requests.utils.quote(target)}")
        landed = console.post("/login", {"username": "admin", "password": PASSWORD, "next": target})
        assert landed.url == console.base + lands, target


# -- roles ----------------------------------------------------------------------------------------------------------
def test_each_role_reaches_only_its_pages(chat_bot: ChatBot) -> None:
    bot = chat_bot
    bind(bot, HEAD, "head", "กองคลัง")
    bind(bot, OFFICER, "officer")
    add_console_user(bot, "admin")
    add_console_user(bot, "head", "head", HEAD)
    add_console_user(bot, "officer", "officer", OFFICER)
    admin_pages = ("/plan", "/units", "/members", "/settings", "/reports", "/audit")
    admin, head, officer = logged_in(bot, "admin"), logged_in(bot, "head"), logged_in(bot, "officer")
    assert head.get("/").url.endswith("/console/dashboard") and officer.get("/").url.endswith("/console/complaints")
    for page in admin_pages:
        shown = admin.get(page)
        assert shown.status_code == 200, page
        title = re.search(r"<title>(.*?)</title>", shown.text, re.S)
        assert title is not None and "<" not in title.group(1), (page, title)  # a page's blocks stay in place
        for other in (head, officer):
            refused = other.get(page)
            assert refused.status_code == 403 and "ไม่มีสิทธิ์เข้าถึง" in refused.text, page
    assert admin.get("/complaints").status_code == 403 and head.get("/complaints").status_code == 403
    assert officer.get("/dashboard").status_code == 403
    assert officer.get("/complaints").status_code == 200
    assert head.get("/dashboard").status_code == 200 and "กองคลัง" in head.get("/dashboard").text
    assert admin.get("/nowhere").status_code == 404


def test_a_member_whose_line_role_is_revoked_loses_the_console_at_once(chat_bot: ChatBot) -> None:
    bot = chat_bot
    bind(bot, OFFICER, "officer")
    add_console_user(bot, "officer", "officer", OFFICER)
    officer = logged_in(bot, "officer")
    with bot.services.uow() as uow:
        member_id = uow.people.member(bot.org_id, OFFICER).id  # type: ignore[union-attr]
    run_cli(bot, "revoke", str(member_id))
    assert "/console/login" in officer.get("/complaints").url
    refused = Console(bot).login("officer")
    assert refused.status_code == 403 and "ไม่มีบทบาทเดิมแล้ว" in error_of(refused)
    assert "login.no-role" in audit_actions(bot)


# -- itabot create-admin -----------------------------------------------------------------------------------------------
def create_admin(bot: ChatBot, *args: str, input: str | None = None) -> Any:
    app = bot.app
    return CliRunner().invoke(cli, ["create-admin", *args], obj=ScriptInfo(create_app=lambda: app), input=input)


def test_create_admin_asks_for_the_password_or_reads_it_from_stdin(chat_bot: ChatBot) -> None:
    bot = chat_bot
    prompted = create_admin(bot, input="รหัสผ่าน-ที่ยาวพอ\nรหัสผ่าน-ที่ยาวพอ\n")
    assert prompted.exit_code == 0 and "สร้างผู้ดูแลระบบ \"admin\" แล้ว" in prompted.output
    assert "/console/login" in prompted.output and "รหัสผ่าน-ที่ยาวพอ" not in prompted.output
    logged_in(bot, "admin", "รหัสผ่าน-ที่ยาวพอ")
    piped = create_admin(bot, "--username", "Somchai", "--password-stdin", input="อีกรหัสหนึ่ง-ยาวพอ\n")
    assert piped.exit_code == 0, piped.output
    logged_in(bot, "somchai", "อีกรหัสหนึ่ง-ยาวพอ")
    again = create_admin(bot, "--username", "somchai", "--password-stdin", input="อีกรหัสหนึ่ง-ยาวพอ\n")
    assert again.exit_code != 0 and "--reset" in again.output
    weak = create_admin(bot, "--username", "weak", "--password-stdin", input="1234\n")
    assert weak.exit_code != 0 and "อย่างน้อย 10 ตัวอักษร" in weak.output
    bad_name = create_admin(bot, "--username", "ผู้ดูแล", "--password-stdin", input="รหัสผ่าน-ที่ยาวพอ\n")
    assert bad_name.exit_code != 0 and "ชื่อผู้ใช้ต้องยาว" in bad_name.output
    with bot.services.uow() as uow:
        users = list(uow.session.scalars(select(ConsoleUser).order_by(ConsoleUser.id)))
        assert [(u.username, u.role, u.member_id) for u in users] == [("admin", "admin", None), ("somchai", "admin", None)]
        assert all(u.password_hash.startswith("$argon2id$") for u in users)


def test_create_admin_reset_sets_a_new_password_unlocks_and_ends_sessions(chat_bot: ChatBot) -> None:
    bot = chat_bot
    assert create_admin(bot, "--password-stdin", input="รหัสผ่าน-ที่ยาวพอ\n").exit_code == 0
    console = logged_in(bot, "admin", "รหัสผ่าน-ที่ยาวพอ")
    with bot.services.uow() as uow:
        user = uow.console_users.by_username(bot.org_id, "admin")
        assert user is not None
        user.locked_until = utcnow() + timedelta(minutes=10)
        uow.commit()
    reset = create_admin(bot, "--reset", "--password-stdin", input="รหัสผ่านใหม่-ที่ยาวพอ\n")
    assert reset.exit_code == 0 and "ตั้งรหัสผ่านใหม่" in reset.output
    assert "/console/login" in console.get("/dashboard").url
    assert Console(bot).login("admin", "รหัสผ่าน-ที่ยาวพอ").status_code == 401
    logged_in(bot, "admin", "รหัสผ่านใหม่-ที่ยาวพอ")
    missing = create_admin(bot, "--username", "ghost", "--reset", "--password-stdin", input="รหัสผ่าน-ที่ยาวพอ\n")
    assert missing.exit_code != 0 and "ไม่พบผู้ใช้" in missing.output
    with bot.services.uow() as uow:
        rows = list(uow.session.scalars(select(AuditEntry).where(AuditEntry.channel == "cli").order_by(AuditEntry.id)))
        assert [r.action for r in rows] == ["console_user.create", "console_user.password"]


@pytest.mark.parametrize("path", ["/console/dashboard", "/console/complaints/1", "/console/audit?page=2"])
def test_every_page_behind_the_login_sends_strangers_to_it(chat_bot: ChatBot, path: str) -> None:
    bot = chat_bot
    response = Console(bot).http.get(path, allow_redirects=False)
    assert response.status_code == 302 and "/console/login?next=" in response.headers["Location"]
    assert "Set-Cookie" not in response.headers
