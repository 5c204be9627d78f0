"""`POST /callback` (the environment's channel) and `POST /callback/<slug>` (an organisation's own channel):
verify, store, answer 200. Workers process the events.

The signature is checked on the raw bytes before anything else. Events are stored in the inbox (unique on
webhookEventId, so duplicates and redeliveries are stored once) and committed before the 200. Nothing else
happens in the request: a slow LINE API or handler never makes LINE wait past its 2 seconds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import math
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, make_response, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.http import HTTP_STATUS_CODES

from bot.services import Services
from storage.event_store import ANY_VERSION, StaleChannel, StoreUnavailable
from storage.inbox import UnstorableEvent, plain_body

log = logging.getLogger(__name__)
blueprint = Blueprint("webhook", __name__)


def signature_is_valid(channel_secret: str, body: bytes, signature: str) -> bool:
    expected = base64.b64encode(hmac.new(channel_secret.encode(), body, hashlib.sha256).digest())
    return hmac.compare_digest(expected, signature.strip().encode())


class BadWebhook(ValueError):
    pass


def _finite(number: str) -> float:
    value = float(number)
    if not math.isfinite(value):  # 1e999: no database keeps it (PostgreSQL's JSON has no Infinity)
        raise ValueError(f"number out of range: {number[:20]}")
    return value


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def parse_body(body: bytes) -> list[dict[str, Any]]:
    """The events of a LINE webhook body; BadWebhook when it is not JSON of the LINE shape (Python's
    NaN and Infinity are not JSON, and nesting deep enough to exhaust the parser's recursion is no body)."""
    try:
        payload = json.loads(body.decode("utf-8"), parse_float=_finite, parse_constant=_not_json)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BadWebhook("body is not JSON") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise BadWebhook("body has no events list")
    events: list[dict[str, Any]] = payload["events"]  # checked below
    for event in events:
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            raise BadWebhook("an event has no type")
        event_id = event.get("webhookEventId")
        if not isinstance(event_id, str) or not 0 < len(event_id) <= 64:
            raise BadWebhook("an event has no webhookEventId")
    return events


Answer = tuple[int, dict[str, str]]  # the HTTP status and the JSON body


def _error(status: int, message: str) -> Answer:
    return status, {"message": message}


OK: Answer = (200, {})


@blueprint.post("/callback")
def callback() -> Any:
    services: Services = current_app.extensions["itabot"]
    body, signature = _read(services)
    return _flask(default_channel(services, body, signature))


@blueprint.post("/callback/<slug>")
def org_callback(slug: str) -> Any:
    services: Services = current_app.extensions["itabot"]
    if services.channels.webhook(slug) is None:  # 404 before the body is read, as always
        return _flask(_error(404, "no such channel"))
    body, signature = _read(services)
    return _flask(org_channel(services, slug, body, signature))


def default_channel(services: Services, body: bytes, signature: str) -> Answer:
    """`/callback`: the environment's channel (LINE_CHANNEL_SECRET), the default organisation (ORG_SLUG); 404
    while it is disabled (`itabot org disable`), as `/callback/<slug>` answers for any disabled organisation."""
    if not signature_is_valid(services.settings.line_channel_secret, body, signature):
        return _bad_signature()

    def enabled() -> bool:
        services.org_id()  # made on first use: the first body may be the LINE console's Verify
        return services.channels.webhook(services.settings.org_slug, fresh=True) is not None

    try:
        return _store(services, body, services.org_id, ANY_VERSION, enabled)
    except StaleChannel:
        return _error(404, "no such channel")


def org_channel(services: Services, slug: str, body: bytes, signature: str) -> Answer:
    """`/callback/<slug>`: one organisation's channel, verified with that organisation's own secret; unknown or
    disabled: 404.

    The secret is the one this process cached; when it does not verify the body, or the store finds the
    organisation disabled or its credentials replaced since (StaleChannel), the organisation's row is read
    again and the body judged once more by what the database holds now: a new secret is honoured, and an
    old one or a disabled organisation refused, at once in every process."""
    channel = services.channels.webhook(slug)
    if channel is None:
        return _error(404, "no such channel")
    if signature_is_valid(channel.secret, body, signature):
        try:
            return _store(services, body, lambda: channel.org_id, channel.version,
                          lambda: services.channels.webhook(slug, fresh=True) == channel)
        except StaleChannel:
            pass
    fresh = services.channels.webhook(slug, fresh=True)
    if fresh is None:
        return _error(404, "no such channel")
    if not signature_is_valid(fresh.secret, body, signature):
        return _bad_signature()
    try:
        return _store(services, body, lambda: fresh.org_id, fresh.version)
    except StaleChannel:  # changed again while this request was answered: LINE sends it again
        return _error(503, "channel changed, try again later")


def _flask(answer: Answer) -> tuple[Response, int]:
    status, payload = answer
    return jsonify(payload), status


def _read(services: Services) -> tuple[bytes, str]:
    """The raw body and its signature (the request is answered 400 or 413 when there is none to check)."""
    signature = request.headers.get("x-line-signature")
    if not signature:
        abort(make_response(*_flask(_error(400, "missing x-line-signature"))))
    if request.content_length is not None and request.content_length > services.settings.max_body_bytes:
        abort(make_response(*_flask(_error(413, "body too large"))))
    return request.get_data(cache=False), signature  # a chunked body past the limit: MAX_CONTENT_LENGTH → 413


def _bad_signature() -> Answer:
    log.warning("webhook with a wrong signature refused")
    return _error(400, "invalid signature")


def _store(services: Services, body: bytes, org_id: Callable[[], int], channel_version: int | None,
           still_current: Callable[[], bool] | None = None) -> Answer:
    """Parse and store a verified body; StaleChannel (nothing stored) when `channel_version` is no longer
    the organisation's. A body with no events (the LINE console's Verify) stores nothing: `still_current`
    asks the database instead."""
    try:
        events = parse_body(body)
    except BadWebhook as exc:
        return _error(400, str(exc))
    if not events:
        if still_current is not None and not still_current():
            raise StaleChannel("channel changed or disabled")
        return OK

    try:
        new_ids = services.event_store.store(org_id(), events, channel_version, plain=plain_body(body))
    except UnstorableEvent as exc:  # never storable: 503 would have LINE send it again and again
        log.warning("webhook events that cannot be stored refused: %s", exc)
        return _error(400, "events cannot be stored")
    except StoreUnavailable:
        return _error(503, "events could not be stored, try again later")
    log.debug("webhook: %s events, %s new", len(events), len(new_ids))
    return OK


_CALLBACK = "/callback"
_ORG_CALLBACK = "/callback/"
_JSON_HEADERS = "application/json"


class WebhookFastPath:
    """WSGI middleware that answers LINE's webhook posts before Flask sees them: a request to `/callback` or
    `/callback/<slug>` with a signature and a Content-Length within the limit (every post LINE sends) is
    answered by the same functions as the Flask views above, without Flask's request context, session,
    routing and response objects, which cost more CPU than everything the webhook itself does
    (bench/webhook_profile.py). Anything else, a chunked body or a body past the limit included, goes to
    Flask, whose views answer it as before. A database error answers 503, as the app's error handler does."""

    def __init__(self, app: Any, services: Services) -> None:
        self.app = app
        self.services = services

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        slug = self._route(environ)
        if slug is None:
            return self.app(environ, start_response)
        signature = environ.get("HTTP_X_LINE_SIGNATURE")
        length = environ.get("CONTENT_LENGTH") or ""
        if not signature or not length.isdigit() or int(length) > self.services.settings.max_body_bytes \
                or "HTTP_TRANSFER_ENCODING" in environ:
            return self.app(environ, start_response)
        body = environ["wsgi.input"].read(int(length)) if int(length) else b""
        try:
            if slug:
                answer = org_channel(self.services, slug, body, signature)
            else:
                answer = default_channel(self.services, body, signature)
        except SQLAlchemyError as exc:  # as bot/app.py's handler: nothing stored, LINE sends it again
            log.error("database unavailable: %s", type(exc).__name__)
            answer = _error(503, "database unavailable, try again later")
        status, payload = answer
        data = _RESPONSES.get(status) if not payload else None
        if data is None:
            data = (json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n").encode()
        start_response(_STATUS_LINES[status], [("Content-Type", _JSON_HEADERS), ("Content-Length", str(len(data)))])
        return [data]

    @staticmethod
    def _route(environ: dict[str, Any]) -> str | None:
        """"" for `/callback`, the slug for `/callback/<slug>`, None for anything the fast path leaves to Flask."""
        if environ.get("REQUEST_METHOD") != "POST":
            return None
        path: str = environ.get("PATH_INFO") or ""
        if path == _CALLBACK:
            return ""
        if path.startswith(_ORG_CALLBACK):
            slug = path[len(_ORG_CALLBACK):]
            if slug and "/" not in slug and slug.isascii():
                return slug
        return None


_RESPONSES = {200: b"{}\n"}
_STATUS_LINES = {code: f"{code} {HTTP_STATUS_CODES[code].upper()}" for code in (200, 400, 404, 413, 503)}
