"""Tables of the admin console: its users (argon2 password hashes, lockout, session epoch), failed logins
kept as keyed hashes of where they came from, and the audit log of who viewed or changed what.

The audit log never holds personal data: no complainant, no complaint text, no LINE user id, no IP address;
a target is named by its kind and id ("complaint:12", "unit:3") and the detail holds counts, statuses and
names of units or roles only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.clock import utcnow
from storage.models import Base, UtcDateTime


class ConsoleUser(Base):
    """Someone who logs in to the admin console. An administrator may stand alone (the first one comes from
    `itabot create-admin`); officers and heads are always linked to their LINE member, whose role and unit
    they act with (a member whose role changed can no longer log in with it). An operator (role
    "operator", no organisation) manages the deployment's organisations and sees none of their data."""

    __tablename__ = "console_users"
    __table_args__ = (UniqueConstraint("org_id", "username"),
                      Index("uq_console_operator_username", "username", unique=True,
                            sqlite_where=text("org_id IS NULL"), postgresql_where=text("org_id IS NULL")))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # None: an operator of the deployment (`itabot operator add`), bound to no organisation
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True, nullable=True)
    username: Mapped[str] = mapped_column(String(64))  # lower case
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id, with its parameters
    role: Mapped[str] = mapped_column(String(16))  # admin | officer | head, as in LINE
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    active: Mapped[bool] = mapped_column(default=True)
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # Sessions carry the epoch they were made in: raising it (logout, new password) ends every session.
    session_epoch: Mapped[int] = mapped_column(default=0)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    password_changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ConsoleLoginFailure(Base):
    """A failed login, keyed by a keyed hash of the client address, to slow down guessing from one place
    across many usernames. Kept a day."""

    __tablename__ = "console_login_failures"
    __table_args__ = (Index("ix_console_login_failures_key", "key_hash", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True, nullable=True)  # None: operators
    key_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PlanUpload(Base):
    """A plan file between its preview and "บันทึก" in the console, in the database so that any web process
    can save what another one previewed. Only its uploader can use it, for an hour."""

    __tablename__ = "console_plan_uploads"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)  # random, the browser's only handle
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("console_users.id"), index=True)
    original_name: Mapped[str] = mapped_column(String(200))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


class PlanRowChoice(Base):
    """How an admin chose to read a row of a plan file in the console's preview or with `itabot import-plan
    --row` (a new measure, a continuation, a heading, skipped), kept under the row's fingerprint (domain.plan_import.row_fingerprints)
    so that the next upload of the same document reads that row so again."""

    __tablename__ = "plan_row_choices"
    __table_args__ = (UniqueConstraint("org_id", "fingerprint", name="uq_plan_row_choice"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    fingerprint: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))  # one of domain.plan_import.CHOICES
    user_id: Mapped[int | None] = mapped_column(ForeignKey("console_users.id"))  # None: `itabot import-plan --row`
    chosen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AuditEntry(Base):
    """Who viewed or changed what, when: in the console, in LINE (complaint views) or from the CLI."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_org_at", "org_id", "at"),
                      Index("ix_audit_log_actor_user", "actor_user_id"))  # the operators' audit page

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # None: an operator's own entry (login, logout); what an operator does to an organisation is in its log
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    channel: Mapped[str] = mapped_column(String(16))  # console | line | cli
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("console_users.id"), nullable=True)
    actor_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    actor_label: Mapped[str] = mapped_column(String(80))  # the username, "member #3", or "-" when unknown
    action: Mapped[str] = mapped_column(String(48))  # e.g. complaint.view, plan.import, login.failed
    target: Mapped[str | None] = mapped_column(String(80), nullable=True)  # e.g. complaint:12
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
