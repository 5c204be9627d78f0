"""The audit log: who viewed or changed what, when (a repository on the unit of work).

Callers name targets by kind and id ("complaint:12") and put only non-personal facts in `detail` (statuses,
counts, unit names, roles): no complainant, no complaint text, no LINE user id, no address."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.console_models import AuditEntry

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
