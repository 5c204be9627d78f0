"""Delivery of outbox rows to LINE: claim, send with the row's fixed retry key, record each outcome.

- 200, and 409 "retry key already accepted": delivered (the key makes a resend of a push harmless).
- 5xx, timeouts, network errors: retried with exponential backoff, same retry key; failed after the limit.
- 429 rate limit: the row and the rest of the batch wait (as long as LINE's `Retry-After` says, else
  `rate_limit_pause_seconds`).
- 429 monthly limit: parked, not lost; the quota monitor puts it back when the quota allows.
- other 4xx: failed, with LINE's reason kept.
- replies: a reply has no retry key, and an attempt without a definite answer (timeout, connection dropped
  after sending, 5xx) may have been accepted; a resend then gets "Invalid reply token", exactly as for an
  expired token. So a reply is only ever sent again as the same reply (a token is accepted once: that can
  never double it), and "Invalid reply token" after such an attempt ends the row 'uncertain' (logged,
  counted by `itabot outbox status`), never a push. Only when no attempt can have been accepted (the first
  is refused "Invalid reply token": the token expired unused) does the answer go by push, with the row's
  retry key, the decision stored before the push is sent.
- nobody is pushed who blocked the bot.

Whatever the timing (a slow LINE, a lease that runs out, a worker killed mid-batch): a claim leases its
rows to one owner value, renewed as the batch goes; before a reply, and before a fallback push, the sender
commits that it is sending it, and does so only while it still holds the row; outcomes other than
"delivered" are written only by the holder. A reply's outcome is recorded as soon as it is known; pushes'
with the batch's next commit (a push resent after a crash carries its key: 409, delivered).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.line.api import LineApi, Outcome, SendResult
from bot.line.channels import LineChannels, NoChannel, channels_of
from domain.retry import RetryPolicy
from storage.clock import utcnow
from storage.models import OutboxKind
from storage.outbox import Delivery
from storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

Change = Callable[[UnitOfWork, datetime], object]
UNCERTAIN_REASON = ("a reply LINE may have accepted (an attempt got no definite answer) could not be confirmed "
                    "(last answer: {detail}); not sent again by push")


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
    owner: str  # the claim's lease owner value
    reply_attempted: bool  # an earlier reply attempt may have been accepted: never push this answer

    @property
    def replies(self) -> bool:
        """Sent as a reply (else by push: a push row, or a reply whose token was refused unused)."""
        return self.kind == OutboxKind.REPLY.value and bool(self.reply_token)


@dataclass(frozen=True)
class _Outcome:
    name: str  # what deliver_due counts
    change: Change | Delivery  # delivered rows are recorded together in one statement
    finished: bool  # a private row is scrubbed with it
    pause: timedelta | None = None  # rate limited: how long the rest of the batch waits


class _Batch:
    """One claim's rows, held by `owner`. Each commit records the outcomes known so far and renews the
    lease of the rows still to send, learning which of them this batch no longer holds."""

    def __init__(self, sender: OutboxSender, owner: str) -> None:
        self.sender = sender
        self.owner = owner
        self.to_send: list[int] = []
        self.lost: set[int] = set()
        self.outcomes: list[tuple[int, _Outcome]] = []
        self.renewed_at = time.monotonic()

    def commit(self, step: Callable[[UnitOfWork, datetime], bool] | None = None) -> bool:
        """Record, renew, then `step` (e.g. "this reply is going out"), in one transaction; step's answer."""
        if not self.outcomes and not self.to_send and step is None:
            return True
        policy = self.sender.policy
        with self.sender.uow_factory() as uow:
            now = utcnow()
            self._record(uow, now)
            held = uow.outbox.renew_leases(self.to_send, self.owner, now + timedelta(seconds=policy.lease_seconds))
            self.lost |= set(self.to_send) - held
            done = step(uow, now) if step is not None else True
            uow.commit()
        self.outcomes.clear()
        self.renewed_at = time.monotonic()
        return done

    def lease_half_gone(self) -> bool:
        return time.monotonic() - self.renewed_at > self.sender.policy.lease_seconds / 2

    def _record(self, uow: UnitOfWork, now: datetime) -> None:
        if not self.outcomes:
            return
        uow.outbox.mark_delivered(sorted((o.change for _, o in self.outcomes if isinstance(o.change, Delivery)),
                                         key=lambda d: d.message_id), now)
        for message_id, outcome in self.outcomes:
            if not isinstance(outcome.change, Delivery) and outcome.change(uow, now) is False:
                log.info("outbox %s: taken by another sender; its %s not recorded here", message_id, outcome.name)
        uow.outbox.scrub_if_private([message_id for message_id, o in self.outcomes if o.finished], now)


