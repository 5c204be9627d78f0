"""The LINE monthly message quota: read it, keep it for the admin summary, unpark when it allows."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.line.api import LineApi, LineUnavailable
from storage.clock import utcnow
from storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QuotaStatus:
    quota_type: str
    limit: int | None
    usage: int
    unparked: int

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(0, self.limit - self.usage)


class QuotaMonitor:
    def __init__(self, uow_factory: UnitOfWorkFactory, line: LineApi) -> None:
        self.uow_factory = uow_factory
        self.line = line

    def refresh(self, org_id: int) -> QuotaStatus | None:
        """Read the quota from LINE and store it; put parked messages back in line when there is room."""
        try:
            reading = self.line.quota()
        except LineUnavailable as exc:
            log.warning("quota not read: %s", exc)
            return None
        with self.uow_factory() as uow:
            now = utcnow()
            uow.outbox.save_quota(org_id, reading.quota_type, reading.limit, reading.usage, now)
            has_room = reading.limit is None or reading.usage < reading.limit
            unparked = uow.outbox.unpark(org_id, now) if has_room else 0
            uow.commit()
        if unparked:
            log.info("quota allows sending again: %s parked messages back in the queue", unparked)
        return QuotaStatus(reading.quota_type, reading.limit, reading.usage, unparked)
