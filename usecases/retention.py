"""Retention: what LINE sent us and what we sent back is kept only as long as it is useful.

After RETENTION_DAYS, finished webhook events keep their type and id but lose user ids, text and reply
tokens; finished outbox messages lose their text and recipients. Pending and parked work is never touched.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from storage.clock import utcnow
from storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScrubResult:
    events: int
    messages: int


def scrub_expired(uow_factory: UnitOfWorkFactory, retention_days: float) -> ScrubResult:
    now = utcnow()
    cut_off = now - timedelta(days=retention_days)
    events = 0
    while True:
        with uow_factory() as uow:
            batch = uow.inbox.scrub_finished(cut_off, now)
            uow.commit()
        events += batch
        if batch == 0:
            break
    with uow_factory() as uow:
        messages = uow.outbox.scrub_finished(cut_off, now)
        uow.commit()
    if events or messages:
        log.info("retention: scrubbed %s events and %s messages older than %s days", events, messages,
                 retention_days)
    return ScrubResult(events, messages)
