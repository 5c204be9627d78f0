"""Complaints: the cases, their timelines, the guards of intake and follow-up, and private outbox rows."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Text, bindparam, cast, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from domain.complaints.categories import Category, ComplaintType
from domain.complaints.stats import ComplaintFacts
from domain.complaints.workflow import ComplaintMode, ComplaintStatus, complainant_time
from storage.complaint_models import (
    Complaint,
    ComplaintAttempt,
    ComplaintBlock,
    ComplaintDaySecret,
    ComplaintEntry,
    ComplaintIntakeCount,
)
from storage.models import Organisation

SUMMARY_CHARS = 200


# What a complaint's deadlines are computed and recorded from (`open_after`, `DeadlineFacts`): the marks as
# the JSON text stored (decoded through `_marks`, since most complaints' marks do not change between runs).
_DEADLINE_FACTS = (Complaint.id, Complaint.org_id, Complaint.received_at, Complaint.first_answer_at,
                   Complaint.last_feedback_at, Complaint.closed_at,
                   cast(Complaint.reminded, Text).label("reminded"), cast(Complaint.missed, Text).label("missed"))
_OPEN_AFTER = (select(*_DEADLINE_FACTS)
               .where(Complaint.closed_at.is_(None), Complaint.id > bindparam("after_id"))
               .order_by(Complaint.id).limit(bindparam("page")))


@dataclass(frozen=True)
class Marks:
    """A complaint's reminded or missed marks (`{"<name>@<due iso>": {"at": …, "told": … or None}}`, a bare
    timestamp in older rows), read-only: the same object stands for every row with the same text."""

    text: str | None  # as stored
    by_key: Mapping[str, Any]
    waiting: bool  # a notice not pushed yet ("told" empty)


@lru_cache(maxsize=16384)
def _marks(stored: str | None) -> Marks:
    decoded = json.loads(stored) if stored else None
    by_key = MappingProxyType(decoded or {})
    return Marks(stored, by_key, any(isinstance(m, dict) and not m.get("told") for m in by_key.values()))


@dataclass(frozen=True)
class DeadlineFacts:
    """An open complaint as the deadline check sees it: its times and its reminded/missed marks, nothing
    else (no text, no sealed identity)."""

    id: int
    org_id: int
    received_at: datetime
    first_answer_at: datetime | None
    last_feedback_at: datetime | None
    closed_at: datetime | None
    reminded: Marks
    missed: Marks


class EntryKind:
    RECEIVED = "received"
    STATUS = "status"
    TO_COMPLAINANT = "to_complainant"
    FROM_COMPLAINANT = "from_complainant"
    ASSIGNED = "assigned"


# What the complainant does is kept to the hour (`complainant_time`); what officers do, exactly.
_COMPLAINANT_KINDS = frozenset({EntryKind.RECEIVED, EntryKind.FROM_COMPLAINANT})


@dataclass(frozen=True)
class NewComplaint:
    code_hash: str
    mode: ComplaintMode
    type: ComplaintType
    category: Category
    details: str
    pin_hash: str | None = None
    happened_when: str | None = None
    place_title: str | None = None
    place_address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    involved: str | None = None
    involved_unit_ids: list[int] = field(default_factory=list)
    named_unit_ids: list[int] = field(default_factory=list)
    about_executive: bool = False
    owner_hash: str | None = None


@dataclass(frozen=True)
class IntakeKey:
    """An account's key to one day's intake counter (`usecases.complaint_config.ComplaintKeys.intake_hash`):
    the local day and HMAC(COMPLAINT_KEY, account, day). Stored only keyed again with the day's secret."""

    day: str  # local date, ISO
    digest: str = field(repr=False)


@dataclass(frozen=True)
class MissedDeadline:
    complaint_id: int
    name: str
    due: datetime


def _day_keyed(secret: bytes, key: IntakeKey) -> str:
    return hmac.new(secret, key.digest.encode(), hashlib.sha256).hexdigest()


