"""The LINE Messaging API, through the real `line-bot-sdk` v3, with every answer turned into our terms.

Nothing outside this module sees SDK types or exceptions. Every call carries a request timeout (the SDK
has none by default); `LINE_API_BASE_URL` sends every call, content downloads included, to one host.
The SDK is imported on the first call, not with this module: it costs seconds of imports that a process
which never talks to LINE (most `itabot` commands, `--help`) should not pay.
"""

from __future__ import annotations

import enum
import json
import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import urllib3

if TYPE_CHECKING:
    from linebot.v3.messaging.exceptions import ApiException

log = logging.getLogger(__name__)

MONTHLY_LIMIT_MESSAGE = "You have reached your monthly limit."
INVALID_REPLY_TOKEN_MESSAGE = "Invalid reply token"


class Outcome(enum.StrEnum):
    DELIVERED = "delivered"  # 200, or 409: this retry key was already accepted
    RETRY = "retry"  # 5xx, timeout, network error: try again later with the same retry key
    RATE_LIMITED = "rate_limited"  # 429 rate limit: back off
    QUOTA_EXHAUSTED = "quota_exhausted"  # 429 monthly limit: park until the quota allows
    REPLY_TOKEN_INVALID = "reply_token_invalid"  # reply token expired or used: send by push instead
    REJECTED = "rejected"  # other 4xx: will never succeed as it is


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    request_id: str | None = None
    detail: str = ""
    status: int | None = None
    # RETRY only: the request reached LINE and no definite answer came back (a timeout while waiting, the
    # connection dropped after sending, a 5xx), so LINE may have carried it out. False when it never left
    # (no connection could be made).
    maybe_accepted: bool = False
    # RATE_LIMITED only: the seconds LINE's `Retry-After` header asks us to wait, when it sent one
    retry_after: float | None = None


@dataclass(frozen=True)
class QuotaReading:
    quota_type: str  # "none" | "limited"
    limit: int | None
    usage: int


class ContentState(enum.StrEnum):
    READY = "ready"
    PREPARING = "preparing"  # 202: try again shortly
    GONE = "gone"  # 410: the user unsent it, or LINE no longer keeps it
    ERROR = "error"


@dataclass(frozen=True)
class Content:
    state: ContentState
    data: bytes = b""
    content_type: str | None = None
    detail: str = ""


def _header(headers: Any, name: str) -> str | None:
    if not headers:
        return None
    for key, value in dict(headers).items():
        if key.lower() == name:
            return str(value)
    return None


def _error_message(exc: ApiException) -> str:
    body = exc.body
    if isinstance(body, bytes | bytearray):
        body = body.decode("utf-8", "replace")
    try:
        parsed = json.loads(body) if body else {}
    except (TypeError, ValueError):
        return str(body or exc.reason or "")[:500]
    message = str(parsed.get("message", "")) if isinstance(parsed, dict) else ""
    details = parsed.get("details") if isinstance(parsed, dict) else None
    if details:
        message += " " + json.dumps(details, ensure_ascii=False)[:400]
    return message or str(exc.reason or "")


MAX_RETRY_AFTER_SECONDS = 600.0


def _retry_after(value: str | None) -> float | None:
    """`Retry-After` in seconds (delta-seconds form), within 0…10 minutes; None when absent or unreadable."""
    try:
        seconds = float((value or "").strip())
    except ValueError:
        return None
    if seconds != seconds or seconds < 0:  # NaN or negative
        return None
    return min(seconds, MAX_RETRY_AFTER_SECONDS)


def classify_api_exception(exc: ApiException, *, is_reply: bool) -> SendResult:
    status = int(exc.status or 0)
    message = _error_message(exc)
    request_id = _header(exc.headers, "x-line-request-id")
    if status == 409:
        accepted = _header(exc.headers, "x-line-accepted-request-id")
        return SendResult(Outcome.DELIVERED, accepted or request_id, "retry key already accepted", status)
    if status == 429:
        if MONTHLY_LIMIT_MESSAGE.lower().rstrip(".") in message.lower():
            return SendResult(Outcome.QUOTA_EXHAUSTED, request_id, message, status)
        return SendResult(Outcome.RATE_LIMITED, request_id, message, status,
                          retry_after=_retry_after(_header(exc.headers, "retry-after")))
    if status >= 500 or status == 0:
        return SendResult(Outcome.RETRY, request_id, f"HTTP {status}: {message}", status, maybe_accepted=True)
    if is_reply and status == 400 and INVALID_REPLY_TOKEN_MESSAGE.lower() in message.lower():
        return SendResult(Outcome.REPLY_TOKEN_INVALID, request_id, message, status)
    return SendResult(Outcome.REJECTED, request_id, f"HTTP {status}: {message}", status)


def _never_sent(exc: BaseException) -> bool:
    """No connection could be made, so the request never reached LINE. Anything else (a read timeout, the
    connection dropped after the request was written) leaves it unknown whether LINE carried it out."""
    if isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason is not None:
        exc = exc.reason
    return isinstance(exc, urllib3.exceptions.ConnectTimeoutError | ConnectionRefusedError)


@dataclass(frozen=True)
class _Sdk:
    """The SDK's client and the two APIs on it, made on first use."""

    client: Any
    messaging: Any
    blob: Any


