"""Evidence files: recorded by handlers, downloaded from LINE by a worker after the commit."""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from domain.complaints.workflow import complainant_time
from storage.conversation_models import Evidence

# Evidence of a complaint keeps no exact time and, once downloaded, no LINE message id (LINE numbers
# messages in the order they are sent): neither may place it between other people's messages.
COMPLAINT_OWNER = "complaint"


_SETTLED = "settled:"


class EvidenceStatus(enum.StrEnum):
    PENDING = "pending"      # waiting to be downloaded (or for LINE to finish preparing it)
    READY = "ready"          # downloaded and kept
    GONE = "gone"            # the sender unsent it (410) before we got it
    TOO_LARGE = "too_large"  # over the size limit: not kept
    FAILED = "failed"        # could not be downloaded after several tries


@dataclass(frozen=True)
class EvidenceToFetch:
    id: int
    org_id: int
    line_message_id: str
    attempts: int
    owner_kind: str
    owner_id: int
    message_type: str


class EvidenceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, org_id: int, owner_kind: str, owner_id: int, line_message_id: str, message_type: str,
            file_name: str | None, now: datetime) -> Evidence | None:
        """Record a photo/file message; None when that message is already recorded (redelivery)."""
        exists = self.session.scalar(select(Evidence.id).where(Evidence.line_message_id == line_message_id))
        if exists is not None:
            return None
        row = Evidence(org_id=org_id, owner_kind=owner_kind, owner_id=owner_id, line_message_id=line_message_id,
                       message_type=message_type, file_name=file_name, status=EvidenceStatus.PENDING.value,
                       attempts=0, next_attempt_at=now, created_at=now)
        self.session.add(row)
        self.session.flush()
        return row

    def get(self, evidence_id: int) -> Evidence | None:
        return self.session.get(Evidence, evidence_id)

    def for_owner(self, owner_kind: str, owner_id: int) -> list[Evidence]:
        return list(self.session.scalars(
            select(Evidence).where(Evidence.owner_kind == owner_kind, Evidence.owner_id == owner_id)
            .order_by(Evidence.id)))

    def for_owners(self, owner_kind: str, owner_ids: list[int]) -> list[Evidence]:
        if not owner_ids:
            return []
        return list(self.session.scalars(
            select(Evidence).where(Evidence.owner_kind == owner_kind, Evidence.owner_id.in_(owner_ids))
            .order_by(Evidence.id)))

    def count_for_owner(self, owner_kind: str, owner_id: int) -> int:
        return self.session.scalar(select(func.count()).select_from(Evidence).where(
            Evidence.owner_kind == owner_kind, Evidence.owner_id == owner_id)) or 0

    def reassign(self, from_kind: str, from_id: int, to_kind: str, to_id: int) -> None:
        self.session.execute(update(Evidence).where(Evidence.owner_kind == from_kind, Evidence.owner_id == from_id)
                             .values(owner_kind=to_kind, owner_id=to_id))
        if to_kind == COMPLAINT_OWNER:
            for row in self.for_owner(to_kind, to_id):
                self._settle(row)

    def _settle(self, row: Evidence) -> None:
        """A complaint's evidence: its times to the hour, and once it is no longer to be downloaded, its
        LINE message id replaced by a random one (still unique; nothing asks LINE for it again)."""
        if row.owner_kind != COMPLAINT_OWNER:
            return
        row.created_at = complainant_time(row.created_at)
        if row.status != EvidenceStatus.PENDING.value:
            row.next_attempt_at = row.created_at
            row.fetched_at = complainant_time(row.fetched_at) if row.fetched_at else None
            if not row.line_message_id.startswith(_SETTLED):
                row.line_message_id = _SETTLED + secrets.token_hex(16)
        self.session.flush()

    def delete_for_owner(self, owner_kind: str, owner_id: int) -> None:
        self.session.execute(delete(Evidence).where(Evidence.owner_kind == owner_kind,
                                                    Evidence.owner_id == owner_id))

    def claim_due(self, now: datetime, limit: int, lease: timedelta) -> list[EvidenceToFetch]:
        """Take pending downloads; a crashed worker's claims come back when the lease runs out."""
        rows = list(self.session.scalars(
            select(Evidence).where(Evidence.status == EvidenceStatus.PENDING.value,
                                   Evidence.next_attempt_at <= now)
            .order_by(Evidence.next_attempt_at).limit(limit).with_for_update(skip_locked=True)))
        claimed = []
        for row in rows:
            row.attempts += 1
            row.next_attempt_at = now + lease
            claimed.append(EvidenceToFetch(row.id, row.org_id, row.line_message_id, row.attempts,
                                           row.owner_kind, row.owner_id, row.message_type))
        self.session.flush()
        return claimed

    def mark_ready(self, evidence_id: int, content: bytes, content_type: str | None, now: datetime) -> None:
        self.session.execute(update(Evidence).where(Evidence.id == evidence_id).values(
            status=EvidenceStatus.READY.value, content=content, content_type=content_type, size=len(content),
            fetched_at=now, last_error=None))
        self._settle_id(evidence_id)

    def mark(self, evidence_id: int, status: EvidenceStatus, error: str | None = None,
             retry_at: datetime | None = None) -> None:
        values: dict[str, object] = {"status": status.value, "last_error": error}
        if retry_at is not None:
            values["next_attempt_at"] = retry_at
        self.session.execute(update(Evidence).where(Evidence.id == evidence_id).values(**values))
        self._settle_id(evidence_id)

    def _settle_id(self, evidence_id: int) -> None:
        row = self.session.get(Evidence, evidence_id, populate_existing=True)
        if row is not None:
            self._settle(row)
