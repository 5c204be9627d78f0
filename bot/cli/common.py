"""What every CLI command module shares: the app's services, the organisation a command works on (`--org`),
its unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import click
from flask import current_app
from sqlalchemy.engine import make_url

from bot.services import Services
from storage.uow import UnitOfWork
from texts import cli as cli_texts
from views.complaint_views import local_time

_ORG_SLUG = "itabot.org_slug"  # ctx.meta: what --org said
_SELECTED = "itabot.selected_org"  # ctx.meta: the organisation resolved from it


def services() -> Services:
    found: Services = current_app.extensions["itabot"]
    return found


@dataclass(frozen=True)
class SelectedOrg:
    id: int
    slug: str
    timezone: str


def _remember_org(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.meta[_ORG_SLUG] = value.strip()


def add_org_option(command: click.Command) -> None:
    """Give a command `--org SLUG` (bot/cli/main.py does it for every command that works on one
    organisation); `selected_org()` and `unit_of_work()` read it."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            add_org_option(sub)
        return
    command.params.append(click.Option(["--org", "org_slug"], default=None, metavar="SLUG", expose_value=False,
                                       callback=_remember_org, help=cli_texts.HELP_ORG))


def selected_org() -> SelectedOrg:
    """The organisation named by `--org`; without it the only enabled organisation; else a Thai error
    listing them."""
    ctx = click.get_current_context(silent=True)  # None: called outside a command (tests, the shell)
    meta: dict[str, Any] = ctx.meta if ctx is not None else {}
    found: SelectedOrg | None = meta.get(_SELECTED)
    if found is not None:
        return found
    svc = services()
    svc.org_id()  # the environment's organisation (ORG_SLUG) exists
    slug: str | None = meta.get(_ORG_SLUG)
    with svc.uow() as uow:
        rows = uow.organisations.listing()
    names = ", ".join(row.slug for row in rows)
    if slug is not None:
        chosen = [row for row in rows if row.slug == slug]
        if not chosen:
            raise click.ClickException(cli_texts.ORG_UNKNOWN.format(slug=slug, orgs=names))
    else:
        chosen = [row for row in rows if not row.disabled]
        if len(chosen) != 1:
            raise click.ClickException(cli_texts.ORG_CHOOSE.format(orgs=names))
    found = SelectedOrg(chosen[0].id, chosen[0].slug, chosen[0].timezone)
    meta[_SELECTED] = found
    return found


def selected_org_id() -> int:
    return selected_org().id


@contextmanager
def unit_of_work(*, commit: bool = True) -> Iterator[tuple[UnitOfWork, int]]:
    """`with unit_of_work() as (uow, org_id): ...`: one transaction on the organisation the command works on
    (`--org SLUG`, or the only one), committed when the block ends normally (`commit=False`: never, as in a
    dry run) and rolled back when it raises (a ClickException included). Scoped to that organisation: on
    PostgreSQL row-level security hides every other one (storage/tenancy.py)."""
    svc = services()
    org_id = selected_org().id
    with svc.uow(org_id) as uow:
        yield uow, org_id
        if commit:
            uow.commit()


def org_timezone() -> str:
    """The time zone of the organisation the command works on."""
    return selected_org().timezone


def when(moment: datetime) -> str:
    """A moment as the rest of the product writes it, in the organisation's time zone: "๑๔ ธ.ค. ๒๕๖๙ 04:21"."""
    return local_time(moment, org_timezone())


def safe_url(url: str) -> str:
    """A database URL fit to print: its password hidden."""
    return make_url(url).render_as_string(hide_password=True)