class OutboxSender:
    def __init__(self, uow_factory: UnitOfWorkFactory, line: LineApi | LineChannels, policy: DeliveryPolicy) -> None:
        """`line`: each organisation's channel (LineChannels), or one client for all."""
        self.uow_factory = uow_factory
        self.channels = channels_of(line)
        self.policy = policy

    def deliver_due(self, limit: int = 20) -> Counter[str]:
        """Send what is due; returns how many rows ended in each outcome."""
        batch = _Batch(self, str(uuid.uuid4()))
        claimed = self._claim(limit, batch.owner)
        batch.to_send = [row.id for row in claimed]
        results: Counter[str] = Counter()
        try:
            for index, row in enumerate(claimed):
                outcome = self._deliver(row, batch) if self._still_held(row, batch) else None
                batch.to_send.remove(row.id)
                if outcome is None:
                    log.info("outbox %s: taken by another sender after this one's lease ran out", row.id)
                    continue
                batch.outcomes.append((row.id, outcome))
                results[outcome.name] += 1
                if row.kind == OutboxKind.REPLY.value:
                    batch.commit()  # a reply's outcome as soon as it is known
                if outcome.name == Outcome.RATE_LIMITED.value:
                    self._release(claimed[index + 1 :], batch, outcome.pause)
                    break
        finally:
            batch.to_send = []
            batch.commit()
        return results

    def _claim(self, limit: int, owner: str) -> list[_Claimed]:
        with self.uow_factory() as uow:
            rows = uow.outbox.claim_due(utcnow(), limit, self.policy.lease_seconds, owner)
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
                                        recipients, list(row.messages), row.attempts, owner,
                                        row.reply_attempted_at is not None))
            uow.commit()
        return claimed

    def _still_held(self, row: _Claimed, batch: _Batch) -> bool:
        """Before a send. A reply is committed as going out first, and only while this batch holds it. A
        push needs no such step (its retry key makes a second send harmless): the lease is renewed when
        half of it is gone."""
        if row.replies:
            return batch.commit(lambda uow, now: uow.outbox.start_reply(row.id, row.owner, now))
        if batch.lease_half_gone():
            batch.commit()
        return row.id not in batch.lost

    def _deliver(self, row: _Claimed, batch: _Batch) -> _Outcome | None:
        """Send one row; the outcome to record (None: another sender took it meanwhile)."""
        try:
            line = self.channels.api(row.org_id)  # the row's organisation's channel and token
        except NoChannel as exc:
            log.warning("outbox %s: %s", row.id, exc)
            return self._outcome(row, SendResult(Outcome.RETRY, None, "no LINE channel for the organisation"),
                                 "reply" if row.replies else "push", may_be_delivered=row.reply_attempted)
        if row.replies:
            return self._reply(row, batch, line)
        if not row.recipients:
            if row.kind == OutboxKind.REPLY.value:
                return self._failed(row, "reply token refused and nobody to push to")
            log.info("outbox %s cancelled: recipients blocked the bot", row.id)
            return _Outcome("cancelled", lambda uow, now: uow.outbox.mark_cancelled(
                row.id, row.owner, "every recipient blocked the bot"), True)
        if row.kind == OutboxKind.MULTICAST.value and len(row.recipients) > 1:
            result, via = line.multicast(row.recipients, row.messages, row.retry_key), "multicast"
        else:
            result, via = line.push(row.recipients[0], row.messages, row.retry_key), "push"
        return self._outcome(row, result, via)

    def _reply(self, row: _Claimed, batch: _Batch, line: LineApi) -> _Outcome | None:
        assert row.reply_token is not None
        result = line.reply(row.reply_token, row.messages)
        may_be_delivered = row.reply_attempted or (result.outcome is Outcome.RETRY and result.maybe_accepted)
        if result.outcome is Outcome.REPLY_TOKEN_INVALID and not may_be_delivered and row.recipients:
            # The first attempt, refused: the token expired unused and nothing reached the person.
            log.info("outbox %s reply attempt %s: reply token no longer valid, sending by push", row.id,
                     row.attempts)
            if not batch.commit(lambda uow, now: uow.outbox.fall_back_to_push(row.id, row.owner)):
                return None
            return self._outcome(row, line.push(row.recipients[0], row.messages, row.retry_key), "push")
        return self._outcome(row, result, "reply", may_be_delivered=may_be_delivered)

    def _outcome(self, row: _Claimed, result: SendResult, via: str, may_be_delivered: bool = False) -> _Outcome:
        """The change that records a send's result. `may_be_delivered`: a reply LINE may have accepted, so
        it ends 'uncertain' rather than 'failed'; otherwise a reply's retry forgets its attempt."""
        outcome = result.outcome
        log.info("outbox %s %s via %s attempt %s: %s %s", row.id, row.kind, via, row.attempts, outcome.value,
                 result.request_id or "")
        forget_attempt = via == "reply" and not may_be_delivered
        if outcome is Outcome.DELIVERED:
            return _Outcome(outcome.value, Delivery(row.id, via, result.request_id), True)
        if outcome is Outcome.RETRY and self.policy.retry.may_retry(row.attempts):
            return _Outcome(outcome.value, lambda uow, now: uow.outbox.mark_retry(
                row.id, row.owner, now + timedelta(seconds=self.policy.retry.delay(row.attempts)), result.detail,
                forget_attempt), False)
        if outcome is Outcome.RATE_LIMITED:
            pause = self._rate_limit_pause(result)
            return _Outcome(outcome.value, lambda uow, now: uow.outbox.release(
                row.id, row.owner, now + pause, result.detail, forget_attempt), False, pause)
        if outcome is Outcome.QUOTA_EXHAUSTED:
            def park(uow: UnitOfWork, now: datetime) -> bool:
                uow.outbox.mark_quota_exhausted(row.org_id, now)
                return uow.outbox.mark_parked(row.id, row.owner, result.detail)
            log.warning("outbox %s parked: LINE monthly message quota used up", row.id)
            return _Outcome(outcome.value, park, False)
        if may_be_delivered:
            reason = UNCERTAIN_REASON.format(detail=result.detail or outcome.value)
            log.warning("outbox %s uncertain: %s", row.id, reason)
            return _Outcome("uncertain", lambda uow, now: uow.outbox.mark_uncertain(row.id, row.owner, reason),
                            True)
        # rejected, reply token gone with nobody to push to, or retries used up
        return self._failed(row, result.detail or outcome.value)

    @staticmethod
    def _failed(row: _Claimed, reason: str) -> _Outcome:
        log.error("outbox %s failed: %s", row.id, reason)
        return _Outcome("failed", lambda uow, now: uow.outbox.mark_failed(row.id, row.owner, reason), True)

    def _rate_limit_pause(self, result: SendResult) -> timedelta:
        seconds = result.retry_after if result.retry_after is not None else self.policy.rate_limit_pause_seconds
        return timedelta(seconds=seconds)

    def _release(self, rows: Sequence[_Claimed], batch: _Batch, later: timedelta | None) -> None:
        """LINE's rate limit: the rest of the batch goes back unsent, with the next commit."""
        later = later if later is not None else timedelta(seconds=self.policy.rate_limit_pause_seconds)
        for row in rows:
            if row.id in batch.to_send:
                batch.to_send.remove(row.id)
            batch.outcomes.append((row.id, _Outcome("released", _released(row, later), False)))


def _released(row: _Claimed, later: timedelta) -> Change:
    return lambda uow, now: uow.outbox.release(row.id, row.owner, now + later, "waiting: LINE rate limit")
