"""The admin console over real HTTP in tests: console users, a logged-in `requests` session, forms with
their CSRF token."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any

import requests

from domain.passwords import hash_password
from storage.clock import utcnow

if TYPE_CHECKING:
    from tests.conftest import RunningBot

PASSWORD = "ทดสอบ-รหัสผ่าน-2568"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_FLASH = re.compile(r'<div class="flash"[^>]*>(.*?)</div>', re.S)
_ERROR = re.compile(r'<div class="error"[^>]*>(.*?)</div>|<p class="pre" id="problem">(.*?)</p>', re.S)


def add_console_user(bot: RunningBot, username: str, role: str = "admin", member_line_id: str | None = None,
                     password: str = PASSWORD) -> int:
    """A console login: an administrator on its own, or linked to the LINE member `member_line_id`."""
    with bot.services.uow() as uow:
        member_id = None
        if member_line_id is not None:
            member = uow.people.member(bot.org_id, member_line_id)
            assert member is not None, "bind the member first"
            member_id = member.id
        user = uow.console_users.create(bot.org_id, username, hash_password(password), role, utcnow(),
                                        member_id=member_id)
        uow.commit()
        return user.id


class Console:
    """A browser-less client of the console: cookies kept, CSRF token read from the last page."""

    def __init__(self, bot: RunningBot) -> None:
        self.bot = bot
        self.http = requests.Session()
        self.token: str | None = None

    def url(self, path: str) -> str:
        return f"{self.bot.url}/console{path}"

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        response = self.http.get(self.url(path), timeout=10, **kwargs)
        found = _CSRF.search(response.text) if "text/html" in response.headers.get("Content-Type", "") else None
        if found:
            self.token = found.group(1)
        return response

    def post(self, path: str, data: dict[str, Any] | None = None, *, form_page: str | None = None,
             csrf: str | None = None, **kwargs: Any) -> requests.Response:
        """POST a form; the token comes from `form_page` (fetched first) or the last page read."""
        if form_page is not None:
            self.get(form_page)
        payload = dict(data or {})
        payload["csrf_token"] = csrf if csrf is not None else self.token
        response = self.http.post(self.url(path), data=payload, timeout=30, allow_redirects=True, **kwargs)
        found = _CSRF.search(response.text)
        if found:
            self.token = found.group(1)
        return response

    def login(self, username: str, password: str = PASSWORD) -> requests.Response:
        return self.post("/login", {"username": username, "password": password}, form_page="/login")


def logged_in(bot: RunningBot, username: str, password: str = PASSWORD) -> Console:
    console = Console(bot)
    response = console.login(username, password)
    assert response.status_code == 200 and "/console/login" not in response.url, response.text[:2000]
    return console


def flashes(response: requests.Response) -> list[str]:
    return [html.unescape(m).strip() for m in _FLASH.findall(response.text)]


def error_of(response: requests.Response) -> str:
    found = _ERROR.search(response.text)
    return "" if found is None else html.unescape(found.group(1) or found.group(2) or "").strip()
