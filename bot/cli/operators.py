"""`itabot operator add|list`: the deployment's console operators (the hosting vendor), bound to no
organisation. They manage the organisations at /console/operator/login and read none of their data."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from bot.cli.admins import read_password
from bot.cli.common import services
from domain.passwords import hash_password, normalise_username, password_problem
from storage.audit_log import Actor
from storage.clock import utcnow
from storage.tenancy import OPERATOR_SCOPE, org_scope
from texts import cli, console
from usecases.console_accounts import UsernameTaken, create_operator


@click.group("operator", cls=AppGroup)
def operator() -> None:
    """Operators of the console: they add organisations, their credentials and first administrators."""


@operator.command("add")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help=cli.HELP_ADMIN_PASSWORD_STDIN)
@click.option("--reset", is_flag=True, help=cli.HELP_OPERATOR_RESET)
def operator_add(username: str, password_stdin: bool, reset: bool) -> None:
    """Create a console operator (the password is asked for, or read from stdin), or give one a new password."""
    name = normalise_username(username)
    if name is None:
        raise click.ClickException(console.CONSOLE_USERNAME_BAD)
    svc = services()
    with org_scope(OPERATOR_SCOPE), svc.uow() as uow:
        exists = uow.console_users.by_username(None, name) is not None
    if exists and not reset:
        raise click.ClickException(cli.CLI_ADMIN_EXISTS.format(username=name))
    if reset and not exists:
        raise click.ClickException(cli.CLI_ADMIN_MISSING.format(username=name))
    password = read_password(password_stdin)
    problem = password_problem(password, name)
    if problem is not None:
        raise click.ClickException(console.CONSOLE_PASSWORD_PROBLEMS[problem])
    password_hash, now = hash_password(password), utcnow()
    with org_scope(OPERATOR_SCOPE), svc.uow() as uow:
        user = uow.console_users.by_username(None, name)
        if user is None:
            try:
                create_operator(uow, name, password_hash, Actor.cli(), now)
            except UsernameTaken:
                raise click.ClickException(cli.CLI_ADMIN_EXISTS.format(username=name)) from None
            message = cli.CLI_OPERATOR_CREATED
        else:
            uow.console_users.set_password(user, password_hash, now)
            uow.console_users.set_active(user, True)
            uow.audit.record(None, Actor.cli(), "console_user.password", now, f"console_user:{user.id}")
            message = cli.CLI_ADMIN_RESET
        uow.commit()
    click.echo(message.format(username=name, url=f"{svc.settings.public_base_url}/console/operator/login"))


@operator.command("list")
def operator_list() -> None:
    """The console operators: username, open or closed, last login. Never a password."""
    with org_scope(OPERATOR_SCOPE), services().uow() as uow:
        users = uow.console_users.operators()
    if not users:
        click.echo(cli.CLI_OPERATOR_NONE)
    for user in users:
        click.echo(cli.CLI_OPERATOR_LINE.format(username=user.username, status=cli.ORG_STATUS[not user.active]))
