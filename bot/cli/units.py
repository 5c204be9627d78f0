"""`itabot units list|add|rename|merge`: the organisation's unit directory."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from bot.cli.common import unit_of_work
from storage.clock import utcnow
from storage.models import Unit
from storage.uow import UnitOfWork
from texts import chat, cli
from usecases.unit_directory import UnitNameTaken, add_unit, merge_unit, rename_unit


@click.group("units", cls=AppGroup)
def units() -> None:
    """The organisation's unit directory."""


def _unit_or_fail(uow: UnitOfWork, org_id: int, name: str) -> Unit:
    unit = uow.people.find_unit(org_id, name)
    if unit is None:
        names = ", ".join(u.name for u in uow.people.units(org_id))
        raise click.ClickException(cli.CLI_UNIT_NOT_FOUND.format(unit=name, units=names))
    return unit


@units.command("list")
def units_list() -> None:
    with unit_of_work() as (uow, org_id):
        for unit in uow.people.units(org_id):
            aliases = f"  (= {', '.join(unit.aliases)})" if unit.aliases else ""
            click.echo(f"{unit.id:>4}  {unit.name}{aliases}")


@units.command("add")
@click.argument("name")
@click.option("--alias", "aliases", multiple=True, help=cli.HELP_UNIT_ALIAS)
def units_add(name: str, aliases: tuple[str, ...]) -> None:
    """Add a unit, or add aliases to an existing one."""
    alias_text = cli.CLI_UNIT_ALIASES.format(aliases=", ".join(aliases)) if aliases else ""
    with unit_of_work() as (uow, org_id):
        try:
            added = add_unit(uow, org_id, name, list(aliases), utcnow())
        except UnitNameTaken as exc:
            raise click.ClickException(chat.UNIT_NAME_TAKEN.format(name=exc.name, owner=exc.owner)) from None
        template = cli.CLI_UNIT_ADDED if added.created else cli.CLI_UNIT_UPDATED
        message = template.format(name=added.unit.name, aliases=alias_text)
    click.echo(message)


@units.command("rename")
@click.argument("old")
@click.argument("new")
def units_rename(old: str, new: str) -> None:
    """Rename a unit; the old name stays as an alias."""
    with unit_of_work() as (uow, org_id):
        unit = _unit_or_fail(uow, org_id, old)
        try:
            old_name = rename_unit(uow, org_id, unit, new)
        except UnitNameTaken as exc:
            raise click.ClickException(chat.UNIT_NAME_TAKEN.format(name=exc.name, owner=exc.owner)) from None
    click.echo(cli.CLI_UNIT_RENAMED.format(old=old_name, new=new.strip()))


@units.command("merge")
@click.argument("source")
@click.argument("target")
def units_merge(source: str, target: str) -> None:
    """Merge SOURCE into TARGET: its measures, reports and reporters move; its names become aliases."""
    with unit_of_work() as (uow, org_id):
        src = _unit_or_fail(uow, org_id, source)
        dst = _unit_or_fail(uow, org_id, target)
        names = (src.name, dst.name)
        merge_unit(uow, src, dst)
    click.echo(cli.CLI_UNIT_MERGED.format(source=names[0], target=names[1]))
