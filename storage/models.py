"""Database tables. Every table holding organisation data carries `org_id`.

Change a table only together with a new Alembic revision under `storage/migrations/versions/`
(`tests/test_migrations.py` fails when the two disagree).
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    literal_column,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.clock import utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on the way in and out, on SQLite (which keeps no zone) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UtcDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Role(enum.StrEnum):
    CITIZEN = "citizen"
    HEAD = "head"
    OFFICER = "officer"
    ADMIN = "admin"
    OPERATOR = "operator"  # console only: the deployment's operator, bound to no organisation (#18)


class InboxStatus(enum.StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    DONE = "done"
    IGNORED = "ignored"
    FAILED = "failed"


class OutboxKind(enum.StrEnum):
    REPLY = "reply"
    PUSH = "push"
    MULTICAST = "multicast"


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    PARKED = "parked"  # monthly quota used up: kept, sent when the quota allows
    FAILED = "failed"  # LINE refused it (4xx) or retries ran out; reason kept
    CANCELLED = "cancelled"  # nobody left to send to (blocked the bot)
    # A reply LINE may have accepted (sent, no definite answer: timeout, connection dropped, 5xx) and that
    # cannot be confirmed (a resend got "Invalid reply token"): finished, never sent again by push.
    UNCERTAIN = "uncertain"


# The rows a queue's claims look for (see InboxEvent's and OutboxMessage's indexes): written in as SQL, each
# status a literal, so that PostgreSQL can tell a query's `status = 'pending'` falls under the index's condition.
INBOX_IN_LINE = (f"status IN ('{InboxStatus.PENDING.value}', '{InboxStatus.PROCESSING.value}',"
                 f" '{InboxStatus.FAILED.value}')")
OUTBOX_IN_LINE = (f"status IN ('{OutboxStatus.PENDING.value}', '{OutboxStatus.SENDING.value}',"
                  f" '{OutboxStatus.PARKED.value}')")
# Finished outbox rows an operator should look at (refused by LINE, or a reply that may or may not have
# arrived): few, kept in their own small index so that /healthz and `itabot outbox status` count and list
# them without reading the delivered history.
OUTBOX_TO_LOOK_AT = f"status IN ('{OutboxStatus.FAILED.value}', '{OutboxStatus.UNCERTAIN.value}')"


def status_written_in(status: InboxStatus | OutboxStatus) -> Any:
    """A status as an SQL literal, not a bound value: PostgreSQL's plan for a statement run often (a generic
    plan) can then use the queues' status indexes, which hold only the rows still in line (migration 0019)."""
    return literal_column(f"'{status.value}'")


class Priority(enum.IntEnum):
    """Higher goes first; when the quota is short the lowest are held back first."""

    REMINDER = 10
    NORMAL = 50
    COMPLAINT = 90


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Bangkok")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)  # `itabot org disable`


class Unit(Base):
    """A ส่วนราชการ (กอง/สำนัก…) of an organisation, with the other names it is written as."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Member(Base):
    """A LINE account that follows the bot, with its role in the organisation."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("org_id", "line_user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    line_user_id: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16), default=Role.CITIZEN.value)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    display_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    blocked: Mapped[bool] = mapped_column(default=False)
    followed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    blocked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    bound_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class InviteCode(Base):
    """A one-time code that binds whoever sends it to a role (and unit). Only its hash is kept."""

    __tablename__ = "invite_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    note: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    used_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)


class InboxEvent(Base):
    """A webhook event, stored before the 200 is sent and processed after it by a worker."""

    __tablename__ = "inbox_events"
    # On PostgreSQL the queue's two indexes hold only the events still in line (and the failed, few, kept for
    # `itabot inbox retry-failed`): a handled event leaves them, so the claims' index reads and writes stay as
    # small as the backlog however long the history kept (migration 0019). SQLite, which uses a partial index
    # only when a query repeats its condition word for word, keeps them whole.
    __table_args__ = (
        Index("ix_inbox_events_due", "status", "next_attempt_at", postgresql_where=text(INBOX_IN_LINE)),
        Index("ix_inbox_events_chat", "chat_key", "status", postgresql_where=text(INBOX_IN_LINE)),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    webhook_event_id: Mapped[str] = mapped_column(String(64), unique=True)
    chat_key: Mapped[str] = mapped_column(String(80))  # group/room/user: one chat's events run in order
    event_type: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    is_redelivery: Mapped[bool] = mapped_column(default=False)
    event_time: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=InboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(255), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    scrubbed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class InboxTombstone(Base):
    """What is left of a complaint event once handled: a keyed hash of its webhookEventId, so that LINE
    redelivering it is not handled twice. No time, no user, no sequential id (WITHOUT ROWID on SQLite): it
    cannot be ordered or timed against any other row."""

    __tablename__ = "inbox_tombstones"
    __table_args__ = ({"sqlite_with_rowid": False},)

    event_hash: Mapped[str] = mapped_column(String(64), primary_key=True)


class OutboxMessage(Base):
    """A message to send to LINE. Created in the same transaction as the change that caused it."""

    __tablename__ = "outbox_messages"
    # As the inbox's: on PostgreSQL only the rows still to send (parked ones too) are indexed (migration 0019).
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at", postgresql_where=text(OUTBOX_IN_LINE)),
                      Index("ix_outbox_messages_chat", "chat_key", "status", postgresql_where=text(OUTBOX_IN_LINE)),
                      Index("ix_outbox_messages_to_look_at", "status", "id", postgresql_where=text(OUTBOX_TO_LOOK_AT),
                            sqlite_where=text(OUTBOX_TO_LOOK_AT)))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    # The one chat a reply or push goes to (None for a multicast): a chat's rows go out in the order they
    # were written, a row not yet delivered holding back the later ones of its chat (storage/outbox.py).
    chat_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    retry_key: Mapped[str] = mapped_column(String(36), unique=True)
    reply_token: Mapped[str | None] = mapped_column(String(255), nullable=True)
    recipients: Mapped[list[str]] = mapped_column(JSON)
    messages: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    priority: Mapped[int] = mapped_column(default=Priority.NORMAL.value)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # Who holds the lease (one value per claimed batch): only the holder records an outcome other than
    # "delivered", and a sender checks it still holds a row before a reply or a fallback push.
    lease_owner: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # Set (committed) before a reply with this row's token goes out, and kept while any attempt may have
    # been accepted: then the answer is never sent by push (it could arrive twice), only replied again.
    reply_attempted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    delivered_via: Mapped[str | None] = mapped_column(String(16), nullable=True)
    line_request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    scrubbed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # Set on answers about a complaint: the row is deleted as soon as it is finished, so the outbox never
    # keeps who was told what about a complaint, nor when.
    private: Mapped[bool] = mapped_column(default=False, server_default=false())


class QuotaSnapshot(Base):
    """The LINE message quota as last read, for the admin summary and for parking/unparking."""

    __tablename__ = "quota_snapshots"

    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    quota_type: Mapped[str] = mapped_column(String(16))  # "none" | "limited"
    quota_limit: Mapped[int | None] = mapped_column(nullable=True)
    total_usage: Mapped[int] = mapped_column(default=0)
    checked_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    exhausted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
