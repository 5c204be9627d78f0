"""Logging in to the admin console, and what a console user may do.

- A wrong password counts against the user: at 5 in a row the account locks for 15 minutes (a correct
  password is not even checked then). A right password clears the count. Each attempt is counted before
  its password is checked, in the same conditional UPDATE that checks the lock, so however many guesses
  arrive at once, no more than 5 passwords are checked before the lock.
- Failures are also counted per client (a keyed hash of its address): past 5 in 15 minutes each further try
  from there must wait twice as long as the one before (2 s, 4 s, … at most a minute), whoever it is for
  (checked before any password is).
- An unknown username costs what a known one does (a dummy argon2 verification) and answers the same, lock
  included: its failures are counted under a keyed hash of the name and lock it as they would an account,
  so nobody learns from the answers which usernames exist.
- Officers and heads log in as their LINE member: while the member still has the role the login was made
  for, they act with its role and unit; otherwise the login no longer works.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.passwords import hash_password, needs_rehash, verify_password, waste_a_verification
from storage.audit_log import CONSOLE, Actor
from storage.console_models import ConsoleUser
from storage.models import Member, Role
from storage.uow import UnitOfWork, UnitOfWorkFactory

FAILURES_KEPT = timedelta(days=1)


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5
    lock_for: timedelta = timedelta(minutes=15)
    client_window: timedelta = timedelta(minutes=15)
    client_free_failures: int = 5
    client_max_wait: timedelta = timedelta(seconds=60)


class Outcome(enum.StrEnum):
    OK = "ok"
    BAD = "bad"  # unknown user, wrong password or inactive: one answer for all
    LOCKED = "locked"  # locked before this attempt, or by it
    SLOW_DOWN = "slow-down"  # too many failures from this client: wait
    NO_ROLE = "no-role"  # right password, but the linked LINE member no longer has the role


@dataclass(frozen=True)
class LoginResult:
    outcome: Outcome
    user: ConsoleUser | None = None
    retry_at: datetime | None = None


@dataclass(frozen=True)
class Access:
    """What a console user acts as: a role, and for officers and heads the LINE member and its unit."""

    user: ConsoleUser
    role: Role
    member: Member | None
    unit_id: int | None

    @property
    def actor(self) -> Actor:
        return console_actor(self.user)


def console_actor(user: ConsoleUser) -> Actor:
    return Actor(CONSOLE, user.username, user_id=user.id, member_id=user.member_id)


def access_of(uow: UnitOfWork, user: ConsoleUser) -> Access | None:
    """The role a user acts with now; None when the account is inactive or its member lost the role."""
    if not user.active:
        return None
    if user.org_id is None:  # an operator of the deployment: no organisation, no member
        return Access(user, Role.OPERATOR, None, None) if user.role == Role.OPERATOR.value else None
    if user.role == Role.OPERATOR.value:
        return None  # an operator row inside an organisation is no operator
    if user.member_id is None:
        return Access(user, Role.ADMIN, None, None) if user.role == Role.ADMIN.value else None
    member = uow.people.member_by_id(user.member_id)
    if member is None or member.org_id != user.org_id or member.role != user.role:
        return None
    if member.role == Role.HEAD.value and member.unit_id is None:
        return None
    return Access(user, Role(member.role), member, member.unit_id)


def _client_wait(failures: list[datetime], policy: LoginPolicy) -> datetime | None:
    """When the client may try again, if it must wait."""
    extra = len(failures) - policy.client_free_failures
    if extra < 0:
        return None
    wait = min(timedelta(seconds=2 ** (extra + 1)), policy.client_max_wait)
    return failures[-1] + wait


def _name_lock(failures: list[datetime], policy: LoginPolicy) -> datetime | None:
    """When the lock of a username that is no account ends (None: never locked), counted as an account's
    would be: every `max_failures` failures lock it for `lock_for`; tries during a lock are not failures."""
    count, until = 0, None
    for at in failures:
        if until is not None and at < until:
            continue
        count += 1
        if count == policy.max_failures:
            until, count = at + policy.lock_for, 0
    return until


def attempt_login(uow_factory: UnitOfWorkFactory, org_id: int | None, username: str, password: str, client_key: str,
                  name_key: str, now: datetime, policy: LoginPolicy | None = None) -> LoginResult:
    """Check a login and record its outcome (counters, lock, audit log), committed. `client_key` and
    `name_key` are keyed hashes of the client's address and of the username. The password is checked
    between two short transactions: argon2 takes a while, and SQLite's write lock is not held meanwhile.
    So that parallel guesses cannot all pass the lock check before any is counted, the first transaction
    counts the attempt as a failure before the password is checked (atomically with that check), and
    refuses it when the attempts allowed before the lock are used up or under way."""
    policy = policy or LoginPolicy()
    name = username.strip().lower()
    with uow_factory() as uow:
        uow.console_users.purge_failures(now - FAILURES_KEPT)
        user = uow.console_users.by_username(org_id, name) if name else None
        if user is not None and not user.active:
            user = None  # a closed account answers as no account
        if user is not None:
            locked_until = user.locked_until
        else:
            uow.console_users.serialise_attempts(name_key)
            locked_until = _name_lock(uow.console_users.failures_from(org_id, name_key, now - FAILURES_KEPT), policy)
        if locked_until is not None and locked_until > now:
            return _refuse_locked(uow, org_id, user, client_key, now, locked_until)
        retry_at = _client_wait(uow.console_users.failures_from(org_id, client_key, now - policy.client_window),
                                policy)
        if retry_at is not None and retry_at > now:
            uow.audit.record(org_id, Actor(CONSOLE, "-"), "login.slowed", now)
            uow.commit()
            return LoginResult(Outcome.SLOW_DOWN, retry_at=retry_at)
        if user is None:
            uow.console_users.add_failure(org_id, name_key, now)  # counted now, as an account's attempt is
        elif not uow.console_users.reserve_attempt(user, now, policy.max_failures):
            # locked meanwhile, or every check allowed before the lock is under way: it locks now
            if uow.console_users.lock_if_spent(user, now, policy.max_failures, policy.lock_for):
                uow.audit.record(org_id, console_actor(user), "login.locked", now, f"console_user:{user.id}")
            return _refuse_locked(uow, org_id, user, client_key, now, user.locked_until or now + policy.lock_for)
        uow.commit()
    if user is None:
        waste_a_verification(password)
        right = False
    else:
        right = verify_password(user.password_hash, password)
    with uow_factory() as uow:
        if user is None:
            result = _record_no_account(uow, org_id, client_key, name_key, now, policy)
        else:
            result = _record(uow, org_id, user.id, right, password, client_key, now, policy)
        uow.commit()
    return result


def _refuse_locked(uow: UnitOfWork, org_id: int | None, user: ConsoleUser | None, client_key: str, now: datetime,
                   locked_until: datetime) -> LoginResult:
    """A try while the account (or name) is locked: no password is checked, the client's failure counts."""
    uow.console_users.add_failure(org_id, client_key, now)
    uow.audit.record(org_id, console_actor(user) if user else Actor(CONSOLE, "-"), "login.refused-locked",
                     now, f"console_user:{user.id}" if user else None)
    uow.commit()
    return LoginResult(Outcome.LOCKED, user, locked_until)