def load_sdk() -> None:
    """Import the SDK now: a worker does as it starts, so that its first answer does not wait for it."""
    import linebot.v3.messaging  # noqa: F401


class LineApi:
    def __init__(self, access_token: str, base_url: str | None, timeout: float = 10.0, connections: int = 32) -> None:
        self._access_token = access_token
        self._base_url = base_url
        self._connections = connections
        self._sdk_made: _Sdk | None = None
        self._sdk_lock = threading.Lock()
        self.timeout = timeout

    @property
    def _sdk(self) -> _Sdk:
        made = self._sdk_made
        if made is not None:
            return made
        with self._sdk_lock:
            if self._sdk_made is None:
                from linebot.v3.messaging import ApiClient, Configuration, MessagingApi, MessagingApiBlob

                configuration = Configuration(access_token=self._access_token, host=self._base_url)
                # Keep-alive connections kept for reuse (the SDK's default is 5 per CPU): the outbox sends a
                # batch's rows side by side (OUTBOX_SEND_CONCURRENCY), and a connection beyond the pool is
                # closed after use.
                configuration.connection_pool_maxsize = self._connections
                client = ApiClient(configuration)
                self._sdk_made = _Sdk(client, MessagingApi(client), MessagingApiBlob(client))
            return self._sdk_made

    def close(self) -> None:
        with self._sdk_lock:
            if self._sdk_made is not None:
                self._sdk_made.client.close()

    def _send(self, call: Any, *, is_reply: bool) -> SendResult:
        from linebot.v3.messaging.exceptions import ApiException

        try:
            response = call()
        except ApiException as exc:
            return classify_api_exception(exc, is_reply=is_reply)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            return SendResult(Outcome.RETRY, None, f"network: {type(exc).__name__}",
                              maybe_accepted=not _never_sent(exc))
        return SendResult(Outcome.DELIVERED, _header(response.headers, "x-line-request-id"), "", 200)

    def reply(self, reply_token: str, messages: list[dict[str, Any]]) -> SendResult:
        body = {"replyToken": reply_token, "messages": messages}
        return self._send(lambda: self._post_messages("/v2/bot/message/reply", body, None),
                          is_reply=True)

    def _post_messages(self, path: str, body: dict[str, Any], retry_key: str | None) -> Any:
        """POST a reply, push or multicast through the SDK's ApiClient (its HTTP, auth and errors) with the
        body as the plain JSON we built. The generated methods take the SDK's pydantic models, whose
        from_dict/to_dict round trip costs tens of milliseconds for a large Flex message (and about a
        millisecond for a short reply: on every answered event)."""
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if retry_key is not None:
            headers["X-Line-Retry-Key"] = retry_key
        sdk = self._sdk
        return sdk.client.call_api(
            path, "POST", {}, [], headers, body=body, post_params=[], files={},
            # 200's body as a plain dict: we read only the headers (its model would be built for nothing);
            # other statuses raise ApiException before any body is read into a model
            response_types_map={"200": "object"},
            auth_settings=["Bearer"], _return_http_data_only=False, _preload_content=True,
            _request_timeout=self.timeout, _host=sdk.messaging.line_base_path, collection_formats={})

    def push(self, to: str, messages: list[dict[str, Any]], retry_key: str) -> SendResult:
        body = {"to": to, "messages": messages}
        return self._send(lambda: self._post_messages("/v2/bot/message/push", body, retry_key), is_reply=False)

    def multicast(self, to: list[str], messages: list[dict[str, Any]], retry_key: str) -> SendResult:
        body = {"to": to, "messages": messages}
        return self._send(lambda: self._post_messages("/v2/bot/message/multicast", body, retry_key), is_reply=False)

    def quota(self) -> QuotaReading:
        """Raises LineUnavailable when LINE cannot be asked right now."""
        from linebot.v3.messaging.exceptions import ApiException

        messaging = self._sdk.messaging
        try:
            quota = messaging.get_message_quota(_request_timeout=self.timeout)
            consumption = messaging.get_message_quota_consumption(_request_timeout=self.timeout)
        except (ApiException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise LineUnavailable(f"quota: {type(exc).__name__}") from exc
        quota_type = str(getattr(quota.type, "value", quota.type))  # the SDK gives an enum
        limit = int(quota.value) if quota_type == "limited" and quota.value is not None else None
        return QuotaReading(quota_type, limit, int(consumption.total_usage or 0))

    def content(self, message_id: str) -> Content:
        from linebot.v3.messaging.exceptions import ApiException

        blob = self._sdk.blob
        try:
            response = blob.get_message_content_with_http_info(
                message_id, _request_timeout=max(self.timeout, 30.0)
            )
        except ApiException as exc:
            if exc.status == 410:
                return Content(ContentState.GONE, detail=_error_message(exc))
            return Content(ContentState.ERROR, detail=f"HTTP {exc.status}")
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            return Content(ContentState.ERROR, detail=f"network: {type(exc).__name__}")
        if response.status_code == 202:
            return Content(ContentState.PREPARING)
        data = bytes(response.data or b"")
        return Content(ContentState.READY, data, _header(response.headers, "content-type"))


class LineUnavailable(RuntimeError):
    pass
