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

from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from bot.console import session as console_session
from bot.fonts import CACHE_CONTROL, CONTENT_TYPE, web_font
from bot.services import Services
from domain.digits import DEFAULT_STYLES, Numerals, Surface, localise_html
from domain.fiscal import fiscal_year_of, local_date
from storage.clock import utcnow
from storage.console_login import Access, access_of
from storage.models import Role
from storage.tenancy import OPERATOR_SCOPE, enter_org_scope, leave_org_scope
from texts import chat, common, console

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
blueprint = Blueprint("console", __name__, url_prefix="/console", template_folder=str(TEMPLATES))

OPEN_ENDPOINTS = frozenset({"console.login", "console.operator_login", "console.not_found"})
FONT_ENDPOINT = "console.font"
PLAN_UPLOAD_ENDPOINT = "console.plan_preview"
PLAN_UPLOAD_LIMIT = 10 * 1024 * 1024
F = TypeVar("F", bound=Callable[..., Any])


def services() -> Services:
    services: Services = current_app.extensions["itabot"]
    return services


def login_org() -> int | None:
    """The organisation of the request's session: its user's (logged out: the deployment's own), None for an
    operator of the deployment."""
    found: int | None = g.get("console_org")
    return found


def org_id() -> int:
    """The organisation whose data the page shows. An operator has none: such a page answers 403 even if its
    view forgot to name its roles (operators never read an organisation's data)."""
    found = login_org()
    if found is None:
        abort(403)
    return found


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
            Role.OFFICER: "console.complaints", Role.OPERATOR: "console.operator_orgs"}.get(role, "console.login")


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
    # the deployment's organisation is made (and cached) before any view opens a unit of work: never nested in
    # one. Every unit of work of the request is scoped to the session's organisation (row-level security on
    # PostgreSQL, storage/tenancy.py); an operator's to none (OPERATOR_SCOPE).
    g.console_org = console_session.org(services().org_id())
    g.org_scope = enter_org_scope(OPERATOR_SCOPE if g.console_org is None else g.console_org)
    if request.endpoint == PLAN_UPLOAD_ENDPOINT:
        request.max_content_length = PLAN_UPLOAD_LIMIT
    uid, why = console_session.user_id(now)
    g.console_access = None
    svc = services()
    with svc.uow() as uow:
        # the session's organisation's digits; an operator's pages (no organisation) the default ones
        g.console_numerals = Numerals(DEFAULT_STYLES[Surface.CONSOLE] if g.console_org is None else
                                      uow.report_settings.digit_style(g.console_org, Surface.CONSOLE))
        if uid is not None:
            user = uow.console_users.get(g.console_org, uid)
            if (user is not None and user.session_epoch == console_session.epoch()
                    and (user.org_id is None or uow.organisations.enabled(user.org_id))):
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
        login_page = "console.operator_login" if (request.endpoint or "").startswith("console.operator_") \
            else "console.login"
        return redirect(url_for(login_page, next=safe_next(next_url), why=why))
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
