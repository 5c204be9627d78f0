"""Organisations, their units, the LINE accounts that follow the bot, and invite codes."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple, cast

from sqlalchemy import Table, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session, make_transient_to_detached

from domain.thai_text import squeeze
from domain.units import DEFAULT_UNITS
from storage.models import InviteCode, Member, Organisation, Role, Unit
from storage.read_ahead import ReadAhead

INVITE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
INVITE_GROUPS = (4, 4)
INVITE_PREFIX = "ITA"
INVITE_VALID_FOR = timedelta(days=7)
INVITE_PATTERN = re.compile(
    r"^\s*ITA[\s\-]*([A-Z0-9]{4})[\s\-]*([A-Z0-9]{4})\s*$", re.IGNORECASE
)


def new_invite_code() -> str:
    groups = ["".join(secrets.choice(INVITE_ALPHABET) for _ in range(n)) for n in INVITE_GROUPS]
    return "-".join([INVITE_PREFIX, *groups])


def normalise_invite_code(text: str) -> str | None:
    match = INVITE_PATTERN.match(text)
    if not match:
        return None
    return "-".join([INVITE_PREFIX, *(g.upper() for g in match.groups())])


def hash_invite_code(code: str, key: str) -> str:
    return hmac.new(key.encode(), code.encode(), hashlib.sha256).hexdigest()


_members_table = cast(Table, Member.__table__)
_INSERT_MEMBER = insert(_members_table).returning(_members_table.c.id)  # built once: the worker's first contacts
# built once: the worker reads a claim's organisations with it
_ORGANISATIONS = select(Organisation).where(Organisation.id.in_(bindparam("ids", expanding=True)))


class InviteProblem(Exception):
    """Why a code was refused: 'unknown', 'expired' or 'used'."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Binding:
    role: Role
    unit_name: str | None


class Recipient(NamedTuple):
    """What a scheduled push needs of a member."""

    id: int
    org_id: int
    line_user_id: str
    role: str
    unit_id: int | None
    blocked: bool


class PeopleRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        # Members by (org_id, LINE user id), None for "none yet": only once `prefetch_members` was called
        # (the worker's batch), whose events each ask for their sender. The same objects the session's
        # identity map holds, so it sees what a query would; a savepoint rolled back forgets it all.
        self._members: dict[tuple[int, str], Member | None] | None = None
        self._inserted: list[Member] = []  # created by `_insert_member` in this unit of work
        # Members read for several organisations at once (`prefetch_members_of`), held out of the session until
        # their organisation's turn (`admit`)
        self._waiting: ReadAhead[Member] = ReadAhead()

    # -- organisations and units -------------------------------------------------------------------
    def organisation(self, slug: str) -> Organisation | None:
        return self.session.scalar(select(Organisation).where(Organisation.slug == slug))

    def organisation_by_id(self, org_id: int) -> Organisation | None:
        return self.session.get(Organisation, org_id)

    def lock_organisation(self, org_id: int) -> Organisation | None:
        """The organisation, locked until the transaction ends, so work on it runs one at a time (FOR NO KEY
        UPDATE: rows that merely reference it are not held up). SQLite: the transaction's write lock does it."""
        return self.session.scalar(select(Organisation).where(Organisation.id == org_id)
                                   .with_for_update(key_share=True))

    def lock_organisations(self, org_ids: Iterable[int]) -> list[Organisation]:
        """Several organisations, each locked as `lock_organisation` does, in one statement and in the order
        of their ids (two runs locking overlapping sets then never wait for each other in a cycle)."""
        return list(self.session.scalars(select(Organisation).where(Organisation.id.in_(list(org_ids)))
                                         .order_by(Organisation.id).with_for_update(key_share=True)))

    def organisation_ids(self) -> list[int]:
        """Every enabled organisation's id, in order (a disabled one gets no scheduled pushes)."""
        return list(self.session.scalars(select(Organisation.id).where(Organisation.disabled_at.is_(None))
                                         .order_by(Organisation.id)))

    def organisation_ids_by_timezone(self) -> dict[str, list[int]]:
        """Every enabled organisation's id, grouped by its time zone (the scheduler fires each zone's jobs; a
        disabled organisation gets no scheduled pushes)."""
        grouped: dict[str, list[int]] = {}
        for org_id, tz in self.session.execute(select(Organisation.id, Organisation.timezone)
                                               .where(Organisation.disabled_at.is_(None)).order_by(Organisation.id)):
            grouped.setdefault(tz, []).append(org_id)
        return grouped

    def ensure_organisation(self, slug: str, name: str, timezone: str) -> Organisation:
        org = self.organisation(slug)
        if org is None:
            org = Organisation(slug=slug, name=name, timezone=timezone)
            self.session.add(org)
            self.session.flush()
            for unit_name, aliases in DEFAULT_UNITS:
                self.session.add(Unit(org_id=org.id, name=unit_name, aliases=list(aliases)))
            self.session.flush()
        return org

    def units(self, org_id: int) -> list[Unit]:
        return list(self.session.scalars(select(Unit).where(Unit.org_id == org_id).order_by(Unit.id)))

    def add_unit(self, org_id: int, name: str, aliases: list[str], now: datetime) -> Unit:
        unit = Unit(org_id=org_id, name=name.strip(), aliases=list(dict.fromkeys(a.strip() for a in aliases)),
                    created_at=now)
        self.session.add(unit)
        self.session.flush()
        return unit

    def add_aliases(self, unit: Unit, aliases: list[str]) -> None:
        unit.aliases = list(dict.fromkeys([*(unit.aliases or []), *(a.strip() for a in aliases if a.strip())]))

    def find_unit(self, org_id: int, text: str) -> Unit | None:
        wanted = squeeze(text)
        for unit in self.units(org_id):
            if wanted == squeeze(unit.name) or wanted in {squeeze(a) for a in unit.aliases or []}:
                return unit
        return None

    def unit(self, unit_id: int | None) -> Unit | None:
        return self.session.get(Unit, unit_id) if unit_id is not None else None

    # -- members -----------------------------------------------------------------------------------
    def prefetch_members(self, org_id: int, line_user_ids: Iterable[str]) -> None:
        """Load these people's member records in one query and answer `member`/`get_or_create_member` for
        them from memory until the unit of work ends (or a savepoint is rolled back: `forget_cached`)."""
        wanted = [user_id for user_id in dict.fromkeys(line_user_ids)
                  if self._members is None or (org_id, user_id) not in self._members]
        if self._members is None:
            self._members = {}
        if not wanted:
            return
        found = {member.line_user_id: member for member in self.session.scalars(
            select(Member).where(Member.org_id == org_id, Member.line_user_id.in_(wanted)))}
        for user_id in wanted:
            self._members[(org_id, user_id)] = found.get(user_id)

    def prefetch_members_of(self, wanted: Mapping[int, Iterable[str]]) -> None:
        """Several organisations' member records ({org_id: LINE user ids}) in one query, held out of the
        session until their organisation's turn comes (`admit`): work for one organisation never finds another's
        rows in the session (a lookup by primary key would be answered from it, past row-level security)."""
        pairs = {(org_id, user_id) for org_id, users in wanted.items() for user_id in users}
        if not pairs:
            return
        found: dict[tuple[int, str], Member] = {}
        for member in self.session.scalars(select(Member).where(
                Member.org_id.in_({org_id for org_id, _ in pairs}),
                Member.line_user_id.in_({user_id for _, user_id in pairs}))):
            self.session.expunge(member)
            found[(member.org_id, member.line_user_id)] = member
        for org_id, user_id in pairs:
            self._waiting.hold(org_id, user_id, found.get((org_id, user_id)))

    def admit(self, org_id: int) -> None:
        """Put the organisation's members read by `prefetch_members_of` in the session (no query), and answer
        `member`/`get_or_create_member` for them from memory as `prefetch_members` does."""
        self._members = self._waiting.admit(self.session, org_id, self._members)

    def forget_waiting(self) -> None:
        self._waiting.forget()

    def forget_cached(self) -> None:
        """A savepoint was rolled back: forget the batch's members, and take the ones `_insert_member` put
        in the session out of it (their rows may be gone; the session would not know)."""
        if self._members is not None:
            self._members = {}
        for member in self._inserted:
            if member in self.session:
                self.session.expunge(member)
        self._inserted = []

    def member(self, org_id: int, line_user_id: str) -> Member | None:
        if self._members is not None and (org_id, line_user_id) in self._members:
            return self._members[(org_id, line_user_id)]
        member = self.session.scalar(
            select(Member).where(Member.org_id == org_id, Member.line_user_id == line_user_id)
        )
        if self._members is not None:
            self._members[(org_id, line_user_id)] = member
        return member

    def get_or_create_member(self, org_id: int, line_user_id: str, now: datetime) -> Member:
        member = self.member(org_id, line_user_id)
        if member is None:
            if self._members is not None:
                return self._insert_member(org_id, line_user_id, now)
            member = Member(org_id=org_id, line_user_id=line_user_id, role=Role.CITIZEN.value,
                            blocked=False, created_at=now)
            self.session.add(member)
            self.session.flush()
        return member

    def _insert_member(self, org_id: int, line_user_id: str, now: datetime) -> Member:
        """A first contact in the worker's batch (`prefetch_members`): one Core INSERT, and the record put in
        the session as if loaded (every column set), without the unit of work's flush of a new object, which
        cost more CPU than the rest of such an event's handling."""
        values = {"org_id": org_id, "line_user_id": line_user_id, "role": Role.CITIZEN.value, "unit_id": None,
                  "display_name": None, "blocked": False, "followed_at": None, "blocked_at": None,
                  "bound_at": None, "created_at": now}
        member = Member(id=self.session.connection().execute(_INSERT_MEMBER, values).scalar_one(), **values)
        make_transient_to_detached(member)
        self.session.add(member)
        self._inserted.append(member)
        assert self._members is not None
        self._members[(org_id, line_user_id)] = member
        return member

    def members(self, org_id: int, include_citizens: bool = False) -> list[Member]:
        statement = select(Member).where(Member.org_id == org_id)
        if not include_citizens:
            statement = statement.where(Member.role != Role.CITIZEN.value)
        return list(self.session.scalars(statement.order_by(Member.role, Member.unit_id, Member.id)))

    def head_counts(self, org_id: int) -> dict[int, int]:
        """How many heads each unit has (units without one are left out)."""
        rows = self.session.execute(
            select(Member.unit_id, func.count()).where(Member.org_id == org_id, Member.role == Role.HEAD.value)
            .group_by(Member.unit_id))
        return {unit_id: count for unit_id, count in rows if unit_id is not None}

    def member_by_id(self, member_id: int) -> Member | None:
        return self.session.get(Member, member_id)

    def organisations_of(self, org_ids: Iterable[int]) -> dict[int, Organisation]:
        """Several organisations by id, in one query (no order)."""
        return {org.id: org for org in self.session.scalars(_ORGANISATIONS, {"ids": list(org_ids)})}

    def organisations_by_ids(self, org_ids: Iterable[int]) -> list[Organisation]:
        return list(self.session.scalars(select(Organisation).where(Organisation.id.in_(list(org_ids)))
                                         .order_by(Organisation.id)))

    def unit_names_of(self, org_ids: Iterable[int]) -> dict[int, dict[int, str]]:
        """Organisation → unit id → its name, for several organisations in one query."""
        found: dict[int, dict[int, str]] = defaultdict(dict)
        for unit_id, org_id, name in self.session.execute(select(Unit.id, Unit.org_id, Unit.name)
                                                          .where(Unit.org_id.in_(list(org_ids))).order_by(Unit.id)):
            found[org_id][unit_id] = name
        return dict(found)

    def heads_and_admins_of(self, org_ids: Iterable[int]) -> list[Recipient]:
        """The heads bound to a unit and the administrators of several organisations (blocked ones included),
        as plain rows, in one query."""
        return [Recipient(*row) for row in self.session.execute(
            select(Member.id, Member.org_id, Member.line_user_id, Member.role, Member.unit_id, Member.blocked)
            .where(Member.org_id.in_(list(org_ids)),
                   or_(and_(Member.role == Role.HEAD.value, Member.unit_id.is_not(None)),
                       Member.role == Role.ADMIN.value)).order_by(Member.id))]

    def heads_by_unit(self, org_id: int) -> dict[int, list[Member]]:
        """The heads bound to each unit (units without one are left out), blocked ones included."""
        heads: dict[int, list[Member]] = defaultdict(list)
        for member in self.session.scalars(select(Member).where(Member.org_id == org_id,
                                                                Member.role == Role.HEAD.value,
                                                                Member.unit_id.is_not(None))
                                           .order_by(Member.id)):
            heads[member.unit_id or 0].append(member)
        return dict(heads)

    def head_blocked_flags_by_unit(self, org_id: int) -> dict[int, list[bool]]:
        """For each unit with a head, whether each of its heads blocked the bot."""
        flags: dict[int, list[bool]] = defaultdict(list)
        for unit_id, blocked in self.session.execute(select(Member.unit_id, Member.blocked).where(
                Member.org_id == org_id, Member.role == Role.HEAD.value, Member.unit_id.is_not(None))):
            flags[unit_id or 0].append(blocked)
        return dict(flags)

    def reachable_officers_and_admins(self, org_id: int) -> list[Member]:
        """The officers and administrators who have not blocked the bot, by id."""
        return list(self.session.scalars(
            select(Member).where(Member.org_id == org_id, Member.blocked.is_(False),
                                 Member.role.in_([Role.OFFICER.value, Role.ADMIN.value]))
            .order_by(Member.id)))

    def blocked_user_ids(self, org_id: int, line_user_ids: list[str]) -> set[str]:
        if not line_user_ids:
            return set()
        return set(
            self.session.scalars(
                select(Member.line_user_id).where(
                    Member.org_id == org_id,
                    Member.line_user_id.in_(line_user_ids),
                    Member.blocked.is_(True),
                )
            )
        )

    def set_blocked(self, org_id: int, line_user_id: str, blocked: bool, now: datetime) -> Member:
        member = self.get_or_create_member(org_id, line_user_id, now)
        member.blocked = blocked
        if blocked:
            member.blocked_at = now
        else:
            member.followed_at = now
            member.blocked_at = None
        return member

    def revoke(self, member: Member) -> None:
        member.role = Role.CITIZEN.value
        member.unit_id = None
        member.bound_at = None

    # -- invite codes ------------------------------------------------------------------------------
    def create_invite(self, org_id: int, role: Role, unit_id: int | None, key: str, now: datetime,
                      note: str | None = None) -> str:
        code = new_invite_code()
        self.session.add(
            InviteCode(
                org_id=org_id,
                code_hash=hash_invite_code(code, key),
                role=role.value,
                unit_id=unit_id,
                note=note,
                created_at=now,
                expires_at=now + INVITE_VALID_FOR,
            )
        )
        self.session.flush()
        return code

    def redeem_invite(self, org_id: int, code: str, member: Member, key: str, now: datetime) -> Binding:
        """Bind `member` with the code's role and unit; raise InviteProblem when it cannot be used.
        The code is consumed by a conditional update, so two people racing for it cannot both win."""
        invite = self.session.scalar(
            select(InviteCode).where(
                InviteCode.org_id == org_id, InviteCode.code_hash == hash_invite_code(code, key)
            )
        )
        if invite is None:
            raise InviteProblem("unknown")
        if invite.used_at is not None:
            if invite.used_by_member_id == member.id:
                raise InviteProblem("already-yours")
            raise InviteProblem("used")
        if invite.expires_at <= now:
            raise InviteProblem("expired")
        taken = self.session.execute(
            update(InviteCode)
            .where(InviteCode.id == invite.id, InviteCode.used_at.is_(None))
            .values(used_at=now, used_by_member_id=member.id)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            raise InviteProblem("used")
        member.role = invite.role
        member.unit_id = invite.unit_id
        member.bound_at = now
        unit = self.unit(invite.unit_id)
        return Binding(role=Role(invite.role), unit_name=unit.name if unit else None)
