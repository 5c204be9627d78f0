"""The outbox: retry keys, retries, 409, rate limits, parked on quota, blocked users, several workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from bot.config import Settings
from bot.line.outbox_sender import CLOSING, OutboxSender
from bot.services import Services
from bot.worker import Worker, WorkerOptions
from linesim.chaos import Chaos
from storage.clock import utcnow
from storage.models import OutboxMessage, OutboxStatus, Priority
from tests.conftest import RunningBot, make_env, wait_for

USER = "U" + "a" * 32


def enqueue_push(bot: RunningBot, user: str = USER, text: str = "แจ้งเตือน", count: int = 1) -> list[OutboxMessage]:
    with bot.services.uow() as uow:
        rows = []
        for i in range(count):
            rows += uow.outbox.add_push(bot.org_id, user, [{"type": "text", "text": f"{text} {i}"}],
                                        Priority.NORMAL, utcnow())
        uow.commit()
        return rows


def row(bot: RunningBot, message_id: int) -> OutboxMessage:
    with bot.services.uow() as uow:
        found = uow.outbox.get(message_id)
        assert found is not None
        return found


def outbox_statuses(bot: RunningBot) -> Counter[str]:
    with bot.services.uow() as uow:
        return Counter(uow.session.scalars(select(OutboxMessage.status)))


def test_line_500_then_success_is_one_delivery_with_the_same_retry_key(bot_without_worker: RunningBot) -> None:
    bot = bot_without_worker
    [message] = enqueue_push(bot)
    bot.fake.inject_fault("/v2/bot/message/push", 500, times=2)
    bot.services.sender.deliver_due()
    assert row(bot, message.id).status == OutboxStatus.PENDING.value
    assert wait_for(lambda: sum(bot.services.sender.deliver_due().values()) == 0 and
                    row(bot, message.id).status == OutboxStatus.DELIVERED.value, timeout=5)
    pushes = [r for r in bot.fake.requests_log() if r["path"].endswith("/push")]
    assert [r["status"] for r in pushes] == [500, 500, 200]
    assert {r["retry_key"] for r in pushes} == {message.retry_key}
    assert bot.fake.count_by_retry_key() == {message.retry_key: 1}
    assert len(bot.fake.deliveries(to=USER)) == 1


def test_409_retry_key_already_accepted_counts_as_delivered(bot_without_worker: RunningBot) -> None:
    bot = bot_without_worker
    [message] = enqueue_push(bot)
    # LINE accepted it but our answer got lost (slow answer, client timed out): the resend gets 409.
    bot.fake.set_delay("/v2/bot/message/push", 4.0, times=1, after_accept=True)
    results = bot.services.sender.deliver_due()
    assert results == Counter({"retry": 1})
    assert wait_for(lambda: bot.services.sender.deliver_due().get("delivered") == 1, timeout=5)
    delivered = row(bot, message.id)
    assert delivered.status == OutboxStatus.DELIVERED.value
    assert delivered.line_request_id  # the accepted request's id, from x-line-accepted-request-id
    assert [r["status"] for r in bot.fake.requests_log() if r["path"].endswith("/push")][-1] == 409
    assert bot.fake.count_by_retry_key() == {message.retry_key: 1}


def test_other_4xx_fails_with_the_reason_kept(bot_without_worker: RunningBot) -> None:
    bot = bot_without_worker
    [message] = enqueue_push(bot)
    bot.fake.inject_fault("/v2/bot/message/push", 400, body={"message": "The request body has 1 error(s)"})
    assert bot.services.sender.deliver_due() == Counter({"failed": 1})
    failed = row(bot, message.id)
    assert failed.status == OutboxStatus.FAILED.value
    assert "The request body has 1 error(s)" in (failed.last_error or "")
    assert bot.services.sender.deliver_due() == Counter()  # never retried


def test_rate_limit_backs_off_the_whole_batch(bot_without_worker: RunningBot) -> None:
    bot = bot_without_worker
    messages = enqueue_push(bot, count=3)
    bot.fake.inject_fault("/v2/bot/message/push", 429)
    assert bot.services.sender.deliver_due() == Counter({"rate_limited": 1})
    for message in messages:
        waiting = row(bot, message.id)
        assert waiting.status == OutboxStatus.PENDING.value
        assert waiting.next_attempt_at > utcnow()
        assert waiting.attempts == 0 or message.id == messages[0].id
    assert bot.fake.deliveries() == []


def test_rate_limit_waits_as_long_as_retry_after_says(bot_without_worker: RunningBot) -> None:
    """A 429 with `Retry-After: 1`: the batch waits about a second (not the 30 s default), then goes."""
    bot = bot_without_worker
    messages = enqueue_push(bot, count=3)
    bot.fake.set_chaos(Chaos(seed=1, rates={"429": 1.0}, retry_after=1))
    before = utcnow()
    assert bot.services.sender.deliver_due() == Counter({"rate_limited": 1})
    bot.fake.set_chaos(None)
    for message in messages:
        waiting = row(bot, message.id)
        assert waiting.status == OutboxStatus.PENDING.value
        assert before + timedelta(seconds=0.9) <= waiting.next_attempt_at <= utcnow() + timedelta(seconds=1.1)
    assert wait_for(lambda: bot.services.sender.deliver_due().get("delivered") == 3, timeout=10)
    assert len(bot.fake.deliveries()) == 3


def test_monthly_quota_exhausted_parks_messages_until_the_quota_returns(bot_without_worker: RunningBot) -> None:
    bot = bot_without_worker
    bot.fake.set_monthly_quota(1)
    first, second = enqueue_push(bot, count=2)
    results = bot.services.sender.deliver_due()
    assert results == Counter({"delivered": 1, "quota_exhausted": 1})
    parked = row(bot, second.id)
    assert parked.status == OutboxStatus.PARKED.value
    assert "monthly limit" in (parked.last_error or "")
    health = requests.get(f"{bot.url}/healthz", timeout=5).json()  # what admins see
    assert health["outbox"]["by_status"]["parked"] == 1
    assert health["quota"]["exhausted"] is True
    # still exhausted: the worker reads the quota and leaves it parked
    bot.worker_pass()
    assert row(bot, second.id).status == OutboxStatus.PARKED.value
    bot.fake.new_month()
    bot.worker_pass()
    assert row(bot, second.id).status == OutboxStatus.DELIVERED.value
    assert bot.fake.count_by_retry_key() == {first.retry_key: 1, second.retry_key: 1}
    with bot.services.uow() as uow:
        snapshot = uow.outbox.quota(bot.org_id)
        assert snapshot is not None and snapshot.exhausted_at is None
        assert (snapshot.quota_type, snapshot.quota_limit, snapshot.total_usage) == ("limited", 1, 0)


def test_unfollow_stops_pushes(bot_without_worker: RunningBot) -> None:
    bot = bot_without_worker
    assert bot.fake.send_events([bot.fake.follow_event(USER)]).status_code == 200
    bot.wait_idle()
    assert bot.fake.send_events([bot.fake.unfollow_event(USER)]).status_code == 200
    bot.wait_idle()
    [message] = enqueue_push(bot)
    bot.worker_pass()
    assert row(bot, message.id).status == OutboxStatus.CANCELLED.value
    assert bot.fake.deliveries(kind="push") == []
    # following again (unblocking) brings pushes back
    assert bot.fake.send_events([bot.fake.follow_event(USER, is_unblocked=True)]).status_code == 200
    bot.wait_idle()
    assert "ยินดีต้อนรับกลับมา" in bot.texts_to(USER)[-1]
    [again] = enqueue_push(bot)
    bot.worker_pass()
    assert row(bot, again.id).status == OutboxStatus.DELIVERED.value


def test_multicast_skips_blocked_recipients_and_splits_over_500(bot_without_worker: RunningBot) -> None:
    bot = bot_without_worker
    users = [f"U{i:032x}" for i in range(501)]
    with bot.services.uow() as uow:
        uow.people.set_blocked(bot.org_id, users[0], True, utcnow())
        rows = uow.outbox.add_multicast(bot.org_id, users, [{"type": "text", "text": "ประกาศ"}],
                                        Priority.NORMAL, utcnow())
        uow.commit()
    assert [len(r.recipients) for r in rows] == [500, 1]
    bot.worker_pass()
    deliveries = bot.fake.deliveries()
    recipients = [u for d in deliveries for u in d.to]
    assert users[0] not in recipients
    assert sorted(recipients) == sorted(users[1:])


def test_two_workers_drain_the_outbox_without_double_sends(bot_without_worker: RunningBot, database_url: str,
                                                          tmp_path: Path) -> None:
    bot = bot_without_worker
    messages = enqueue_push(bot, count=120)
    env = make_env(database_url, bot.fake.base_url, tmp_path)
    workers = [Services.build(Settings.from_env(env)) for _ in range(2)]
    running: list[tuple[threading.Event, threading.Thread]] = []

    def all_recorded() -> bool:
        with bot.services.uow() as uow:
            return set(uow.outbox.counts_by_status()) == {OutboxStatus.DELIVERED.value}

    try:
        for services in workers:
            worker = Worker(services, WorkerOptions(delivery_threads=3, batch_size=5, idle_sleep=0.02))
            thread = threading.Thread(target=worker.run_forever, daemon=True)
            thread.start()
            running.append((worker.stop_event, thread))
        assert wait_for(lambda: len(bot.fake.deliveries()) >= 120, timeout=30)
        assert wait_for(all_recorded, timeout=30)  # every outcome recorded: nothing left to send twice
    finally:
        for stop, _ in running:
            stop.set()
        for _, thread in running:
            thread.join(timeout=30)
        for services in workers:
            services.close()
    counts = bot.fake.count_by_retry_key()
    assert len(counts) == 120 and set(counts.values()) == {1}
    assert len(bot.fake.deliveries()) == 120
    with bot.services.uow() as uow:
        statuses = {r.status for r in uow.session.scalars(select(OutboxMessage))}
    assert statuses == {OutboxStatus.DELIVERED.value}
    assert {m.retry_key for m in messages} == set(counts)


def _stop(process: subprocess.Popen[bytes], log: Path) -> None:
    """SIGTERM (the worker finishes what it is doing). A worker not stopped 30 s later fails the test with
    where its threads stood (SIGUSR1: the worker writes their stacks to its log) and the log's end."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
        return
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGUSR1)
        wait_for(lambda: "most recent call first" in log.read_text(errors="replace"), timeout=10)
        process.kill()
        process.wait(timeout=10)
    raise AssertionError("the worker did not stop within 30 s of SIGTERM; its log ends:\n"
                         + log.read_text(errors="replace")[-8000:])


