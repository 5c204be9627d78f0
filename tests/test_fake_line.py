"""The fake LINE platform, driven by the real line-bot-sdk v3 over HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import urllib3
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
    MulticastRequest,
    PushMessageRequest,
    ReplyMessageRequest,
    ShowLoadingAnimationRequest,
    TextMessage,
)
from linebot.v3.messaging.exceptions import NotFoundException, ServiceException, UnauthorizedException
from linebot.v3.webhook import WebhookParser
from linebot.v3.webhooks import (
    AudioMessageContent,
    FileMessageContent,
    FollowEvent,
    ImageMessageContent,
    LocationMessageContent,
    MessageEvent,
    PostbackEvent,
    StickerMessageContent,
    TextMessageContent,
    UnfollowEvent,
)
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from linesim import Delivery, FakeLinePlatform
from linesim.chaos import Chaos

SECRET = "test-channel-secret"
TOKEN = "test-access-token"
USER = "U10000000000000000000000000000001"
OTHER = "U20000000000000000000000000000002"
TIMEOUT = 5
# the fake platform's latency in test_latency_delays_every_api_answer_and_calls_overlap: long enough that a
# loaded machine's own delays (a local call can take a few hundred ms at load ~25) cannot pass for it
LATENCY = 0.75
ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


# ----- fixtures -------------------------------------------------------------------------------------
class Receiver:
    """A tiny bot stand-in: records each webhook's raw body and headers, answers `status`."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, dict[str, str]]] = []
        self.status = 200
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.port}/callback"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _app(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        self.received.append((request.get_data(), {k.lower(): v for k, v in request.headers.items()}))
        return Response("OK", status=self.status)(environ, start_response)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    yield rec
    rec.close()


@pytest.fixture(scope="module")
def platform(receiver: Receiver) -> Iterator[FakeLinePlatform]:
    fake = FakeLinePlatform(channel_secret=SECRET, access_token=TOKEN, webhook_url=receiver.url)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def fake(platform: FakeLinePlatform, receiver: Receiver) -> Iterator[FakeLinePlatform]:
    platform.reset()
    receiver.received.clear()
    receiver.status = 200
    yield platform
    platform.set_chaos(None)
    platform.set_monthly_quota(None)
    platform.reply_token_ttl = 60.0
    platform.latency = 0.0
    platform.webhook_url = receiver.url


@pytest.fixture
def client(fake: FakeLinePlatform) -> Iterator[ApiClient]:
    with ApiClient(Configuration(host=fake.base_url, access_token=TOKEN)) as api_client:
        yield api_client


@pytest.fixture
def api(client: ApiClient) -> MessagingApi:
    return MessagingApi(client)


def push(api: MessagingApi, text: str = "แจ้งเตือน", to: str = USER, retry_key: str | None = None) -> Any:
    request = PushMessageRequest(to=to, messages=[TextMessage(text=text)])
    return api.push_message(request, x_line_retry_key=retry_key, _request_timeout=TIMEOUT)


def reply(api: MessagingApi, token: str, text: str = "รับเรื่องแล้ว") -> Any:
    request = ReplyMessageRequest(reply_token=token, messages=[TextMessage(text=text)])
    return api.reply_message(request, _request_timeout=TIMEOUT)


