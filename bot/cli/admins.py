"""`itabot create-admin`: the console's first administrator (or a new password for one, with --reset)."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from bot.cli.common import services, unit_of_work
from domain.passwords import hash_password, normalise_username, password_problem
from storage.audit_log import Actor
from storage.clock import utcnow
from storage.models import Role
from texts import cli, console


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    value: str = click.prompt(cli.CLI_ADMIN_PASSWORD_PROMPT, hide_input=True,
                              confirmation_prompt=cli.CLI_ADMIN_PASSWORD_AGAIN)
    return value


@click.command("create-admin")
@with_appcontext
@click.option("--username", default="admin", show_default=True, help=cli.HELP_ADMIN_USERNAME)
@click.option("--password-stdin", is_flag=True, help=cli.HELP_ADMIN_PASSWORD_STDIN)
@click.option("--reset", is_flag=True, help=cli.HELP_ADMIN_RESET)
def create_admin(username: str, password_stdin: bool, reset: bool) -> None:
    """Create an administrator of the admin console (/console); the password is asked for, or read from stdin."""
    name = normalise_username(username)
    if name is None:
        raise click.ClickException(console.CONSOLE_USERNAME_BAD)
    with unit_of_work() as (uow, org_id):
        existing = uow.console_users.by_username(org_id, name)
        if existing is not None and not reset:
            raise click.ClickException(cli.CLI_ADMIN_EXISTS.format(username=name))
        if existing is None and reset:
            raise click.ClickException(cli.CLI_ADMIN_MISSING.format(username=name))
        if existing is not None and existing.role != Role.ADMIN.value:
            raise click.ClickException(cli.CLI_ADMIN_NOT_ADMIN.format(username=name))
    password = read_password(password_stdin)
    problem = password_problem(password, name)
    if problem is not None:
        raise click.ClickException(console.CONSOLE_PASSWORD_PROBLEMS[problem])
    now = utcnow()
    with unit_of_work() as (uow, org_id):
        user = uow.console_users.by_username(org_id, name)
        if user is None:
            user = uow.console_users.create(org_id, name, hash_password(password), Role.ADMIN.value, now)
            uow.audit.record(org_id, Actor.cli(), "console_user.create", now, f"console_user:{user.id}",
                             role=Role.ADMIN.value)
            message = cli.CLI_ADMIN_CREATED
        else:
            uow.console_users.set_password(user, hash_password(password), now)
            uow.console_users.set_active(user, True)
            uow.audit.record(org_id, Actor.cli(), "console_user.password", now, f"console_user:{user.id}")
            message = cli.CLI_ADMIN_RESET
    click.echo(message.format(username=name, url=f"{services().settings.public_base_url}/console/login"))
