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
    """The SDK's client and the two APIs on it, made on first use, and what our own POSTs take from it: the
    headers its call_api sends with every call (the Bearer token and its User-Agent) and its pool of
    keep-alive connections to LINE's host (its PoolManager's, with its settings), looked up once rather than
    by URL on every call. (No proxy: our Configuration sets none.)"""

    client: Any
    messaging: Any
    blob: Any
    api_exception: type[ApiException]  # what the SDK raises for a status other than 2xx
    headers: dict[str, str]
    pool: Any
    path_prefix: str


def load_sdk() -> None:
    """Import the SDK now: a worker does as it starts, so that its first answer does not wait for it."""
    import linebot.v3.messaging  # noqa: F401


def _api_exception(response: Any) -> ApiException:
    """The exception the SDK raises for a status other than 2xx (its rest.py), its body decoded as its
    ApiClient decodes it."""
    from linebot.v3.messaging.exceptions import (
        ApiException,
        ForbiddenException,
        NotFoundException,
        ServiceException,
        UnauthorizedException,
    )
    from linebot.v3.messaging.rest import RESTResponse

    status = response.status
    kind: type[ApiException] = {401: UnauthorizedException, 403: ForbiddenException,
                                404: NotFoundException}.get(status, ApiException)
    if 500 <= status <= 599:
        kind = ServiceException
    exc = kind(http_resp=RESTResponse(response))
    if exc.body:
        exc.body = exc.body.decode("utf-8", "replace")
    return exc


