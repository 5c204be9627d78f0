"""The webhook inbox: events stored durably, claimed with a lease, processed once, one chat at a time."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.chat_lists import bound_chats, in_chats, in_ids
from storage.db import CLAIM_STATEMENT_TIMEOUT
from storage.inbox_claim import claim_rows
from storage.keys import UNKEYED, keyed_hash
from storage.models import INBOX_IN_LINE, InboxEvent, InboxStatus, InboxTombstone

SCRUB_KEEPS = ("type", "webhookEventId", "timestamp", "mode")
# Claims of inbox events are serialised across PostgreSQL sessions with this advisory lock, so two
# workers never take events of the same chat at once (SQLite's BEGIN IMMEDIATE does the same).
CLAIM_LOCK_KEY = 0x17AB0001

_table = cast(Table, InboxEvent.__table__)  # typed FromClause by SQLAlchemy; a Table here
_tombstones = cast(Table, InboxTombstone.__table__)
# The event store's statements, built once, and one SQL text whatever the number of events or organisations a
# group commit gathers: the rows bound as one JSON array (one `json.dumps`, in C) rather than a VALUES row or an
# IN item per event, so neither SQLAlchemy (compiling) nor the database (parsing and planning; psycopg prepares
# a statement run often) works again for each new group size. (PostgreSQL took them as seven arrays, which
# psycopg dumps element by element in Python: an eighth of a gunicorn worker's CPU under load.) On PostgreSQL
# the payload is the event's JSON as it came in the array (`r->4`: the json type keeps the text).
_STORED = "org_id, webhook_event_id, chat_key, event_type, payload, is_redelivery, event_time"
# `rows_json`'s array as rows on PostgreSQL: the stored columns, the credentials version a row is to be checked
# against (null: unchecked; storage/checked_store.py) and n, its place in the array
JSON_ROWS = ("SELECT CAST(r->>0 AS integer) AS org_id, r->>1 AS webhook_event_id, r->>2 AS chat_key,"
             " r->>3 AS event_type, r->4 AS payload, CAST(r->>5 AS boolean) AS is_redelivery,"
             " CAST(r->>6 AS timestamptz) AS event_time, CAST(r->>7 AS integer) AS version, n"
             " FROM json_array_elements(CAST(:rows AS json)) WITH ORDINALITY AS a(r, n)")
_INSERT_TAIL = " ON CONFLICT (webhook_event_id) DO NOTHING RETURNING webhook_event_id, id"
_INSERTS = {
    "postgresql": text(
        f"INSERT INTO inbox_events ({_STORED}, received_at, status, attempts, next_attempt_at)"
        " SELECT e.org_id, e.webhook_event_id, e.chat_key, e.event_type, e.payload, e.is_redelivery, e.event_time,"
        f" :now, :status, 0, :now FROM ({JSON_ROWS}) AS e ORDER BY e.n{_INSERT_TAIL}"),  # ids in the order received
    "sqlite": text(
        f"INSERT INTO inbox_events ({_STORED}, received_at, status, attempts, next_attempt_at)"
        " SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),"
        " json_extract(value, '$[3]'), json_extract(value, '$[4]'), json_extract(value, '$[5]'),"
        " json_extract(value, '$[6]'), :now, :status, 0, :now FROM json_each(:rows)"
        f" WHERE true ORDER BY key{_INSERT_TAIL}"),  # WHERE: SQLite's parser needs one before an upsert
}
_INSERTS = {dialect: statement.bindparams(bindparam("now", type_=_table.c.received_at.type),
                                          bindparam("status", type_=_table.c.status.type))
            for dialect, statement in _INSERTS.items()}
_HANDLED = {dialect: select(_tombstones.c.event_hash).where(in_chats(_tombstones.c.event_hash, dialect, "hashes"))
            for dialect in ("postgresql", "sqlite")}
_UNDO = {dialect: delete(_table).where(in_chats(_table.c.webhook_event_id, dialect, "gone"))
         for dialect in ("postgresql", "sqlite")}
# The worker's per-batch statements, built once (building a statement costs more CPU than running it).
# The ids bound as one value (storage/chat_lists.py `in_ids`): one SQL text whatever the claim's size, so
# PostgreSQL parses and plans it once per connection (psycopg prepares a statement run often).
_HOLD = {dialect: update(_table).where(in_ids(_table.c.id, dialect, "ids"),
                                       _table.c.status == InboxStatus.PROCESSING.value)
         .values(lease_until=bindparam("lease_until")).returning(_table.c.id, _table.c.attempts)
         for dialect in ("postgresql", "sqlite")}
_FINISH = (update(_table).where(_table.c.id == bindparam("event_id"))
           .values(status=bindparam("new_status"), outcome=bindparam("outcome"), processed_at=bindparam("at"),
                   lease_until=None, last_error=None))
_RELEASE = {dialect: update(_table).where(in_ids(_table.c.id, dialect, "ids"),
                                          _table.c.status == InboxStatus.PROCESSING.value)
            .values(status=InboxStatus.PENDING.value, attempts=_table.c.attempts - 1, lease_until=None,
                    next_attempt_at=bindparam("now"))
            for dialect in ("postgresql", "sqlite")}
_FINISH_FENCED = _FINISH.where(_table.c.status == InboxStatus.PROCESSING.value,
                               _table.c.attempts == bindparam("attempt"))
# A claim's events marked handled in one statement on PostgreSQL, each with its own status and outcome (arrays
# bound as one value each: one SQL text whatever their number). SQLite runs `_FINISH` as an executemany (in
# process: no round trip per event to save).
_FINISH_ALL = text(
    "UPDATE inbox_events SET status = f.status, outcome = f.outcome, processed_at = :at, lease_until = NULL,"
    " last_error = NULL FROM unnest(CAST(:ids AS integer[]), CAST(:statuses AS varchar[]),"
    " CAST(:outcomes AS varchar[])) AS f(id, status, outcome) WHERE inbox_events.id = f.id"
).bindparams(bindparam("at", type_=_table.c.processed_at.type))

# The claim's bound (storage/db.py CLAIM_STATEMENT_TIMEOUT) set in the same round trip as its lock.
_CLAIM_LOCK = text("SELECT set_config('statement_timeout', :timeout, true), pg_advisory_xact_lock(:key)")


MAX_DEPTH = 32  # LINE's events nest a few levels; far deeper is no event, and would strain json.dumps
# Neither database takes these in a text column, nor PostgreSQL a lone surrogate's \u escape in JSON.
_UNSTORABLE_CHARS = re.compile(r"[\x00\ud800-\udfff]")


class UnstorableEvent(ValueError):
    """An event no database can keep, even with its unusable fields dropped."""


def _time_of(timestamp: Any) -> datetime | None:
    """A LINE timestamp (ms since the epoch) as a datetime; None when it is none or no datetime can hold it."""
    if not isinstance(timestamp, int | float):
        return None
    try:
        return datetime.fromtimestamp(timestamp / 1000, UTC)
    except (ValueError, OverflowError, OSError):  # out of range, NaN
        return None


def _event_time(event: dict[str, Any]) -> datetime | None:
    timestamp = event.get("timestamp")
    return _time_of(timestamp) if isinstance(timestamp, int | float) and timestamp > 0 else None


def _clean(value: Any, depth: int) -> Any:
    if isinstance(value, str):
        return _UNSTORABLE_CHARS.sub("\ufffd", value)
    if isinstance(value, dict | list):
        if depth >= MAX_DEPTH:
            raise UnstorableEvent(f"an event is nested more than {MAX_DEPTH} deep")
        if isinstance(value, list):
            return [_clean(item, depth + 1) for item in value]
        return {_UNSTORABLE_CHARS.sub("\ufffd", key): _clean(item, depth + 1) for key, item in value.items()}
    return value


def storable_event(event: dict[str, Any]) -> dict[str, Any]:
    """The event as the inbox can keep it: NULs and lone surrogates in its texts become U+FFFD, and a
    timestamp no datetime can hold becomes None (so it cannot make the event fail when it is parsed).
    UnstorableEvent when nothing can be kept (nested deeper than MAX_DEPTH)."""
    return with_storable_time(_clean(event, 0))


def with_storable_time(event: dict[str, Any]) -> dict[str, Any]:
    """The event with a timestamp no datetime can hold made None (a copy; the event itself if it has none)."""
    timestamp = event.get("timestamp")
    if isinstance(timestamp, int | float) and _time_of(timestamp) is None:
        return {**event, "timestamp": None}
    return event


# In a webhook body that parsed as JSON, a NUL or a lone surrogate can only be a \u escape: a raw control
# character in a string is no JSON, an encoded surrogate no UTF-8 (the webhook refuses both). A \\u0000 (an
# escaped backslash) matches too: such a body is merely cleaned as before.
_ESCAPED_UNSTORABLE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


def plain_body(body: bytes) -> bool:
    """The events parsed from this webhook body need no cleaning (`storable_event` would change nothing but a
    timestamp: `with_storable_time` is enough): no \\u escape of a NUL or a surrogate, and too few brackets
    to nest MAX_DEPTH deep. What nearly every body LINE sends is; it spares walking each event's every value."""
    return body.count(b"{") + body.count(b"[") < MAX_DEPTH and _ESCAPED_UNSTORABLE.search(body) is None


