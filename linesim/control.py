"""Control endpoints (`/_fake/...`, no auth) and the chat simulator page (`GET /`).

They let a browser, or a test running the fake in another process, drive and inspect the platform.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import requests
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import simulator
from .wsgi_util import BadJson, json_response, read_json

if TYPE_CHECKING:
    from .fake_platform import FakeLinePlatform

Handler = Callable[..., Response]

RULES = Map(
    [
        Rule("/_fake/deliveries", methods=["GET"], endpoint="deliveries"),
        Rule("/_fake/requests", methods=["GET"], endpoint="requests"),
        Rule("/_fake/reset", methods=["POST"], endpoint="reset"),
        Rule("/_fake/fault", methods=["POST"], endpoint="fault"),
        Rule("/_fake/delay", methods=["POST"], endpoint="delay"),
        Rule("/_fake/drop-connection", methods=["POST"], endpoint="drop_connection"),
        Rule("/_fake/latency", methods=["GET", "POST"], endpoint="latency"),
        Rule("/_fake/quota", methods=["GET", "POST"], endpoint="quota"),
        Rule("/_fake/new-month", methods=["POST"], endpoint="new_month"),
        Rule("/_fake/retry-keys", methods=["GET"], endpoint="retry_keys"),
        Rule("/_fake/send", methods=["POST"], endpoint="send"),
        Rule("/_fake/redeliver", methods=["POST"], endpoint="redeliver"),
        Rule("/_fake/expire-reply-tokens", methods=["POST"], endpoint="expire_tokens"),
        Rule("/_fake/webhook", methods=["GET", "POST"], endpoint="webhook"),
        Rule("/_fake/personas", methods=["GET", "POST"], endpoint="personas"),
        Rule("/_fake/thread", methods=["GET"], endpoint="thread"),
        *simulator.RULES,
    ],
    strict_slashes=False,
)

OK = {"status": "ok"}


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _object(request: Request) -> dict[str, Any]:
    body = read_json(request, default={})
    if not isinstance(body, dict):
        raise ControlError(400, "expected a JSON object")
    return body


def _int(value: Any, name: str, default: int | None = None) -> int:
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise ControlError(400, f"{name} must be an integer")
    return value


def _bytes(body: dict[str, Any], default: bytes) -> bytes:
    raw = body.get("content_b64")
    if raw is None:
        return default
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, TypeError) as exc:
        raise ControlError(400, "content_b64 must be base64") from exc


def _deliveries(platform: FakeLinePlatform, request: Request) -> Response:
    found = platform.deliveries(kind=request.args.get("kind") or None, to=request.args.get("to") or None)
    return json_response(200, {"deliveries": [d.to_json() for d in found]})


def _requests(platform: FakeLinePlatform, request: Request) -> Response:
    return json_response(200, {"requests": platform.requests_log()})


def _reset(platform: FakeLinePlatform, request: Request) -> Response:
    platform.reset()
    return json_response(200, OK)


def _fault(platform: FakeLinePlatform, request: Request) -> Response:
    body = _object(request)
    path = body.get("path_contains")
    if not isinstance(path, str):
        raise ControlError(400, "path_contains must be a string")
    fault_body = body.get("body")
    if fault_body is not None and not isinstance(fault_body, dict):
        raise ControlError(400, "body must be an object")
    platform.inject_fault(
        path, _int(body.get("status"), "status"), _int(body.get("times"), "times", 1), fault_body
    )
    return json_response(200, OK)


def _delay(platform: FakeLinePlatform, request: Request) -> Response:
    body = _object(request)
    path, seconds = body.get("path_contains"), body.get("seconds")
    if not isinstance(path, str) or not isinstance(seconds, int | float):
        raise ControlError(400, "path_contains (string) and seconds (number) are required")
    platform.set_delay(
        path, float(seconds), _int(body.get("times"), "times", 1), bool(body.get("after_accept", True))
    )
    return json_response(200, OK)


def _latency(platform: FakeLinePlatform, request: Request) -> Response:
    """GET: the Messaging API's latency; POST {"seconds": x}: set it (every call, until changed)."""
    if request.method == "POST":
        seconds = _object(request).get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 <= seconds <= 60:
            raise ControlError(400, "seconds must be a number from 0 to 60")
        platform.latency = float(seconds)
    return json_response(200, {"seconds": platform.latency})


def _drop_connection(platform: FakeLinePlatform, request: Request) -> Response:
    body = _object(request)
    path = body.get("path_contains")
    if not isinstance(path, str):
        raise ControlError(400, "path_contains must be a string")
    platform.drop_connection(path, _int(body.get("times"), "times", 1), bool(body.get("after_accept", True)))
    return json_response(200, OK)


def _quota(platform: FakeLinePlatform, request: Request) -> Response:
    if request.method == "POST":
        limit = _object(request).get("limit")
        platform.set_monthly_quota(None if limit is None else _int(limit, "limit"))
    return json_response(200, {"limit": platform.state.monthly_quota, "usage": platform.usage})


def _new_month(platform: FakeLinePlatform, request: Request) -> Response:
    platform.new_month()
    return json_response(200, OK)


def _retry_keys(platform: FakeLinePlatform, request: Request) -> Response:
    return json_response(200, platform.count_by_retry_key())


