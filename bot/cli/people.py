"""`itabot invite|members|revoke`: the LINE accounts bound to a role (staff), by one-time invite code."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import click
from flask.cli import with_appcontext

from bot.cli.common import org_timezone, services, unit_of_work, when
from domain.digits import ARABIC
from domain.pseudonyms import pseudonym
from storage.clock import utcnow
from storage.models import Role
from storage.people import INVITE_VALID_FOR
from texts import chat, common
from texts import cli as cli_texts


@click.command("invite")
@with_appcontext
@click.option("--role", type=click.Choice(["head", "officer", "admin"]), required=True)
@click.option("--unit", "unit_name", help=cli_texts.HELP_INVITE_UNIT)
@click.option("--note", help=cli_texts.HELP_INVITE_NOTE)
def invite(role: str, unit_name: str | None, note: str | None) -> None:
    """Print a one-time invite code (valid 7 days) that binds a LINE account to a role."""
    settings = services().settings
    with unit_of_work() as (uow, org_id):
        unit = None
        if unit_name:
            unit = uow.people.find_unit(org_id, unit_name)
            if unit is None:
                names = ", ".join(u.name for u in uow.people.units(org_id))
                raise click.ClickException(cli_texts.CLI_UNIT_NOT_FOUND.format(unit=unit_name, units=names))
        elif role == Role.HEAD.value:
            raise click.ClickException(cli_texts.CLI_UNIT_REQUIRED)
        now = utcnow()
        code = uow.people.create_invite(org_id, Role(role), unit.id if unit else None, settings.secret_key,
                                        now, note)
    expires = when(now + INVITE_VALID_FOR)
    unit_line = chat.INVITE_UNIT_LINE.format(unit=unit.name) if unit else ""
    click.echo(cli_texts.CLI_INVITE_CREATED.format(code=code, role=common.ROLE_NAMES[role], unit_line=unit_line,
                                                   expires=expires))


@click.command("members")
@with_appcontext
@click.option("--all", "include_citizens", is_flag=True, help=cli_texts.HELP_MEMBERS_ALL)
def members(include_citizens: bool) -> None:
    """List bound staff (id, role, unit, blocked)."""
    with unit_of_work() as (uow, org_id):
        tz = ZoneInfo(org_timezone())
        rows = uow.people.members(org_id, include_citizens)
        if not rows:
            click.echo(cli_texts.CLI_NO_MEMBERS)
            return
        click.echo(f"{'id':>5}  {'role':<8} {'unit':<28} {'account':<16} {'status':<8} bound")
        for m in rows:
            unit = uow.people.unit(m.unit_id)
            status = "blocked" if m.blocked else "active"
            bound = ARABIC.date(m.bound_at.astimezone(tz).date()) if m.bound_at else "-"
            click.echo(f"{m.id:>5}  {m.role:<8} {(unit.name if unit else '-'):<28} "
                       f"{pseudonym(m.line_user_id):<16} {status:<8} {bound}")


@click.command("revoke")
@with_appcontext
@click.argument("member_id", type=int)
def revoke(member_id: int) -> None:
    """Unbind a member (staff moved): the account goes back to being a citizen."""
    with unit_of_work() as (uow, org_id):
        member = uow.people.member_by_id(member_id)
        if member is None or member.org_id != org_id:
            raise click.ClickException(cli_texts.CLI_MEMBER_NOT_FOUND.format(id=member_id))
        role = member.role
        uow.people.revoke(member)
    click.echo(cli_texts.CLI_REVOKED.format(id=member_id, role=role))