def chat_key(event: dict[str, Any]) -> str:
    """Who the event belongs to: a group or room, else the user; events of one chat are handled in order."""
    source = event.get("source")
    if not isinstance(source, dict):
        source = {}
    key = source.get("groupId") or source.get("roomId") or source.get("userId")
    return str(key)[:80] if key else f"event:{event['webhookEventId']}"


def tombstone_of(events_key: bytes, webhook_event_id: str) -> str:
    """The keyed hash a deleted event leaves behind (`InboxTombstone`)."""
    return keyed_hash(events_key, "inbox/tombstone", webhook_event_id)


def store_new_events(connection: Connection, org_id: int, events: Iterable[dict[str, Any]],
                     now: datetime, events_key: bytes = UNKEYED) -> dict[str, int]:
    """One organisation's events: `store_events_of` with one batch."""
    return store_events_of(connection, [(org_id, events)], now, events_key)


# A time as SQLite keeps it (a text), from the column's own type: looked up once, not on each webhook request.
_SQLITE_TIME = cast(Callable[[datetime], str],
                    _table.c.event_time.type.dialect_impl(sqlite.dialect()).bind_processor(sqlite.dialect()))


def store_events_of(connection: Connection, batches: Iterable[tuple[int, Iterable[dict[str, Any]]]],
                    now: datetime, events_key: bytes = UNKEYED) -> dict[str, int]:
    """Insert events not seen before (keyed by webhookEventId), each batch's under its organisation, in one
    statement whatever the number of organisations (the webhook's group commit gathers requests to many
    organisations' callbacks); return {webhookEventId: row id} of the rows this call inserted (duplicates
    and redeliveries are left out). A Core connection, not a Session: this runs on every webhook request.
    The events are as `storable_event` returns them.

    An event handled and deleted since (a complaint's: `InboxRepository.scrub_now`) left only its
    tombstone; a redelivery of it is taken out again here. The tombstones are read after the insert, so
    on PostgreSQL an insert that waited for the handler's delete to commit sees the tombstone it left."""
    rows = event_rows((org_id, event) for org_id, events in batches for event in events)
    if not rows:
        return {}
    dialect = connection.dialect.name
    params: dict[str, Any] = {"now": now, "status": InboxStatus.PENDING.value}
    if dialect == "postgresql":
        params["rows"] = rows_json(rows.values())
    else:
        # ensure_ascii=False: the texts reach SQLite as they are, so one it cannot hold (a lone surrogate) is
        # refused on binding, as a column bound alone is, not escaped into JSON for json_extract to store
        params["rows"] = json.dumps([(*row[:5], int(row[5]), None if row[6] is None else _SQLITE_TIME(row[6]))
                                     for row in rows.values()], ensure_ascii=False)
    inserted = {event_id: row_id for event_id, row_id in connection.execute(_INSERTS[dialect], params)}
    return without_tombstoned(connection, inserted, events_key)


