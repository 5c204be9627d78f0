"""Complaint retention: some time after a complaint is closed (COMPLAINT_RETENTION_DAYS, default 365) its
evidence files are deleted and its identity key destroyed, so the sealed identity can never be read again.
The guards of intake and follow-up (daily counters, failed attempts) are cleared once they no longer count;
`end_intake_days` destroys the daily counters' secrets as soon as their day is over."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.clock import utcnow
from storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

ATTEMPTS_KEPT = timedelta(days=1)


@dataclass(frozen=True)
class RetentionRun:
    complaints: int
    evidence: int


def apply_complaint_retention(uow_factory: UnitOfWorkFactory, retention_days: float,
                              now: datetime | None = None) -> RetentionRun:
    now = now or utcnow()
    cut_off = now - timedelta(days=retention_days)
    complaints = evidence = 0
    while True:
        with uow_factory() as uow:
            batch = uow.complaints.due_for_retention(cut_off)
            for complaint in batch:
                evidence += uow.evidence.count_for_owner("complaint", complaint.id)
                uow.evidence.delete_for_owner("complaint", complaint.id)
                uow.complaints.destroy_identity(complaint, now)
            uow.commit()
        complaints += len(batch)
        if not batch:
            break
    with uow_factory() as uow:
        uow.complaints.purge_attempts(now - ATTEMPTS_KEPT)
        uow.complaints.end_past_days(now)
        uow.commit()
    if complaints:
        log.info("complaint retention: %s closed complaints lost their evidence (%s files) and identity keys",
                 complaints, evidence)
    return RetentionRun(complaints, evidence)


def end_intake_days(uow_factory: UnitOfWorkFactory, now: datetime | None = None) -> int:
    """Destroy the intake counters, and the secrets that keyed them, of days that are over (the next day's
    first complaint does it too); how many counters went."""
    with uow_factory() as uow:
        ended = uow.complaints.end_past_days(now or utcnow())
        uow.commit()
    return ended
