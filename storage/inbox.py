"""The webhook inbox: events stored durably, claimed with a lease, processed once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import InboxEvent, InboxStatus

SCRUB_KEEPS = ("type", "webhookEventId", "timestamp", "mode")


def _event_time(event: dict[str, Any]) -> datetime | None:
    timestamp = event.get("timestamp")
    if isinstance(timestamp, int | float) and timestamp > 0:
        return datetime.fromtimestamp(timestamp / 1000, UTC)
    return None


def _dialect_insert(session: Session) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


class InboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_new(
        self, org_id: int, events: Iterable[dict[str, Any]], now: datetime, first_attempt_at: datetime
    ) -> dict[str, int]:
        """Insert events not seen before (keyed by webhookEventId); return {webhookEventId: row id} of the
        rows this call inserted (duplicates and redeliveries are left out)."""
        rows: dict[str, dict[str, Any]] = {}
        for event in events:
            event_id = event["webhookEventId"]
            rows.setdefault(
                event_id,
                {
                    "org_id": org_id,
                    "webhook_event_id": event_id,
                    "event_type": str(event.get("type"))[:32],
                    "payload": event,
                    "is_redelivery": bool((event.get("deliveryContext") or {}).get("isRedelivery")),
                    "event_time": _event_time(event),
                    "received_at": now,
                    "status": InboxStatus.PENDING.value,
                    "attempts": 0,
                    "next_attempt_at": first_attempt_at,
                },
            )
        if not rows:
            return {}
        insert = _dialect_insert(self.session)
        statement = (
            insert(InboxEvent)
            .values(list(rows.values()))
            .on_conflict_do_nothing(index_elements=["webhook_event_id"])
            .returning(InboxEvent.webhook_event_id, InboxEvent.id)
        )
        return {event_id: row_id for event_id, row_id in self.session.execute(statement)}

    def claim(self, event_id: int, now: datetime, lease_seconds: float) -> InboxEvent | None:
        """Take one event for processing unless another process holds a live lease on it or it is finished."""
        result = self.session.execute(
            update(InboxEvent)
            .where(
                InboxEvent.id == event_id,
                or_(
                    InboxEvent.status == InboxStatus.PENDING.value,
                    and_(InboxEvent.status == InboxStatus.PROCESSING.value, InboxEvent.lease_until < now),
                ),
            )
            .values(
                status=InboxStatus.PROCESSING.value,
                lease_until=now + timedelta(seconds=lease_seconds),
                attempts=InboxEvent.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return self.session.get(InboxEvent, event_id, populate_existing=True)

    def due_ids(self, now: datetime, limit: int) -> list[int]:
        """Events nobody is handling: new ones past their first-attempt time, retries whose backoff is
        over, and ones whose processor died (lease expired)."""
        statement = (
            select(InboxEvent.id)
            .where(
                or_(
                    and_(InboxEvent.status == InboxStatus.PENDING.value, InboxEvent.next_attempt_at <= now),
                    and_(InboxEvent.status == InboxStatus.PROCESSING.value, InboxEvent.lease_until < now),
                )
            )
            .order_by(InboxEvent.event_time, InboxEvent.id)
            .limit(limit)
        )
        return list(self.session.scalars(statement))

    def finish(self, event_id: int, status: InboxStatus, outcome: str, now: datetime) -> None:
        self.session.execute(
            update(InboxEvent)
            .where(InboxEvent.id == event_id)
            .values(status=status.value, outcome=outcome[:255], processed_at=now, lease_until=None,
                    last_error=None)
            .execution_options(synchronize_session=False)
        )

    def record_failure(
        self, event_id: int, error: str, now: datetime, max_attempts: int, backoff_seconds: float
    ) -> InboxStatus:
        event = self.session.get(InboxEvent, event_id, populate_existing=True)
        if event is None:
            return InboxStatus.FAILED
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
            event.payload = {key: event.payload.get(key) for key in SCRUB_KEEPS if key in event.payload}
            event.scrubbed_at = now
        self.session.flush()
        return len(events)

    def counts_by_status(self) -> dict[str, int]:
        rows = self.session.execute(select(InboxEvent.status, func.count()).group_by(InboxEvent.status))
        return {status: count for status, count in rows}

    def get(self, event_id: int) -> InboxEvent | None:
        return self.session.get(InboxEvent, event_id)

    def by_webhook_ids(self, webhook_event_ids: Sequence[str]) -> list[InboxEvent]:
        return list(
            self.session.scalars(select(InboxEvent).where(InboxEvent.webhook_event_id.in_(webhook_event_ids)))
        )

    def failed(self, limit: int = 50) -> list[InboxEvent]:
        return list(
            self.session.scalars(
                select(InboxEvent).where(InboxEvent.status == InboxStatus.FAILED.value)
                .order_by(InboxEvent.id.desc()).limit(limit)
            )
        )