EventRow = tuple[int, str, str, str, str, bool, datetime | None]  # org, webhookEventId, chat, type, JSON, redelivery, time


def event_rows(events: Iterable[tuple[int, dict[str, Any]]]) -> dict[str, EventRow]:
    """The rows to insert for (org_id, event) pairs, the first of each webhookEventId."""
    rows: dict[str, EventRow] = {}
    for org_id, event in events:
        if event["webhookEventId"] not in rows:
            rows[event["webhookEventId"]] = event_row(org_id, event)
    return rows


def event_row(org_id: int, event: dict[str, Any]) -> EventRow:
    delivery = event.get("deliveryContext")
    return (org_id, event["webhookEventId"], chat_key(event), str(event.get("type"))[:32], json.dumps(event),
            bool(delivery.get("isRedelivery")) if isinstance(delivery, dict) else False, _event_time(event))


def rows_json(rows: Collection[EventRow], versions: Sequence[int | None] | None = None) -> str:
    """The rows as PostgreSQL's insert binds them (`JSON_ROWS`), one JSON array: [org, id, chat, type, {event},
    redelivery, time, version] (`versions`: each row's, else null); each row's payload, already JSON text, goes in
    as it is."""
    return "[" + ",".join(f"{json.dumps(row[:4])[:-1]},{row[4]},"
                          f"{json.dumps([row[5], row[6] and row[6].isoformat(), version])[1:]}"
                          for row, version in zip(rows, versions or [None] * len(rows), strict=True)) + "]"


