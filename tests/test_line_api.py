"""Our LINE client through the real SDK against the fake platform: content states, quota, timeouts."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from bot.line.api import ContentState, LineApi, LineUnavailable, Outcome
from linesim import FakeLinePlatform
from tests.conftest import ACCESS_TOKEN

USER = "U" + "9" * 32


@pytest.fixture
def line(fake_line: FakeLinePlatform) -> Iterator[LineApi]:
    api = LineApi(ACCESS_TOKEN, fake_line.base_url, timeout=2.0)
    yield api
    api.close()


def test_content_ready_preparing_gone_and_unknown(line: LineApi, fake_line: FakeLinePlatform) -> None:
    fake_line.register_content("m-ready", b"\x89PNG-bytes", content_type="image/png")
    fake_line.register_content("m-preparing", b"", status=202)
    fake_line.register_content("m-gone", b"", status=410)
    ready = line.content("m-ready")
    assert (ready.state, ready.data, ready.content_type) == (ContentState.READY, b"\x89PNG-bytes", "image/png")
    assert line.content("m-preparing").state is ContentState.PREPARING
    assert line.content("m-gone").state is ContentState.GONE
    assert line.content("m-unknown").state is ContentState.ERROR


def test_quota_reading(line: LineApi, fake_line: FakeLinePlatform) -> None:
    assert line.quota().quota_type == "none"
    fake_line.set_monthly_quota(300)
    line.push(USER, [{"type": "text", "text": "x"}], "5f0c8a5e-1111-4b1b-9c1c-2a2b2c2d2e2f")
    reading = line.quota()
    assert (reading.quota_type, reading.limit, reading.usage) == ("limited", 300, 1)


def test_wrong_token_is_rejected_not_retried(fake_line: FakeLinePlatform) -> None:
    api = LineApi("wrong-token", fake_line.base_url, timeout=2.0)
    result = api.push(USER, [{"type": "text", "text": "x"}], "5f0c8a5e-2222-4b1b-9c1c-2a2b2c2d2e2f")
    assert result.outcome is Outcome.REJECTED and result.status == 401
    with pytest.raises(LineUnavailable):
        api.quota()
    api.close()


def test_a_slow_line_times_out_and_is_retried(line: LineApi, fake_line: FakeLinePlatform) -> None:
    line.timeout = 0.3
    fake_line.set_delay("/v2/bot/message/push", 2.0, after_accept=False)
    started = time.monotonic()
    result = line.push(USER, [{"type": "text", "text": "x"}], "5f0c8a5e-3333-4b1b-9c1c-2a2b2c2d2e2f")
    assert result.outcome is Outcome.RETRY and "network" in result.detail
    assert time.monotonic() - started < 1.5


def test_line_down_is_retried(fake_line: FakeLinePlatform) -> None:
    api = LineApi(ACCESS_TOKEN, "http://127.0.0.1:9", timeout=1.0)  # nothing listens there
    assert api.push(USER, [{"type": "text", "text": "x"}], "5f0c8a5e-4444-4b1b-9c1c-2a2b2c2d2e2f").outcome is Outcome.RETRY
    api.close()


def test_whether_a_failed_send_may_have_been_accepted(line: LineApi, fake_line: FakeLinePlatform) -> None:
    """A reply has no retry key: the sender must know whether LINE may have carried out an attempt that got
    no definite answer (then the answer is never pushed as well)."""
    messages = [{"type": "text", "text": "x"}]
    line.timeout = 0.3
    fake_line.set_delay("/v2/bot/message/reply", 1.0, after_accept=True)  # accepted, answered too late
    late = line.reply(fake_line.text_event(USER, "a")["replyToken"], messages)
    fake_line.drop_connection("/v2/bot/message/reply", after_accept=True)
    dropped = line.reply(fake_line.text_event(USER, "b")["replyToken"], messages)
    fake_line.inject_fault("/v2/bot/message/reply", 500)
    failed = line.reply(fake_line.text_event(USER, "c")["replyToken"], messages)
    for result in (late, dropped, failed):
        assert (result.outcome, result.maybe_accepted) == (Outcome.RETRY, True), result
    assert len(fake_line.deliveries(kind="reply")) == 2  # the late one and the dropped one were delivered
    refused = line.reply(fake_line.text_event(USER, "d")["replyToken"] + "-unknown", messages)
    assert (refused.outcome, refused.maybe_accepted) == (Outcome.REPLY_TOKEN_INVALID, False)
    nowhere = LineApi(ACCESS_TOKEN, "http://127.0.0.1:9", timeout=1.0)  # never sent: nothing listens there
    unsent = nowhere.reply(fake_line.text_event(USER, "e")["replyToken"], messages)
    nowhere.close()
    assert (unsent.outcome, unsent.maybe_accepted) == (Outcome.RETRY, False)


def test_sends_carry_the_retry_key_and_thai_text_as_sent(line: LineApi, fake_line: FakeLinePlatform) -> None:
    """The body is serialised by us (UTF-8, not the SDK's models) and posted over the SDK's pool: LINE gets
    the same messages, the push's and the multicast's retry key, and a reply none; its request id comes back."""
    messages = [{"type": "text", "text": "รับเรื่องแล้ว ๑๒๓ \"quoted\" \\ ✓",
                 "quickReply": {"items": [{"type": "action", "action": {"type": "message", "label": "เมนู",
                                                                         "text": "เมนู"}}]}}]
    key = "5f0c8a5e-5555-4b1b-9c1c-2a2b2c2d2e2f"
    pushed = line.push(USER, messages, key)
    multicast = line.multicast([USER, "U" + "1" * 32], messages, "5f0c8a5e-6666-4b1b-9c1c-2a2b2c2d2e2f")
    replied = line.reply(fake_line.text_event(USER, "a")["replyToken"], messages)
    assert [r.outcome for r in (pushed, multicast, replied)] == [Outcome.DELIVERED] * 3
    push, multi, reply = (fake_line.deliveries(kind=kind)[0] for kind in ("push", "multicast", "reply"))
    assert (push.retry_key, multi.retry_key, reply.retry_key) == (key, "5f0c8a5e-6666-4b1b-9c1c-2a2b2c2d2e2f", None)
    assert push.messages == multi.messages == reply.messages == messages
    assert pushed.request_id == push.request_id and replied.request_id == reply.request_id
    again = line.push(USER, messages, key)  # the same key again: LINE answers 409, already accepted
    assert (again.outcome, again.status, again.request_id) == (Outcome.DELIVERED, 409, push.request_id)