class LineApi:
    def __init__(self, access_token: str, base_url: str | None, timeout: float = 10.0, connections: int = 32,
                 posts_through: LineApi | None = None) -> None:
        """`posts_through`: another channel's client to the same host whose keep-alive connections this one's
        replies, pushes and multicasts go over, with this channel's own token (every organisation's channel
        shares the environment's pool: one deployment's sends to LINE's one host reuse the same warm
        connections whichever organisation they are for, instead of a pool, a connection and an SDK client
        per organisation). Its other calls (quota, content) use its own SDK client, made on first use."""
        self._access_token = access_token
        self._base_url = base_url
        self._connections = connections
        self._sdk_made: _Sdk | None = None
        self._sdk_lock = threading.Lock()
        self._posts_through = posts_through
        self._posting_made: tuple[Any, str, dict[str, str]] | None = None
        self.timeout = timeout

    @property
    def timeout(self) -> float:
        """Seconds a call may take in all (the SDK's `_request_timeout`)."""
        return self._timeout_seconds

    @timeout.setter
    def timeout(self, seconds: float) -> None:
        self._timeout_seconds = seconds
        # as the SDK turns `_request_timeout` into urllib3's (0 or None: none at all)
        self._timeout = urllib3.Timeout(total=seconds) if seconds else None

    @property
    def _sdk(self) -> _Sdk:
        made = self._sdk_made
        if made is not None:
            return made
        with self._sdk_lock:
            if self._sdk_made is None:
                from linebot.v3.messaging import ApiClient, Configuration, MessagingApi, MessagingApiBlob
                from linebot.v3.messaging.exceptions import ApiException

                configuration = Configuration(access_token=self._access_token, host=self._base_url)
                # Keep-alive connections kept for reuse (the SDK's default is 5 per CPU): the outbox sends a
                # batch's rows side by side (OUTBOX_SEND_CONCURRENCY), and a connection beyond the pool is
                # closed after use.
                configuration.connection_pool_maxsize = self._connections
                client = ApiClient(configuration)
                messaging = MessagingApi(client)
                base_url = configuration.host or messaging.line_base_path
                self._sdk_made = _Sdk(
                    client, messaging, MessagingApiBlob(client), ApiException,
                    headers={**client.default_headers, "Accept": "application/json",
                             "Content-Type": "application/json"},
                    pool=client.rest_client.pool_manager.connection_from_url(base_url),
                    path_prefix=(urllib3.util.parse_url(base_url).path or "").rstrip("/"))
            return self._sdk_made

    def close(self) -> None:
        with self._sdk_lock:
            if self._sdk_made is not None:
                self._sdk_made.client.close()

    def _send(self, call: Any, *, is_reply: bool) -> SendResult:
        try:
            response = call()
        except self._sdk.api_exception as exc:  # (evaluated only when something was raised)
            return classify_api_exception(exc, is_reply=is_reply)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            return SendResult(Outcome.RETRY, None, f"network: {type(exc).__name__}",
                              maybe_accepted=not _never_sent(exc))
        return SendResult(Outcome.DELIVERED, response.headers.get("x-line-request-id"), "", 200)

    def reply(self, reply_token: str, messages: list[dict[str, Any]]) -> SendResult:
        body = {"replyToken": reply_token, "messages": messages}
        return self._send(lambda: self._post_messages("/v2/bot/message/reply", body, None),
                          is_reply=True)

    def _post_messages(self, path: str, body: dict[str, Any], retry_key: str | None) -> Any:
        """POST a reply, push or multicast over the SDK's own HTTP client (its urllib3 pool of keep-alive
        connections, its default headers: User-Agent and the Bearer token) with the body serialised once,
        by us. The SDK's generated methods take its pydantic models, whose from_dict/to_dict round trip
        costs tens of milliseconds for a large Flex message; its `call_api` then walks the body again
        (sanitize_for_serialization) and serialises it, and decodes the 200's body, which we never read:
        about half a millisecond of CPU per answered event. Statuses other than 2xx raise the SDK's own
        ApiException, built as the SDK builds it."""
        pool, path_prefix, headers = self._posting()
        headers = dict(headers)
        if retry_key is not None:
            headers["X-Line-Retry-Key"] = retry_key
        response = pool.urlopen(
            "POST", path_prefix + path, body=json.dumps(body, ensure_ascii=False).encode(), headers=headers,
            timeout=self._timeout, preload_content=True, redirect=False)
        if not 200 <= response.status <= 299:
            raise _api_exception(response)
        return response

    def _posting(self) -> tuple[Any, str, dict[str, str]]:
        """The pool, path prefix and headers of our own POSTs: this client's SDK's, or with `posts_through`
        that client's pool and headers with this channel's Bearer token."""
        made = self._posting_made
        if made is None:
            if self._posts_through is None:
                sdk = self._sdk
                made = (sdk.pool, sdk.path_prefix, sdk.headers)
            else:
                pool, path_prefix, headers = self._posts_through._posting()
                made = (pool, path_prefix, {**headers, "Authorization": f"Bearer {self._access_token}"})
            self._posting_made = made
        return made

    def push(self, to: str, messages: list[dict[str, Any]], retry_key: str) -> SendResult:
        body = {"to": to, "messages": messages}
        return self._send(lambda: self._post_messages("/v2/bot/message/push", body, retry_key), is_reply=False)

    def multicast(self, to: list[str], messages: list[dict[str, Any]], retry_key: str) -> SendResult:
        body = {"to": to, "messages": messages}
        return self._send(lambda: self._post_messages("/v2/bot/message/multicast", body, retry_key), is_reply=False)

    def quota(self) -> QuotaReading:
        """Raises LineUnavailable when LINE cannot be asked right now."""
        sdk = self._sdk
        messaging = sdk.messaging
        try:
            quota = messaging.get_message_quota(_request_timeout=self.timeout)
            consumption = messaging.get_message_quota_consumption(_request_timeout=self.timeout)
        except (sdk.api_exception, urllib3.exceptions.HTTPError, OSError) as exc:
            raise LineUnavailable(f"quota: {type(exc).__name__}") from exc
        quota_type = str(getattr(quota.type, "value", quota.type))  # the SDK gives an enum
        limit = int(quota.value) if quota_type == "limited" and quota.value is not None else None
        return QuotaReading(quota_type, limit, int(consumption.total_usage or 0))

    def content(self, message_id: str) -> Content:
        sdk = self._sdk
        try:
            response = sdk.blob.get_message_content_with_http_info(
                message_id, _request_timeout=max(self.timeout, 30.0)
            )
        except sdk.api_exception as exc:
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