def summary_of(details: str, limit: int = SUMMARY_CHARS) -> str:
    flat = " ".join(details.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class ComplaintRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- cases -------------------------------------------------------------------------------------------
    def create(self, org_id: int, new: NewComplaint, now: datetime) -> Complaint:
        """The complaint, received at the start of the hour of `now` (`complainant_time`)."""
        if new.mode is ComplaintMode.ANONYMOUS and new.owner_hash is not None:
            raise ValueError("an anonymous complaint keeps no link to an account")
        now = complainant_time(now)
        complaint = Complaint(
            org_id=org_id, code_hash=new.code_hash, pin_hash=new.pin_hash, mode=new.mode.value,
            type=new.type.value, category=new.category.value, status=ComplaintStatus.RECEIVED.value,
            summary=summary_of(new.details), details=new.details, happened_when=new.happened_when,
            place_title=new.place_title, place_address=new.place_address, latitude=new.latitude,
            longitude=new.longitude, involved=new.involved, involved_unit_ids=list(new.involved_unit_ids),
            named_unit_ids=list(new.named_unit_ids), about_executive=new.about_executive,
            owner_hash=new.owner_hash, received_at=now, updated_at=now, reminded={}, missed={},
        )
        self.session.add(complaint)
        self.session.flush()
        self.add_entry(complaint, EntryKind.RECEIVED, now, status_to=ComplaintStatus.RECEIVED.value,
                       delivered=True)
        return complaint

    def seal_identity(self, complaint: Complaint, sealed: bytes, wrapped_key: bytes) -> None:
        complaint.identity_sealed = sealed
        complaint.identity_key = wrapped_key
        self.session.flush()

    def get(self, org_id: int, complaint_id: int) -> Complaint | None:
        complaint = self.session.get(Complaint, complaint_id)
        return complaint if complaint is not None and complaint.org_id == org_id else None

    def by_code_hash(self, org_id: int, code_hash: str) -> Complaint | None:
        return self.session.scalar(select(Complaint).where(Complaint.org_id == org_id,
                                                           Complaint.code_hash == code_hash))

    def code_hash_taken(self, code_hash: str) -> bool:
        return self.session.scalar(select(Complaint.id).where(Complaint.code_hash == code_hash)) is not None

    def open_cases(self, org_id: int) -> list[Complaint]:
        return list(self.session.scalars(
            select(Complaint).where(Complaint.org_id == org_id, Complaint.closed_at.is_(None))
            .order_by(Complaint.received_at, Complaint.id)))

    def closed_cases(self, org_id: int, limit: int) -> list[Complaint]:
        """The most recently closed cases, newest first."""
        return list(self.session.scalars(
            select(Complaint).where(Complaint.org_id == org_id, Complaint.closed_at.is_not(None))
            .order_by(Complaint.closed_at.desc(), Complaint.id.desc()).limit(limit)))

    def count_received_since(self, org_id: int, since: datetime) -> int:
        return self.session.scalar(select(func.count()).select_from(Complaint).where(
            Complaint.org_id == org_id, Complaint.received_at >= since)) or 0

    def open_deadline_times(self, org_id: int) -> list[tuple[datetime, datetime | None, datetime | None,
                                                             datetime | None]]:
        """Per open case, what its deadlines are reckoned from: (received, first answer, last feedback, closed)."""
        return [(received, first, feedback, closed) for received, first, feedback, closed in self.session.execute(
            select(Complaint.received_at, Complaint.first_answer_at, Complaint.last_feedback_at, Complaint.closed_at)
            .where(Complaint.org_id == org_id, Complaint.closed_at.is_(None)))]

    def open_after(self, after_id: int, limit: int = 200) -> list[DeadlineFacts]:
        """Open complaints of every organisation, by id, a page at a time: only their deadline facts
        (ids, times, the reminded/missed marks; usecases/complaint_deadlines.py), not their texts and
        sealed identities, since the worker looks at every open complaint every few minutes. Plain rows,
        not ORM objects (the identity map's bookkeeping was the largest part of the check's time under a
        profiler; about a sixth of a year of checks' CPU unprofiled), the statement built once, and the
        marks decoded once per distinct text (`_marks`: 356k json.loads in the year test before);
        `record_deadline_marks` writes back the marks that changed."""
        rows = self.session.execute(_OPEN_AFTER, {"after_id": after_id, "page": limit})
        return [DeadlineFacts(row.id, row.org_id, row.received_at, row.first_answer_at, row.last_feedback_at,
                              row.closed_at, _marks(row.reminded), _marks(row.missed)) for row in rows]

    def record_deadline_marks(self, complaint_id: int, *, reminded: dict[str, Any], missed: dict[str, Any]) -> None:
        """A complaint's reminded/missed marks, rewritten whole (as `open_after` read them, plus new ones)."""
        self.session.execute(update(Complaint).where(Complaint.id == complaint_id)
                             .values(reminded=reminded, missed=missed)
                             .execution_options(synchronize_session=False))

    def set_status(self, complaint: Complaint, status: ComplaintStatus, now: datetime,
                   closed: bool) -> None:
        complaint.status = status.value
        complaint.closed_at = (complaint.closed_at or now) if closed else None
        complaint.updated_at = now
        self.session.flush()

    # -- timeline -------------------------------------------------------------------------------------------
    def add_entry(self, complaint: Complaint, kind: str, now: datetime, *, status_from: str | None = None,
                  status_to: str | None = None, public_text: str | None = None,
                  internal_note: str | None = None, member_id: int | None = None,
                  delivered: bool = False) -> ComplaintEntry:
        """A line of the timeline; the complainant's own (receipt, messages) kept to the hour."""
        if kind in _COMPLAINANT_KINDS:
            now = complainant_time(now)
        entry = ComplaintEntry(org_id=complaint.org_id, complaint_id=complaint.id, kind=kind,
                               status_from=status_from, status_to=status_to, public_text=public_text,
                               internal_note=internal_note, member_id=member_id,
                               delivered_at=now if delivered else None, created_at=now)
        self.session.add(entry)
        complaint.updated_at = max(complaint.updated_at, now)
        self.session.flush()
        return entry

    def entries(self, complaint_id: int) -> list[ComplaintEntry]:
        return list(self.session.scalars(
            select(ComplaintEntry).where(ComplaintEntry.complaint_id == complaint_id).order_by(ComplaintEntry.id)))

    def mark_delivered(self, entries: Iterable[ComplaintEntry], now: datetime) -> None:
        """Delivered to the complainant, to the hour: for an anonymous complainant this is when they came
        to read it (a follow-up), and only whether it was delivered is ever shown."""
        now = complainant_time(now)
        for entry in entries:
            if entry.delivered_at is None:
                entry.delivered_at = now
        self.session.flush()

    # -- follow-up guesses ------------------------------------------------------------------------------------
    def failures_since(self, key_hash: str, since: datetime) -> int:
        return self.session.scalar(select(func.count()).select_from(ComplaintAttempt).where(
            ComplaintAttempt.key_hash == key_hash, ComplaintAttempt.at > since)) or 0

    def record_failure(self, key_hashes: Iterable[str], now: datetime) -> None:
        self.session.add_all(ComplaintAttempt(key_hash=key, at=now) for key in key_hashes)
        self.session.flush()

    def purge_attempts(self, before: datetime) -> int:
        result = self.session.execute(delete(ComplaintAttempt).where(ComplaintAttempt.at < before))
        return int(result.rowcount)  # type: ignore[attr-defined]

    # -- intake counter and blocklist ---------------------------------------------------------------------------
    def intake_count(self, key: IntakeKey) -> int:
        """Complaints counted today for the account `key` names. The day's first use ends the days before."""
        secret = self._day_secret(key.day, create=False)
        row = self.session.get(ComplaintIntakeCount, _day_keyed(secret, key)) if secret else None
        return row.count if row else 0

    def count_intake(self, key: IntakeKey, day: str) -> None:
        if day != key.day:
            raise ValueError("an intake key counts for its own day")
        key_hash = _day_keyed(self._day_secret(day, create=True), key)
        row = self.session.get(ComplaintIntakeCount, key_hash)
        if row is None:
            self.session.add(ComplaintIntakeCount(key_hash=key_hash, day=day, count=1))
        else:
            row.count += 1
        self.session.flush()

    def _day_secret(self, day: str, *, create: bool) -> bytes:
        """The secret of `day` (empty when there is none and `create` is false). Whatever is kept of earlier
        days is destroyed first: from then on their counters can be tied to no account."""
        self.purge_intake(day)
        secret = self.session.scalar(select(ComplaintDaySecret.secret).where(ComplaintDaySecret.day == day))
        if secret is None and create:
            row = {"day": day, "secret": secrets.token_bytes(32)}
            if self.session.get_bind().dialect.name == "postgresql":  # two workers on the day's first complaints
                self.session.execute(postgresql.insert(ComplaintDaySecret).on_conflict_do_nothing(), row)
            else:
                self.session.execute(sqlite.insert(ComplaintDaySecret).on_conflict_do_nothing(), row)
            secret = self.session.scalar(select(ComplaintDaySecret.secret).where(ComplaintDaySecret.day == day))
        return secret or b""

    def purge_intake(self, before_day: str) -> int:
        """Destroy the secrets of the days before `before_day` and their counters; how many counters."""
        self.session.execute(delete(ComplaintDaySecret).where(ComplaintDaySecret.day < before_day))
        result = self.session.execute(delete(ComplaintIntakeCount).where(ComplaintIntakeCount.day < before_day))
        return int(result.rowcount)  # type: ignore[attr-defined]

    def end_past_days(self, now: datetime) -> int:
        """Destroy the intake secrets and counters of every day that is over in each organisation's time
        zone (the worker's housekeeping, for days nobody files a complaint after)."""
        zones = set(self.session.scalars(select(Organisation.timezone))) or {"UTC"}
        return self.purge_intake(min(now.astimezone(ZoneInfo(zone)).date() for zone in zones).isoformat())

    def is_blocked(self, org_id: int, account_hash: str) -> bool:
        return self.session.scalar(select(ComplaintBlock.id).where(
            ComplaintBlock.org_id == org_id, ComplaintBlock.account_hash == account_hash)) is not None

    def block(self, org_id: int, account_hash: str, now: datetime) -> bool:
        """Add to the blocklist; False when already there."""
        if self.is_blocked(org_id, account_hash):
            return False
        self.session.add(ComplaintBlock(org_id=org_id, account_hash=account_hash, created_at=now))
        self.session.flush()
        return True

    def unblock(self, org_id: int, account_hash: str) -> bool:
        result = self.session.execute(delete(ComplaintBlock).where(
            ComplaintBlock.org_id == org_id, ComplaintBlock.account_hash == account_hash))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    # -- deadlines ------------------------------------------------------------------------------------------------
    def missed_deadlines(self, org_id: int, since: datetime | None = None) -> list[MissedDeadline]:
        """Deadlines missed (recorded by the deadline job), newest last; `since` keeps those due after it.
        For the administrator's summary."""
        missed = []
        for complaint_id, marks in self.session.execute(
                select(Complaint.id, Complaint.missed).where(Complaint.org_id == org_id).order_by(Complaint.id)):
            for mark in (marks or {}):
                name, _, due_text = mark.partition("@")
                due = datetime.fromisoformat(due_text)
                if since is None or due >= since:
                    missed.append(MissedDeadline(complaint_id, name, due))
        return sorted(missed, key=lambda m: (m.due, m.complaint_id))

    def count_missed_deadlines(self, org_id: int, since: datetime | None = None) -> dict[str, int]:
        counts = {"first_answer": 0, "feedback": 0, "close": 0}
        for missed in self.missed_deadlines(org_id, since):
            counts[missed.name] = counts.get(missed.name, 0) + 1
        return counts

    # -- statistics and retention ------------------------------------------------------------------------------------
    def facts(self, org_id: int) -> list[ComplaintFacts]:
        rows = self.session.execute(select(
            Complaint.received_at, Complaint.type, Complaint.category, Complaint.status, Complaint.mode,
            Complaint.first_answer_at, Complaint.closed_at).where(Complaint.org_id == org_id))
        return [ComplaintFacts(received_at=r[0], type=ComplaintType(r[1]), category=Category(r[2]),
                               status=ComplaintStatus(r[3]), mode=ComplaintMode(r[4]), first_answer_at=r[5],
                               closed_at=r[6]) for r in rows]

    def due_for_retention(self, closed_before: datetime, limit: int = 100) -> list[Complaint]:
        return list(self.session.scalars(
            select(Complaint).where(Complaint.closed_at.is_not(None), Complaint.closed_at < closed_before,
                                    Complaint.purged_at.is_(None)).order_by(Complaint.id).limit(limit)))

    def destroy_identity(self, complaint: Complaint, now: datetime) -> None:
        """Crypto-shredding: without its wrapped key the sealed identity can never be opened again."""
        complaint.identity_key = None
        complaint.identity_sealed = None
        complaint.owner_hash = None
        complaint.purged_at = now
        self.session.flush()

