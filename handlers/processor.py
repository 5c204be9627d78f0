"""Processing of stored webhook events: claim, handle, record — each event's effects commit once.

The handler's changes, its answers (outbox rows) and the event's "done" mark are one transaction: a crash
before the commit leaves the event to be processed again, a crash after it leaves nothing to redo. A
failing event is retried with backoff and, when retries run out, kept as `failed` with its error.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from handlers.base import UNHANDLED, Application, Context
from handlers.events import IncomingEvent, parse_event
from storage.clock import utcnow
from storage.models import InboxStatus, Organisation
from storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

AfterCommit = Callable[[list[int]], None]


@dataclass(frozen=True)
class ProcessingPolicy:
    lease_seconds: float = 60.0
    max_attempts: int = 5
    retry_base_seconds: float = 5.0
    retry_max_seconds: float = 3600.0

    def backoff(self, attempts: int) -> float:
        return min(self.retry_max_seconds, self.retry_base_seconds * 2 ** max(0, attempts - 1))


class ConversationLocks:
    """One lock per chat, so one process handles a person's events one at a time, in order."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    def for_chat(self, chat_id: str | None) -> threading.Lock:
        with self._guard:
            if len(self._locks) > 10_000:
                self._locks = {k: v for k, v in self._locks.items() if v.locked()}
            return self._locks.setdefault(chat_id or "-", threading.Lock())


class EventProcessor:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        application: Application,
        secret_key: str,
        policy: ProcessingPolicy,
        after_commit: AfterCommit | None = None,
    ) -> None:
        self.uow_factory = uow_factory
        self.application = application
        self.secret_key = secret_key
        self.policy = policy
        self.after_commit = after_commit
        self.locks = ConversationLocks()

    def process_many(self, inbox_ids: Iterable[int]) -> int:
        done = 0
        for inbox_id in inbox_ids:
            done += self.process(inbox_id)
        return done

    def process(self, inbox_id: int) -> bool:
        """Process one stored event if nobody else holds it. True when this call processed it."""
        with self.uow_factory() as uow:
            row = uow.inbox.claim(inbox_id, utcnow(), self.policy.lease_seconds)
            if row is None:
                return False
            uow.commit()
            raw, org_id, attempts = row.payload, row.org_id, row.attempts
        event = parse_event(raw)
        with self.locks.for_chat(event.chat_id):
            outbox_ids = self._handle(inbox_id, org_id, event, attempts)
        if outbox_ids and self.after_commit is not None:
            try:
                self.after_commit(outbox_ids)
            except Exception:  # the rows are stored: the worker delivers them
                log.exception("immediate delivery of answers to event %s failed", inbox_id)
        return True

    def _handle(self, inbox_id: int, org_id: int, event: IncomingEvent, attempts: int) -> list[int]:
        try:
            with self.uow_factory() as uow:
                org = uow.session.get(Organisation, org_id)
                assert org is not None, f"organisation {org_id} missing"
                now = utcnow()
                ctx = Context(uow=uow, org=org, event=event, now=now, secret_key=self.secret_key)
                outcome = self.application.dispatch(event, ctx)
                status = InboxStatus.IGNORED if outcome == UNHANDLED else InboxStatus.DONE
                uow.inbox.finish(inbox_id, status, outcome, now)
                uow.commit()
                log.info("event %s (%s) %s: %s", inbox_id, event.type, status.value, outcome)
                return ctx.outbox_ids
        except Exception as exc:
            self._record_failure(inbox_id, event, attempts, exc)
            return []

    def _record_failure(self, inbox_id: int, event: IncomingEvent, attempts: int, exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}"
        log.exception("event %s (%s) failed on attempt %s", inbox_id, event.type, attempts)
        try:
            with self.uow_factory() as uow:
                status = uow.inbox.record_failure(
                    inbox_id, error, utcnow(), self.policy.max_attempts, self.policy.backoff(attempts)
                )
                uow.commit()
            if status is InboxStatus.FAILED:
                log.error("event %s kept as failed after %s attempts", inbox_id, attempts)
        except Exception:  # the lease runs out and the worker retries it
            log.exception("could not record the failure of event %s", inbox_id)

    def process_due(self, limit: int = 100) -> int:
        """The worker's sweep: events nobody processed (process died, retries due)."""
        with self.uow_factory() as uow:
            ids = uow.inbox.due_ids(utcnow(), limit)
        return self.process_many(ids)


def first_attempt_delay(process_inline: bool, stale_seconds: float) -> timedelta:
    """When the web process handles events itself, the worker waits this long before it steps in."""
    return timedelta(seconds=stale_seconds if process_inline else 0)
