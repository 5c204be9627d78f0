"""`itabot org add|list|disable|enable|credentials`: the organisations one deployment serves, each with its own
LINE Official Account. The channel secret and access token are asked with hidden input (or read from
standard input, one a line, with --credentials-stdin), sealed under CREDENTIALS_KEY, never printed."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from bot.cli.common import services
from storage.audit_log import Actor
from storage.clock import utcnow
from texts import cli
from usecases.organisations import (
    MissingCredentialsKey,
    NewCredentials,
    OrganisationError,
    add_organisation,
    disable_organisation,
    enable_organisation,
    find,
    list_organisations,
    replace_credentials,
)


@click.group("org", cls=AppGroup)
def org() -> None:
    """Organisations and their LINE channels (one Official Account each)."""


def _ask(channel_id: str | None, from_stdin: bool) -> NewCredentials:
    """The secret, and (long-lived tokens) the access token: hidden prompts, or lines of standard input."""
    count = 1 if channel_id else 2
    if from_stdin:
        lines = [sys.stdin.readline().strip() for _ in range(count)]
        if not all(lines):
            raise click.ClickException(cli.ORG_STDIN_SHORT.format(count=count, what=cli.ORG_STDIN_WHAT[count]))
    else:
        lines = [click.prompt(cli.ORG_PROMPT_SECRET, hide_input=True).strip()]
        if count == 2:
            lines.append(click.prompt(cli.ORG_PROMPT_TOKEN, hide_input=True).strip())
    return NewCredentials(lines[0], lines[1] if count == 2 else None, channel_id)


def _fail(exc: Exception) -> click.ClickException:
    if isinstance(exc, MissingCredentialsKey):
        return click.ClickException(cli.ORG_NO_CREDENTIALS_KEY)
    assert isinstance(exc, OrganisationError)
    return click.ClickException(cli.ORG_ERRORS[exc.reason].format(value=exc.value))


def _kind(channel_id: str | None) -> str:
    return cli.ORG_KINDS["short_lived" if channel_id else "long_lived"]


CHANNEL_ID = click.option("--channel-id", default=None, help=cli.HELP_ORG_CHANNEL_ID)
STDIN = click.option("--credentials-stdin", "from_stdin", is_flag=True, help=cli.HELP_ORG_STDIN)


@org.command("add")
@click.argument("slug")
@click.option("--name", required=True, help=cli.HELP_ORG_NAME)
@click.option("--timezone", default="Asia/Bangkok", show_default=True, help=cli.HELP_ORG_TIMEZONE)
@CHANNEL_ID
@STDIN
def org_add(slug: str, name: str, timezone: str, channel_id: str | None, from_stdin: bool) -> None:
    """Add an organisation with its LINE channel's secret and access token (asked, hidden)."""
    svc = services()
    svc.org_id()  # the environment's organisation exists first (and keeps its slug)
    credentials = _ask(channel_id, from_stdin)
    with svc.uow() as uow:
        try:
            added = add_organisation(uow, svc.credentials_box, slug.strip(), name, timezone.strip(), credentials,
                                     utcnow())
        except (OrganisationError, MissingCredentialsKey) as exc:
            raise _fail(exc) from None
        uow.commit()
        click.echo(cli.ORG_ADDED.format(slug=added.slug, name=added.name, kind=_kind(channel_id)))
    click.echo(cli.ORG_WEBHOOK_URL.format(url=f"{svc.settings.public_base_url}/callback/{slug.strip()}"))


@org.command("credentials")
@click.argument("slug")
@CHANNEL_ID
@STDIN
def org_credentials(slug: str, channel_id: str | None, from_stdin: bool) -> None:
    """Replace an organisation's LINE channel secret and access token (asked, hidden)."""
    svc = services()
    credentials = _ask(channel_id, from_stdin)
    with svc.uow() as uow:
        try:
            replace_credentials(uow, svc.credentials_box, slug.strip(), credentials, utcnow())
        except (OrganisationError, MissingCredentialsKey) as exc:
            raise _fail(exc) from None
        uow.commit()
    click.echo(cli.ORG_CREDENTIALS_REPLACED.format(slug=slug.strip(), kind=_kind(channel_id)))


@org.command("disable")
@click.argument("slug")
def org_disable(slug: str) -> None:
    """Stop serving an organisation: its webhook answers 404, its staff cannot log in, no reminders. Its data
    stays (`itabot org enable` serves it again)."""
    click.echo((cli.ORG_DISABLED if _switch(slug, False) else cli.ORG_ALREADY_DISABLED).format(slug=slug.strip()))


@org.command("enable")
@click.argument("slug")
def org_enable(slug: str) -> None:
    """Serve a disabled organisation again: its webhook, its console and its reminders, with its data."""
    click.echo((cli.ORG_ENABLED if _switch(slug, True) else cli.ORG_ALREADY_ENABLED).format(slug=slug.strip()))


def _switch(slug: str, enable: bool) -> bool:
    """Disable or enable, audited in that organisation's log; False when it already was so."""
    now = utcnow()
    with services().uow() as uow:
        try:
            org = find(uow, slug.strip())
            changed = enable_organisation(uow, org.slug) if enable else disable_organisation(uow, org.slug, now)
        except OrganisationError as exc:
            raise _fail(exc) from None
        if changed:
            action = "organisation.enable" if enable else "organisation.disable"
            uow.audit.record(org.id, Actor.cli(), action, now, f"organisation:{org.id}")
        uow.commit()
    return changed


@org.command("list")
def org_list() -> None:
    """Every organisation: slug, name, time zone, kind of LINE credentials, status. Never a secret."""
    svc = services()
    svc.org_id()
    with svc.uow() as uow:
        rows = list_organisations(uow)
    if not rows:
        click.echo(cli.ORG_LIST_EMPTY)
    for row in rows:
        kind = cli.ORG_KINDS[row.token_kind]
        if row.token_kind is None and row.slug == svc.settings.org_slug:
            kind = cli.ORG_KIND_ENVIRONMENT
        click.echo(cli.ORG_LIST_LINE.format(slug=row.slug, name=row.name, timezone=row.timezone, kind=kind,
                                            status=cli.ORG_STATUS[row.disabled]))
