"""The admin console in tests: console users, a logged-in client, forms with their CSRF token.

`Console(bot)` works on both tiers. On the in-process `chat_bot` (tests/support/inprocess.py) it drives the
same Flask app through Werkzeug's test client — the same WSGI requests, cookies (path included) and headers,
no server, no socket; on the end-to-end `bot` (tests/conftest.py) it goes over real HTTP with `requests`,
for the tests that are about the wire itself (e.g. that the webhook never sets a cookie). Both give pages as
`requests` does (`.text`, `.content`, `.status_code`, `.headers`, `.url` after redirects), so a test reads
the same either way."""

from __future__ import annotations

import html
import io
import re
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

import requests
from flask import Flask
from werkzeug.datastructures import Headers
from werkzeug.test import TestResponse

from domain.passwords import hash_password
from storage.clock import utcnow

if TYPE_CHECKING:
    from tests.support.chat import Bot

PASSWORD = "ทดสอบ-รหัสผ่าน-2568"
IN_PROCESS_URL = "http://localhost"  # what Werkzeug's test client calls the server
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_FLASH = re.compile(r'<div class="flash"[^>]*>(.*?)</div>', re.S)
_ERROR = re.compile(r'<div class="error"[^>]*>(.*?)</div>|<p class="pre" id="problem">(.*?)</p>', re.S)


def add_console_user(bot: Bot, username: str, role: str = "admin", member_line_id: str | None = None,
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


class Page(Protocol):
    """What a test reads of an answer, on either tier (a `requests.Response` is one)."""

    @property
    def status_code(self) -> int: ...
    @property
    def text(self) -> str: ...
    @property
    def content(self) -> bytes: ...
    @property
    def url(self) -> str: ...
    @property
    def headers(self) -> Any: ...
    @property
    def ok(self) -> bool: ...


class TestPage:
    """A Werkzeug test response read as a `requests.Response`: `url` is the last request's (after the
    redirects followed), headers as sent."""

    __test__ = False  # not a pytest test class

    def __init__(self, response: TestResponse) -> None:
        self.response = response

    @property
    def status_code(self) -> int:
        return self.response.status_code

    @property
    def text(self) -> str:
        return self.response.get_data(as_text=True)

    @property
    def content(self) -> bytes:
        return self.response.get_data()

    @property
    def url(self) -> str:
        return self.response.request.url

    @property
    def headers(self) -> Headers:
        return self.response.headers

    @property
    def ok(self) -> bool:
        return self.response.status_code < 400

    def json(self) -> Any:
        return self.response.get_json()


class InProcessHttp:
    """The part of `requests.Session` the console tests use, answered by the app in process: cookies kept
    by the test client (domain and path as a browser keeps them), default `headers` sent with each request."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.client = app.test_client()
        self.headers: dict[str, str] = {}

    def _path(self, url: str) -> str:
        parts = urlsplit(url)
        assert not parts.netloc or f"{parts.scheme}://{parts.netloc}" == IN_PROCESS_URL, url
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def get(self, url: str, *, allow_redirects: bool = True, timeout: float | None = None,
            headers: dict[str, str] | None = None) -> TestPage:
        return TestPage(self.client.get(self._path(url), headers={**self.headers, **(headers or {})},
                                        follow_redirects=allow_redirects))

    def post(self, url: str, data: dict[str, Any] | None = None, *, files: dict[str, tuple[str, bytes]] | None = None,
             allow_redirects: bool = True, timeout: float | None = None,
             headers: dict[str, str] | None = None) -> TestPage:
        form: dict[str, Any] = {k: v for k, v in (data or {}).items() if v is not None}
        for field, (name, body) in (files or {}).items():
            form[field] = (io.BytesIO(body), name)
        return TestPage(self.client.post(self._path(url), data=form, headers={**self.headers, **(headers or {})},
                                         follow_redirects=allow_redirects))

    def copy(self) -> InProcessHttp:
        """Another client holding the same cookies now (a copied cookie), from then on on its own."""
        other = InProcessHttp(self.app)
        for cookie in self.client._cookies.values():
            other.client.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
        return other


class WireHttp(requests.Session):
    """`requests.Session` over real HTTP (the end-to-end tier)."""

    def copy(self) -> WireHttp:
        other = WireHttp()
        other.cookies.update(self.cookies)
        return other


class Console:
    """A browser-less client of the console: cookies kept, CSRF token read from the last page. In process
    on a `ChatBot`, over HTTP on a `RunningBot` (see the module doc)."""

    def __init__(self, bot: Bot, *, http: InProcessHttp | WireHttp | None = None) -> None:
        self.bot = bot
        self.base = getattr(bot, "url", None) or IN_PROCESS_URL  # a RunningBot has a served url
        self.http: Any = http or (WireHttp() if self.base != IN_PROCESS_URL else InProcessHttp(bot.app))
        self.token: str | None = None

    @property
    def in_process(self) -> bool:
        return isinstance(self.http, InProcessHttp)

    def url(self, path: str) -> str:
        return f"{self.base}/console{path}"

    def _keep_token(self, response: Page) -> None:
        found = _CSRF.search(response.text) if "text/html" in response.headers.get("Content-Type", "") else None
        if found:
            self.token = found.group(1)

    def get(self, path: str, **kwargs: Any) -> Page:
        response: Page = self.http.get(self.url(path), timeout=10, **kwargs)
        self._keep_token(response)
        return response

    def post(self, path: str, data: dict[str, Any] | None = None, *, form_page: str | None = None,
             csrf: str | None = None, **kwargs: Any) -> Page:
        """POST a form; the token comes from `form_page` (fetched first) or the last page read."""
        if form_page is not None:
            self.get(form_page)
        payload = dict(data or {})
        payload["csrf_token"] = csrf if csrf is not None else self.token
        response: Page = self.http.post(self.url(path), data=payload, timeout=30, allow_redirects=True, **kwargs)
        self._keep_token(response)
        return response

    def login(self, username: str, password: str = PASSWORD) -> Page:
        return self.post("/login", {"username": username, "password": password}, form_page="/login")

    def with_same_cookies(self) -> Console:
        """Another client sent the cookies this one holds now: a copy of its session cookie."""
        return Console(self.bot, http=self.http.copy())


def logged_in(bot: Bot, username: str, password: str = PASSWORD) -> Console:
    console = Console(bot)
    response = console.login(username, password)
    assert response.status_code == 200 and "/console/login" not in response.url, response.text[:2000]
    return console


def flashes(response: Page) -> list[str]:
    return [html.unescape(m).strip() for m in _FLASH.findall(response.text)]


def error_of(response: Page) -> str:
    found = _ERROR.search(response.text)
    return "" if found is None else html.unescape(found.group(1) or found.group(2) or "").strip()
