"""The audit log: who viewed or changed what, when (a repository on the unit of work).

Callers name targets by kind and id ("complaint:12") and put only non-personal facts in `detail` (statuses,
counts, unit names, roles): no complainant, no complaint text, no LINE user id, no address."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from storage.console_models import AuditEntry, ConsoleUser
from storage.models import Organisation

CONSOLE = "console"
LINE = "line"
CLI = "cli"


@dataclass(frozen=True)
class Actor:
    """Who did it: a console user, a LINE member, or the command line."""

    channel: str
    label: str
    user_id: int | None = None
    member_id: int | None = None

    @classmethod
    def member(cls, member_id: int) -> Actor:
        return cls(LINE, f"member #{member_id}", member_id=member_id)

    @classmethod
    def cli(cls) -> Actor:
        return cls(CLI, "itabot")


@dataclass(frozen=True)
class OperatorAuditRow:
    """One line of the operators' own audit page: who, what, when, and which organisation by its slug —
    nothing of the organisation's data (no target, no detail)."""

    at: datetime
    operator: str  # the operator's username, or "-" for a failed login with a name that is no account
    action: str
    channel: str
    org_slug: str | None  # None: the operator's own login, logout or password


class AuditLogRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, org_id: int | None, actor: Actor, action: str, now: datetime, target: str | None = None,
               **detail: Any) -> AuditEntry:
        entry = AuditEntry(org_id=org_id, at=now, channel=actor.channel, actor_user_id=actor.user_id,
                           actor_member_id=actor.member_id, actor_label=actor.label[:80], action=action,
                           target=target, detail=detail)
        self.session.add(entry)
        self.session.flush()
        return entry

    def _filtered(self, org_id: int, action_prefix: str | None, target: str | None) -> Any:
        statement = select(AuditEntry).where(AuditEntry.org_id == org_id)
        if action_prefix:
            statement = statement.where(AuditEntry.action.startswith(action_prefix, autoescape=True))
        if target:
            statement = statement.where(AuditEntry.target == target)
        return statement

    def recent(self, org_id: int, limit: int = 50, offset: int = 0, action_prefix: str | None = None,
               target: str | None = None) -> list[AuditEntry]:
        statement = self._filtered(org_id, action_prefix, target)
        return list(self.session.scalars(statement.order_by(AuditEntry.id.desc()).limit(limit).offset(offset)))

    def count(self, org_id: int, action_prefix: str | None = None, target: str | None = None) -> int:
        statement = self._filtered(org_id, action_prefix, target)
        return self.session.scalar(select(func.count()).select_from(statement.subquery())) or 0

    def _operators(self) -> Any:
        """Entries an operator made (what they did to organisations, in those organisations' logs) and the
        operators' own entries (org_id NULL: logins on the operators' page, logouts, passwords)."""
        # the operators' ids first (a few): with a subquery PostgreSQL reads the whole log; with a list it
        # takes the two indexes (ix_audit_log_org_at for org_id NULL, ix_audit_log_actor_user) together
        operators = list(self.session.scalars(select(ConsoleUser.id).where(ConsoleUser.org_id.is_(None))))
        return or_(AuditEntry.org_id.is_(None), AuditEntry.actor_user_id.in_(operators))

    def operator_entries(self, limit: int = 50, offset: int = 0) -> tuple[int, list[OperatorAuditRow]]:
        """How many there are, and a page of them newest first, across organisations. The caller reads
        unscoped (row-level security would show an operator's scope only the org_id NULL rows); the columns
        read are these five and nothing else."""
        made_by_operators = self._operators()
        total = self.session.scalar(select(func.count()).select_from(AuditEntry).where(made_by_operators)) or 0
        rows = self.session.execute(
            select(AuditEntry.at, AuditEntry.actor_label, AuditEntry.action, AuditEntry.channel, Organisation.slug)
            .outerjoin(Organisation, Organisation.id == AuditEntry.org_id)
            .where(made_by_operators).order_by(AuditEntry.id.desc()).limit(limit).offset(offset))
        return total, [OperatorAuditRow(*row) for row in rows]