def _build_event(platform: FakeLinePlatform, body: dict[str, Any]) -> dict[str, Any]:
    user_id, kind = body.get("user_id"), body.get("type", "text")
    if not isinstance(user_id, str) or not user_id:
        raise ControlError(400, "user_id is required")
    mode = body.get("mode", "active")
    if kind == "text":
        text = body.get("text")
        if not isinstance(text, str) or not text:
            raise ControlError(400, "text is required")
        return platform.text_event(user_id, text, mode=mode)
    if kind == "image":
        return platform.image_event(
            user_id,
            _bytes(body, platform.default_image),
            _int(body.get("content_status"), "content_status", 200),
            mode=mode,
            content_type=str(body.get("content_type") or "image/jpeg"),
        )
    if kind == "file":
        return platform.file_event(
            user_id,
            str(body.get("file_name") or "document.pdf"),
            _bytes(body, b"%PDF-1.4 fake"),
            _int(body.get("content_status"), "content_status", 200),
            mode=mode,
        )
    if kind == "location":
        try:
            lat, lng = float(body.get("latitude", 13.7563)), float(body.get("longitude", 100.5018))
        except (TypeError, ValueError) as exc:
            raise ControlError(400, "latitude and longitude must be numbers") from exc
        return platform.location_event(
            user_id, str(body.get("title", "ตำแหน่งของฉัน")), str(body.get("address", "")), lat, lng, mode=mode
        )
    if kind == "sticker":
        return platform.sticker_event(
            user_id, str(body.get("package_id", "446")), str(body.get("sticker_id", "1988")), mode=mode
        )
    if kind == "audio":
        return platform.audio_event(user_id, _int(body.get("duration_ms"), "duration_ms", 1000), mode=mode)
    if kind == "follow":
        return platform.follow_event(user_id, bool(body.get("is_unblocked", False)))
    if kind == "unfollow":
        return platform.unfollow_event(user_id)
    if kind == "postback":
        data, params = body.get("data"), body.get("params")
        if not isinstance(data, str):
            raise ControlError(400, "data is required")
        if params is not None and not isinstance(params, dict):
            raise ControlError(400, "params must be an object")
        return platform.postback_event(user_id, data, params, mode=mode)
    raise ControlError(400, f"unknown event type {kind!r}")


def _post_event(
    platform: FakeLinePlatform, event: dict[str, Any], label: str | None, redelivery: bool
) -> Response:
    if not platform.webhook_url:
        raise ControlError(409, "webhook_url is not set")
    try:
        if redelivery:
            response = platform.redeliver(event)
        else:
            response = platform.send_events(
                [event], labels={event["webhookEventId"]: label} if label else None
            )
    except requests.RequestException as exc:
        return json_response(502, {"status": None, "error": type(exc).__name__, "event": event})
    return json_response(200, {"status": response.status_code, "event": event})


def _send(platform: FakeLinePlatform, request: Request) -> Response:
    body = _object(request)
    try:
        event = _build_event(platform, body)
    except ValueError as exc:
        raise ControlError(400, str(exc)) from exc
    label = body.get("display_text")
    return _post_event(platform, event, label if isinstance(label, str) else None, redelivery=False)


def _redeliver(platform: FakeLinePlatform, request: Request) -> Response:
    event = _object(request).get("event")
    if not isinstance(event, dict) or "webhookEventId" not in event:
        raise ControlError(400, "event (a previously sent event object) is required")
    return _post_event(platform, event, None, redelivery=True)


def _expire_tokens(platform: FakeLinePlatform, request: Request) -> Response:
    user_id = _object(request).get("user_id")
    return json_response(
        200, {"expired": platform.expire_reply_tokens(user_id if isinstance(user_id, str) else None)}
    )


def _webhook(platform: FakeLinePlatform, request: Request) -> Response:
    if request.method == "POST":
        url = _object(request).get("url")
        if url is not None and not isinstance(url, str):
            raise ControlError(400, "url must be a string or null")
        platform.webhook_url = url
    return json_response(200, {"url": platform.webhook_url})


def _personas(platform: FakeLinePlatform, request: Request) -> Response:
    if request.method == "POST":
        raw = read_json(request)
        if isinstance(raw, dict):
            raw = raw.get("personas")
        try:
            platform.set_personas(raw)
        except ValueError as exc:
            raise ControlError(400, str(exc)) from exc
    return json_response(200, {"personas": platform.personas()})


def _thread(platform: FakeLinePlatform, request: Request) -> Response:
    user_id = request.args.get("user_id", "")
    try:
        since = int(request.args.get("since", "0"))
    except ValueError as exc:
        raise ControlError(400, "since must be an integer") from exc
    return json_response(200, {"user_id": user_id, "items": platform.thread(user_id, since)})


HANDLERS: dict[str, Handler] = {
    "deliveries": _deliveries,
    "requests": _requests,
    "reset": _reset,
    "fault": _fault,
    "delay": _delay,
    "drop_connection": _drop_connection,
    "latency": _latency,
    "quota": _quota,
    "new_month": _new_month,
    "retry_keys": _retry_keys,
    "send": _send,
    "redeliver": _redeliver,
    "expire_tokens": _expire_tokens,
    "webhook": _webhook,
    "personas": _personas,
    "thread": _thread,
    **simulator.HANDLERS,
}


def handle(platform: FakeLinePlatform, request: Request) -> Response:
    try:
        try:
            endpoint, args = RULES.bind_to_environ(request.environ).match()
        except NotFound as exc:
            raise ControlError(404, "not found") from exc
        except MethodNotAllowed as exc:
            raise ControlError(405, "method not allowed") from exc
        return HANDLERS[endpoint](platform, request, **args)
    except BadJson as exc:
        return json_response(400, {"error": f"invalid JSON: {exc}"})
    except ControlError as exc:
        return json_response(exc.status, {"error": exc.message})
