"""Storing webhook events with group commit: concurrent requests share one transaction.

Each request hands its events to the process's writer thread and waits until they are committed; only then
does it answer 200, so nothing acknowledged can be lost. While the writer commits one batch, the next
requests queue up and go into the next batch together: under load one commit serves many requests, which
is what lets one web process acknowledge over a thousand events a second (and on PostgreSQL with a real
disk, saves one flush per request).

A request to an organisation's own webhook (`/callback/<slug>`) was verified with the channel secret the
process had cached; it names the version of the credentials that secret came from, and the transaction that
stores it reads the current version of every such organisation in the batch: a request
whose organisation was disabled, or whose credentials were replaced, since the process cached them is not
stored but answered `StaleChannel`, and the webhook verifies it again with what the database holds now.
So a replaced secret or a disabled organisation takes effect in every process at once. On PostgreSQL that check,
the insert and the workers' notification are one statement and the tombstones' a second, sent together in one
round trip as one implicit transaction (storage/checked_store.py); on SQLite, in process, separate statements.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DataError, DBAPIError, StatementError

# ANY_VERSION: `EventStore.store`'s channel_version for a body verified with the environment's secret
from storage.checked_store import ANY_VERSION as ANY_VERSION
from storage.checked_store import store_checked_events
from storage.clock import utcnow
from storage.held_connection import HeldConnection
from storage.inbox import UnstorableEvent, storable_event, store_events_of, with_storable_time
from storage.keys import UNKEYED
from storage.organisations import channel_versions
from storage.wakeups import notify_inbox

log = logging.getLogger(__name__)


class StoreUnavailable(RuntimeError):
    """The events could not be stored (database down or too slow): the request must not answer 200."""


class StaleChannel(RuntimeError):
    """Nothing stored: the organisation is disabled, or its credentials are no longer the version the
    request was verified with."""


def _refused(exc: BaseException) -> bool:
    """The database (or its driver) refused what it was given, which trying again cannot change; anything
    else is the database being unavailable."""
    if isinstance(exc, DataError):
        return True
    if isinstance(exc, StatementError) and not isinstance(exc, DBAPIError):  # failed binding a value
        return True
    return isinstance(exc, ValueError | TypeError | RecursionError)


@dataclass
class _Request:
    org_id: int
    events: list[dict[str, Any]]
    # the credentials version the request was verified with (ANY_VERSION: the environment's secret, which
    # the database does not hold: only that the organisation is enabled); None: unchecked
    channel_version: int | None = None
    done: threading.Event = field(default_factory=threading.Event)
    inserted: dict[str, int] = field(default_factory=dict)
    error: BaseException | None = None
    stale: bool = False


class EventStore:
    def __init__(self, engine: Engine, max_batch: int = 256, wait_seconds: float = 10.0,
                 events_key: bytes = UNKEYED, idle_seconds: float = 1.0) -> None:
        self.engine = engine
        # PostgreSQL: the writer's connection, kept while requests keep coming (storage/held_connection.py)
        self._held = HeldConnection(engine, autocommit=engine.dialect.name == "postgresql")
        self.idle_seconds = idle_seconds
        self.events_key = events_key  # the key of the tombstones the worker leaves (StorageKeys.events)
        self.max_batch = max_batch
        self.wait_seconds = wait_seconds
        self._queue: queue.SimpleQueue[_Request] = queue.SimpleQueue()
        self._started_in: int | None = None
        self._start_lock = threading.Lock()
        # Called after new events were committed: a worker in this process wakes at once (one in another
        # process hears of it from storage/wakeups.py).
        self.on_stored: Callable[[], None] | None = None

    def store(self, org_id: int, events: list[dict[str, Any]], channel_version: int | None = None,
              plain: bool = False) -> dict[str, int]:
        """Store the events not seen before; return {webhookEventId: inbox id} of the new ones.
        UnstorableEvent when they can never be stored (whatever is stored with them is not held up),
        StoreUnavailable when the database cannot take them now. With `channel_version`: StaleChannel (nothing
        stored) unless the organisation is enabled and its credentials are still at that version (any version:
        ANY_VERSION). `plain`: the events came from a body `storage.inbox.plain_body` passed (no text to clean)."""
        self._ensure_writer()
        storable = [with_storable_time(event) for event in events] if plain else [
            storable_event(event) for event in events]
        request = _Request(org_id, storable, channel_version)
        self._queue.put(request)
        if not request.done.wait(self.wait_seconds):
            raise StoreUnavailable(f"events not stored within {self.wait_seconds:g}s")
        if request.stale:
            raise StaleChannel(f"organisation {org_id}: channel changed or disabled")
        if request.error is not None and _refused(request.error):
            raise UnstorableEvent(type(request.error).__name__) from request.error
        if request.error is not None:
            raise StoreUnavailable(type(request.error).__name__) from request.error
        return request.inserted

    def close(self) -> None:
        """Give the writer's connection back to the pool (before the engine is disposed)."""
        self._held.release()

    def _ensure_writer(self) -> None:
        # Started lazily and per process: gunicorn forks after create_app, and threads do not survive forks.
        if self._started_in == os.getpid():
            return
        with self._start_lock:
            if self._started_in != os.getpid():
                self._queue = queue.SimpleQueue()
                self._held = HeldConnection(self.engine, self._held.autocommit)  # not the parent's (a fork's child shares its socket)
                threading.Thread(target=self._write_forever, name="itabot-event-store", daemon=True).start()
                self._started_in = os.getpid()

    def _write_forever(self) -> None:
        while True:
            try:
                batch = [self._queue.get(timeout=self.idle_seconds)]
            except queue.Empty:
                self._held.release()
                batch = [self._queue.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._write(batch)

    def _check_and_store(self, connection: Connection, batch: list[_Request], now: datetime) -> dict[str, int]:
        checked = [request for request in batch if request.channel_version is not None]
        if checked:
            current = channel_versions(connection, sorted({request.org_id for request in checked}))
            for request in checked:
                version = current.get(request.org_id)
                request.stale = version is None or request.channel_version not in (version, ANY_VERSION)
        inserted = store_events_of(connection, [(request.org_id, request.events) for request in batch
                                                if not request.stale], now, self.events_key)
        if inserted:
            notify_inbox(connection)
        return inserted

    def _write(self, batch: list[_Request]) -> None:
        try:
            now = utcnow()
            if self.engine.dialect.name == "postgresql":  # one round trip: storage/checked_store.py
                inserted, stale = self._held.run(lambda connection: store_checked_events(
                    connection, [(request.org_id, request.channel_version, request.events) for request in batch],
                    now, self.events_key))
                for request in batch:
                    request.stale = (request.org_id, request.channel_version) in stale
            else:
                with self.engine.begin() as connection:
                    inserted = self._check_and_store(connection, batch, now)
            if inserted and self.on_stored is not None:
                self.on_stored()
            for request in batch:
                if request.stale:
                    continue
                request.inserted = {e["webhookEventId"]: inserted[e["webhookEventId"]]
                                    for e in request.events if e["webhookEventId"] in inserted}
        except Exception as exc:
            if len(batch) > 1 and _refused(exc):  # one request spoilt the batch: the others must not fail
                for request in batch:
                    request.stale = False
                    self._write([request])
                return
            # every request of the batch answers 503 (LINE redelivers), or 400 when its events were refused
            log.error("storing %s webhook requests failed: %s", len(batch), type(exc).__name__)
            for request in batch:
                request.error = exc
        finally:
            for request in batch:
                request.done.set()
