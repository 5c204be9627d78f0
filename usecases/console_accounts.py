"""Console accounts made by the deployment's operators (#18): an organisation's first administrator, and
operators themselves. The password is hashed by the caller (slowly, outside any transaction)."""

from __future__ import annotations

from datetime import datetime

from storage.audit_log import Actor
from storage.console_models import ConsoleUser
from storage.models import Role
from storage.uow import UnitOfWork


class HasAdmin(Exception):
    """The organisation already has a console administrator: an operator makes only the first one."""


class UsernameTaken(Exception):
    """A console account of that name exists already (in the organisation, or among the operators)."""


def create_first_admin(uow: UnitOfWork, org_id: int, username: str, password_hash: str, actor: Actor,
                       now: datetime) -> ConsoleUser:
    """The organisation's first console administrator; audited in the organisation's own log. Refused once
    it has one (open or closed): from then on its administrators make the other accounts themselves, so an
    operator cannot give itself a way into a running organisation."""
    if uow.console_users.has_admin(org_id):
        raise HasAdmin(org_id)
    user = uow.console_users.create(org_id, username, password_hash, Role.ADMIN.value, now)
    uow.audit.record(org_id, actor, "organisation.first-admin", now, f"console_user:{user.id}",
                     role=Role.ADMIN.value, username=user.username)
    return user


def create_operator(uow: UnitOfWork, username: str, password_hash: str, actor: Actor, now: datetime) -> ConsoleUser:
    """A console operator (bound to no organisation); audited in the operators' own log (no organisation)."""
    if uow.console_users.by_username(None, username) is not None:
        raise UsernameTaken(username)
    user = uow.console_users.create(None, username, password_hash, Role.OPERATOR.value, now)
    uow.audit.record(None, actor, "console_user.create", now, f"console_user:{user.id}", role=Role.OPERATOR.value)
    return user