def without_tombstoned(connection: Connection, inserted: dict[str, int], events_key: bytes) -> dict[str, int]:
    """`inserted` ({webhookEventId: id}, rows this transaction inserted) less those a tombstone says were
    handled and deleted (those rows are deleted again). Read after the insert (see `store_events_of`)."""
    if inserted:
        dialect = connection.dialect.name
        hashes = {tombstone_of(events_key, event_id): event_id for event_id in inserted}
        handled = connection.execute(_HANDLED[dialect], {"hashes": bound_chats(dialect, list(hashes))}).scalars()
        gone = [hashes[event_hash] for event_hash in handled]
        if gone:
            for event_id in gone:
                del inserted[event_id]
            connection.execute(_UNDO[dialect], {"gone": bound_chats(dialect, gone)})
    return inserted


@dataclass(frozen=True)
class ClaimedEvent:
    id: int
    org_id: int
    chat_key: str
    payload: dict[str, Any]
    attempts: int


def _scrub(event: InboxEvent, now: datetime) -> None:
    event.payload = {key: event.payload.get(key) for key in SCRUB_KEEPS if key in event.payload}
    event.chat_key = f"event:{event.webhook_event_id}"
    event.scrubbed_at = now


class InboxRepository:
    def __init__(self, session: Session, events_key: bytes = UNKEYED) -> None:
        self.session = session
        self.events_key = events_key

    def claim_due(self, now: datetime, limit: int, lease_seconds: float) -> list[ClaimedEvent]:
        """Take due events of chats nobody is handling right now: new events, retries whose backoff is
        over, and events whose processor died (lease expired). Oldest first: by the event's time, or when
        it was received if it has no usable time (NULL would sort first on SQLite and last on PostgreSQL),
        each organisation's oldest first; the list comes in that order (process it in order)."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(_CLAIM_LOCK, {"timeout": CLAIM_STATEMENT_TIMEOUT, "key": CLAIM_LOCK_KEY})
        # Core rows, not ORM objects: nothing to load and flush one by one; the statements are built once.
        rows = claim_rows(self.session.connection(), now, limit, now + timedelta(seconds=lease_seconds))
        return [ClaimedEvent(*row) for row in rows]

    def finish(self, event_id: int, status: InboxStatus, outcome: str, now: datetime,
               attempt: int | None = None) -> bool:
        """Mark an event handled. With `attempt` (the claim's attempt number), only while that claim still
        holds it: False when its lease ran out and another worker claimed it again (the caller must then
        roll back everything it did for the event, or the event would take effect twice)."""
        values = {"event_id": event_id, "new_status": status.value, "outcome": outcome[:255], "at": now}
        if attempt is None:
            result = self.session.execute(_FINISH, values)
        else:
            result = self.session.execute(_FINISH_FENCED, {**values, "attempt": attempt})
        return bool(getattr(result, "rowcount", 1))

    def hold(self, claims: dict[int, int], now: datetime, lease_seconds: float) -> set[int]:
        """Of the claimed events {id: the claim's attempt}, those this claim still holds, now held until the
        transaction ends (their rows written, so locked: on PostgreSQL another worker's claim skips them, on
        SQLite the transaction holds the write lock) and their lease renewed. Once held, `finish_held`
        marks them without fencing each one again."""
        if not claims:
            return set()
        dialect = self.session.get_bind().dialect.name
        rows = self.session.execute(_HOLD[dialect], {"ids": bound_chats(dialect, list(claims)),
                                                     "lease_until": now + timedelta(seconds=lease_seconds)}).all()
        return {row.id for row in rows if claims.get(row.id) == row.attempts}

    def release_held(self, event_ids: list[int], now: datetime) -> None:
        """Give held events back unhandled (an earlier event of their chat failed in the same batch): due
        again at once, but claimed only after that event (see `claim_due`), the attempt the claim counted
        not counted."""
        if event_ids:
            dialect = self.session.get_bind().dialect.name
            self.session.execute(_RELEASE[dialect], {"ids": bound_chats(dialect, event_ids), "now": now})

    def finish_held(self, finished: list[tuple[int, InboxStatus, str]], now: datetime) -> None:
        """Mark held events handled (`hold`): [(id, status, outcome)]. One statement on PostgreSQL, an
        executemany on SQLite. Unfenced: `hold` checked each event's attempt in this transaction and locked it
        until the commit, so no other claim can have taken it since."""
        if not finished:
            return
        if self.session.get_bind().dialect.name == "postgresql":
            ids, statuses, outcomes = zip(*finished, strict=True)
            self.session.execute(_FINISH_ALL, {"ids": list(ids), "statuses": [status.value for status in statuses],
                                               "outcomes": [outcome[:255] for outcome in outcomes], "at": now})
        else:
            self.session.execute(_FINISH, [{"event_id": event_id, "new_status": status.value,
                                            "outcome": outcome[:255], "at": now}
                                           for event_id, status, outcome in finished])

    def record_failure(
        self, event_id: int, error: str, now: datetime, max_attempts: int, backoff_seconds: float,
        attempt: int | None = None,
    ) -> InboxStatus | None:
        """Retry later or keep as failed; None (nothing recorded) when the claim of `attempt` no longer holds
        the event (another worker claimed it again)."""
        event = self.session.get(InboxEvent, event_id, populate_existing=True, with_for_update=True)
        if event is None:
            return InboxStatus.FAILED
        if attempt is not None and (event.status != InboxStatus.PROCESSING.value or event.attempts != attempt):
            return None
        status = InboxStatus.FAILED if event.attempts >= max_attempts else InboxStatus.PENDING
        event.status = status.value
        event.last_error = error[:2000]
        event.lease_until = None
        event.next_attempt_at = now + timedelta(seconds=backoff_seconds)
        return status

    def retry_failed(self, now: datetime) -> int:
        """Put permanently failed events back in the queue (after a fix was deployed)."""
        result = self.session.execute(
            update(InboxEvent)
            .where(InboxEvent.status == InboxStatus.FAILED.value)
            .values(status=InboxStatus.PENDING.value, attempts=0, next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def scrub_finished(self, received_before: datetime, now: datetime, batch: int = 500) -> int:
        """Retention: finished events older than the cut-off keep only what says what they were —
        no user id, no text, no reply token."""
        finished = [InboxStatus.DONE.value, InboxStatus.IGNORED.value, InboxStatus.FAILED.value]
        events = self.session.scalars(
            select(InboxEvent).where(
                InboxEvent.status.in_(finished),
                InboxEvent.received_at < received_before,
                InboxEvent.scrubbed_at.is_(None),
            ).limit(batch)
        ).all()
        for event in events:
            _scrub(event, now)
        self.session.flush()
        return len(events)

    def scrub_now(self, event_id: int, now: datetime) -> None:
        """Scrub one event at once (complaints: nothing may tie it to the LINE account). The row is
        deleted, not cleaned: its id, times and outcome would place it between the sender's other events
        and beside the complaint it made. What is left is a tombstone (a keyed hash of its webhookEventId,
        no time), so a redelivery of it is not handled again."""
        webhook_event_id = self.session.scalar(select(InboxEvent.webhook_event_id).where(InboxEvent.id == event_id))
        if webhook_event_id is None:
            return
        row = {"event_hash": tombstone_of(self.events_key, webhook_event_id)}
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(postgresql.insert(_tombstones).on_conflict_do_nothing(), row)
        else:
            self.session.execute(sqlite.insert(_tombstones).on_conflict_do_nothing(), row)
        self.session.execute(delete(InboxEvent).where(InboxEvent.id == event_id)
                             .execution_options(synchronize_session="fetch"))
        self.session.flush()

    def counts_by_status(self) -> dict[str, int]:
        """Every event by status, history included: reads the whole table (tests, benches). What is polled
        (/healthz, `itabot inbox status`) counts `counts_in_line`."""
        rows = self.session.execute(select(InboxEvent.status, func.count()).group_by(InboxEvent.status))
        return {status: count for status, count in rows}

    def counts_in_line(self) -> dict[str, int]:
        """The events still in line (pending, being handled) or kept as failed, by status (none for a status
        with none): read from the queue's partial index on PostgreSQL (its condition written as it is, so the
        planner sees that it covers the query) and from the status index on SQLite, never the handled
        history, which grows for ever."""
        rows = self.session.execute(select(InboxEvent.status, func.count()).where(text(INBOX_IN_LINE))
                                    .group_by(InboxEvent.status))
        return {status: count for status, count in rows}

    def failed(self, limit: int = 50) -> list[InboxEvent]:
        return list(
            self.session.scalars(
                select(InboxEvent).where(InboxEvent.status == InboxStatus.FAILED.value)
                .order_by(InboxEvent.id.desc()).limit(limit)
            )
        )
