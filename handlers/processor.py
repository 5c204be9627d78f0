"""Processing of stored webhook events: claim, handle, record — each event's effects commit once.

Workers claim due events a few chats at a time; a chat with an event in progress is not claimed by anyone
else, so one person's events are handled one at a time, in order. The handler's changes, its answers
(outbox rows) and the event's "done" mark are committed together: a crash before the commit leaves the event
to be processed again when its lease runs out, a crash after it leaves nothing to redo. A processor that
outlived its lease (a slow batch on a loaded machine) commits nothing of an event another worker has claimed
again: "done" is written only while the claim's attempt number still holds the event, and the claim skips a
row being finished. A failing event is retried with backoff and, when retries run out, kept as `failed` with
its error.

A claimed batch is one transaction per organisation (scoped to it: on PostgreSQL row-level security hides
every other one). It starts by holding the batch's events (one UPDATE that renews their lease and locks
them until the commit; one whose claim was lost meanwhile is left to the worker that has it), reads the
senders' member records and conversations in one query each (the repositories answer the batch's events
from memory), runs the events together in one savepoint with their replies written in one executemany at
the end, and marks the events done in one executemany: one commit per organisation, not one per event.
Should one event fail, that savepoint is rolled back and the events run again each in its own savepoint (a
failing event undoes only its own changes, and what was kept in memory is forgotten). Should the
transaction itself fail, its events are processed again one at a time.
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


class ClaimLost(Exception):
    """The event's lease ran out and another worker claimed it again: it takes effect there, and nothing of
    this run of it may commit (its answers would go out twice)."""


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
        for org_id, batch in _by_organisation(claimed).items():
            if len(batch) == 1:
                self._process(batch[0])
                continue
            try:
                answered = self._handle_batch(org_id, batch)
            except Exception:
                log.exception("a batch of %s events could not be committed together: one at a time", len(batch))
                for event in batch:
                    self._process(event)
            else:
                if answered:
                    self.answers_committed.set()
        return len(claimed)

    def _handle_batch(self, org_id: int, batch: list[ClaimedEvent]) -> bool:
        """Every event of one organisation's batch in one transaction; whether any wrote answers.

        The transaction first holds the batch's events (one UPDATE: those whose claim was lost meanwhile are
        left alone, the rest locked until the commit, so nothing can take them away mid-batch), loads the
        senders' member records and conversations in one query each, runs the events (`_run_together`, else
        `_run_each`) and marks them done in one executemany at the end."""
        with self.uow_factory(org_id) as uow:
            held = uow.inbox.hold({c.id: c.attempts for c in batch}, utcnow(), self.policy.lease_seconds)
            runnable: list[tuple[ClaimedEvent, IncomingEvent]] = []
            failed_chats: set[str] = set()  # a later event of such a chat waits for the failed one
            released: list[int] = []
            for claimed in batch:
                if claimed.id not in held:
                    _log_claim_lost(claimed, _event_type(claimed))
                    continue
                if claimed.chat_key in failed_chats:
                    released.append(claimed.id)
                    continue
                try:
                    runnable.append((claimed, parse_event(claimed.payload)))
                except Exception as exc:
                    self._batch_failure(uow, claimed, exc)
                    failed_chats.add(claimed.chat_key)
            events = [event for _, event in runnable]
            uow.people.prefetch_members(org_id, [e.user_id for e in events if e.user_id])
            uow.conversations.prefetch(org_id, [e.user_id for e in events
                                                if e.user_id and e.source_type == "user"])
            org = self._organisation(uow, org_id)
            # a retry is likely to fail again: a batch with one runs each event in its own savepoint at once
            together = len(runnable) > 1 and all(claimed.attempts == 1 for claimed, _ in runnable)
            ran = self._run_together(uow, org, runnable) if together else None
            handled, answered = ran if ran is not None else self._run_each(uow, org, runnable, failed_chats,
                                                                              released)
            uow.inbox.finish_held(handled, utcnow())
            uow.inbox.release_held(released, utcnow())
            uow.commit()
        if log.isEnabledFor(logging.INFO):
            types = {claimed.id: _event_type(claimed) for claimed in batch}
            for event_id, status, outcome in handled:
                log.info("event %s (%s) %s: %s", event_id, types[event_id], status.value, outcome)
        return answered

    def _run_together(self, uow: UnitOfWork, org: Organisation, runnable: list[tuple[ClaimedEvent, IncomingEvent]],
                      ) -> tuple[list[tuple[int, InboxStatus, str]], bool] | None:
        """The events one after another inside one savepoint, their replies written together at the end
        (one executemany: storage/outbox.py `defer_replies`); None, with everything they did undone, when
        one of them failed: `_run_each` then runs them again each in its own savepoint, so the failing one
        undoes only its own changes, as if every event had had its own savepoint from the start. (Events
        rarely fail: this saves a SAVEPOINT and a RELEASE per event, and an INSERT per reply.)"""
        handled: list[tuple[int, InboxStatus, str]] = []
        answered = False
        try:
            with uow.savepoint():
                uow.outbox.defer_replies()
                for claimed, event in runnable:
                    status, outcome, ctx = self._run(uow, org, claimed, event)
                    handled.append((claimed.id, status, outcome))
                    answered = answered or ctx.answered
                uow.outbox.write_deferred()
        except Exception:
            uow.outbox.forget_deferred()
            log.debug("an event of a batch of %s failed: each again in its own savepoint", len(runnable),
                      exc_info=True)
            return None
        return handled, answered

    def _run_each(self, uow: UnitOfWork, org: Organisation, runnable: list[tuple[ClaimedEvent, IncomingEvent]],
                  failed_chats: set[str], released: list[int]) -> tuple[list[tuple[int, InboxStatus, str]], bool]:
        """Each event in its own savepoint: a failing one undoes only its own changes and is recorded as
        failed (retried with backoff); its chat's later events are not run but released (`released`): they
        wait for it, in order."""
        handled: list[tuple[int, InboxStatus, str]] = []
        answered = False
        for claimed, event in runnable:
            if claimed.chat_key in failed_chats:
                released.append(claimed.id)
                continue
            try:
                with uow.savepoint():
                    status, outcome, ctx = self._run(uow, org, claimed, event)
                handled.append((claimed.id, status, outcome))
                answered = answered or ctx.answered
            except Exception as exc:
                self._batch_failure(uow, claimed, exc)
                failed_chats.add(claimed.chat_key)
        return handled, answered

    def _batch_failure(self, uow: UnitOfWork, claimed: ClaimedEvent, exc: Exception) -> None:
        self._log_failure(claimed, _event_type(claimed))
        self._note_failure(claimed, uow.inbox.record_failure(
            claimed.id, _error(exc), utcnow(), self.policy.max_attempts,
            self.policy.backoff(claimed.attempts), claimed.attempts))

    @staticmethod
    def _organisation(uow: UnitOfWork, org_id: int) -> Organisation:
        org = uow.people.organisation_by_id(org_id)
        assert org is not None, f"organisation {org_id} missing"
        return org

    def _run(self, uow: UnitOfWork, org: Organisation, claimed: ClaimedEvent,
             event: IncomingEvent) -> tuple[InboxStatus, str, Context]:
        """Handle one event and write its answers, not committing; its status and outcome."""
        now = utcnow()
        ctx = Context(uow=uow, org=org, event=event, now=now, secret_key=self.secret_key)
        outcome = self.application.dispatch(event, ctx)
        ctx.flush()
        if ctx.scrub_event:
            uow.inbox.scrub_now(claimed.id, now)
        return (InboxStatus.IGNORED if outcome == UNHANDLED else InboxStatus.DONE), outcome, ctx

    def _dispatch(self, uow: UnitOfWork, org: Organisation, claimed: ClaimedEvent,
                  event: IncomingEvent) -> tuple[InboxStatus, str, Context]:
        """Handle one event and write its answers and its "done" mark, not committing; ClaimLost when
        another worker holds the event now."""
        now = utcnow()
        ctx = Context(uow=uow, org=org, event=event, now=now, secret_key=self.secret_key)
        outcome = self.application.dispatch(event, ctx)
        ctx.flush()
        status = InboxStatus.IGNORED if outcome == UNHANDLED else InboxStatus.DONE
        if not uow.inbox.finish(claimed.id, status, outcome, now, claimed.attempts):
            raise ClaimLost(claimed.id)
        if ctx.scrub_event:
            uow.inbox.scrub_now(claimed.id, now)
        return status, outcome, ctx

    def _process(self, claimed: ClaimedEvent) -> None:
        if self._handle(claimed):
            self.answers_committed.set()

    def _handle(self, claimed: ClaimedEvent) -> bool:
        """Every step of one event, parsing included, fails on its own: the rest of the batch goes on."""
        event_type = _event_type(claimed)
        try:
            event = parse_event(claimed.payload)
            # scoped to the event's organisation: on PostgreSQL row-level security hides every other one
            with self.uow_factory(claimed.org_id) as uow:
                if event.user_id and event.source_type == "user" and event.type in ("message", "postback"):
                    # the chat's conversation read once (as a batch does), not by each handler's look in turn
                    uow.conversations.prefetch(claimed.org_id, [event.user_id])
                try:
                    status, outcome, ctx = self._dispatch(
                        uow, self._organisation(uow, claimed.org_id), claimed, event)
                except ClaimLost:
                    uow.rollback()
                    _log_claim_lost(claimed, event_type)
                    return False
                uow.commit()
                if log.isEnabledFor(logging.INFO):
                    log.info("event %s (%s) %s: %s", claimed.id, event_type, status.value, outcome)
                return ctx.answered
        except Exception as exc:
            self._record_failure(claimed, event_type, exc)
            return False

    @staticmethod
    def _log_failure(claimed: ClaimedEvent, event_type: str) -> None:
        log.exception("event %s (%s) failed on attempt %s", claimed.id, event_type, claimed.attempts)

    @staticmethod
    def _note_failure(claimed: ClaimedEvent, status: InboxStatus | None) -> None:
        if status is None:
            log.warning("event %s: claimed again by another worker; this attempt's failure not recorded",
                        claimed.id)
        elif status is InboxStatus.FAILED:
            log.error("event %s kept as failed after %s attempts", claimed.id, claimed.attempts)

    def _record_failure(self, claimed: ClaimedEvent, event_type: str, exc: Exception) -> None:
        self._log_failure(claimed, event_type)
        try:
            with self.uow_factory() as uow:
                status = uow.inbox.record_failure(claimed.id, _error(exc), utcnow(), self.policy.max_attempts,
                                                  self.policy.backoff(claimed.attempts), claimed.attempts)
                uow.commit()
            self._note_failure(claimed, status)
        except Exception:  # the lease runs out and a worker retries it
            log.exception("could not record the failure of event %s", claimed.id)


def _by_organisation(claimed: list[ClaimedEvent]) -> dict[int, list[ClaimedEvent]]:
    """The claim split by organisation, each part in the claim's order (so each chat's events in order)."""
    parts: dict[int, list[ClaimedEvent]] = {}
    for event in claimed:
        parts.setdefault(event.org_id, []).append(event)
    return parts


def _log_claim_lost(claimed: ClaimedEvent, event_type: str) -> None:
    log.warning("event %s (%s): claimed again by another worker after this one's lease ran out; this run's "
                "work is discarded", claimed.id, event_type)


def _event_type(claimed: ClaimedEvent) -> str:
    payload = claimed.payload if isinstance(claimed.payload, dict) else {}
    return str(payload.get("type"))[:32]


def _error(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"
