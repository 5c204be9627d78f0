"""The admin console's users and its failed-login counters (a repository on the unit of work)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, or_, select, text, update
from sqlalchemy.orm import Session

from storage.console_models import ConsoleLoginFailure, ConsoleUser

LOGIN_LOCK_SPACE = 0x17AB  # the first key of the advisory locks serialising logins under one name


def _not_locked(now: datetime) -> ColumnElement[bool]:
    return or_(ConsoleUser.locked_until.is_(None), ConsoleUser.locked_until <= now)


class ConsoleUserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- users --------------------------------------------------------------------------------------------
    def by_username(self, org_id: int | None, username: str) -> ConsoleUser | None:
        return self.session.scalar(select(ConsoleUser).where(ConsoleUser.org_id == org_id,
                                                             ConsoleUser.username == username.lower()))

    def get(self, org_id: int | None, user_id: int) -> ConsoleUser | None:
        user = self.session.get(ConsoleUser, user_id)
        return user if user is not None and user.org_id == org_id else None

    def has_admin(self, org_id: int) -> bool:
        """Whether the organisation has any console administrator (open or closed)."""
        return self.session.scalar(select(ConsoleUser.id).where(ConsoleUser.org_id == org_id,
                                                                ConsoleUser.role == "admin").limit(1)) is not None

    def operators(self) -> list[ConsoleUser]:
        """The deployment's console operators (bound to no organisation)."""
        return list(self.session.scalars(select(ConsoleUser).where(ConsoleUser.org_id.is_(None))
                                         .order_by(ConsoleUser.username)))

    def all(self, org_id: int) -> list[ConsoleUser]:
        return list(self.session.scalars(select(ConsoleUser).where(ConsoleUser.org_id == org_id)
                                         .order_by(ConsoleUser.username)))

    def create(self, org_id: int | None, username: str, password_hash: str, role: str, now: datetime,
               member_id: int | None = None) -> ConsoleUser:
        user = ConsoleUser(org_id=org_id, username=username.lower(), password_hash=password_hash, role=role,
                           member_id=member_id, active=True, failed_attempts=0, session_epoch=0,
                           password_changed_at=now, created_at=now)
        self.session.add(user)
        self.session.flush()
        return user

    def set_password(self, user: ConsoleUser, password_hash: str, now: datetime) -> None:
        """A new password ends every session and lifts a lock."""
        user.password_hash = password_hash
        user.password_changed_at = now
        user.failed_attempts = 0
        user.locked_until = None
        user.session_epoch += 1
        self.session.flush()

    def rehash(self, user: ConsoleUser, password_hash: str) -> None:
        """The same password, hashed with today's parameters (sessions stay)."""
        user.password_hash = password_hash
        self.session.flush()

    def end_sessions(self, user: ConsoleUser) -> None:
        user.session_epoch += 1
        self.session.flush()

    def set_active(self, user: ConsoleUser, active: bool) -> None:
        user.active = active
        if not active:
            user.session_epoch += 1
        self.session.flush()

    def unlock(self, user: ConsoleUser) -> None:
        user.failed_attempts = 0
        user.locked_until = None
        self.session.flush()

    # -- lockout ---------------------------------------------------------------------------------------------
    def reserve_attempt(self, user: ConsoleUser, now: datetime, limit: int) -> bool:
        """Count a password check as a failure before it is made (a right password clears the count), so
        that parallel guesses check no more than `limit` passwords before the lock. One conditional UPDATE:
        False when the account is locked or every check allowed before the lock is under way (or was left
        by a crash)."""
        reserved = self.session.execute(
            update(ConsoleUser)
            .where(ConsoleUser.id == user.id, ConsoleUser.failed_attempts < limit, _not_locked(now))
            .values(failed_attempts=ConsoleUser.failed_attempts + 1)
            .execution_options(synchronize_session=False))
        self.session.refresh(user)
        return bool(reserved.rowcount == 1)  # type: ignore[attr-defined]

    def lock_if_spent(self, user: ConsoleUser, now: datetime, limit: int, lock_for: timedelta) -> bool:
        """At `limit` failures in a row (each counted when its check was reserved) the account locks for
        `lock_for` (True) and the count starts again. Conditional, so parallel guesses lock it once."""
        locked = self.session.execute(
            update(ConsoleUser)
            .where(ConsoleUser.id == user.id, ConsoleUser.failed_attempts >= limit, _not_locked(now))
            .values(failed_attempts=0, locked_until=now + lock_for)
            .execution_options(synchronize_session=False))
        self.session.refresh(user)
        return bool(locked.rowcount == 1)  # type: ignore[attr-defined]

    def serialise_attempts(self, key_hash: str) -> None:
        """Until the transaction ends, other logins with this key wait (PostgreSQL; SQLite's BEGIN IMMEDIATE
        serialises every write transaction already): checking a name's failures and adding one is atomic."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(text("SELECT pg_advisory_xact_lock(:space, :key)"),
                                 {"space": LOGIN_LOCK_SPACE,
                                  "key": int.from_bytes(hashlib.sha256(key_hash.encode()).digest()[:4], "big",
                                                        signed=True)})

    def logged_in(self, user: ConsoleUser, now: datetime) -> None:
        user.failed_attempts = 0
        user.locked_until = None
        user.last_login_at = now
        self.session.flush()

    # -- failures by client address (keyed hashes) ----------------------------------------------------------------
    def failures_from(self, org_id: int | None, key_hash: str, since: datetime) -> list[datetime]:
        return list(self.session.scalars(select(ConsoleLoginFailure.at).where(
            ConsoleLoginFailure.org_id == org_id, ConsoleLoginFailure.key_hash == key_hash,
            ConsoleLoginFailure.at > since).order_by(ConsoleLoginFailure.at)))

    def add_failure(self, org_id: int | None, key_hash: str, now: datetime) -> None:
        self.session.add(ConsoleLoginFailure(org_id=org_id, key_hash=key_hash, at=now))
        self.session.flush()

    def purge_failures(self, before: datetime) -> int:
        result = self.session.execute(delete(ConsoleLoginFailure).where(ConsoleLoginFailure.at < before))
        return int(result.rowcount)  # type: ignore[attr-defined]
