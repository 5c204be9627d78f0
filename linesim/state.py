"""The fake platform's state and rules (no HTTP): reply tokens, retry keys, quota, faults, content.

Every public method takes the one lock, so the threaded server and the test thread can share it.
"""

from __future__ import annotations

import copy
import hmac
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from . import errors, ids, validation
from .errors import ApiError
from .personas import DEFAULT_DISPLAY_NAME, DEFAULT_PERSONAS, Persona
from .richmenus import RichMenuStore

RETRY_KEY_LIFETIME = 24 * 3600.0
DEFAULT_CHANNEL = "default"
SHORT_LIVED_SECONDS = 30 * 24 * 3600  # what LINE gives a short-lived channel access token
QUOTABLE_TYPES = frozenset({"text", "sticker", "image", "video"})


@dataclass(frozen=True)
class Delivery:
    """One accepted send request, as the bot made it."""

    kind: str  # "reply" | "push" | "multicast"
    to: tuple[str, ...]
    messages: list[dict[str, Any]]
    retry_key: str | None
    request_id: str
    at: float
    reply_token: str | None = None  # the token a reply used (a token is accepted at most once)
    channel: str = DEFAULT_CHANNEL  # the channel (Official Account) whose access token sent it

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["to"] = list(self.to)
        return data


@dataclass
class Fault:
    path_contains: str
    status: int
    remaining: int
    body: dict[str, Any]


@dataclass
class Delay:
    path_contains: str
    seconds: float
    remaining: int
    after_accept: bool
    # When set: the answer waits until this is set (at most `seconds`), not `seconds` (after_accept only).
    release: threading.Event | None = None


@dataclass
class Drop:
    """Close the connection without an answer: after the request was carried out (the sender cannot tell
    that it was) or before."""

    path_contains: str
    remaining: int
    after_accept: bool


@dataclass(frozen=True)
class Content:
    data: bytes
    content_type: str
    status: int  # 200 ready, 202 preparing, 410 gone


@dataclass
class _ReplyToken:
    user_id: str
    expires_at: float
    used: bool = False
    channel: str = DEFAULT_CHANNEL  # a reply token is accepted only with its own channel's access token


@dataclass
class _Channel:
    """One Official Account: its access tokens (token -> expiry on the state's clock, None: long-lived),
    its channel id and secret (to issue short-lived tokens), its monthly quota and usage."""

    name: str
    tokens: dict[str, float | None]
    channel_id: str | None = None
    channel_secret: str | None = None
    quota: int | None = None
    usage: int = 0
    issued: int = 0  # short-lived tokens issued
    token_lifetime: float = SHORT_LIVED_SECONDS


@dataclass
class _AcceptedKey:
    request_id: str
    sent_messages: list[dict[str, str]]
    accepted_at: float


@dataclass
class _Thread:
    items: list[dict[str, Any]] = field(default_factory=list)


