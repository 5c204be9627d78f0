"""Evidence files of a complaint for the officer who handles it, in the console and through signed links in
LINE alike: only the assigned officer who may still handle the case (usecases.complaint_routing.may_handle:
never one of a unit the complaint names, never another organisation, never a head or a citizen), every file
opened written to the audit log (which case, which file: never its content or the sender's file name).

Files are served under a neutral name ("หลักฐาน-12-1.jpg"): the name the complainant's phone gave a file may
say who they are. Only a few content types are passed on as they came; anything else is served as
application/octet-stream (always as an attachment, with nosniff)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from domain.complaints.evidence_links import EvidenceLinks, EvidenceTicket
from storage.audit_log import Actor
from storage.complaint_models import Complaint
from storage.evidence import COMPLAINT_OWNER, EvidenceStatus
from storage.models import Member
from storage.uow import UnitOfWork
from usecases.complaint_routing import may_handle

log = logging.getLogger(__name__)

# Content types served as they came, and the file extension each is given.
SAFE_TYPES = {
    "image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp",
    "video/mp4": "mp4", "audio/mp4": "m4a", "audio/x-m4a": "m4a", "audio/mpeg": "mp3",
    "application/pdf": "pdf",
}
FALLBACK_TYPE = "application/octet-stream"
AUDIT_ACTION = "complaint.evidence"


@dataclass(frozen=True)
class EvidenceItem:
    """One file as listed on a case: its number on the case (1, 2, …) and size."""

    id: int
    number: int
    kind: str
    size: int


@dataclass(frozen=True)
class EvidenceFile:
    number: int
    content: bytes
    content_type: str
    extension: str

    def file_name(self, complaint_id: int) -> str:
        return f"evidence-{complaint_id}-{self.number}.{self.extension}"


def may_open(member: Member | None, complaint: Complaint) -> bool:
    """The assigned officer, while they may still handle the case."""
    return member is not None and complaint.assigned_member_id == member.id \
        and may_handle(member, complaint)


def evidence_items(uow: UnitOfWork, complaint: Complaint) -> list[EvidenceItem]:
    """The case's files that were downloaded and kept (pending, gone or failed ones have nothing to open)."""
    rows = uow.evidence.for_owner(COMPLAINT_OWNER, complaint.id)
    return [EvidenceItem(row.id, number, row.message_type, row.size or 0)
            for number, row in enumerate(rows, start=1)
            if row.status == EvidenceStatus.READY.value and row.org_id == complaint.org_id]


def open_evidence(uow: UnitOfWork, complaint: Complaint, member: Member | None, evidence_id: int, actor: Actor,
                  now: datetime) -> EvidenceFile | None:
    """The file for this officer, the opening written to the audit log; None (and nothing written) when
    they may not open it or it is not a kept file of this case."""
    if not may_open(member, complaint):
        return None
    item = next((i for i in evidence_items(uow, complaint) if i.id == evidence_id), None)
    if item is None:
        return None
    row = uow.evidence.get(evidence_id)
    if row is None or row.content is None:
        return None
    content_type = (row.content_type or "").split(";")[0].strip().lower()
    extension = SAFE_TYPES.get(content_type)
    uow.audit.record(complaint.org_id, actor, AUDIT_ACTION, now, f"complaint:{complaint.id}", file=item.number)
    log.info("complaint %s: evidence %s opened by member %s", complaint.id, item.number, member.id if member else None)
    return EvidenceFile(item.number, row.content, content_type if extension else FALLBACK_TYPE, extension or "bin")


def evidence_links(links: EvidenceLinks, complaint: Complaint, member: Member, items: list[EvidenceItem],
                   now: datetime) -> list[tuple[EvidenceItem, str, datetime]]:
    """A signed link per file, for this officer only."""
    made = []
    for item in items:
        url, expires_at = links.link(EvidenceTicket(complaint.org_id, complaint.id, item.id, member.id), now)
        made.append((item, url, expires_at))
    return made