def raw_post(fake: FakeLinePlatform, path: str, body: Any, **headers: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {TOKEN}", **headers}
    return requests.post(fake.base_url + path, json=body, headers=headers, timeout=TIMEOUT)


# ----- push, retry keys ---------------------------------------------------------------------------
def test_push_is_delivered_and_recorded(fake: FakeLinePlatform, api: MessagingApi) -> None:
    key = str(uuid.uuid4())
    response = api.push_message_with_http_info(
        PushMessageRequest(to=USER, messages=[TextMessage(text="ครบกำหนดส่งรายงาน")]),
        x_line_retry_key=key,
        _request_timeout=TIMEOUT,
    )
    assert response.status_code == 200
    assert len(response.data.sent_messages) == 1
    request_id = response.headers["x-line-request-id"]

    [delivery] = fake.deliveries()
    assert isinstance(delivery, Delivery)
    assert delivery.kind == "push"
    assert delivery.to == (USER,)
    assert delivery.messages == [{"type": "text", "text": "ครบกำหนดส่งรายงาน"}]
    assert delivery.retry_key == key
    assert delivery.request_id == request_id
    assert abs(delivery.at - time.time()) < 5
    assert fake.messages_to(USER) == [{"type": "text", "text": "ครบกำหนดส่งรายงาน"}]
    assert fake.messages_to(OTHER) == []
    assert fake.deliveries(kind="reply") == []
    assert fake.usage == 1
    assert fake.count_by_retry_key() == {key: 1}
    [logged] = fake.requests_log()
    assert logged["method"] == "POST"
    assert logged["path"] == "/v2/bot/message/push"
    assert logged["status"] == 200
    assert logged["retry_key"] == key


def test_same_retry_key_twice_answers_409_with_accepted_request_id(
    fake: FakeLinePlatform, api: MessagingApi
) -> None:
    key = str(uuid.uuid4())
    push(api, retry_key=key)
    first_request_id = fake.deliveries()[0].request_id

    with pytest.raises(ApiException) as caught:
        push(api, retry_key=key)

    assert caught.value.status == 409
    assert caught.value.headers["x-line-accepted-request-id"] == first_request_id
    assert json.loads(caught.value.body)["message"] == "The retry key is already accepted"
    assert len(fake.deliveries()) == 1
    assert fake.usage == 1
    assert fake.count_by_retry_key() == {key: 1}
    assert [r["status"] for r in fake.requests_log()] == [200, 409]


def test_retry_key_must_be_a_uuid(fake: FakeLinePlatform) -> None:
    body = {"to": USER, "messages": [{"type": "text", "text": "x"}]}
    response = raw_post(fake, "/v2/bot/message/push", body, **{"X-Line-Retry-Key": "not-a-uuid"})
    assert response.status_code == 400
    assert fake.deliveries() == []


def test_multicast_counts_each_recipient(fake: FakeLinePlatform, api: MessagingApi) -> None:
    key = str(uuid.uuid4())
    request = MulticastRequest(to=[USER, OTHER], messages=[TextMessage(text="ประชุมพรุ่งนี้")])
    assert api.multicast(request, x_line_retry_key=key, _request_timeout=TIMEOUT) == {}
    [delivery] = fake.deliveries(kind="multicast")
    assert delivery.to == (USER, OTHER)
    assert fake.usage == 2
    assert fake.messages_to(OTHER) == [{"type": "text", "text": "ประชุมพรุ่งนี้"}]
    with pytest.raises(ApiException) as caught:
        api.multicast(request, x_line_retry_key=key, _request_timeout=TIMEOUT)
    assert caught.value.status == 409
    assert len(fake.deliveries()) == 1

    too_many = raw_post(
        fake,
        "/v2/bot/message/multicast",
        {"to": [f"U{i:032x}" for i in range(501)], "messages": [{"type": "text", "text": "x"}]},
    )
    assert too_many.status_code == 400
    assert too_many.json()["details"][0]["property"] == "to"


# ----- message validation -------------------------------------------------------------------------
def test_five_messages_accepted_six_rejected(fake: FakeLinePlatform, api: MessagingApi) -> None:
    five = [TextMessage(text=f"ข้อ {i}") for i in range(5)]
    push_ok = api.push_message(PushMessageRequest(to=USER, messages=five), _request_timeout=TIMEOUT)
    assert len(push_ok.sent_messages) == 5

    # The SDK refuses six messages itself; build the request unvalidated so the fake's own check is hit.
    six = PushMessageRequest.construct(to=USER, messages=[TextMessage(text=f"ข้อ {i}") for i in range(6)])
    with pytest.raises(ApiException) as caught:
        api.push_message(six, _request_timeout=TIMEOUT)
    assert caught.value.status == 400
    body = json.loads(caught.value.body)
    assert body["message"] == "The request body has 1 error(s)"
    assert body["details"] == [{"message": "Size must be between 1 and 5", "property": "messages"}]
    assert len(fake.deliveries()) == 1


@pytest.mark.parametrize(
    ("message", "prop"),
    [
        ({"type": "text", "text": ""}, "messages[0].text"),
        ({"type": "text", "text": "ก" * 5001}, "messages[0].text"),
        ({"text": "no type"}, "messages[0].type"),
        ({"type": "flex", "contents": {"type": "bubble"}}, "messages[0].altText"),
    ],
)
def test_invalid_messages_are_rejected(fake: FakeLinePlatform, message: dict[str, Any], prop: str) -> None:
    response = raw_post(fake, "/v2/bot/message/push", {"to": USER, "messages": [message]})
    assert response.status_code == 400
    assert response.json()["details"][0]["property"] == prop
    assert fake.deliveries() == []
    assert fake.usage == 0


def test_text_of_exactly_5000_chars_is_accepted(fake: FakeLinePlatform, api: MessagingApi) -> None:
    push(api, text="ก" * 5000)
    assert len(fake.deliveries()) == 1


# ----- reply tokens -------------------------------------------------------------------------------
def test_reply_token_is_single_use_and_bound_to_its_user(fake: FakeLinePlatform, api: MessagingApi) -> None:
    event = fake.text_event(USER, "สวัสดี")
    response = reply(api, event["replyToken"])
    assert len(response.sent_messages) == 1
    [delivery] = fake.deliveries()
    assert (delivery.kind, delivery.to, delivery.retry_key) == ("reply", (USER,), None)
    assert fake.usage == 0  # replies are free

    with pytest.raises(ApiException) as caught:
        reply(api, event["replyToken"])
    assert caught.value.status == 400
    assert json.loads(caught.value.body) == {"message": "Invalid reply token"}
    assert len(fake.deliveries()) == 1


def test_unknown_reply_token_is_rejected(fake: FakeLinePlatform, api: MessagingApi) -> None:
    with pytest.raises(ApiException) as caught:
        reply(api, "0" * 32)
    assert caught.value.status == 400
    assert json.loads(caught.value.body)["message"] == "Invalid reply token"


def test_expired_reply_token_is_rejected(fake: FakeLinePlatform, api: MessagingApi,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(fake.state, "_clock", lambda: now[0])  # the platform's clock, moved by hand
    fake.reply_token_ttl = 0.2
    event = fake.text_event(USER, "ช่วยด้วย")
    now[0] += 0.3
    with pytest.raises(ApiException) as caught:
        reply(api, event["replyToken"])
    assert caught.value.status == 400
    assert json.loads(caught.value.body)["message"] == "Invalid reply token"
    assert fake.deliveries() == []


def test_expire_reply_tokens_helper(fake: FakeLinePlatform, api: MessagingApi) -> None:
    mine, theirs = fake.text_event(USER, "a"), fake.text_event(OTHER, "b")
    assert fake.expire_reply_tokens(USER) == 1
    with pytest.raises(ApiException):
        reply(api, mine["replyToken"])
    reply(api, theirs["replyToken"])
    assert fake.messages_to(OTHER) == [{"type": "text", "text": "รับเรื่องแล้ว"}]


# ----- faults, delays, quota ----------------------------------------------------------------------
def test_injected_500_once_then_success_and_retry_key_not_stored(
    fake: FakeLinePlatform, api: MessagingApi
) -> None:
    fake.inject_fault("/message/push", 500, times=1)
    key = str(uuid.uuid4())
    with pytest.raises(ServiceException) as caught:
        push(api, retry_key=key)
    assert caught.value.status == 500
    assert json.loads(caught.value.body) == {"message": "Internal server error"}
    assert fake.deliveries() == []

    push(api, retry_key=key)  # the same key is fine: the failed attempt was never accepted
    assert len(fake.deliveries()) == 1
    assert fake.count_by_retry_key() == {key: 1}
    assert [r["status"] for r in fake.requests_log()] == [500, 200]


def test_injected_rate_limit_429(fake: FakeLinePlatform, api: MessagingApi) -> None:
    fake.inject_fault("/message/push", 429, times=2)
    for _ in range(2):
        with pytest.raises(ApiException) as caught:
            push(api)
        assert caught.value.status == 429
        assert (
            json.loads(caught.value.body)["message"]
            == "The API rate limit has been exceeded. Try again later."
        )
    push(api)
    assert len(fake.deliveries()) == 1


def test_fault_only_hits_matching_paths(fake: FakeLinePlatform, api: MessagingApi) -> None:
    fake.inject_fault("/message/reply", 500, body={"message": "boom"})
    push(api)
    with pytest.raises(ServiceException) as caught:
        reply(api, fake.text_event(USER, "x")["replyToken"])
    assert json.loads(caught.value.body) == {"message": "boom"}


def test_delay_after_accept_records_delivery_although_client_times_out(
    fake: FakeLinePlatform, api: MessagingApi
) -> None:
    fake.set_delay("/message/push", 1.0, after_accept=True)
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        api.push_message(
            PushMessageRequest(to=USER, messages=[TextMessage(text="ช้า")]),
            x_line_retry_key=str(uuid.uuid4()),
            _request_timeout=0.3,
        )
    assert len(fake.deliveries()) == 1  # LINE accepted it: a retry must reuse the key


def test_dropped_connection_after_accept_delivers_without_an_answer(
    fake: FakeLinePlatform, api: MessagingApi
) -> None:
    fake.drop_connection("/message/reply", after_accept=True)
    event = fake.text_event(USER, "ช่วยด้วย")
    with pytest.raises(urllib3.exceptions.ProtocolError):
        reply(api, event["replyToken"])
    assert fake.count_by_reply_token() == {event["replyToken"]: 1}  # LINE used the token
    with pytest.raises(ApiException) as caught:  # so a second try cannot tell it from an expired one
        reply(api, event["replyToken"])
    assert json.loads(caught.value.body)["message"] == "Invalid reply token"
    assert [r["status"] for r in fake.requests_log()] == [None, 400]
    assert fake.requests_log()[0]["dropped"] == "after_accept"
    push(api)  # only the matching path, and only once
    assert len(fake.deliveries()) == 2


def test_dropped_connection_before_accept_delivers_nothing(fake: FakeLinePlatform, api: MessagingApi) -> None:
    assert requests.post(
        fake.base_url + "/_fake/drop-connection",
        json={"path_contains": "/message/push", "after_accept": False},
        timeout=TIMEOUT,
    ).ok
    key = str(uuid.uuid4())
    with pytest.raises(urllib3.exceptions.ProtocolError):
        push(api, retry_key=key)
    assert fake.deliveries() == []
    push(api, retry_key=key)
    assert fake.count_by_retry_key() == {key: 1}
    assert fake.requests_log()[0]["dropped"] == "before_accept"


def test_delay_before_accept_delays_execution(fake: FakeLinePlatform, api: MessagingApi) -> None:
    fake.set_delay("/message/push", 0.3, after_accept=False)
    started = time.monotonic()
    push(api)
    assert time.monotonic() - started >= 0.3
    assert len(fake.deliveries()) == 1


@pytest.mark.parametrize("kind", ["500", "429", "reset_before", "reset_after", "late", "timeout"])
def test_chaos_faults_do_what_they_say(fake: FakeLinePlatform, api: MessagingApi, kind: str) -> None:
    """linesim.chaos: each kind of random fault, forced by a rate of 1 (tests/support/soak.py mixes them)."""
    fake.set_chaos(Chaos(seed=7, rates={kind: 1.0}, late_seconds=0.05, timeout_seconds=0.6, retry_after=3))
    key = str(uuid.uuid4())
    if kind in ("500", "429"):
        with pytest.raises(ApiException) as caught:
            push(api, retry_key=key)
        assert caught.value.status == int(kind)
        if kind == "429":
            assert caught.value.headers["Retry-After"] == "3"
    elif kind.startswith("reset"):
        with pytest.raises(urllib3.exceptions.ProtocolError):
            push(api, retry_key=key)
    elif kind == "timeout":
        with pytest.raises(urllib3.exceptions.ReadTimeoutError):
            api.push_message(PushMessageRequest(to=USER, messages=[TextMessage(text="ช้า")]),
                             x_line_retry_key=key, _request_timeout=0.3)
    else:
        push(api, retry_key=key)
    carried_out = kind in ("reset_after", "late", "timeout")
    assert len(fake.deliveries()) == (1 if carried_out else 0)
    assert fake.requests_log()[0]["chaos"] == kind
    assert fake.chaos is not None and fake.chaos.counts() == {kind: 1}
    fake.set_chaos(None)
    if carried_out:  # the same key again: 409, it was delivered
        with pytest.raises(ApiException) as again:
            push(api, retry_key=key)
        assert again.value.status == 409
    else:
        push(api, retry_key=key)
    assert fake.count_by_retry_key() == {key: 1}


def test_chaos_is_seeded_and_spares_other_endpoints(fake: FakeLinePlatform, api: MessagingApi) -> None:
    first, second = Chaos(seed=3, rates={"500": 0.5}), Chaos(seed=3, rates={"500": 0.5})
    draws = [first.pick("/v2/bot/message/push") for _ in range(50)]
    assert draws == [second.pick("/v2/bot/message/push") for _ in range(50)]
    assert 0 < sum(1 for d in draws if d is not None) < 50
    chaos = Chaos(seed=3, rates={"500": 1.0})
    assert chaos.pick("/v2/bot/message/quota") is None
    fake.set_chaos(chaos)
    assert api.get_message_quota(_request_timeout=TIMEOUT).type == "none"
    with pytest.raises(ValueError):
        Chaos(seed=1, rates={"500": 0.7, "429": 0.5})


def test_latency_delays_every_api_answer_and_calls_overlap(fake: FakeLinePlatform, api: MessagingApi) -> None:
    fake.latency = LATENCY
    fake.reset()  # configuration: kept
    assert fake.latency == LATENCY
    started = time.monotonic()
    reply(api, fake.text_event(USER, "x")["replyToken"])
    assert time.monotonic() - started >= LATENCY
    started = time.monotonic()
    threads = [threading.Thread(target=push, args=(api,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.monotonic() - started
    assert LATENCY <= took < 8 * LATENCY - LATENCY  # the calls wait side by side, not one after another
    assert len(fake.deliveries()) == 9
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):  # carried out first, answered late
        api.push_message(PushMessageRequest(to=USER, messages=[TextMessage(text="ช้า")]),
                         x_line_retry_key=str(uuid.uuid4()), _request_timeout=0.1)
    assert len(fake.deliveries()) == 10
    fake.latency = 0
    started = time.monotonic()
    push(api)
    assert time.monotonic() - started < LATENCY


def test_latency_is_set_over_http(fake: FakeLinePlatform) -> None:
    url = fake.base_url + "/_fake/latency"
    assert requests.post(url, json={"seconds": 0.05}, timeout=TIMEOUT).json() == {"seconds": 0.05}
    assert fake.latency == 0.05
    assert requests.get(url, timeout=TIMEOUT).json() == {"seconds": 0.05}
    for bad in ({"seconds": -1}, {"seconds": "1"}, {"seconds": True}, {}, {"seconds": 61}):
        assert requests.post(url, json=bad, timeout=TIMEOUT).status_code == 400
    assert fake.latency == 0.05
    with pytest.raises(ValueError):
        fake.latency = -0.1


def test_monthly_quota(fake: FakeLinePlatform, api: MessagingApi) -> None:
    assert api.get_message_quota(_request_timeout=TIMEOUT).type == "none"
    fake.set_monthly_quota(2)
    quota = api.get_message_quota(_request_timeout=TIMEOUT)
    assert (quota.type, quota.value) == ("limited", 2)

    push(api)
    push(api)
    with pytest.raises(ApiException) as caught:
        push(api)
    assert caught.value.status == 429
    assert json.loads(caught.value.body)["message"] == "You have reached your monthly limit."
    assert api.get_message_quota_consumption(_request_timeout=TIMEOUT).total_usage == 2
    assert fake.usage == 2
    assert len(fake.deliveries()) == 2

    # replies stay free when the quota is gone
    reply(api, fake.text_event(USER, "ยังตอบได้ไหม")["replyToken"])
    assert len(fake.deliveries(kind="reply")) == 1

    fake.new_month()
    assert api.get_message_quota_consumption(_request_timeout=TIMEOUT).total_usage == 0
    push(api)
    assert fake.usage == 1


def test_multicast_over_remaining_quota_is_refused_whole(fake: FakeLinePlatform, api: MessagingApi) -> None:
    fake.set_monthly_quota(1)
    with pytest.raises(ApiException) as caught:
        api.multicast(
            MulticastRequest(to=[USER, OTHER], messages=[TextMessage(text="x")]), _request_timeout=TIMEOUT
        )
    assert caught.value.status == 429
    assert fake.deliveries() == []


# ----- other endpoints ----------------------------------------------------------------------------
def test_message_content_200_202_410_404(fake: FakeLinePlatform, client: ApiClient) -> None:
    blob = MessagingApiBlob(client)
    ready = fake.image_event(USER, content=b"\xff\xd8jpeg-bytes")
    preparing = fake.image_event(USER, content_status=202)
    unsent = fake.file_event(USER, "รายงาน.pdf", b"%PDF-1.4", content_status=410)

    got = blob.get_message_content_with_http_info(ready["message"]["id"], _request_timeout=TIMEOUT)
    assert got.status_code == 200
    assert bytes(got.data) == b"\xff\xd8jpeg-bytes"
    assert got.headers["Content-Type"] == "image/jpeg"

    pending = blob.get_message_content_with_http_info(preparing["message"]["id"], _request_timeout=TIMEOUT)
    assert pending.status_code == 202
    assert not pending.data

    with pytest.raises(ApiException) as gone:
        blob.get_message_content(unsent["message"]["id"], _request_timeout=TIMEOUT)
    assert gone.value.status == 410

    with pytest.raises(NotFoundException):
        blob.get_message_content("999", _request_timeout=TIMEOUT)

    fake.register_content("12345", b"%PDF", content_type="application/pdf")
    pdf = blob.get_message_content_with_http_info("12345", _request_timeout=TIMEOUT)
    assert (bytes(pdf.data), pdf.headers["Content-Type"]) == (b"%PDF", "application/pdf")


def test_bad_bearer_token_is_401(fake: FakeLinePlatform) -> None:
    with (
        ApiClient(Configuration(host=fake.base_url, access_token="wrong")) as bad_client,
        pytest.raises(UnauthorizedException) as caught,
    ):
        push(MessagingApi(bad_client))
    assert caught.value.status == 401
    assert json.loads(caught.value.body)["message"].startswith("Authentication failed")
    assert fake.deliveries() == []
    assert requests.get(fake.base_url + "/v2/bot/message/quota", timeout=TIMEOUT).status_code == 401


def test_loading_profile_and_unknown_path(fake: FakeLinePlatform, api: MessagingApi) -> None:
    api.show_loading_animation(
        ShowLoadingAnimationRequest(chat_id=USER, loading_seconds=10), _request_timeout=TIMEOUT
    )
    assert fake.requests_log()[-1]["status"] == 202
    assert (
        raw_post(fake, "/v2/bot/chat/loading/start", {"chatId": USER, "loadingSeconds": 7}).status_code == 400
    )

    assert api.get_profile("Uunknown", _request_timeout=TIMEOUT).display_name == "ผู้ใช้ทดสอบ"
    fake.set_personas([{"user_id": USER, "name": "สมชาย", "role_label": "ประชาชน (citizen)"}])
    try:
        assert api.get_profile(USER, _request_timeout=TIMEOUT).display_name == "สมชาย"
    finally:
        fake.set_personas(list(_default_personas()))

    missing = requests.get(
        fake.base_url + "/v2/bot/nothing", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=TIMEOUT
    )
    assert missing.status_code == 404
    assert "x-line-request-id" in missing.headers


def _default_personas() -> Any:
    from linesim import DEFAULT_PERSONAS

    return DEFAULT_PERSONAS


def test_reset_clears_history_but_keeps_config(fake: FakeLinePlatform, api: MessagingApi) -> None:
    fake.set_monthly_quota(10)
    token = fake.text_event(USER, "x")["replyToken"]
    push(api, retry_key=(key := str(uuid.uuid4())))
    fake.inject_fault("/message/push", 500)
    fake.reset()
    assert (fake.deliveries(), fake.requests_log(), fake.count_by_retry_key(), fake.usage) == ([], [], {}, 0)
    push(api, retry_key=key)  # retry keys and faults were forgotten
    with pytest.raises(ApiException):
        reply(api, token)  # so were tokens
    assert api.get_message_quota(_request_timeout=TIMEOUT).value == 10


def test_wait_for(fake: FakeLinePlatform) -> None:
    flag = threading.Event()
    threading.Timer(0.1, flag.set).start()
    assert fake.wait_for(flag.is_set, timeout=2)
    assert not fake.wait_for(lambda: False, timeout=0.05)


# ----- webhook sending ----------------------------------------------------------------------------
def test_line_signature_test_vector() -> None:
    fake = FakeLinePlatform(channel_secret="8c570fa6dd201bb328f1c1eac23a96d8", access_token=TOKEN)
    body = b'{"destination":"U8e742f61d673b39c7fff3cecb7536ef0","events":[]}'
    assert fake.sign(body) == "GhRKmvmHys4Pi8DxkF4+EayaH0OqtJtaZxgTD9fMDLs="


def test_send_events_signs_raw_body_like_line(fake: FakeLinePlatform, receiver: Receiver) -> None:
    response = fake.send_text(USER, "ถนนชำรุดหน้าบ้าน")
    assert response.status_code == 200
    [(raw, headers)] = receiver.received
    expected = base64.b64encode(hmac.new(SECRET.encode(), raw, hashlib.sha256).digest()).decode()
    assert headers["x-line-signature"] == expected
    assert headers["content-type"].startswith("application/json")
    payload = json.loads(raw.decode("utf-8"))
    assert payload["destination"].startswith("U")
    [event] = payload["events"]
    assert event["message"]["text"] == "ถนนชำรุดหน้าบ้าน"
    assert event["source"] == {"type": "user", "userId": USER}
    assert ULID.match(event["webhookEventId"])
    assert event["deliveryContext"] == {"isRedelivery": False}
    assert WebhookParser(SECRET).parse(raw.decode("utf-8"), headers["x-line-signature"])


def test_send_events_batch_custom_signature_and_bot_status(
    fake: FakeLinePlatform, receiver: Receiver
) -> None:
    receiver.status = 400
    events = [fake.text_event(USER, "หนึ่ง"), fake.follow_event(OTHER)]
    response = fake.send_events(events, destination="Uabc", signature="forged")
    assert response.status_code == 400
    [(raw, headers)] = receiver.received
    assert headers["x-line-signature"] == "forged"
    payload = json.loads(raw)
    assert payload["destination"] == "Uabc"
    assert [e["webhookEventId"] for e in payload["events"]] == [e["webhookEventId"] for e in events]

    fake.send_events([], include_signature=False)
    assert "x-line-signature" not in receiver.received[-1][1]


def test_redeliver_keeps_event_id_and_reply_token(fake: FakeLinePlatform, receiver: Receiver) -> None:
    event = fake.text_event(USER, "ซ้ำ")
    fake.send_events([event])
    fake.redeliver(event)
    first, second = (json.loads(raw)["events"][0] for raw, _ in receiver.received)
    assert second["webhookEventId"] == first["webhookEventId"]
    assert second["replyToken"] == first["replyToken"]
    assert first["deliveryContext"]["isRedelivery"] is False
    assert second["deliveryContext"]["isRedelivery"] is True
    assert event["deliveryContext"]["isRedelivery"] is False  # the caller's dict is untouched


def test_send_without_webhook_url_raises(fake: FakeLinePlatform) -> None:
    fake.webhook_url = None
    with pytest.raises(RuntimeError):
        fake.send_text(USER, "x")


def test_standby_event_has_no_reply_token(fake: FakeLinePlatform) -> None:
    event = fake.text_event(USER, "โหมดสแตนด์บาย", mode="standby")
    assert event["mode"] == "standby"
    assert "replyToken" not in event
    assert "replyToken" not in fake.unfollow_event(USER)
    active = fake.text_event(USER, "ปกติ")
    assert active["mode"] == "active"
    assert len(active["replyToken"]) >= 32


def test_event_ids_are_fresh_ulids(fake: FakeLinePlatform) -> None:
    ids = {fake.text_event(USER, "x")["webhookEventId"] for _ in range(50)}
    assert len(ids) == 50
    assert all(ULID.match(i) for i in ids)


def _parse(event: dict[str, Any]) -> Any:
    body = json.dumps({"destination": "Uabc", "events": [event]}, ensure_ascii=False)
    signature = base64.b64encode(hmac.new(SECRET.encode(), body.encode(), hashlib.sha256).digest()).decode()
    [parsed] = WebhookParser(SECRET).parse(body, signature)
    return parsed


def test_events_parse_with_the_real_sdk(fake: FakeLinePlatform) -> None:
    text = _parse(fake.text_event(USER, "สวัสดี"))
    assert isinstance(text, MessageEvent)
    assert isinstance(text.message, TextMessageContent)
    assert text.message.text == "สวัสดี"
    assert text.source.user_id == USER

    follow = _parse(fake.follow_event(USER, is_unblocked=True))
    assert isinstance(follow, FollowEvent)
    assert follow.follow.is_unblocked is True

    contents = {
        "image": (fake.image_event(USER), ImageMessageContent),
        "file": (fake.file_event(USER, "a.pdf", b"%PDF"), FileMessageContent),
        "location": (fake.location_event(USER, "ที่เกิดเหตุ", "ถ.สุขุมวิท", 13.75, 100.5), LocationMessageContent),
        "sticker": (fake.sticker_event(USER), StickerMessageContent),
        "audio": (fake.audio_event(USER, duration_ms=1500), AudioMessageContent),
    }
    for name, (event, content_type) in contents.items():
        parsed = _parse(event)
        assert isinstance(parsed, MessageEvent), name
        assert isinstance(parsed.message, content_type), name
    assert _parse(contents["file"][0]).message.file_size == 4

    postback = _parse(fake.postback_event(USER, "action=pick&id=1", {"date": "2025-01-31"}))
    assert isinstance(postback, PostbackEvent)
    assert postback.postback.params == {"date": "2025-01-31"}
    assert isinstance(_parse(fake.unfollow_event(USER)), UnfollowEvent)


# ----- control endpoints and the chat page --------------------------------------------------------
def test_chat_page_is_served(fake: FakeLinePlatform) -> None:
    response = requests.get(fake.base_url + "/", timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<html" in response.text
    script = requests.get(fake.base_url + "/_fake/static/chat_page.js", timeout=TIMEOUT)
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert "/_fake/thread" in script.text
    assert requests.get(fake.base_url + "/_fake/static/server.py", timeout=TIMEOUT).status_code == 404


def test_control_endpoints_drive_a_conversation(
    fake: FakeLinePlatform, api: MessagingApi, receiver: Receiver
) -> None:
    base = fake.base_url
    personas = requests.get(base + "/_fake/personas", timeout=TIMEOUT).json()["personas"]
    assert personas[0]["role_label"] == "ประชาชน (citizen)"

    sent = requests.post(
        base + "/_fake/send", json={"user_id": USER, "type": "text", "text": "ร้องเรียน"}, timeout=TIMEOUT
    )
    assert sent.status_code == 200
    assert sent.json()["status"] == 200
    event = sent.json()["event"]
    assert json.loads(receiver.received[-1][0])["events"][0]["webhookEventId"] == event["webhookEventId"]
    reply(api, event["replyToken"], "รับเรื่องร้องเรียนแล้ว")

    postback = requests.post(
        base + "/_fake/send",
        json={"user_id": USER, "type": "postback", "data": "a=1", "display_text": "ยืนยัน"},
        timeout=TIMEOUT,
    ).json()
    assert postback["event"]["postback"]["data"] == "a=1"

    items = requests.get(base + "/_fake/thread", params={"user_id": USER}, timeout=TIMEOUT).json()["items"]
    assert [(i["side"], i["kind"]) for i in items] == [
        ("user", "message"),
        ("bot", "reply"),
        ("user", "postback"),
    ]
    assert items[1]["message"]["text"] == "รับเรื่องร้องเรียนแล้ว"
    assert items[2]["label"] == "ยืนยัน"
    later = requests.get(
        base + "/_fake/thread", params={"user_id": USER, "since": items[1]["seq"]}, timeout=TIMEOUT
    )
    assert len(later.json()["items"]) == 1

    deliveries = requests.get(
        base + "/_fake/deliveries", params={"to": USER, "kind": "reply"}, timeout=TIMEOUT
    )
    assert deliveries.json()["deliveries"][0]["to"] == [USER]
    bad = requests.post(base + "/_fake/send", json={"user_id": USER, "type": "video"}, timeout=TIMEOUT)
    assert bad.status_code == 400


def test_control_faults_quota_and_retry_keys(fake: FakeLinePlatform, api: MessagingApi) -> None:
    base = fake.base_url
    assert requests.post(
        base + "/_fake/fault", json={"path_contains": "/push", "status": 500}, timeout=TIMEOUT
    ).ok
    with pytest.raises(ServiceException):
        push(api)
    assert requests.post(base + "/_fake/quota", json={"limit": 1}, timeout=TIMEOUT).json() == {
        "limit": 1,
        "usage": 0,
    }
    key = str(uuid.uuid4())
    push(api, retry_key=key)
    with pytest.raises(ApiException) as caught:
        push(api)
    assert caught.value.status == 429
    assert requests.get(base + "/_fake/retry-keys", timeout=TIMEOUT).json() == {key: 1}
    assert requests.post(base + "/_fake/new-month", timeout=TIMEOUT).ok
    assert fake.usage == 0
    assert requests.post(base + "/_fake/reset", timeout=TIMEOUT).ok
    assert fake.deliveries() == []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_standalone_process_serves_and_logs_without_message_text(tmp_path: Path) -> None:
    port = _free_port()
    personas = tmp_path / "personas.json"
    personas.write_text(json.dumps([{"user_id": USER, "name": "สมศรี", "role_label": "ประชาชน (citizen)"}]))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "linesim",
            "--port",
            str(port),
            "--channel-secret",
            "S",
            "--access-token",
            "T",
            "--monthly-quota",
            "5",
            "--personas",
            str(personas),
        ],
        cwd=Path(__file__).resolve().parents[1],
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"

    def listening() -> bool:
        assert proc.poll() is None, f"linesim exited with {proc.returncode}"
        try:
            requests.get(base + "/_fake/personas", timeout=1)
        except requests.ConnectionError:
            return False
        return True

    try:
        # A fresh interpreter importing the SDK: seconds on a loaded machine, hence the generous timeout.
        assert FakeLinePlatform.wait_for(listening, timeout=60, interval=0.05), "linesim did not start listening"
        assert requests.get(base + "/_fake/personas", timeout=TIMEOUT).json()["personas"][0]["name"] == "สมศรี"
        with ApiClient(Configuration(host=base, access_token="T")) as standalone:
            push(MessagingApi(standalone), text="ข้อความลับ")
            assert MessagingApi(standalone).get_message_quota(_request_timeout=TIMEOUT).value == 5
        delivered = requests.get(base + "/_fake/deliveries", timeout=TIMEOUT).json()["deliveries"]
        assert delivered[0]["messages"] == [{"type": "text", "text": "ข้อความลับ"}]
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=30)
    assert "POST /v2/bot/message/push -> 200" in stderr
    assert "ข้อความลับ" not in stderr
