"""The webhook's group commit on PostgreSQL in one round trip: the channel check, the insert, the wake-up and the
tombstones.

A group commit checks the credentials version each request was verified with (storage/event_store.py), inserts
the events of the requests that passed, notifies the workers (storage/wakeups.py) and takes out again an event
handled and deleted since (its tombstone, `storage.inbox.without_tombstoned`): on SQLite in process, on
PostgreSQL two statements sent together in one pipeline on a connection in autocommit, with no BEGIN or COMMIT
of their own: a pipeline's statements up to its Sync are one implicit transaction (both or neither; committed
before the Sync is answered, so before the 200), and one round trip instead of four (BEGIN, the insert, the
tombstone lookup, COMMIT).

The first statement checks each (organisation, version) pair in its snapshot: the pairs that fail come back as
rows of their own (so each stale request is told apart and nothing of it stored); the inserted rows call
`pg_notify` in their RETURNING (once per row; a notification repeated in one transaction is delivered once), so
only an insert that stored something wakes the workers. The second deletes the rows the first inserted whose
event left a tombstone, and returns them: a statement of its own, so its snapshot is taken after the insert (an
insert that waited on a handler's delete must see the tombstone the handler left, which the first statement's
snapshot, taken before the wait, would not).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, TextClause, text
from sqlalchemy.dialects.postgresql import psycopg

from storage.inbox import JSON_ROWS, EventRow, event_row, rows_json, tombstone_of
from storage.keys import UNKEYED
from storage.models import InboxStatus
from storage.wakeups import EVENTS, INBOX_CHANNEL

ANY_VERSION = -1  # the version of a body verified with the environment's secret: the organisation need only be enabled


def _driver_sql(statement: TextClause) -> str:
    """The statement as psycopg takes it (the pipeline bypasses SQLAlchemy's execution)."""
    return str(statement.compile(dialect=psycopg.dialect()))  # type: ignore[no-untyped-call]


_STORE_CHECKED = _driver_sql(text(
    f"WITH e AS ({JSON_ROWS}),"
    " stale AS (SELECT k.org_id, k.version FROM (SELECT DISTINCT org_id, version FROM e WHERE version IS NOT NULL)"
    " AS k WHERE NOT EXISTS (SELECT 1 FROM organisations AS o LEFT JOIN org_credentials AS c ON c.org_id = o.id"
    f" WHERE o.id = k.org_id AND o.disabled_at IS NULL AND k.version IN ({ANY_VERSION}, COALESCE(c.version, 0)))),"
    " ins AS (INSERT INTO inbox_events (org_id, webhook_event_id, chat_key, event_type, payload, is_redelivery,"
    " event_time, received_at, status, attempts, next_attempt_at)"
    " SELECT e.org_id, e.webhook_event_id, e.chat_key, e.event_type, e.payload, e.is_redelivery, e.event_time,"
    " :now, :status, 0, :now FROM e WHERE NOT EXISTS (SELECT 1 FROM stale AS s"
    " WHERE s.org_id = e.org_id AND s.version = e.version) ORDER BY e.n"  # ids in the order received
    " ON CONFLICT (webhook_event_id) DO NOTHING"
    f" RETURNING webhook_event_id, id, pg_notify('{INBOX_CHANNEL}', '{EVENTS}'))"
    " SELECT webhook_event_id, id, NULL AS version FROM ins"
    " UNION ALL SELECT NULL, org_id, version FROM stale"))
# The rows this transaction inserted (xmin: its own id; none assigned: it inserted nothing) whose event left a
# tombstone: [[webhookEventId, its tombstone], ...] bound as one JSON array.
_TAKE_OUT_TOMBSTONED = _driver_sql(text(
    "DELETE FROM inbox_events AS e USING json_array_elements(CAST(:pairs AS json)) AS h(pair),"
    " inbox_tombstones AS t WHERE e.webhook_event_id = h.pair->>0 AND t.event_hash = h.pair->>1"
    " AND e.xmin = pg_current_xact_id_if_assigned()::xid RETURNING e.webhook_event_id"))


def store_checked_events(connection: Connection, requests: Iterable[tuple[int, int | None, list[dict[str, Any]]]],
                         now: datetime, events_key: bytes = UNKEYED) -> tuple[dict[str, int], set[tuple[int, int]]]:
    """Requests' events [(org_id, the credentials version it was verified with or None: unchecked, events)]
    stored as `storage.inbox.store_events_of` stores them, those of a request whose organisation is disabled or
    not at that version (any version: -1) left out: ({webhookEventId: row id} inserted, {(org_id, version)
    found stale}). PostgreSQL only; one round trip on a connection in autocommit (`HeldConnection(autocommit=
    True)`), whose driver errors the caller translates."""
    # One row per event and check: a stale request's event must not keep a current one's copy out (the insert
    # skips a copy it already inserted, as it skips an event stored before).
    rows: dict[tuple[str, int, int | None], EventRow] = {}
    for org_id, version, events in requests:
        for event in events:
            key = (event["webhookEventId"], org_id, version)
            if key not in rows:
                rows[key] = event_row(org_id, event)
    if not rows:
        return {}, set()
    params = {"rows": rows_json(rows.values(), [version for _, _, version in rows]), "now": now,
              "status": InboxStatus.PENDING.value}
    event_ids = dict.fromkeys(event_id for event_id, _, _ in rows)
    pairs = json.dumps([(event_id, tombstone_of(events_key, event_id)) for event_id in event_ids])
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor() as stored, driver.cursor() as taken_out:
        with driver.pipeline():
            stored.execute(_STORE_CHECKED, params)
            taken_out.execute(_TAKE_OUT_TOMBSTONED, {"pairs": pairs})
        results = stored.fetchall()
        gone = {event_id for (event_id,) in taken_out.fetchall()}
    inserted: dict[str, int] = {}
    stale: set[tuple[int, int]] = set()
    for event_id, row_id, version in results:
        if event_id is None:
            stale.add((row_id, version))
        elif event_id not in gone:
            inserted[event_id] = row_id
    return inserted, stale
