"""The LINE monthly message quota: read it, keep it for the admin summary, unpark when it allows."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.line.api import LineApi, LineUnavailable
from bot.line.channels import LineChannels, NoChannel, channels_of
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
    def __init__(self, uow_factory: UnitOfWorkFactory, line: LineApi | LineChannels) -> None:
        """`line`: each organisation's channel (LineChannels), or one client for all."""
        self.uow_factory = uow_factory
        self.channels = channels_of(line)

    def refresh_all(self) -> None:
        """Every enabled organisation's quota, each with its own channel's token."""
        with self.uow_factory() as uow:
            org_ids = uow.organisations.enabled_ids()
        for org_id in org_ids:
            self.refresh(org_id)

    def refresh(self, org_id: int) -> QuotaStatus | None:
        """Read the organisation's quota from LINE and store it; put its parked messages back in line when
        there is room."""
        try:
            reading = self.channels.api(org_id).quota()
        except NoChannel as exc:  # nothing can be sent for it either
            log.debug("organisation %s: quota not read: %s", org_id, exc)
            return None
        except LineUnavailable as exc:
            log.warning("organisation %s: quota not read: %s", org_id, exc)
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