def _record_no_account(uow: UnitOfWork, org_id: int | None, client_key: str, name_key: str, now: datetime,
                       policy: LoginPolicy) -> LoginResult:
    """A failed login with a username that is no (open) account: counted for the client (and for the name
    before the dummy check)."""
    uow.console_users.add_failure(org_id, client_key, now)
    until = _name_lock(uow.console_users.failures_from(org_id, name_key, now - FAILURES_KEPT), policy)
    locked = until is not None and until > now
    uow.audit.record(org_id, Actor(CONSOLE, "-"), "login.locked" if locked else "login.failed", now)
    return LoginResult(Outcome.LOCKED, None, until) if locked else LoginResult(Outcome.BAD)


def _record(uow: UnitOfWork, org_id: int | None, user_id: int, right: bool, password: str, client_key: str,
            now: datetime, policy: LoginPolicy) -> LoginResult:
    user = uow.console_users.get(org_id, user_id)
    if user is None or not user.active:  # removed or closed while the password was checked
        uow.console_users.add_failure(org_id, client_key, now)
        uow.audit.record(org_id, Actor(CONSOLE, "-"), "login.failed", now, f"console_user:{user_id}")
        return LoginResult(Outcome.BAD)
    actor = console_actor(user)
    if not right:  # counted when the attempt was reserved
        uow.console_users.add_failure(org_id, client_key, now)
        locked = uow.console_users.lock_if_spent(user, now, policy.max_failures, policy.lock_for)
        uow.audit.record(org_id, actor, "login.locked" if locked else "login.failed", now, f"console_user:{user.id}")
        if user.locked_until is not None and user.locked_until > now:  # by this guess or one made meanwhile
            return LoginResult(Outcome.LOCKED, user, user.locked_until)
        return LoginResult(Outcome.BAD, user)
    if user.locked_until is not None and user.locked_until > now:  # locked by a guess made meanwhile
        uow.audit.record(org_id, actor, "login.refused-locked", now, f"console_user:{user.id}")
        return LoginResult(Outcome.LOCKED, user, user.locked_until)
    if access_of(uow, user) is None:
        uow.console_users.unlock(user)  # a right password clears the count, its own reservation included
        uow.audit.record(org_id, actor, "login.no-role", now, f"console_user:{user.id}")
        return LoginResult(Outcome.NO_ROLE, user)
    if needs_rehash(user.password_hash):
        uow.console_users.rehash(user, hash_password(password))
    uow.console_users.logged_in(user, now)
    uow.audit.record(org_id, actor, "login.ok", now, f"console_user:{user.id}")
    return LoginResult(Outcome.OK, user)
