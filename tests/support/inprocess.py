"""The in-process tier: the bot's real processing path on the test's real database, with no HTTP, no
worker thread and no fake platform server.

A `ChatBot` is the same `Services` the web app builds (the Flask app is built, never served, so the CLI
and the pages can be driven through it) with `EventProcessing` from bot/worker.py on top. A test sends an
event as a LINE user: the event is stored in the inbox exactly as the webhook stores it (`storable_event`,
`store_new_events`) and `ChatBot.wait_idle` then runs, in the test's thread, what the worker's threads
run: `EventProcessor.process_due` (claim, `Application.dispatch`, `Context.flush`, the "done" mark, one
commit), the evidence fetcher and the outbox sender.

Only the last step differs from production: the outbox sender and the evidence fetcher talk to an
in-process stand-in for the SDK client (`InProcessLineApi`) that applies the fake platform's own rules
(`linesim.state.PlatformState`: message validation, single-use reply tokens that expire, retry keys,
quota, content with 202/410, injected faults) without HTTP. So answers are read back from what the
handlers wrote to the outbox, after the real sender has delivered the rows (and scrubbed the private ones,
as it does in production): replies to a user and pushes to anyone, with the same `fake.messages_to` and
`fake.deliveries` as the end-to-end tier, and the same helpers (tests/support/chat.py) work on both.

The wire itself — signatures, the real SDK, HTTP retries, threads and ordering under concurrency — is the
end-to-end tier's (tests/conftest.py `bot`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from linebot.v3.messaging.exceptions import ApiException

from bot.app import create_app
from bot.config import Settings
from bot.line.api import (
    Content,
    ContentState,
    LineApi,
    LineUnavailable,
    Outcome,
    QuotaReading,
    SendResult,
    classify_api_exception,
)
from bot.line.evidence_fetcher import EvidenceFetcher
from bot.line.outbox_sender import OutboxSender
from bot.line.quota import QuotaMonitor
from bot.services import Services, delivery_policy
from bot.worker import EventProcessing, Worker
from handlers.expiry import expire_abandoned
from linesim import FakeLinePlatform, events
from linesim.errors import ApiError
from linesim.ids import new_request_id
from storage.clock import utcnow
from storage.inbox import storable_event, store_new_events
from storage.models import InboxStatus, OutboxStatus
from tests.conftest import make_env
from tests.support import chat

UNREACHABLE_LINE = "http://127.0.0.1:9"  # never called: the in-process LINE client replaces the SDK's


class InProcessLineApi(LineApi):
    """`bot.line.api.LineApi` answering from the fake platform's state, in process: the same rules and
    records as over HTTP, the same outcomes (`classify_api_exception` reads the error as the SDK gives
    it). Injected faults apply (`fake.inject_fault`); delays do not (nothing here waits)."""

    def __init__(self, platform: FakeLinePlatform) -> None:  # no SDK client: nothing goes over HTTP
        self.platform = platform
        self.timeout = 0.0

    def close(self) -> None:
        pass

    @property
    def _state(self) -> Any:
        return self.platform.state

    def _call(self, path: str, is_reply: bool, send: Callable[[str], Any]) -> SendResult:
        request_id = new_request_id()
        try:
            fault = self._state.take_fault(path)
            if fault is not None:
                raise ApiError(fault.status, fault.body)
            send(request_id)
        except ApiError as error:
            exc = ApiException(status=error.status, reason="fake")
            exc.body = json.dumps(error.body).encode()
            exc.headers = {"x-line-request-id": request_id, **error.headers}
            return classify_api_exception(exc, is_reply=is_reply)
        return SendResult(Outcome.DELIVERED, request_id, "", 200)

    def reply(self, reply_token: str, messages: list[dict[str, Any]]) -> SendResult:
        body = {"replyToken": reply_token, "messages": messages}
        return self._call("/v2/bot/message/reply", True, lambda rid: self._state.reply(rid, body))

    def push(self, to: str, messages: list[dict[str, Any]], retry_key: str) -> SendResult:
        body = {"to": to, "messages": messages}
        return self._call("/v2/bot/message/push", False, lambda rid: self._state.push(rid, body, retry_key))

    def multicast(self, to: list[str], messages: list[dict[str, Any]], retry_key: str) -> SendResult:
        body = {"to": to, "messages": messages}
        return self._call("/v2/bot/message/multicast", False,
                          lambda rid: self._state.multicast(rid, body, retry_key))

    def quota(self) -> QuotaReading:
        if self._state.take_fault("/v2/bot/message/quota") is not None:
            raise LineUnavailable("quota: fault")
        quota = self._state.quota_json()
        return QuotaReading(quota["type"], quota.get("value"), self._state.usage)

    def content(self, message_id: str) -> Content:
        path = f"/v2/bot/message/{message_id}/content"
        fault = self._state.take_fault(path)
        stored = self._state.content(message_id)
        if fault is not None:
            return Content(ContentState.ERROR, detail=f"HTTP {fault.status}")
        if stored is None:
            return Content(ContentState.ERROR, detail="HTTP 404")
        if stored.status == 202:
            return Content(ContentState.PREPARING)
        if stored.status == 410:
            return Content(ContentState.GONE, detail="The content is no longer available")
        return Content(ContentState.READY, stored.data, stored.content_type)


class InProcessPlatform(FakeLinePlatform):
    """The fake LINE platform without its server: the same event builders (reply tokens issued, content
    registered) and records; `send_events` stores the events in the bot's inbox the way the webhook does,
    instead of posting them signed."""

    def __init__(self, store: Callable[[list[dict[str, Any]]], None]) -> None:
        super().__init__(channel_secret="in-process", access_token="in-process")
        self.store = store  # the bot's inbox

    def send_events(self, events_: list[dict[str, Any]], destination: str = events.DEFAULT_DESTINATION,
                    signature: str | None = None, *, include_signature: bool = True,
                    labels: dict[str, str] | None = None) -> Any:
        for event in events_:
            self.state.record_user_event(event, (labels or {}).get(event.get("webhookEventId", "")))
        self.store(events_)
        return Stored()

    def redeliver(self, event: dict[str, Any], destination: str = events.DEFAULT_DESTINATION) -> Any:
        self.store([events.as_redelivery(event)])
        return Stored()

    @property
    def base_url(self) -> str:
        raise RuntimeError("the in-process platform has no server: use the `bot` fixture for HTTP")


@dataclass(frozen=True)
class Stored:
    """What `send_events` returns: the webhook's answer once the events are stored."""

    status_code: int = 200