class PlatformState:
    def __init__(
        self,
        access_token: str,
        monthly_quota: int | None = None,
        reply_token_ttl: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self.access_token = access_token
        self.reply_token_ttl = reply_token_ttl
        self._channels: dict[str, _Channel] = {
            DEFAULT_CHANNEL: _Channel(DEFAULT_CHANNEL, {access_token: None}, quota=monthly_quota)}
        # Seconds every Messaging API request waits before its answer (carried out first, as LINE would
        # over a slow network): benchmarks and tests set it; kept by reset().
        self.latency = 0.0
        self._personas: list[Persona] = list(DEFAULT_PERSONAS)
        self._seq = 0  # thread item numbers keep growing across resets, so pollers never go back
        self.richmenus = RichMenuStore()  # configuration: kept by reset()
        self._clear()

    def _clear(self) -> None:
        for channel in getattr(self, "_channels", {}).values():
            channel.usage = 0
        self._deliveries: list[Delivery] = []
        self._tokens: dict[str, _ReplyToken] = {}
        self._retry_keys: dict[str, _AcceptedKey] = {}
        self._faults: list[Fault] = []
        self._delays: list[Delay] = []
        self._drops: list[Drop] = []
        self._content: dict[str, Content] = {}
        self._requests: list[dict[str, Any]] = []
        self._timeline: list[dict[str, Any]] = []

    def reset(self) -> None:
        """Forget everything that happened; keep the configuration (channels and their tokens, quota limits,
        personas, ttl)."""
        with self._lock:
            self._clear()

    # ----- channels and their access tokens ------------------------------------------------------
    def add_channel(self, name: str, access_token: str | None = None, channel_id: str | None = None,
                    channel_secret: str | None = None, monthly_quota: int | None = None,
                    token_lifetime: float = SHORT_LIVED_SECONDS) -> None:
        """Another Official Account on the same platform: a long-lived `access_token`, and/or a channel id
        and secret that issue short-lived ones (`POST /v2/oauth/accessToken`)."""
        with self._lock:
            if name in self._channels:
                raise ValueError(f"channel {name!r} exists")
            tokens: dict[str, float | None] = {access_token: None} if access_token else {}
            self._channels[name] = _Channel(name, tokens, channel_id, channel_secret, monthly_quota,
                                            token_lifetime=token_lifetime)

    def replace_long_lived_token(self, name: str, access_token: str) -> None:
        """The channel's long-lived token reissued in the LINE console: the old one stops working."""
        with self._lock:
            tokens = self._channels[name].tokens
            for token in [t for t, at in tokens.items() if at is None]:
                del tokens[token]
            tokens[access_token] = None

    def channel_for_token(self, access_token: str) -> str | None:
        """The channel this bearer token belongs to, None when no channel has it or it expired."""
        with self._lock:
            for channel in self._channels.values():
                if access_token in channel.tokens:
                    expires_at = channel.tokens[access_token]
                    if expires_at is not None and expires_at <= self._clock():
                        return None
                    return channel.name
        return None

    def issue_access_token(self, channel_id: str, channel_secret: str) -> tuple[str, int] | None:
        """A short-lived token for the channel with this id and secret: (token, expires_in seconds), or
        None when no channel has them."""
        with self._lock:
            for channel in self._channels.values():
                if channel.channel_id == channel_id and channel.channel_secret is not None and \
                        hmac.compare_digest(channel.channel_secret.encode(), channel_secret.encode()):
                    token = "sl-" + ids.new_reply_token()
                    channel.tokens[token] = self._clock() + channel.token_lifetime
                    channel.issued += 1
                    return token, max(1, round(channel.token_lifetime))
        return None

    def expire_access_tokens(self, channel: str) -> int:
        """Make the channel's short-lived tokens expired now (as 30 days passing would); returns how many."""
        with self._lock:
            expiring = [t for t, at in self._channels[channel].tokens.items() if at is not None]
            for token in expiring:
                self._channels[channel].tokens[token] = self._clock()
            return len(expiring)

    def tokens_issued(self, channel: str) -> int:
        with self._lock:
            return self._channels[channel].issued

    # ----- reply tokens -------------------------------------------------------------------------
    def issue_reply_token(self, user_id: str, channel: str = DEFAULT_CHANNEL) -> str:
        token = ids.new_reply_token()
        with self._lock:
            self._tokens[token] = _ReplyToken(user_id, self._clock() + self.reply_token_ttl, channel=channel)
        return token

    def expire_reply_tokens(self, user_id: str | None = None) -> int:
        """Make outstanding tokens (of one user, or all) expired now; returns how many."""
        count = 0
        with self._lock:
            now = self._clock()
            for token in self._tokens.values():
                if (user_id is None or token.user_id == user_id) and token.expires_at > now:
                    token.expires_at = now
                    count += 1
        return count

    # ----- sending ------------------------------------------------------------------------------
    @staticmethod
    def _sent_messages(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
        sent = []
        for message in messages:
            entry = {"id": ids.new_message_id()}
            if message.get("type") in QUOTABLE_TYPES:
                entry["quoteToken"] = ids.new_quote_token()
            sent.append(entry)
        return sent

    def _record(self, delivery: Delivery) -> None:
        self._deliveries.append(delivery)
        for user_id in delivery.to:
            for message in delivery.messages:
                self._add_thread_item(user_id, "bot", delivery.kind, message=message)

    def reply(self, request_id: str, body: Any, channel: str = DEFAULT_CHANNEL) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise errors.bad_request([{"message": "Must be a JSON object", "property": ""}])
        details = validation.check_messages(body.get("messages"))
        if not isinstance(body.get("replyToken"), str) or not body.get("replyToken"):
            details.insert(0, {"message": "May not be empty", "property": "replyToken"})
        if details:
            raise errors.bad_request(details)
        messages = copy.deepcopy(body["messages"])
        with self._lock:
            token = self._tokens.get(body["replyToken"])
            if token is None or token.used or token.expires_at <= self._clock() or token.channel != channel:
                raise ApiError(400, {"message": errors.INVALID_REPLY_TOKEN})
            token.used = True
            self._record(Delivery("reply", (token.user_id,), messages, None, request_id, time.time(),
                                  body["replyToken"], channel))
        return {"sentMessages": self._sent_messages(messages)}

    def _check_retry_key(self, retry_key: str | None) -> None:
        if retry_key is not None and not ids.is_uuid(retry_key):
            raise errors.bad_request(
                [{"message": "The retry key must be in UUID format", "property": "X-Line-Retry-Key"}]
            )

    def _accepted(self, retry_key: str | None) -> _AcceptedKey | None:
        if retry_key is None:
            return None
        accepted = self._retry_keys.get(retry_key)
        if accepted is not None and self._clock() - accepted.accepted_at > RETRY_KEY_LIFETIME:
            del self._retry_keys[retry_key]
            return None
        return accepted

    def _send(
        self,
        kind: str,
        request_id: str,
        recipients: tuple[str, ...],
        messages: list[dict[str, Any]],
        retry_key: str | None,
        channel: str = DEFAULT_CHANNEL,
    ) -> list[dict[str, str]]:
        with self._lock:
            account = self._channels[channel]
            accepted = self._accepted(retry_key)
            if accepted is not None:
                body: dict[str, Any] = {"message": errors.RETRY_KEY_ACCEPTED}
                if kind == "push":
                    body["sentMessages"] = accepted.sent_messages
                raise ApiError(409, body, {"x-line-accepted-request-id": accepted.request_id})
            if account.quota is not None and account.usage + len(recipients) > account.quota:
                raise ApiError(429, {"message": errors.MONTHLY_LIMIT})
            sent = self._sent_messages(messages)
            account.usage += len(recipients)
            if retry_key is not None:
                self._retry_keys[retry_key] = _AcceptedKey(request_id, sent, self._clock())
            self._record(Delivery(kind, recipients, messages, retry_key, request_id, time.time(), None, channel))
        return sent

    def push(self, request_id: str, body: Any, retry_key: str | None,
             channel: str = DEFAULT_CHANNEL) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise errors.bad_request([{"message": "Must be a JSON object", "property": ""}])
        details = validation.check_recipient(body.get("to")) + validation.check_messages(body.get("messages"))
        if details:
            raise errors.bad_request(details)
        self._check_retry_key(retry_key)
        messages = copy.deepcopy(body["messages"])
        sent = self._send("push", request_id, (body["to"],), messages, retry_key, channel)
        return {"sentMessages": sent}

    def multicast(self, request_id: str, body: Any, retry_key: str | None,
                  channel: str = DEFAULT_CHANNEL) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise errors.bad_request([{"message": "Must be a JSON object", "property": ""}])
        details = validation.check_recipients(body.get("to")) + validation.check_messages(
            body.get("messages")
        )
        if details:
            raise errors.bad_request(details)
        self._check_retry_key(retry_key)
        messages = copy.deepcopy(body["messages"])
        self._send("multicast", request_id, tuple(body["to"]), messages, retry_key, channel)
        return {}

    # ----- quota --------------------------------------------------------------------------------
    def set_monthly_quota(self, limit: int | None, channel: str = DEFAULT_CHANNEL) -> None:
        with self._lock:
            self._channels[channel].quota = limit

    @property
    def monthly_quota(self) -> int | None:
        with self._lock:
            return self._channels[DEFAULT_CHANNEL].quota

    @property
    def usage(self) -> int:
        return self.channel_usage(DEFAULT_CHANNEL)

    def channel_usage(self, channel: str) -> int:
        with self._lock:
            return self._channels[channel].usage

    def new_month(self) -> None:
        with self._lock:
            for channel in self._channels.values():
                channel.usage = 0

    def quota_json(self, channel: str = DEFAULT_CHANNEL) -> dict[str, Any]:
        with self._lock:
            quota = self._channels[channel].quota
            if quota is None:
                return {"type": "none"}
            return {"type": "limited", "value": quota}

    # ----- faults and delays --------------------------------------------------------------------
    def add_fault(
        self, path_contains: str, status: int, times: int = 1, body: dict[str, Any] | None = None
    ) -> None:
        fault = Fault(
            path_contains, status, times, body if body is not None else errors.default_fault_body(status)
        )
        with self._lock:
            self._faults.append(fault)

    def take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.remaining > 0 and fault.path_contains in path:
                    fault.remaining -= 1
                    return copy.deepcopy(fault)
            self._faults = [f for f in self._faults if f.remaining > 0]
        return None

    def add_delay(
        self, path_contains: str, seconds: float, times: int = 1, after_accept: bool = True,
        release: threading.Event | None = None,
    ) -> None:
        with self._lock:
            self._delays.append(Delay(path_contains, seconds, times, after_accept, release))

    def take_delay(self, path: str) -> Delay | None:
        with self._lock:
            for delay in self._delays:
                if delay.remaining > 0 and delay.path_contains in path:
                    delay.remaining -= 1
                    return replace(delay)  # a copy sharing its release event
        return None

    def add_drop(self, path_contains: str, times: int = 1, after_accept: bool = True) -> None:
        with self._lock:
            self._drops.append(Drop(path_contains, times, after_accept))

    def take_drop(self, path: str) -> Drop | None:
        with self._lock:
            for drop in self._drops:
                if drop.remaining > 0 and drop.path_contains in path:
                    drop.remaining -= 1
                    return copy.deepcopy(drop)
        return None

    # ----- content ------------------------------------------------------------------------------
    def register_content(
        self, message_id: str, content: bytes, content_type: str = "image/jpeg", status: int = 200
    ) -> None:
        if status not in (200, 202, 410):
            raise ValueError("content status must be 200, 202 or 410")
        with self._lock:
            self._content[message_id] = Content(bytes(content), content_type, status)

    def content(self, message_id: str) -> Content | None:
        with self._lock:
            return self._content.get(message_id)

    # ----- personas -----------------------------------------------------------------------------
    def set_personas(self, personas: list[Persona]) -> None:
        with self._lock:
            self._personas = list(personas)

    def personas(self) -> list[Persona]:
        with self._lock:
            return list(self._personas)

    def display_name(self, user_id: str) -> str:
        with self._lock:
            for persona in self._personas:
                if persona.user_id == user_id:
                    return persona.name
        return DEFAULT_DISPLAY_NAME

    # ----- records ------------------------------------------------------------------------------
    def deliveries(self, kind: str | None = None, to: str | None = None,
                   channel: str | None = None) -> list[Delivery]:
        with self._lock:
            return [
                d for d in self._deliveries if (kind is None or d.kind == kind) and (to is None or to in d.to)
                and (channel is None or d.channel == channel)
            ]

    def deliveries_from(self, start: int) -> list[Delivery]:
        """Every delivery recorded after the first `start` (any kind, channel, recipient): a reader that keeps
        its place reads each one once (`start += len(new)`), however long the record grows. `reset` starts
        the record over."""
        with self._lock:
            return self._deliveries[start:]

    def count_by_retry_key(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        with self._lock:
            for delivery in self._deliveries:
                if delivery.retry_key is not None:
                    counts[delivery.retry_key] = counts.get(delivery.retry_key, 0) + 1
        return counts

    def count_by_reply_token(self) -> dict[str, int]:
        """How many replies LINE accepted with each token (never more than one: tokens are single use)."""
        counts: dict[str, int] = {}
        with self._lock:
            for delivery in self._deliveries:
                if delivery.reply_token is not None:
                    counts[delivery.reply_token] = counts.get(delivery.reply_token, 0) + 1
        return counts

    def log_request(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._requests.append(entry)

    def requests_log(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(entry) for entry in self._requests]

    # ----- chat threads (for the simulator page) ------------------------------------------------
    def _add_thread_item(self, user_id: str, side: str, kind: str, **fields: Any) -> None:
        self._seq += 1
        self._timeline.append(
            {"seq": self._seq, "user_id": user_id, "side": side, "kind": kind, "at": time.time(), **fields}
        )

    def record_user_event(self, event: dict[str, Any], label: str | None = None) -> None:
        """Adds what a user did to their thread; `label` is what the chat shows for a postback."""
        user_id = (event.get("source") or {}).get("userId")
        if not user_id:
            return
        kind = event.get("type", "")
        fields: dict[str, Any] = {}
        if kind == "message":
            fields["message"] = event.get("message")
        elif kind == "postback":  # LINE shows a tapped postback in the chat only by its displayText
            fields["label"] = label
            fields["data"] = (event.get("postback") or {}).get("data", "")
        with self._lock:
            self._add_thread_item(user_id, "user", kind, **fields)

    def record_loading(self, chat_id: str, seconds: int) -> None:
        with self._lock:
            self._add_thread_item(chat_id, "bot", "loading", loading_seconds=seconds)

    def thread_summaries(self) -> dict[str, dict[str, Any]]:
        """Per user: the last item's number and how many bot messages the thread holds (unread counts)."""
        summaries: dict[str, dict[str, Any]] = {}
        with self._lock:
            for item in self._timeline:
                summary = summaries.setdefault(item["user_id"], {"last_seq": 0, "bot_messages": 0})
                summary["last_seq"] = item["seq"]
                if item["side"] == "bot" and item["kind"] != "loading":
                    summary["bot_messages"] += 1
        return summaries

    def thread(self, user_id: str, since: int = 0) -> list[dict[str, Any]]:
        with self._lock:
            return [copy.deepcopy(i) for i in self._timeline if i["user_id"] == user_id and i["seq"] > since]
