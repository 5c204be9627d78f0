"""Logging in and out, the console's home, and changing one's own password."""

from __future__ import annotations

import hashlib
import hmac
import math
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for

from bot.console import session as console_session
from bot.console.blueprint import access, blueprint, error_page, home_endpoint, login_org, safe_next, services
from domain.digits import ARABIC
from domain.passwords import (
    MAX_LENGTH,
    hash_password,
    password_problem,
    verify_password,
    waste_a_verification,
)
from storage.console_login import Outcome, attempt_login
from storage.models import Role
from storage.tenancy import OPERATOR_SCOPE, org_scope
from texts import console


def _keyed(purpose: bytes, value: str) -> str:
    key = hashlib.sha256(b"itabot/console/" + purpose + b":" + services().settings.secret_key.encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def client_key() -> str:
    """A keyed hash of where the request comes from: failed logins are counted by it, the address is not kept."""
    return _keyed(b"client", request.remote_addr or "-")


def name_key(username: str) -> str:
    """A keyed hash of a username, under which failed logins with a name that is no account are counted."""
    return _keyed(b"username", username.strip().lower())


def _local_time(moment: Any) -> str:
    local = moment.astimezone(services().settings.tz)
    return ARABIC.time(local)


@blueprint.get("/")
def home() -> Any:
    return redirect(url_for(home_endpoint(access().role)))


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """An organisation's staff log in: to the organisation whose slug the form names (by default the
    deployment's own)."""
    return _login(operator=False)


@blueprint.route("/operator/login", methods=["GET", "POST"])
def operator_login() -> Any:
    """The deployment's operators log in (bound to no organisation)."""
    return _login(operator=True)


def _org_slug() -> str:
    raw = request.form.get("org") if request.method == "POST" else request.args.get("org")
    return (raw or "").strip().lower()[:63] or services().settings.org_slug


def _target_org(slug: str) -> int | None:
    """The enabled organisation with this slug."""
    with services().uow() as uow:
        org = uow.people.organisation(slug)
        return org.id if org is not None and org.disabled_at is None else None


def _login(operator: bool) -> Any:
    if g.get("console_access") is not None:
        return redirect(safe_next(request.args.get("next")) or url_for(home_endpoint(access().role)))
    slug = None if operator else _org_slug()
    if request.method == "GET":
        notice = console.CONSOLE_LOGIN_NOTICES.get(request.args.get("why") or "")
        return render_template("console/login.html", notice=notice, next=safe_next(request.args.get("next")),
                               operator=operator, org_slug=slug)
    username = request.form.get("username", "")[:64]
    password = request.form.get("password", "")[:MAX_LENGTH + 1]
    svc = services()
    now = g.console_now
    target = None if slug is None else _target_org(slug)
    if slug is not None and target is None:  # no such (enabled) organisation: answered as a wrong password
        waste_a_verification(password)
        page = render_template("console/login.html", error=console.CONSOLE_LOGIN_BAD, username=username,
                               next=safe_next(request.form.get("next")), operator=operator, org_slug=slug)
        return page, 401
    with org_scope(OPERATOR_SCOPE if target is None else target):
        result = attempt_login(svc.uow, target, username, password, client_key(), name_key(username), now)
    if result.outcome is Outcome.OK:
        assert result.user is not None
        console_session.start(result.user, now)
        return redirect(safe_next(request.form.get("next")) or url_for("console.home"))
    error, status, headers = _login_refusal(result.outcome, result.retry_at, now)
    page = render_template("console/login.html", error=error, username=username,
                           next=safe_next(request.form.get("next")), operator=operator, org_slug=slug)
    return page, status, headers


def _login_refusal(outcome: Outcome, retry_at: Any, now: Any) -> tuple[str, int, dict[str, str]]:
    """The Thai message, status and headers of a refused login."""
    if outcome is Outcome.LOCKED:
        return console.CONSOLE_LOGIN_LOCKED.format(until=_local_time(retry_at)), 423, {}
    if outcome is Outcome.SLOW_DOWN:
        seconds = max(1, math.ceil((retry_at - now).total_seconds()))
        return console.CONSOLE_LOGIN_SLOW_DOWN.format(seconds=seconds), 429, {"Retry-After": str(seconds)}
    if outcome is Outcome.NO_ROLE:
        return console.CONSOLE_LOGIN_NO_ROLE, 403, {}
    return console.CONSOLE_LOGIN_BAD, 401, {}


@blueprint.post("/logout")
def logout() -> Any:
    me = access()
    svc = services()
    with svc.uow() as uow:
        user = uow.console_users.get(login_org(), me.user.id)
        if user is not None:
            uow.console_users.end_sessions(user)  # a copy of this cookie kept anywhere no longer works
            uow.audit.record(login_org(), me.actor, "logout", g.console_now, f"console_user:{user.id}")
        uow.commit()
    console_session.end()
    page = "console.operator_login" if me.role is Role.OPERATOR else "console.login"
    return redirect(url_for(page, why="logged-out"))


@blueprint.route("/password", methods=["GET", "POST"])
def password() -> Any:
    me = access()
    if request.method == "GET":
        return render_template("console/password.html")
    current = request.form.get("current", "")
    new, again = request.form.get("new", ""), request.form.get("again", "")
    error = None
    if not verify_password(me.user.password_hash, current[:MAX_LENGTH + 1]):
        error = console.CONSOLE_PASSWORD_WRONG
    elif new != again:
        error = console.CONSOLE_PASSWORD_MISMATCH
    elif (problem := password_problem(new, me.user.username)) is not None:
        error = console.CONSOLE_PASSWORD_PROBLEMS[problem]
    if error:
        return render_template("console/password.html", error=error), 400
    svc = services()
    password_hash = hash_password(new)  # slow on purpose: not while holding a transaction
    with svc.uow() as uow:
        user = uow.console_users.get(login_org(), me.user.id)
        if user is None:
            return error_page(404)
        uow.console_users.set_password(user, password_hash, g.console_now)
        uow.audit.record(login_org(), me.actor, "password.change", g.console_now, f"console_user:{user.id}")
        uow.commit()
        console_session.start(user, g.console_now)  # the other sessions ended with the new epoch
    flash(console.CONSOLE_PASSWORD_CHANGED)
    return redirect(url_for("console.home"))
