"""Processing of stored webhook events: claim, handle, record — each event's effects commit once.

Workers claim due events a few chats at a time; a chat with an event in progress is not claimed by anyone
else, so one person's events are handled one at a time, in order. The handler's changes, its answers
(outbox rows) and the event's "done" mark are committed together: a crash before the commit leaves the event
to be processed again when its lease runs out, a crash after it leaves nothing to redo. A failing event is
retried with backoff and, when retries run out, kept as `failed` with its error.

A claimed batch is one transaction, each event in its own savepoint: a failing event undoes only its own
changes (its failure is recorded in the same transaction), and the batch costs one commit, not one per
event. Should the batch's transaction itself fail, its events are processed again one at a time.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from handlers.base import UNHANDLED, Application, Context
from handlers.events import IncomingEvent, parse_event
from storage.clock import utcnow
from storage.inbox import ClaimedEvent
from storage.models import InboxStatus, Organisation
from storage.uow import UnitOfWork, UnitOfWorkFactory

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
        if len(claimed) == 1:
            self._process(claimed[0])
        elif claimed:
            try:
                answered = self._handle_batch(claimed)
            except Exception:
                log.exception("a batch of %s events could not be committed together: one at a time", len(claimed))
                for event in claimed:
                    self._process(event)
            else:
                if answered:
                    self.answers_committed.set()
        return len(claimed)

    def _handle_batch(self, batch: list[ClaimedEvent]) -> bool:
        """Every event of the batch in one transaction, each in a savepoint; whether any wrote answers."""
        handled: list[tuple[int, str, InboxStatus, str]] = []
        answered = False
        with self.uow_factory() as uow:
            orgs: dict[int, Organisation] = {}
            for claimed in batch:
                event_type = _event_type(claimed)
                try:
                    event = parse_event(claimed.payload)
                    with uow.savepoint():
                        org = orgs.get(claimed.org_id) or self._organisation(uow, claimed.org_id)
                        orgs[claimed.org_id] = org
                        status, outcome, ctx = self._dispatch(uow, org, claimed, event, finish=False)
                    handled.append((claimed.id, event_type, status, outcome))
                    answered = answered or bool(ctx.outbox_ids)
                except Exception as exc:
                    self._log_failure(claimed, event_type)
                    failure = uow.inbox.record_failure(claimed.id, _error(exc), utcnow(), self.policy.max_attempts,
                                                       self.policy.backoff(claimed.attempts))
                    if failure is InboxStatus.FAILED:
                        log.error("event %s kept as failed after %s attempts", claimed.id, claimed.attempts)
            # the handled events' "done" marks in one statement, in the transaction of their effects
            uow.inbox.finish_many([(event_id, status, outcome) for event_id, _, status, outcome in handled], utcnow())
            uow.commit()
        for event_id, event_type, status, outcome in handled:
            log.info("event %s (%s) %s: %s", event_id, event_type, status.value, outcome)
        return answered

    @staticmethod
    def _organisation(uow: UnitOfWork, org_id: int) -> Organisation:
        org = uow.people.organisation_by_id(org_id)
        assert org is not None, f"organisation {org_id} missing"
        return org

    def _dispatch(self, uow: UnitOfWork, org: Organisation, claimed: ClaimedEvent, event: IncomingEvent,
                  finish: bool = True) -> tuple[InboxStatus, str, Context]:
        """Handle one event and write its answers and (`finish`) its "done" mark, not committing."""
        now = utcnow()
        ctx = Context(uow=uow, org=org, event=event, now=now, secret_key=self.secret_key)
        outcome = self.application.dispatch(event, ctx)
        ctx.flush()
        status = InboxStatus.IGNORED if outcome == UNHANDLED else InboxStatus.DONE
        if finish:
            uow.inbox.finish(claimed.id, status, outcome, now)
        if ctx.scrub_event:
            uow.inbox.scrub_now(claimed.id, now)
        return status, outcome, ctx

    def _process(self, claimed: ClaimedEvent) -> None:
        if self._handle(claimed):
            self.answers_committed.set()

    def _handle(self, claimed: ClaimedEvent) -> list[int]:
        """Every step of one event, parsing included, fails on its own: the rest of the batch goes on."""
        event_type = _event_type(claimed)
        try:
            event = parse_event(claimed.payload)
            with self.uow_factory() as uow:
                status, outcome, ctx = self._dispatch(uow, self._organisation(uow, claimed.org_id), claimed, event)
                uow.commit()
                log.info("event %s (%s) %s: %s", claimed.id, event_type, status.value, outcome)
                return ctx.outbox_ids
        except Exception as exc:
            self._record_failure(claimed, event_type, exc)
            return []

    @staticmethod
    def _log_failure(claimed: ClaimedEvent, event_type: str) -> None:
        log.exception("event %s (%s) failed on attempt %s", claimed.id, event_type, claimed.attempts)

    def _record_failure(self, claimed: ClaimedEvent, event_type: str, exc: Exception) -> None:
        error = _error(exc)
        self._log_failure(claimed, event_type)
        try:
            with self.uow_factory() as uow:
                status = uow.inbox.record_failure(claimed.id, error, utcnow(), self.policy.max_attempts,
                                                  self.policy.backoff(claimed.attempts))
                uow.commit()
            if status is InboxStatus.FAILED:
                log.error("event %s kept as failed after %s attempts", claimed.id, claimed.attempts)
        except Exception:  # the lease runs out and a worker retries it
            log.exception("could not record the failure of event %s", claimed.id)


def _event_type(claimed: ClaimedEvent) -> str:
    payload = claimed.payload if isinstance(claimed.payload, dict) else {}
    return str(payload.get("type"))[:32]


def _error(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"
