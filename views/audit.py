"""The audit log as a person reads it (the console's audit page): Thai names for actions, targets, details
and values, and people named by their role, unit and name rather than "member #5" or "console_user:1"."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo
from typing import Any

from domain.digits import ARABIC
from storage.audit_log import OperatorAuditRow
from storage.console_models import AuditEntry
from storage.uow import UnitOfWork
from texts import common, console
from views.complaint_notices import told_text
from views.complaint_views import status_label

# How a detail's value reads, by its key.
_VALUES: Mapping[str, Any] = {
    "old": status_label, "new": status_label, "status": status_label, "told": told_text,
    "scheme": lambda v: common.ROUNDS_SCHEME_LABELS.get(str(v), str(v)),
    "role": lambda v: common.ROLE_NAMES.get(str(v), str(v)),
    **{surface: (lambda v: common.DIGIT_STYLE_LABELS.get(str(v), str(v))) for surface in common.DIGIT_SURFACE_LABELS},
}


class _Names:
    """People and units named once per page."""

    def __init__(self, uow: UnitOfWork, org_id: int) -> None:
        self.uow, self.org_id = uow, org_id
        self.members: dict[int, str] = {}
        self.users: dict[int, str] = {}

    def member(self, member_id: int) -> str:
        if member_id not in self.members:
            member = self.uow.people.member_by_id(member_id)
            if member is None or member.org_id != self.org_id:
                self.members[member_id] = console.CONSOLE_AUDIT_GONE
            else:
                unit = self.uow.people.unit(member.unit_id)
                self.members[member_id] = console.CONSOLE_AUDIT_MEMBER.format(
                    role=common.ROLE_NAMES.get(member.role, member.role), unit=f" {unit.name}" if unit else "",
                    name=f" ({member.display_name})" if member.display_name else "")
        return self.members[member_id]

    def user(self, user_id: int) -> str:
        if user_id not in self.users:
            user = self.uow.console_users.get(self.org_id, user_id)
            self.users[user_id] = user.username if user else console.CONSOLE_AUDIT_GONE
        return self.users[user_id]

    def target(self, target: str | None) -> str:
        if not target or ":" not in target:
            return target or ""
        kind, _, ident = target.partition(":")
        template = console.CONSOLE_AUDIT_TARGETS.get(kind)
        if template is None or not ident.isdigit():
            return target
        name = ident
        if kind == "member":
            name = self.member(int(ident))
        elif kind == "console_user":
            name = self.user(int(ident))
        elif kind == "unit":
            unit = self.uow.people.unit(int(ident))
            name = unit.name if unit and unit.org_id == self.org_id else console.CONSOLE_AUDIT_GONE
        return template.format(id=ident, name=name)


def _value(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return common.YES_NO[value]
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    render = _VALUES.get(key)
    return str(render(value)) if render else str(value)


def detail_text(detail: Mapping[str, Any] | None) -> str:
    return ", ".join(f"{console.CONSOLE_AUDIT_DETAILS.get(k, k)}: {_value(k, v)}"
                     for k, v in (detail or {}).items() if v not in (None, "", []) and k != "member_id")


def operator_audit_rows(entries: list[OperatorAuditRow], tz: tzinfo) -> list[dict[str, str]]:
    """The operators' own audit page: when, which operator, how, what, and which organisation (its slug)."""
    return [{"when": ARABIC.date_time(e.at.astimezone(tz), seconds=True), "who": e.operator,
             "channel": console.CONSOLE_AUDIT_CHANNELS.get(e.channel, e.channel),
             "action": console.CONSOLE_AUDIT_ACTIONS.get(e.action, e.action), "code": e.action,
             "org": e.org_slug or console.CONSOLE_OPERATOR_AUDIT_OWN} for e in entries]


def audit_rows(uow: UnitOfWork, org_id: int, entries: list[AuditEntry], tz: tzinfo) -> list[dict[str, str]]:
    names = _Names(uow, org_id)
    return [{"when": ARABIC.date_time(e.at.astimezone(tz), seconds=True),
             "who": names.member(e.actor_member_id) if e.actor_member_id is not None else e.actor_label,
             "channel": console.CONSOLE_AUDIT_CHANNELS.get(e.channel, e.channel),
             "action": console.CONSOLE_AUDIT_ACTIONS.get(e.action, e.action), "code": e.action,
             "target": names.target(e.target), "detail": detail_text(e.detail)}
            for e in entries]
