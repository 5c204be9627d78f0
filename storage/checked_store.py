"""The webhook's group commit on PostgreSQL in one statement: the channel check, the insert and the wake-up.

A group commit checks the credentials version each request was verified with (storage/event_store.py), inserts
the events of the requests that passed, and notifies the workers (storage/wakeups.py): on SQLite three steps in
process, on PostgreSQL one statement here rather than three round trips. The check is made per (organisation,
version) pair, in the statement's snapshot: the pairs that fail it come back as rows of their own (so each stale
request is told apart and nothing of it stored); the inserted rows call `pg_notify` in their RETURNING (once per
row; a notification repeated in one transaction is delivered once), so only an insert that stored something
wakes the workers. The tombstones are read by a statement of their own afterwards (`storage.inbox.store_events_of`:
an insert that waited on a handler's delete must see the tombstone it left, which this statement's snapshot,
taken before the wait, would not).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, text

from storage.inbox import JSON_ROWS, EventRow, event_row, rows_json, without_tombstoned
from storage.keys import UNKEYED
from storage.models import InboxEvent, InboxStatus
from storage.wakeups import EVENTS, INBOX_CHANNEL

_table = cast(Table, InboxEvent.__table__)
ANY_VERSION = -1  # the version of a body verified with the environment's secret: the organisation need only be enabled

_STORE_CHECKED = text(
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
    " UNION ALL SELECT NULL, org_id, version FROM stale"
).bindparams(bindparam("now", type_=_table.c.received_at.type), bindparam("status", type_=_table.c.status.type))


def store_checked_events(connection: Connection, requests: Iterable[tuple[int, int | None, list[dict[str, Any]]]],
                         now: datetime, events_key: bytes = UNKEYED) -> tuple[dict[str, int], set[tuple[int, int]]]:
    """Requests' events [(org_id, the credentials version it was verified with or None: unchecked, events)]
    stored as `storage.inbox.store_events_of` stores them, those of a request whose organisation is disabled or
    not at that version (any version: -1) left out: ({webhookEventId: row id} inserted, {(org_id, version)
    found stale}). PostgreSQL only."""
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
    inserted: dict[str, int] = {}
    stale: set[tuple[int, int]] = set()
    for event_id, row_id, version in connection.execute(_STORE_CHECKED, params):
        if event_id is None:
            stale.add((row_id, version))
        else:
            inserted[event_id] = row_id
    return without_tombstoned(connection, inserted, events_key), stale