def _worker_process(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`itabot worker`, its log in a file (a pipe nobody reads would stop it once the pipe is full)."""
    with open(log, "ab") as output:
        return subprocess.Popen(
            [sys.executable, "-c", "from bot.cli.main import main; main()", "worker", "--threads", "1"],
            env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=output,
        )


@pytest.mark.long
def test_worker_killed_mid_delivery_delivers_exactly_once_after_restart(
        bot_without_worker: RunningBot, database_url: str, tmp_path: Path) -> None:
    bot = bot_without_worker
    [message] = enqueue_push(bot)
    env = make_env(database_url, bot.fake.base_url, tmp_path, OUTBOX_LEASE_SECONDS=2, LINE_REQUEST_TIMEOUT=10)
    # LINE accepts the push, then the answer is slow: the worker dies while waiting for it.
    bot.fake.set_delay("/v2/bot/message/push", 8.0, times=1, after_accept=True)
    first = _worker_process(env, tmp_path / "first-worker.log")
    try:
        assert wait_for(lambda: len(bot.fake.deliveries()) == 1, timeout=90)  # a worker process starts slowly
        assert row(bot, message.id).status == OutboxStatus.SENDING.value
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    second_log = tmp_path / "second-worker.log"
    second = _worker_process(env, second_log)
    try:
        assert wait_for(lambda: row(bot, message.id).status == OutboxStatus.DELIVERED.value, timeout=90)
        # a worker that seems stuck tells where its threads stand (README), as often as asked, and goes on
        for asked in range(1, 4):
            second.send_signal(signal.SIGUSR1)
            assert wait_for(lambda asked=asked: second_log.read_text(errors="replace").count("(SIGUSR1)") == asked,
                            timeout=10)
        assert "in _loop" in second_log.read_text(errors="replace") and second.poll() is None
    finally:
        _stop(second, second_log)
    assert bot.fake.count_by_retry_key() == {message.retry_key: 1}
    assert len(bot.fake.deliveries(to=USER)) == 1
    statuses = [r["status"] for r in bot.fake.requests_log() if r["path"].endswith("/push")]
    assert statuses[-1] == 409



@pytest.mark.long
@pytest.mark.parametrize("concurrency", [1, 16], ids=["one-at-a-time", "concurrent"])
def test_worker_killed_while_a_reply_is_in_flight_never_pushes_it(
        bot_without_worker: RunningBot, database_url: str, tmp_path: Path, concurrency: int) -> None:
    """kill -9 with a reply LINE accepted but had not yet answered: the restarted worker's resend gets
    "Invalid reply token", and that answer is not pushed (it would arrive twice) but kept as 'uncertain'.
    Sending one at a time, the other four had not gone yet: delivered. Sending the batch side by side, the
    kill may also catch others LINE accepted before their outcome was recorded: uncertain as well, never
    pushed, never twice."""
    bot = bot_without_worker
    # Two worker processes start one after the other: on a loaded machine that took longer than a reply
    # token lives (60 s), and the four other answers were pushed instead. Expiry is not what this tests.
    bot.fake.state.reply_token_ttl = 600.0
    people = [f"U{i:032x}" for i in range(1, 6)]
    assert bot.fake.send_events([bot.fake.text_event(u, "ช่วยเหลือ") for u in people]).status_code == 200
    while bot.processing.processor.process_due(20):  # the answers are in the outbox, none sent
        pass
    env = make_env(database_url, bot.fake.base_url, tmp_path, OUTBOX_LEASE_SECONDS=2, LINE_REQUEST_TIMEOUT=10,
                   OUTBOX_SEND_CONCURRENCY=concurrency)
    bot.fake.set_delay("/v2/bot/message/reply", 8.0, times=1, after_accept=True)
    first = _worker_process(env, tmp_path / "first-worker.log")
    try:
        assert wait_for(lambda: len(bot.fake.deliveries()) == 1 if concurrency == 1 else bot.fake.deliveries(),
                        timeout=60)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    second_log = tmp_path / "second-worker.log"
    second = _worker_process(env, second_log)
    try:
        assert wait_for(lambda: set(outbox_statuses(bot)) <= {"delivered", "uncertain"}, timeout=60)
    finally:
        _stop(second, second_log)
    assert [len(bot.fake.deliveries(to=u)) for u in people] == [1] * 5
    assert bot.fake.deliveries(kind="push") == []
    assert set(bot.fake.count_by_reply_token().values()) == {1}
    if concurrency == 1:
        assert outbox_statuses(bot) == Counter({"delivered": 4, "uncertain": 1})
    else:
        assert outbox_statuses(bot)["uncertain"] >= 1
        assert outbox_statuses(bot).total() == 5


def test_a_batch_goes_out_concurrently_each_chat_in_order_and_once(bot_without_worker: RunningBot) -> None:
    """LINE answers after 0.3 s. Ten people each have a reply and then two pushes waiting (30 rows): one
    batch sends the ten chats side by side, each chat's rows one after another in the order written."""
    bot = bot_without_worker
    people = [f"U{i:032x}" for i in range(1, 11)]
    assert bot.fake.send_events([bot.fake.text_event(user, "ช่วยเหลือ") for user in people]).status_code == 200
    while bot.processing.processor.process_due(20):
        pass
    for user in people:
        enqueue_push(bot, user, count=2)
    bot.fake.latency = 0.3
    try:
        started = time.monotonic()
        assert bot.services.sender.deliver_due(30) == Counter({"delivered": 30})
        took = time.monotonic() - started
    finally:
        bot.fake.latency = 0.0
    assert took < 30 * 0.3 / 3, f"{took:.1f}s: not sent side by side"  # one after another: 9 s
    for user in people:
        sent = sorted(bot.fake.deliveries(to=user), key=lambda d: d.at)
        assert [d.kind for d in sent] == ["reply", "push", "push"]
        assert [d.messages[0]["text"] for d in sent[1:]] == ["แจ้งเตือน 0", "แจ้งเตือน 1"]
    assert set(bot.fake.count_by_reply_token().values()) == {1}
    assert set(bot.fake.count_by_retry_key().values()) == {1}
    assert outbox_statuses(bot) == Counter({"delivered": 30})


def test_a_slow_send_does_not_hold_up_another_chats_answer_claimed_after_it(start_bot: Callable[..., RunningBot]
                                                                          ) -> None:
    """Delivery is pipelined: with one delivery loop, a push whose answer LINE holds back holds up its own chat,
    not another chat's push queued after it was claimed (before, the loop waited for its whole claim before
    claiming again). Shown by order of events, not by the clock: the fake platform keeps the slow push's
    connection open until the other chat's push has been delivered (the request timeout is long enough for any
    load). The slow chat's next push waits for it, then goes, each exactly once."""
    bot = start_bot(with_worker=False, LINE_REQUEST_TIMEOUT=120)
    other = "U" + "b" * 32
    release = bot.fake.hold_answers("/v2/bot/message/push", times=1, longest=90)
    [slow] = enqueue_push(bot, USER, text="ช้า")
    worker = Worker(bot.services, WorkerOptions(event_threads=0, delivery_threads=1, evidence_threads=0,
                                                scheduler=False, idle_sleep=0.02))
    thread = threading.Thread(target=worker.run_forever, daemon=True)
    thread.start()
    try:
        assert wait_for(lambda: len(bot.fake.deliveries(to=USER)) == 1, timeout=30)  # carried out, answer held
        [after] = enqueue_push(bot, USER, text="ตามมา")  # the slow chat's next: waits for the first
        [fast] = enqueue_push(bot, other, text="เร็ว")
        worker.outbox_ready.set()
        assert wait_for(lambda: row(bot, fast.id).status == OutboxStatus.DELIVERED.value, timeout=60), \
            "the other chat's answer waited for the slow send"
        assert not release.is_set()  # delivered while the slow push's answer was still held
        assert row(bot, slow.id).status == OutboxStatus.SENDING.value  # still out
        assert row(bot, after.id).status == OutboxStatus.PENDING.value  # not claimed while its chat's is out
        release.set()
        assert wait_for(lambda: row(bot, after.id).status == OutboxStatus.DELIVERED.value, timeout=30)
    finally:
        release.set()
        worker.stop_event.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    sent = sorted(bot.fake.deliveries(to=USER), key=lambda d: d.at)
    assert [d.messages[0]["text"] for d in sent] == ["ช้า 0", "ตามมา 0"]
    assert set(bot.fake.count_by_retry_key().values()) == {1}


def test_after_a_rate_limit_the_pipelined_sender_claims_nothing_until_it_has_passed(
        bot_without_worker: RunningBot) -> None:
    """The worker's delivery (dispatch_due) does not wait for a claim's sends, so LINE's 429 cannot hold the
    next claim back by itself: the sender remembers the pause (`Retry-After: 1`) and claims nothing, not
    even another chat's push, until it has passed."""
    bot = bot_without_worker
    sender = bot.services.sender
    [first] = enqueue_push(bot)
    bot.fake.set_chaos(Chaos(seed=1, rates={"429": 1.0}, retry_after=1))
    assert sender.dispatch_due() == 1
    assert wait_for(lambda: row(bot, first.id).status == OutboxStatus.PENDING.value, timeout=10)
    bot.fake.set_chaos(None)
    [other] = enqueue_push(bot, "U" + "b" * 32)
    assert sender.dispatch_due(wait_seconds=0.1) == 1  # "look again": paused, nothing claimed
    assert row(bot, other.id).status == OutboxStatus.PENDING.value and row(bot, other.id).attempts == 0
    assert bot.fake.deliveries() == []

    def both_delivered() -> bool:
        sender.dispatch_due(wait_seconds=0.1)
        return {row(bot, m.id).status for m in (first, other)} == {OutboxStatus.DELIVERED.value}

    assert wait_for(both_delivered, timeout=10)
    assert set(bot.fake.count_by_retry_key().values()) == {1}


def _pipelined_sender(bot: RunningBot, concurrency: int) -> OutboxSender:
    base = bot.services.sender
    return OutboxSender(base.uow_factory, base.channels, replace(base.policy, concurrency=concurrency))


def test_closing_the_sender_gives_back_what_it_has_not_sent_and_waits_only_for_the_sends_out(
        bot_without_worker: RunningBot) -> None:
    """A pipelined claim hands the send threads more rows than they send at once; on close the rows not yet
    sent go back unsent (attempt not counted: sent later, once) instead of being sent one after another
    while the worker stops (with a slow LINE that made a stop wait for every queued send)."""
    bot = bot_without_worker
    sender = _pipelined_sender(bot, concurrency=2)  # two sends at once, one row claimed ahead
    bot.fake.set_delay("/v2/bot/message/push", 1.0, times=2, after_accept=True)
    rows = [enqueue_push(bot, "U" + letter * 32)[0] for letter in "abc"]
    try:
        assert sender.dispatch_due() == 3
        assert wait_for(lambda: len(bot.fake.deliveries()) == 2, timeout=10)  # two out, the third waits
    finally:
        started = time.monotonic()
        sender.close()
        took = time.monotonic() - started
    assert took < 5, f"close took {took:.1f}s"
    statuses = [row(bot, r.id) for r in rows]
    assert sorted(r.status for r in statuses) == ["delivered", "delivered", "pending"]
    [back] = [r for r in statuses if r.status == OutboxStatus.PENDING.value]
    assert back.attempts == 0 and back.last_error == CLOSING
    assert len(bot.fake.deliveries()) == 2
    assert sender.dispatch_due() == 0  # closed: claims nothing
    bot.services.sender.deliver_due()  # another sender sends it, once
    assert row(bot, back.id).status == OutboxStatus.DELIVERED.value
    assert set(bot.fake.count_by_retry_key().values()) == {1}


def test_the_pipelined_sender_watches_the_recordings_only_when_a_row_waits_for_one(
        bot_without_worker: RunningBot) -> None:
    """With sends out and nothing due behind them, a delivery loop goes idle at once (new answers wake it)
    instead of claiming again after every recorded reply; with a chat's next row waiting for its row out,
    it waits for that recording and then claims it."""
    bot = bot_without_worker
    sender = _pipelined_sender(bot, concurrency=2)
    bot.fake.set_delay("/v2/bot/message/push", 1.0, times=1, after_accept=True)
    try:
        [slow] = enqueue_push(bot)
        assert sender.dispatch_due() == 1
        assert wait_for(lambda: len(bot.fake.deliveries()) == 1, timeout=10)
        assert sender.dispatch_due(wait_seconds=5) == 0  # nothing waits behind the send out: idle
        [behind] = enqueue_push(bot, text="ตามมา")
        assert sender.dispatch_due(wait_seconds=5) == 1  # watched the recording of `slow`
        assert row(bot, slow.id).status == OutboxStatus.DELIVERED.value
        assert wait_for(lambda: sender.dispatch_due(wait_seconds=0.1) >= 0
                        and row(bot, behind.id).status == OutboxStatus.DELIVERED.value, timeout=10)
    finally:
        sender.close()
    assert [d.messages[0]["text"] for d in bot.fake.deliveries(to=USER)] == ["แจ้งเตือน 0", "ตามมา 0"]
