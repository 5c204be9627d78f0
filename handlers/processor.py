"""Processing of stored webhook events: claim, handle, record — each event's effects commit once.

Workers claim due events a few chats at a time; a chat with an event in progress is not claimed by anyone
else, so one person's events are handled one at a time, in order. The handler's changes, its answers
(outbox rows) and the event's "done" mark are one transaction: a crash before the commit leaves the event
to be processed again when its lease runs out, a crash after it leaves nothing to redo. A processor that
outlived its lease (a slow batch on a loaded machine) commits nothing once another worker has claimed the
event again: "done" is written only while the claim's attempt number still holds the event, and the claim
skips a row being finished. A failing event is retried with backoff and, when retries run out, kept as
`failed` with its error.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from handlers.base import UNHANDLED, Application, Context
from handlers.events import parse_event
from storage.clock import utcnow
from storage.inbox import ClaimedEvent
from storage.models import InboxStatus
from storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class ProcessingPolicy:
    lease_seconds: float = 60.0
    max_attempts: int = 5
    retry_base_seconds: float = 5.0
    retry_max_seconds: float = 3600.0

    def backoff(self, attempts: int) -> float:
        doubling: int = 2 ** max(0, attempts - 1)
        return min(self.retry_max_seconds, self.retry_base_seconds * doubling)


class EventProcessor:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        application: Application,
        secret_key: str,
        policy: ProcessingPolicy,
        answers_committed: threading.Event | None = None,
    ) -> None:
        self.uow_factory = uow_factory
        self.application = application
        self.secret_key = secret_key
        self.policy = policy
        # Set whenever a handler's answers are committed: delivery threads wait on it to send at once.
        self.answers_committed = answers_committed or threading.Event()

    def process_due(self, limit: int = 20) -> int:
        """Claim due events (a few chats' worth) and process them, each chat's oldest first."""
        with self.uow_factory() as uow:
            claimed = uow.inbox.claim_due(utcnow(), limit, self.policy.lease_seconds)
            uow.commit()
        for event in claimed:
            self._process(event)
        return len(claimed)

    def _process(self, claimed: ClaimedEvent) -> None:
        if self._handle(claimed):
            self.answers_committed.set()

    def _handle(self, claimed: ClaimedEvent) -> list[int]:
        """Every step of one event, parsing included, fails on its own: the rest of the batch goes on."""
        payload = claimed.payload if isinstance(claimed.payload, dict) else {}
        event_type = str(payload.get("type"))[:32]
        try:
            event = parse_event(claimed.payload)
            # scoped to the event's organisation: on PostgreSQL row-level security hides every other one
            with self.uow_factory(claimed.org_id) as uow:
                org = uow.people.organisation_by_id(claimed.org_id)
                assert org is not None, f"organisation {claimed.org_id} missing"
                now = utcnow()
                ctx = Context(uow=uow, org=org, event=event, now=now, secret_key=self.secret_key)
                outcome = self.application.dispatch(event, ctx)
                ctx.flush()
                status = InboxStatus.IGNORED if outcome == UNHANDLED else InboxStatus.DONE
                if not uow.inbox.finish(claimed.id, status, outcome, now, claimed.attempts):
                    # Our lease ran out and another worker claimed the event again: it will take effect
                    # there. Nothing of this run may commit (its answers would go out twice).
                    uow.rollback()
                    log.warning("event %s (%s): claimed again by another worker after this one's lease ran "
                                "out; this run's work is discarded", claimed.id, event_type)
                    return []
                if ctx.scrub_event:
                    uow.inbox.scrub_now(claimed.id, now)
                uow.commit()
                log.info("event %s (%s) %s: %s", claimed.id, event_type, status.value, outcome)
                return ctx.outbox_ids
        except Exception as exc:
            self._record_failure(claimed, event_type, exc)
            return []

    def _record_failure(self, claimed: ClaimedEvent, event_type: str, exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}"
        log.exception("event %s (%s) failed on attempt %s", claimed.id, event_type, claimed.attempts)
        try:
            with self.uow_factory() as uow:
                status = uow.inbox.record_failure(claimed.id, error, utcnow(), self.policy.max_attempts,
                                                  self.policy.backoff(claimed.attempts), claimed.attempts)
                uow.commit()
            if status is None:
                log.warning("event %s: claimed again by another worker; this attempt's failure not recorded",
                            claimed.id)
            elif status is InboxStatus.FAILED:
                log.error("event %s kept as failed after %s attempts", claimed.id, claimed.attempts)
        except Exception:  # the lease runs out and a worker retries it
            log.exception("could not record the failure of event %s", claimed.id)
