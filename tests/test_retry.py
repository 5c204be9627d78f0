"""The one backoff formula (domain.retry) and the policies built on it."""

from __future__ import annotations

from bot.line.evidence_fetcher import EVIDENCE_RETRY
from bot.line.outbox_sender import DELIVERY_RETRY, DeliveryPolicy
from bot.worker import WorkerOptions
from domain.retry import RetryPolicy


def test_the_delay_doubles_from_the_base_up_to_the_cap() -> None:
    policy = RetryPolicy(max_attempts=5, base_seconds=5.0, max_seconds=30.0)
    assert [policy.delay(n) for n in range(0, 6)] == [5.0, 5.0, 10.0, 20.0, 30.0, 30.0]
    assert [policy.may_retry(n) for n in (1, 4, 5, 6)] == [True, True, False, False]
    assert RetryPolicy().may_retry(10_000)  # no limit: never gives up


def test_jitter_spreads_the_delay_by_a_fraction_of_itself() -> None:
    policy = RetryPolicy(base_seconds=2.0, jitter=0.2)
    assert policy.delay(3, uniform=lambda low, high: low) == 8.0 * 0.8
    assert policy.delay(3, uniform=lambda low, high: high) == 8.0 * 1.2
    assert all(6.4 <= policy.delay(3) <= 9.6 for _ in range(200))


def test_the_policies_keep_their_delays() -> None:
    # outbox delivery: 2 s doubling up to 10 minutes, ± 20 %, 8 attempts
    assert DeliveryPolicy().retry == DELIVERY_RETRY
    assert [DELIVERY_RETRY.delay(n, uniform=lambda low, high: 1.0) for n in (1, 2, 9, 10, 11)] == [
        2.0, 4.0, 512.0, 600.0, 600.0]
    assert DELIVERY_RETRY.may_retry(7) and not DELIVERY_RETRY.may_retry(8)
    # evidence downloads: min(60, 2 ** attempts) seconds (attempts count from 1), 10 attempts
    assert [EVIDENCE_RETRY.delay(n) for n in range(1, 10)] == [float(min(60, 2 ** n)) for n in range(1, 10)]
    assert EVIDENCE_RETRY.may_retry(9) and not EVIDENCE_RETRY.may_retry(10)
    # the worker's housekeeping: again in a minute, however often it failed
    assert {WorkerOptions().housekeeping_retry.delay(n) for n in range(1, 20)} == {60.0}


def test_event_processing_backs_off_by_the_same_formula() -> None:
    """handlers.processor.ProcessingPolicy still has its own copy of the formula, until it takes a RetryPolicy."""
    from handlers.processor import ProcessingPolicy

    events = ProcessingPolicy()
    same = RetryPolicy(max_attempts=events.max_attempts, base_seconds=events.retry_base_seconds,
                       max_seconds=events.retry_max_seconds)
    assert [events.backoff(n) for n in range(0, 15)] == [same.delay(n) for n in range(0, 15)]
