"""`itabot db upgrade|current`: the database's migrations (Alembic)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from bot.cli.common import safe_url, services
from storage import migrate
from texts import cli


@click.group("db", cls=AppGroup)
def db() -> None:
    """Database migrations (Alembic)."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations and make sure the organisation and its default units exist."""
    settings = services().settings
    migrate.upgrade(settings.database_url)
    services().org_id()
    click.echo(cli.CLI_DB_UPGRADED.format(url=safe_url(settings.database_url)))


@db.command("current")
def db_current() -> None:
    migrate.current(services().settings.database_url)
