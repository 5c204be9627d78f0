"""Tables of complaints, their timelines, and the counters that protect intake and follow-up.

No column here holds a LINE user id in clear. Identified and confidential complaints keep the complainant's
identity (LINE user id, name, phone) sealed with a per-complaint data key (`identity_sealed`), the data key
wrapped by the master key (`identity_key`; NULL once destroyed). Anonymous complaints keep nothing at all:
the tracking code and PIN are stored as keyed hashes, and the counters are keyed by hashes that cannot be
joined to a complaint (the daily intake counters by a secret of their day, destroyed when the day is over).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.clock import utcnow
from storage.models import Base, UtcDateTime


class Complaint(Base):
    __tablename__ = "complaints"
    __table_args__ = (Index("ix_complaints_open", "org_id", "closed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    pin_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)  # anonymous only
    mode: Mapped[str] = mapped_column(String(16))  # identified | confidential | anonymous
    type: Mapped[str] = mapped_column(String(16))  # corruption | grievance
    category: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text)  # a short excerpt, what officers see in pushes and lists
    details: Mapped[str] = mapped_column(Text)
    happened_when: Mapped[str | None] = mapped_column(Text, nullable=True)  # the "when/where" text answer
    place_title: Mapped[str | None] = mapped_column(Text, nullable=True)  # from a LINE location message
    place_address: Mapped[str | None] = mapped_column(Text, nullable=True)
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    involved: Mapped[str | None] = mapped_column(Text, nullable=True)  # people/units involved, as written
    involved_unit_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # resolved from `involved`
    named_unit_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # any unit named anywhere in it
    about_executive: Mapped[bool] = mapped_column(default=False)
    assigned_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    # Identified/confidential only: the sealed identity and its wrapped data key; a keyed hash of the LINE
    # account so the complainant can follow up from it with the code alone. All NULL for anonymous.
    identity_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    identity_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    owner_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    first_answer_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_feedback_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # Deadline bookkeeping: reminders already sent and deadlines missed, as {"<name>@<due iso>": at iso}.
    reminded: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    missed: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    purged_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)  # retention applied
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ComplaintEntry(Base):
    """A line of a complaint's timeline: a status change (with the officer's internal note and what the
    complainant is told), a message relayed either way, an assignment. Who the complainant is never
    appears here; the officer's member id does."""

    __tablename__ = "complaint_entries"
    __table_args__ = (Index("ix_complaint_entries_complaint", "complaint_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))  # received | status | to_complainant | from_complainant | assigned
    status_from: Mapped[str | None] = mapped_column(String(16), nullable=True)
    status_to: Mapped[str | None] = mapped_column(String(16), nullable=True)
    public_text: Mapped[str | None] = mapped_column(Text, nullable=True)  # what the complainant sees
    internal_note: Mapped[str | None] = mapped_column(Text, nullable=True)  # officers only
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    # When the complainant got it: pushed (identified/confidential) or shown at a follow-up (anonymous).
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ComplaintAttempt(Base):
    """A failed follow-up (wrong code, PIN or account), keyed by a keyed hash of the code or of the account,
    so guessing can be slowed down without keeping who tried what."""

    __tablename__ = "complaint_attempts"
    __table_args__ = (Index("ix_complaint_attempts_key", "key_hash", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class ComplaintIntakeCount(Base):
    """New complaints per account per day, so the daily limit works. Keyed by HMAC(the day's secret,
    HMAC(COMPLAINT_KEY, account, day)): while the day lasts a reader of the database who also holds
    COMPLAINT_KEY could test accounts against it; once the day's secret is gone, nobody can. Nothing ties a
    count to the complaints it counted."""

    __tablename__ = "complaint_intake_counts"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), index=True)  # local date, for clearing old counters
    count: Mapped[int] = mapped_column(default=0)


class ComplaintDaySecret(Base):
    """The random secret that keys one day's intake counters. The next day's first use (or the worker's
    housekeeping, when the day is over in every organisation's time zone) deletes it with its counters."""

    __tablename__ = "complaint_day_secrets"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # local date
    secret: Mapped[bytes] = mapped_column(LargeBinary)


class ComplaintBlock(Base):
    """An account that may not file complaints, kept only as a keyed hash of its LINE user id."""

    __tablename__ = "complaint_blocks"
    __table_args__ = (UniqueConstraint("org_id", "account_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    account_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
