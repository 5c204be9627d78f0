"""Processing of stored webhook events: claim, handle, record — each event's effects commit once.

Workers claim due events a few chats at a time; a chat with an event in progress is not claimed by anyone
else, so one person's events are handled one at a time, in order. The handler's changes, its answers
(outbox rows) and the event's "done" mark are committed together: a crash before the commit leaves the event
to be processed again when its lease runs out, a crash after it leaves nothing to redo. A processor that
outlived its lease (a slow batch on a loaded machine) commits nothing of an event another worker has claimed
again: "done" is written only while the claim's attempt number still holds the event, and the claim skips a
row being finished. A failing event is retried with backoff and, when retries run out, kept as `failed` with
its error.

A claim is one transaction, whatever the number of organisations in it. It starts by holding the claim's
events (one UPDATE that renews their lease and locks them until the commit; one whose claim was lost meanwhile
is left to the worker that has it) and reading their organisations, the senders' member records,
conversations and digit settings in one query each (the repositories answer the events from memory). Each
organisation's events then run in turn under its own scope (`UnitOfWork.scoped`: on PostgreSQL row-level
security hides every other organisation, and the session holds none of their rows), all in one savepoint,
every organisation's replies written at its end in one pipeline on PostgreSQL, each organisation's under its
own scope (`UnitOfWork.hold_replies`); the events are marked done in one statement (an
executemany on SQLite): one commit per claim, not one per event or per organisation. Should one event fail, that savepoint is rolled back
and each organisation's part runs again in a savepoint of its own (scoped to it), its events together, else
each in its own savepoint (a failing event undoes only its own changes, and what was kept in memory is
forgotten); an organisation's part failing as a whole is undone alone and its events are processed one at a
time after the commit. Should the transaction itself fail, the claim's events are processed again one at a
time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import partial
from typing import cast

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
        if len(claimed) == 1:
            self._process(claimed[0])
        elif claimed:
            self._handle_claimed(_by_organisation(claimed))
        return len(claimed)

    def _handle_claimed(self, parts: dict[int, list[ClaimedEvent]]) -> None:
        """A claim's events in one transaction; should it fail, one at a time (each in its own)."""
        try:
            answered, later = self._handle_claim(parts)
        except Exception:
            events = [event for batch in parts.values() for event in batch]
            log.exception("a claim of %s events could not be committed together: one at a time", len(events))
            self._process_each(events)
            return
        if answered:
            self.answers_committed.set()
        self._process_each(later)

    def _handle_batch(self, org_id: int, batch: list[ClaimedEvent]) -> bool:
        """One organisation's batch in one transaction (`_handle_claim`); whether any wrote answers. The events
        an unexpected failure of the batch left unhandled are then processed one at a time."""
        answered, later = self._handle_claim({org_id: batch})
        self._process_each(later)
        return answered

    def _handle_claim(self, parts: dict[int, list[ClaimedEvent]]) -> tuple[bool, list[ClaimedEvent]]:
        """Every event of a claim in one transaction: whether any wrote answers, and the events of an
        organisation whose part failed as a whole (to be processed one at a time after the commit).

        The transaction first holds the claim's events (one UPDATE: those whose claim was lost meanwhile are
        left alone, the rest locked until the commit, so nothing can take them away mid-claim) and reads their
        organisations (one query). Each organisation's part then runs under its own scope: the transaction is
        scoped to it when the claim has only its events (`_run_part`); else the organisations run together in
        one savepoint, each in turn under its own scope (`_run_claim_together`), and should that fail, each
        part in a savepoint scoped to it (`UnitOfWork.scoped_savepoint`: on PostgreSQL row-level security shows
        it only its own rows, and the session holds no other organisation's), so one organisation's failure
        undoes only its own part. The events are marked done (`finish_held`), and those of a chat whose earlier
        event failed given back (`release_held`), in one statement each; one commit."""
        only = next(iter(parts)) if len(parts) == 1 else None
        handled: list[tuple[int, InboxStatus, str]] = []
        released: list[int] = []
        later: list[ClaimedEvent] = []
        answered = False
        with self.uow_factory(only) as uow:
            held = uow.inbox.hold({c.id: c.attempts for batch in parts.values() for c in batch}, utcnow(),
                                  self.policy.lease_seconds)
            orgs = uow.people.organisations_of(parts)
            runnables = {org_id: runnable for org_id, batch in parts.items() if (runnable := self._runnable(batch, held))}
            together = self._run_claim_together(uow, orgs, runnables) if only is None else None
            for org_id, runnable in runnables.items():
                if together is not None:
                    part = together[org_id]
                elif only is not None:  # the transaction is scoped to it: its failure is the claim's
                    part = self._run_part(uow, uow.savepoint, orgs.get(org_id), runnable)
                else:
                    try:
                        part = self._run_part(uow, partial(uow.scoped_savepoint, org_id), orgs.get(org_id),
                                              runnable)
                    except Exception:
                        log.exception("organisation %s: its part of the claim failed: its %s events one at a time",
                                      org_id, len(runnable))
                        later.extend(claimed for claimed, _ in runnable)
                        continue
                handled.extend(part.handled)
                released.extend(part.released)
                answered = answered or part.answered
            uow.inbox.finish_held(handled, utcnow())
            uow.inbox.release_held(released, utcnow())
            uow.commit()
        if log.isEnabledFor(logging.INFO):
            types = {claimed.id: _event_type(claimed) for batch in parts.values() for claimed in batch}
            for event_id, status, outcome in handled:
                log.info("event %s (%s) %s: %s", event_id, types[event_id], status.value, outcome)
        return answered, later

    def _run_claim_together(self, uow: UnitOfWork, orgs: dict[int, Organisation],
                            runnables: dict[int, list[tuple[ClaimedEvent, IncomingEvent | None]]],
                            ) -> dict[int, _Part] | None:
        """Several organisations' events in one savepoint, each organisation's in turn under its own scope
        (`UnitOfWork.scoped`), their senders' member records, conversations and digit settings read for all of
        them at once beforehand (one query each, each organisation's put in the session only in its turn);
        None, with everything undone, when any of them failed (or one is a retry, or does not parse): each
        organisation's part then runs in a savepoint of its own (`_run_part`). (Events rarely fail: this saves
        a SAVEPOINT, a RELEASE and three reads per organisation of a claim.)"""
        if not runnables or not all(claimed.attempts == 1 and event is not None
                                    for runnable in runnables.values() for claimed, event in runnable):
            return None
        try:
            with uow.savepoint():
                events = {org_id: [cast(IncomingEvent, event) for _, event in runnable]
                          for org_id, runnable in runnables.items()}
                uow.people.prefetch_members_of({org_id: [e.user_id for e in events_ if e.user_id]
                                                for org_id, events_ in events.items()})
                uow.conversations.prefetch_of({org_id: [e.user_id for e in events_
                                                        if e.user_id and e.source_type == "user"]
                                               for org_id, events_ in events.items()})
                uow.report_settings.prefetch_policies(runnables)
                parts: dict[int, _Part] = {}
                for org_id, runnable in runnables.items():
                    org = orgs.get(org_id)
                    if org is None:
                        raise LookupError(f"organisation {org_id} of claimed events is missing")
                    with uow.scoped(org_id, restore=False):
                        parts[org_id] = self._run_together(
                            uow, org, cast(list[tuple[ClaimedEvent, IncomingEvent]], runnable), hold=True)
                uow.end_scopes()
                uow.write_held_replies()
        except Exception:
            uow.outbox.forget_deferred()  # the replies held for the claim's end went with the savepoint
            log.debug("an event of a claim over %s organisations failed: each organisation's part again in a "
                      "savepoint of its own", len(runnables), exc_info=True)
            return None
        return parts

    @staticmethod
    def _runnable(batch: list[ClaimedEvent], held: set[int]) -> list[tuple[ClaimedEvent, IncomingEvent | None]]:
        """The batch's events this claim still holds, each with its parsed event (None: it does not parse)."""
        runnable: list[tuple[ClaimedEvent, IncomingEvent | None]] = []
        for claimed in batch:
            if claimed.id not in held:
                _log_claim_lost(claimed, _event_type(claimed))
                continue
            try:
                runnable.append((claimed, parse_event(claimed.payload)))
            except Exception:
                runnable.append((claimed, None))
        return runnable

    def _run_part(self, uow: UnitOfWork, savepoint: Callable[[], AbstractContextManager[None]],
                  org: Organisation | None, runnable: list[tuple[ClaimedEvent, IncomingEvent | None]]) -> _Part:
        """One organisation's events, each savepoint from `savepoint` (the organisation's scope): first all
        together in one (`_run_together`); should one of them fail, that savepoint is rolled back (what was
        kept in memory for the batch with it) and they run again in another, each in a savepoint of its own
        (`_run_each`), so the failing one undoes only its own changes, as if every event had had its own
        savepoint from the start. (Events rarely fail: this saves a SAVEPOINT and a RELEASE per event, and an
        INSERT per reply.) A retry is likely to fail again: a part with one runs each event on its own at once."""
        if org is None:
            raise LookupError("the organisation of claimed events is missing")
        if all(claimed.attempts == 1 and event is not None for claimed, event in runnable):
            try:
                with savepoint():
                    return self._run_together(uow, org, cast(list[tuple[ClaimedEvent, IncomingEvent]], runnable))
            except Exception:
                log.debug("an event of a batch of %s failed: each again in its own savepoint", len(runnable),
                          exc_info=True)
        with savepoint():
            return self._run_each(uow, org, runnable)

    def _prefetch(self, uow: UnitOfWork, org: Organisation, events: list[IncomingEvent]) -> None:
        """The senders' member records and conversations, in one query each."""
        uow.people.prefetch_members(org.id, [e.user_id for e in events if e.user_id])
        uow.conversations.prefetch(org.id, [e.user_id for e in events if e.user_id and e.source_type == "user"])

    def _run_together(self, uow: UnitOfWork, org: Organisation,
                      runnable: list[tuple[ClaimedEvent, IncomingEvent]], hold: bool = False) -> _Part:
        """The events one after another, their replies written together at the end (one executemany:
        storage/outbox.py `defer_replies`; `hold`: kept, as written under this organisation's scope, for the
        claim's end, where every organisation's go in one pipeline, each under its own scope:
        `UnitOfWork.hold_replies`); raises when one of them fails (the caller's savepoint then undoes
        everything they did; replies deferred or held are forgotten)."""
        part = _Part()
        self._prefetch(uow, org, [event for _, event in runnable])
        uow.outbox.defer_replies()
        try:
            for claimed, event in runnable:
                status, outcome, ctx = self._run(uow, org, claimed, event)
                part.handled.append((claimed.id, status, outcome))
                part.answered = part.answered or ctx.answered
            if hold:
                uow.hold_replies()
            else:
                uow.outbox.write_deferred()
        except BaseException:
            uow.outbox.forget_deferred()
            raise
        return part

    def _run_each(self, uow: UnitOfWork, org: Organisation,
                  runnable: list[tuple[ClaimedEvent, IncomingEvent | None]]) -> _Part:
        """Each event in its own savepoint: a failing one (or one that does not parse) undoes only its own
        changes and is recorded as failed (retried with backoff); its chat's later events are not run but
        released (`_Part.released`): they wait for it, in order."""
        part = _Part()
        failed_chats: set[str] = set()
        self._prefetch(uow, org, [event for _, event in runnable if event is not None])
        for claimed, event in runnable:
            if claimed.chat_key in failed_chats:
                part.released.append(claimed.id)
                continue
            try:
                if event is None:
                    event = parse_event(claimed.payload)  # raises again: recorded below
                with uow.savepoint():
                    status, outcome, ctx = self._run(uow, org, claimed, event)
                part.handled.append((claimed.id, status, outcome))
                part.answered = part.answered or ctx.answered
            except Exception as exc:
                self._batch_failure(uow, claimed, exc)
                failed_chats.add(claimed.chat_key)
        return part

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

    def _process(self, claimed: ClaimedEvent) -> bool:
        """One event in a transaction of its own; False when it failed."""
        answered = self._handle(claimed)
        if answered:
            self.answers_committed.set()
        return answered is not None

    def _process_each(self, events: list[ClaimedEvent]) -> None:
        """Events one at a time, each in its own transaction; a chat's events after one that failed are given
        back unhandled (they wait for it, in order)."""
        failed_chats: set[str] = set()
        for claimed in events:
            if claimed.chat_key in failed_chats:
                self._release(claimed)
            elif not self._process(claimed):
                failed_chats.add(claimed.chat_key)

    def _release(self, claimed: ClaimedEvent) -> None:
        try:
            with self.uow_factory() as uow:
                uow.inbox.release_held([claimed.id], utcnow())
                uow.commit()
        except Exception:  # its lease runs out and a worker claims it again, behind the failed one
            log.exception("could not give back event %s", claimed.id)

    def _handle(self, claimed: ClaimedEvent) -> bool | None:
        """Every step of one event, parsing included, fails on its own: the rest of the batch goes on.
        Whether it wrote answers; None when it failed."""
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
            return None

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


@dataclass
class _Part:
    """What one organisation's part of a claim did: the events handled [(id, status, outcome)], those given
    back (a chat's events after one that failed), and whether any wrote answers."""

    handled: list[tuple[int, InboxStatus, str]] = field(default_factory=list)
    released: list[int] = field(default_factory=list)
    answered: bool = False


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
