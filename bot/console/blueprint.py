"""The console blueprint and what every console request goes through: the session (who, still valid?),
CSRF on every POST, the role a page needs, security headers, Thai error pages."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from bot.console import session as console_session
from bot.fonts import CACHE_CONTROL, CONTENT_TYPE, web_font
from bot.services import Services
from domain.digits import Numerals, Surface, localise_html
from domain.fiscal import fiscal_year_of, local_date
from storage.clock import utcnow
from storage.console_login import Access, access_of
from storage.models import Role
from storage.tenancy import enter_org_scope, leave_org_scope
from texts import chat, common, console

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
blueprint = Blueprint("console", __name__, url_prefix="/console", template_folder=str(TEMPLATES))

OPEN_ENDPOINTS = frozenset({"console.login", "console.not_found"})
FONT_ENDPOINT = "console.font"
PLAN_UPLOAD_ENDPOINT = "console.plan_preview"
PLAN_UPLOAD_LIMIT = 10 * 1024 * 1024
F = TypeVar("F", bound=Callable[..., Any])


def services() -> Services:
    services: Services = current_app.extensions["itabot"]
    return services


def org_id() -> int:
    return services().org_id()


def local_today() -> date:
    """The request's day in the organisation's time zone."""
    return local_date(g.console_now, services().settings.tz)


def this_fiscal_year() -> int:
    return fiscal_year_of(local_today())


def access() -> Access:
    """Who is asking (only in views behind the login)."""
    found: Access | None = g.get("console_access")
    assert found is not None, "a console view behind the login ran without a user"
    return found


def home_endpoint(role: Role) -> str:
    return {Role.ADMIN: "console.dashboard", Role.HEAD: "console.dashboard",
            Role.OFFICER: "console.complaints"}.get(role, "console.login")


def roles(*allowed: Role) -> Callable[[F], F]:
    """The view is for these roles only; anyone else logged in gets a Thai 403 page."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if access().role not in allowed:
                return error_page(403)
            return view(*args, **kwargs)

        return cast(F, guarded)

    return decorate


class FormError(Exception):
    """A form that cannot be used: raised inside a unit of work (which then rolls back and ends, freeing
    SQLite's write lock) and turned into the page with the message outside it."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def error_page(status: int, message: str | None = None) -> tuple[str, int]:
    title, body = console.CONSOLE_ERRORS.get(status, console.CONSOLE_ERRORS[500])
    return render_template("console/error.html", title=title, message=message or body, status=status), status


def safe_next(target: str | None) -> str | None:
    """A place to go back to after logging in: only a path inside the console."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/console/") or "\\" in target:
        return None
    return target


@blueprint.teardown_request
def _end_org_scope(_exc: BaseException | None) -> None:
    token = g.pop("org_scope", None)
    if token is not None:
        leave_org_scope(token)


@blueprint.before_request
def _guard() -> Any:
    if request.endpoint == FONT_ENDPOINT:  # the login page needs it too; no session, no database
        return None
    now = utcnow()
    g.console_now = now
    # made (and cached) before any view opens a unit of work: never nested in one. Every unit of work of the
    # request is scoped to it (row-level security on PostgreSQL, storage/tenancy.py).
    g.org_scope = enter_org_scope(services().org_id())
    if request.endpoint == PLAN_UPLOAD_ENDPOINT:
        request.max_content_length = PLAN_UPLOAD_LIMIT
    uid, why = console_session.user_id(now)
    g.console_access = None
    svc = services()
    with svc.uow() as uow:
        g.console_numerals = Numerals(uow.report_settings.digit_style(svc.org_id(), Surface.CONSOLE))
        if uid is not None:
            user = uow.console_users.get(svc.org_id(), uid)
            if user is not None and user.session_epoch == console_session.epoch():
                g.console_access = access_of(uow, user)
    if uid is not None and g.console_access is None:
        console_session.end()
        why = why or "ended"
    if request.method == "POST" and not console_session.csrf_valid(request.form.get("csrf_token")):
        log.warning("console: POST to %s without a valid CSRF token", request.endpoint)
        return error_page(400, console.CONSOLE_CSRF_FAILED)
    if g.console_access is None and request.endpoint not in OPEN_ENDPOINTS:
        if why:
            console_session.end()
        next_url = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("console.login", next=safe_next(next_url), why=why))
    return None


@blueprint.after_request
def _headers(response: Response) -> Response:
    if request.endpoint != FONT_ENDPOINT:
        response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; font-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'")
    response.headers["X-Robots-Tag"] = "noindex"
    numerals: Numerals | None = g.get("console_numerals")
    if numerals is not None and response.mimetype == "text/html" and not response.direct_passthrough:
        # every page in the organisation's console digit style (domain.digits); form values stay as they are
        response.set_data(localise_html(response.get_data(as_text=True), numerals))
    return response


@blueprint.context_processor
def _page_context() -> dict[str, Any]:
    found: Access | None = g.get("console_access")
    return {"me": found, "role": found.role.value if found else None, "console_texts": console, "chat_texts": chat,
            "role_names": common.ROLE_NAMES, "csrf_token": console_session.csrf_token}


@blueprint.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Any:
    status = error.code or 500
    if status == 413:
        return error_page(413, console.CONSOLE_UPLOAD_TOO_BIG.format(mb=PLAN_UPLOAD_LIMIT // (1024 * 1024)))
    if status in (301, 302, 303, 307, 308):
        return error
    return error_page(status if status in console.CONSOLE_ERRORS else 400)


@blueprint.get("/fonts/<name>")
def font(name: str) -> Any:
    body = web_font(name)
    if body is None:
        return error_page(404)
    return Response(body, content_type=CONTENT_TYPE, headers={"Cache-Control": CACHE_CONTROL})


@blueprint.route("/<path:anything>", methods=["GET", "POST"])
def not_found(anything: str) -> tuple[str, int]:
    return error_page(404)
