"""The console's session: Flask's signed cookie, keyed by a key derived from SECRET_KEY, sent only to /console
(HttpOnly, SameSite=Lax, Secure outside development), ending after 30 idle minutes or 12 hours, and bound to
the user's session epoch (logout or a new password ends every session of that user). It also names the
organisation its user logged in to (None: an operator of the deployment, bound to none)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from flask import Flask, session

from bot.config import Settings
from storage.console_models import ConsoleUser

COOKIE_NAME = "itabot_console"
COOKIE_PATH = "/console"
IDLE_TIMEOUT = timedelta(minutes=30)
MAX_AGE = timedelta(hours=12)
SEEN_EVERY = timedelta(seconds=30)  # how often the idle clock in the cookie is moved on


def session_key(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), b"itabot/console/session", hashlib.sha256).digest()


def configure_sessions(app: Flask, settings: Settings) -> None:
    app.secret_key = session_key(settings.secret_key)
    app.config.update(
        SESSION_COOKIE_NAME=COOKIE_NAME,
        SESSION_COOKIE_PATH=COOKIE_PATH,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=not settings.is_development,
        PERMANENT_SESSION_LIFETIME=MAX_AGE,
    )


def _stamp(moment: datetime) -> int:
    return int(moment.timestamp())


def start(user: ConsoleUser, now: datetime) -> None:
    """A fresh session for a user who just logged in (nothing from before the login is kept)."""
    session.clear()
    session.permanent = True
    session.update(uid=user.id, org=user.org_id, epoch=user.session_epoch, login=_stamp(now), seen=_stamp(now),
                   csrf=secrets.token_urlsafe(32))


def end() -> None:
    session.clear()


def user_id(now: datetime) -> tuple[int | None, str | None]:
    """The logged-in user's id, or None and why not ("expired" after the idle or absolute limit)."""
    uid = session.get("uid")
    if not isinstance(uid, int):
        return None, None
    seen, login = session.get("seen", 0), session.get("login", 0)
    stamp = _stamp(now)
    if stamp - seen > IDLE_TIMEOUT.total_seconds() or stamp - login > MAX_AGE.total_seconds():
        return None, "expired"
    if stamp - seen >= SEEN_EVERY.total_seconds():
        session["seen"] = stamp
    return uid, None


def org(default: int) -> int | None:
    """The organisation the session is for: the one its user logged in to, None for an operator, `default`
    (the deployment's own organisation) before any login and for sessions made before organisations."""
    if "org" not in session:
        return default
    value = session.get("org")
    return value if isinstance(value, int) else None


def epoch() -> int | None:
    value = session.get("epoch")
    return value if isinstance(value, int) else None


def csrf_token() -> str:
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def csrf_valid(sent: str | None) -> bool:
    token = session.get("csrf")
    return isinstance(token, str) and isinstance(sent, str) and hmac.compare_digest(token, sent)