@dataclass
class ChatBot:
    """The bot in process: `Services` + `EventProcessing` on the test's database (see the module doc)."""

    app: Flask
    services: Services
    processing: EventProcessing
    fake: InProcessPlatform = field(init=False)

    @classmethod
    def build(cls, settings: Settings, platform: InProcessPlatform | None = None) -> ChatBot:
        """`platform`: another bot's, to go on with the same LINE after a restart."""
        app = create_app(settings)
        services: Services = app.extensions["itabot"]
        bot = cls(app, services, EventProcessing.build(services))
        bot.fake = platform or InProcessPlatform(bot.store)
        bot.fake.store = bot.store
        line = InProcessLineApi(bot.fake)
        services.line.close()
        services.line = line
        services.sender = OutboxSender(services.uow, line, delivery_policy(settings))
        services.evidence = EvidenceFetcher(services.uow, line, services.answers_committed)
        services.quota = QuotaMonitor(services.uow, line)
        return bot

    def stop(self) -> None:
        self.services.close()

    @property
    def org_id(self) -> int:
        return self.services.org_id()

    @property
    def http(self) -> FlaskClient:
        """The web app without a server (public pages, report links): Flask's test client."""
        return self.app.test_client()

    # ----- the webhook's part and the worker's part, in the test's thread ---------------------------
    def store(self, events_: list[dict[str, Any]]) -> None:
        """Store events in the inbox as the webhook does (`EventStore._write`, without its thread)."""
        org_id = self.org_id  # before the transaction: on first use it creates the organisation in its own
        with self.services.engine.begin() as connection:
            store_new_events(connection, org_id, [storable_event(e) for e in events_], utcnow())

    def step(self) -> int:
        """One pass of the worker's event, evidence and delivery loops, in that order: how much was done."""
        done = self.processing.processor.process_due(20)
        done += self.services.evidence.fetch_due()
        return done + sum(self.services.sender.deliver_due(20).values())

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Run the worker's loops until every stored event is finished and no answer is left to send
        (an event or a row retried after a backoff is waited for, as the worker would); fail when nothing
        moves for `timeout` seconds."""
        busy = {InboxStatus.PENDING.value, InboxStatus.PROCESSING.value}
        sending = {OutboxStatus.PENDING.value, OutboxStatus.SENDING.value}
        deadline = time.monotonic() + timeout
        while True:
            done = self.step()
            with self.services.uow() as uow:
                inbox = uow.inbox.counts_by_status()
                outbox = uow.outbox.counts_by_status()
            if not any(inbox.get(s) for s in busy) and not any(outbox.get(s) for s in sending):
                return
            if done:
                deadline = time.monotonic() + timeout
            else:
                assert time.monotonic() < deadline, f"the bot did not settle in time: {inbox} {outbox}"
                time.sleep(0.01)  # a retry's backoff (INBOX/OUTBOX_RETRY_BASE_SECONDS: 0.05 s in tests)

    def deliver(self) -> int:
        """What the worker's delivery threads do when woken: send every due outbox row."""
        sent = 0
        while batch := sum(self.services.sender.deliver_due(20).values()):
            sent += batch
        return sent

    def worker_pass(self) -> dict[str, int]:
        """`Worker.run_once`, as `itabot worker --once` runs it (expiry, deadlines, retention, quota)."""
        return Worker(self.services, processing=self.processing).run_once()

    def expire_conversations(self) -> int:
        """The worker's periodic sweep of abandoned conversations, then delivery of its pushes."""
        expired = expire_abandoned(self.services.uow, self.processing.conversations,
                                   self.services.settings.secret_key)
        self.wait_idle()
        return expired

    def texts_to(self, user_id: str) -> list[str]:
        return [m.get("text", m.get("altText", "")) for m in self.fake.messages_to(user_id)]

    # ----- the chat helpers as methods (tests/support/chat.py works on a ChatBot as well) ------------
    def say(self, user: str, text: str) -> dict[str, Any]:
        return chat.say(self, user, text)

    def say_all(self, user: str, text: str) -> list[dict[str, Any]]:
        return chat.say_all(self, user, text)

    def tap(self, user: str, data: str) -> dict[str, Any]:
        return chat.tap(self, user, data)

    def send(self, event: dict[str, Any]) -> dict[str, Any]:
        return chat.send(self, event)

    def pushes_to(self, user: str) -> list[str]:
        return chat.pushes_to(self, user)

    quick_replies = staticmethod(chat.quick_replies)


@pytest.fixture
def start_chat_bot(database_url: str, tmp_path: Path) -> Iterator[Callable[..., ChatBot]]:
    """Build in-process bots with settings overridden as environment variables (like `start_bot`)."""
    started: list[ChatBot] = []

    def start(platform: InProcessPlatform | None = None, **overrides: Any) -> ChatBot:
        settings = Settings.from_env(make_env(database_url, UNREACHABLE_LINE, tmp_path, **overrides))
        bot = ChatBot.build(settings, platform)
        started.append(bot)
        return bot

    yield start
    for bot in started:
        bot.stop()


@pytest.fixture
def chat_bot(start_chat_bot: Callable[..., ChatBot]) -> ChatBot:
    return start_chat_bot()
