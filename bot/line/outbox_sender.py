"""Delivery of outbox rows to LINE: claim, send with the row's fixed retry key, record the outcome.

- 200, and 409 "retry key already accepted": delivered (the key makes a resend after a crash harmless).
- 5xx, timeouts, network errors: retried with exponential backoff, same retry key; failed after the limit.
- 429 rate limit: the row and the rest of the batch wait.
- 429 monthly limit: parked, not lost; the quota monitor puts it back when the quota allows.
- other 4xx: failed, with LINE's reason kept.
- replies whose token expired or was used: the same messages go by push to the person.
- nobody is pushed who blocked the bot.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.line.api import LineApi, Outcome, SendResult
from domain.retry import RetryPolicy
from storage.clock import utcnow
from storage.models import OutboxKind
from storage.outbox import Delivery
from storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

Change = Callable[[UnitOfWork, datetime], None]
Outcomes = Change | Delivery  # a delivered row is recorded with the batch's others in one statement


# 2 s, 4 s, 8 s … up to 10 minutes, ± 20 % so that rows failing together spread out; failed after 8 attempts
DELIVERY_RETRY = RetryPolicy(max_attempts=8, base_seconds=2.0, max_seconds=600.0, jitter=0.2)


@dataclass(frozen=True)
class DeliveryPolicy:
    lease_seconds: float = 30.0
    retry: RetryPolicy = DELIVERY_RETRY  # 5xx, timeouts and network errors
    rate_limit_pause_seconds: float = 30.0


@dataclass(frozen=True)
class _Claimed:
    """What a send needs, copied out of the claiming transaction."""

    id: int
    org_id: int
    kind: str
    retry_key: str
    reply_token: str | None
    recipients: list[str]
    messages: list[dict[str, Any]]
    attempts: int


class OutboxSender:
    def __init__(self, uow_factory: UnitOfWorkFactory, line: LineApi, policy: DeliveryPolicy) -> None:
        self.uow_factory = uow_factory
        self.line = line
        self.policy = policy

    def deliver_due(self, limit: int = 20) -> Counter[str]:
        """Send what is due; returns how many rows ended in each outcome. The outcomes of a batch are
        recorded together in one transaction after the sends (a crash before that leaves the rows leased:
        they are sent again with the same retry key, which LINE answers with 409 = delivered)."""
        claimed = self._claim(limit)
        results: Counter[str] = Counter()
        changes: list[tuple[Outcomes, int | None]] = []
        try:
            for index, row in enumerate(claimed):
                outcome, change, scrub_id = self._deliver(row)
                changes.append((change, scrub_id))
                results[outcome] += 1
                if outcome == Outcome.RATE_LIMITED.value:
                    self._release(claimed[index + 1 :], "waiting: LINE rate limit")
                    break
        finally:
            self._record_all(changes)
        return results

    def _claim(self, limit: int) -> list[_Claimed]:
        with self.uow_factory() as uow:
            rows = uow.outbox.claim_due(utcnow(), limit, self.policy.lease_seconds)
            blocked: dict[int, set[str]] = {}
            for org_id in {row.org_id for row in rows}:
                pushed = [r for row in rows if row.org_id == org_id and row.kind != OutboxKind.REPLY.value
                          for r in row.recipients]
                blocked[org_id] = uow.people.blocked_user_ids(org_id, pushed)
            claimed = []
            for row in rows:
                recipients = list(row.recipients)
                if row.kind != OutboxKind.REPLY.value:
                    recipients = [r for r in recipients if r not in blocked[row.org_id]]
                claimed.append(_Claimed(row.id, row.org_id, row.kind, row.retry_key, row.reply_token,
                                        recipients, list(row.messages), row.attempts))
            uow.commit()
        return claimed

    def _send(self, row: _Claimed) -> tuple[SendResult, str]:
        if row.kind == OutboxKind.REPLY.value and row.reply_token:
            result = self.line.reply(row.reply_token, row.messages)
            if result.outcome is not Outcome.REPLY_TOKEN_INVALID:
                return result, "reply"
            if not row.recipients:
                return result, "reply"
            log.info("outbox %s: reply token no longer valid, sending by push", row.id)
            return self.line.push(row.recipients[0], row.messages, row.retry_key), "push"
        if row.kind == OutboxKind.MULTICAST.value and len(row.recipients) > 1:
            return self.line.multicast(row.recipients, row.messages, row.retry_key), "multicast"
        return self.line.push(row.recipients[0], row.messages, row.retry_key), "push"

    def _deliver(self, row: _Claimed) -> tuple[str, Outcomes, int | None]:
        """Send one row: (outcome, the change that records it, the row id to scrub if private)."""
        if not row.recipients and row.kind != OutboxKind.REPLY.value:
            log.info("outbox %s cancelled: recipients blocked the bot", row.id)
            return ("cancelled", lambda uow, now: uow.outbox.mark_cancelled(row.id, "every recipient blocked the bot"),
                    row.id)
        result, via = self._send(row)
        outcome = result.outcome
        log.info("outbox %s %s via %s attempt %s: %s %s", row.id, row.kind, via, row.attempts, outcome.value,
                 result.request_id or "")
        if outcome is Outcome.DELIVERED:
            return outcome.value, Delivery(row.id, via, result.request_id), row.id
        if outcome is Outcome.RETRY and self.policy.retry.may_retry(row.attempts):
            return outcome.value, lambda uow, now: uow.outbox.mark_retry(
                row.id, now + timedelta(seconds=self.policy.retry.delay(row.attempts)), result.detail), None
        if outcome is Outcome.RATE_LIMITED:
            return outcome.value, lambda uow, now: uow.outbox.release(
                row.id, now + timedelta(seconds=self.policy.rate_limit_pause_seconds), result.detail), None
        if outcome is Outcome.QUOTA_EXHAUSTED:
            def park(uow: UnitOfWork, now: datetime) -> None:
                uow.outbox.mark_parked(row.id, result.detail)
                uow.outbox.mark_quota_exhausted(row.org_id, now)
            log.warning("outbox %s parked: LINE monthly message quota used up", row.id)
            return outcome.value, park, None
        # rejected, reply token gone with nobody to push to, or retries used up
        log.error("outbox %s failed: %s", row.id, result.detail or outcome.value)
        return "failed", lambda uow, now: uow.outbox.mark_failed(row.id, result.detail or outcome.value), row.id

    def _release(self, rows: Sequence[_Claimed], reason: str) -> None:
        if not rows:
            return
        with self.uow_factory() as uow:
            later = utcnow() + timedelta(seconds=self.policy.rate_limit_pause_seconds)
            for row in rows:
                uow.outbox.release(row.id, later, reason)
            uow.commit()

    def _record_all(self, changes: Sequence[tuple[Outcomes, int | None]]) -> None:
        """Apply outcomes in one transaction (the delivered rows in one statement); a finished private row
        (an answer to a complainant) is scrubbed with its outcome."""
        if not changes:
            return
        with self.uow_factory() as uow:
            now = utcnow()
            uow.outbox.mark_delivered([c for c, _ in changes if isinstance(c, Delivery)], now)
            for change, _ in changes:
                if not isinstance(change, Delivery):
                    change(uow, now)
            uow.outbox.scrub_if_private([scrub_id for _, scrub_id in changes if scrub_id is not None], now)
            uow.commit()
