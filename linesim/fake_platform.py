"""`FakeLinePlatform`: the one object tests and the local run use to drive the fake LINE platform."""

from __future__ import annotations

import mimetypes
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import requests

from . import events, webhook_sender
from .channels import FakeChannel
from .chaos import Chaos
from .personas import Persona, parse_personas
from .server import FakeLineApp, ServerThread
from .state import Delivery, PlatformState


class FakeLinePlatform:
    def __init__(
        self,
        channel_secret: str,
        access_token: str,
        webhook_url: str | None = None,
        monthly_quota: int | None = None,
        reply_token_ttl: float = 60.0,
        latency: float = 0.0,
    ) -> None:
        self.channel_secret = channel_secret
        self.webhook_url = webhook_url
        self.webhook_timeout = 10.0
        self.default_image = events.DEFAULT_IMAGE
        self.state = PlatformState(access_token, monthly_quota, reply_token_ttl)
        self.latency = latency
        self._server: ServerThread | None = None
        self.chaos: Chaos | None = None  # random faults on the message endpoints: set_chaos()

    # ----- lifecycle ----------------------------------------------------------------------------
    def start(self, host: str = "127.0.0.1", port: int = 0, log_requests: bool = False) -> str:
        if self._server is not None:
            raise RuntimeError("the fake LINE platform is already running")
        self._server = ServerThread(FakeLineApp(self, log_requests=log_requests), host, port)
        return self._server.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> FakeLinePlatform:
        if self._server is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("call start() first")
        return self._server.base_url

    @property
    def connections_accepted(self) -> int:
        """How many connections the server accepted (keep-alive: a pooled client makes few)."""
        if self._server is None:
            raise RuntimeError("call start() first")
        return self._server.connections_accepted

    @property
    def access_token(self) -> str:
        return self.state.access_token

    @property
    def reply_token_ttl(self) -> float:
        return self.state.reply_token_ttl

    @reply_token_ttl.setter
    def reply_token_ttl(self, seconds: float) -> None:
        self.state.reply_token_ttl = seconds

    def add_channel(self, name: str, channel_secret: str, access_token: str | None = None,
                    channel_id: str | None = None, monthly_quota: int | None = None,
                    webhook_url: str | None = None, token_lifetime: float = 30 * 24 * 3600) -> FakeChannel:
        """Another Official Account on this platform (see linesim/channels.py). With `channel_id` the
        channel secret also issues short-lived access tokens (`POST /v2/oauth/accessToken`) living
        `token_lifetime` seconds."""
        self.state.add_channel(name, access_token, channel_id, channel_secret, monthly_quota, token_lifetime)
        return FakeChannel(self, name, channel_secret, webhook_url)

    @property
    def latency(self) -> float:
        """Seconds every Messaging API request (`/v2/...`) waits before it is answered, after it was carried
        out — a network and platform as slow as LINE's; 0 answers at once. Set it at any time."""
        return self.state.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        if not seconds >= 0:
            raise ValueError("latency must be a number of seconds >= 0")
        self.state.latency = float(seconds)

    # ----- webhook sending ----------------------------------------------------------------------
    def sign(self, body: bytes) -> str:
        return webhook_sender.sign(self.channel_secret, body)

    def send_events(
        self,
        events_: list[dict[str, Any]],
        destination: str = events.DEFAULT_DESTINATION,
        signature: str | None = None,
        *,
        include_signature: bool = True,
        labels: dict[str, str] | None = None,
    ) -> requests.Response:
        """Posts `{"destination", "events"}` to webhook_url, signed (or with `signature` as given)."""
        if not self.webhook_url:
            raise RuntimeError("webhook_url is not set")
        for event in events_:
            label = (labels or {}).get(event.get("webhookEventId", ""))
            self.state.record_user_event(event, label)
        return self._post(destination, events_, signature, include_signature)

    def redeliver(
        self, event: dict[str, Any], destination: str = events.DEFAULT_DESTINATION
    ) -> requests.Response:
        """Re-posts an event: same webhookEventId and replyToken, deliveryContext.isRedelivery = true."""
        if not self.webhook_url:
            raise RuntimeError("webhook_url is not set")
        return self._post(destination, [events.as_redelivery(event)], None, True)

    def _post(
        self, destination: str, events_: list[dict[str, Any]], signature: str | None, include_signature: bool
    ) -> requests.Response:
        assert self.webhook_url is not None
        body = webhook_sender.encode_body(destination, events_)
        if include_signature and signature is None:
            signature = self.sign(body)
        return webhook_sender.post_webhook(
            self.webhook_url, body, signature if include_signature else None, timeout=self.webhook_timeout
        )

    def send_text(self, user_id: str, text: str) -> requests.Response:
        return self.send_events([self.text_event(user_id, text)])

    # ----- event builders (register tokens and content; send nothing) --------------------------
    def _token(self, user_id: str, mode: str) -> str | None:
        if mode not in events.MODES:
            raise ValueError(f"mode must be one of {events.MODES}")
        return self.state.issue_reply_token(user_id) if mode == "active" else None

    def _message_event(self, user_id: str, message: dict[str, Any], mode: str) -> dict[str, Any]:
        return events.message_event(user_id, self._token(user_id, mode), message, mode)

    def text_event(self, user_id: str, text: str, mode: str = "active") -> dict[str, Any]:
        return self._message_event(user_id, events.text_message(text), mode)

    def image_event(
        self,
        user_id: str,
        content: bytes | None = None,
        content_status: int = 200,
        mode: str = "active",
        content_type: str = "image/jpeg",
    ) -> dict[str, Any]:
        """`content=None` registers a small JPEG-signed placeholder (`default_image`)."""
        event = self._message_event(user_id, events.image_message(), mode)
        data = self.default_image if content is None else content
        self.register_content(event["message"]["id"], data, content_type, content_status)
        return event

    def file_event(
        self, user_id: str, file_name: str, content: bytes, content_status: int = 200, mode: str = "active"
    ) -> dict[str, Any]:
        event = self._message_event(user_id, events.file_message(file_name, len(content)), mode)
        content_type = mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        self.register_content(event["message"]["id"], content, content_type, content_status)
        return event

    def location_event(
        self, user_id: str, title: str, address: str, latitude: float, longitude: float, mode: str = "active"
    ) -> dict[str, Any]:
        return self._message_event(
            user_id, events.location_message(title, address, latitude, longitude), mode
        )

    def sticker_event(
        self, user_id: str, package_id: str = "446", sticker_id: str = "1988", mode: str = "active"
    ) -> dict[str, Any]:
        return self._message_event(user_id, events.sticker_message(package_id, sticker_id), mode)

    def audio_event(
        self,
        user_id: str,
        duration_ms: int = 1000,
        content: bytes = events.DEFAULT_AUDIO,
        mode: str = "active",
    ) -> dict[str, Any]:
        event = self._message_event(user_id, events.audio_message(duration_ms), mode)
        self.register_content(event["message"]["id"], content, "audio/x-m4a")
        return event

    def follow_event(self, user_id: str, is_unblocked: bool = False) -> dict[str, Any]:
        return events.follow_event(user_id, self.state.issue_reply_token(user_id), is_unblocked)

    def unfollow_event(self, user_id: str) -> dict[str, Any]:
        return events.unfollow_event(user_id)

    def postback_event(
        self, user_id: str, data: str, params: dict[str, str] | None = None, mode: str = "active"
    ) -> dict[str, Any]:
        return events.postback_event(user_id, self._token(user_id, mode), data, params, mode)

    # ----- what the bot sent --------------------------------------------------------------------
    def deliveries(self, kind: str | None = None, to: str | None = None,
                   channel: str | None = None) -> list[Delivery]:
        return self.state.deliveries(kind, to, channel)

    def messages_to(self, user_id: str) -> list[dict[str, Any]]:
        return [message for d in self.state.deliveries(to=user_id) for message in d.messages]

    def count_by_retry_key(self) -> dict[str, int]:
        return self.state.count_by_retry_key()

    def count_by_reply_token(self) -> dict[str, int]:
        return self.state.count_by_reply_token()

    def requests_log(self) -> list[dict[str, Any]]:
        return self.state.requests_log()

    def thread(self, user_id: str, since: int = 0) -> list[dict[str, Any]]:
        return self.state.thread(user_id, since)

    @staticmethod
    def wait_for(predicate: Callable[[], bool], timeout: float = 5.0, interval: float = 0.02) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            if predicate():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(interval)

    def reset(self) -> None:
        self.state.reset()

    # ----- faults, quota, tokens, content, personas ---------------------------------------------
    def inject_fault(
        self, path_contains: str, status: int, times: int = 1, body: dict[str, Any] | None = None
    ) -> None:
        self.state.add_fault(path_contains, status, times, body)

    def set_delay(
        self, path_contains: str, seconds: float, times: int = 1, after_accept: bool = True
    ) -> None:
        """Answer `seconds` late; `after_accept`: the request is carried out first (a client that gives up
        waiting cannot tell it was), else it waits before being carried out."""
        self.state.add_delay(path_contains, seconds, times, after_accept)

    def hold_answers(self, path_contains: str, times: int = 1, longest: float = 60.0) -> threading.Event:
        """Carry out the next `times` matching requests but hold their answers (the connection open) until
        the returned event is set, or `longest` seconds have passed: a test sees what happens while a request
        is out, by order of events rather than by the clock."""
        release = threading.Event()
        self.state.add_delay(path_contains, longest, times, after_accept=True, release=release)
        return release

    def drop_connection(self, path_contains: str, times: int = 1, after_accept: bool = True) -> None:
        """Close the connection without answering; `after_accept`: the request was carried out first."""
        self.state.add_drop(path_contains, times, after_accept)

    def set_chaos(self, chaos: Chaos | None) -> None:
        """Random faults on the message endpoints (linesim.chaos); None stops them."""
        self.chaos = chaos

    def set_monthly_quota(self, limit: int | None) -> None:
        self.state.set_monthly_quota(limit)

    @property
    def usage(self) -> int:
        return self.state.usage

    def new_month(self) -> None:
        self.state.new_month()

    def expire_reply_tokens(self, user_id: str | None = None) -> int:
        return self.state.expire_reply_tokens(user_id)

    def register_content(
        self, message_id: str, content: bytes, content_type: str = "image/jpeg", status: int = 200
    ) -> None:
        self.state.register_content(message_id, content, content_type, status)

    def set_personas(self, personas: Iterable[Persona | dict[str, Any]]) -> None:
        """Replaces the simulated users: Persona objects or {user_id, name, role_label} dicts."""
        if not isinstance(personas, list | tuple):
            raise ValueError("personas must be a list")
        self.state.set_personas([p if isinstance(p, Persona) else parse_personas([p])[0] for p in personas])

    def personas(self) -> list[dict[str, str]]:
        return [p.to_json() for p in self.state.personas()]
