"""`itabot richmenu deploy [--org SLUG]`: draw the main menu's image and install it as everyone's default menu, on LINE or
on the fake platform (wherever LINE_API_BASE_URL points)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from bot.cli.common import selected_org, services
from bot.line.channels import NoChannel
from bot.line.richmenu_api import RichMenuApi
from bot.richmenu.image import ThaiFontError
from bot.richmenu.menu import DeployError, build_menu, deploy
from texts import cli


@click.group("richmenu", cls=AppGroup)
def richmenu() -> None:
    """The rich menu (the buttons under the chat)."""


@richmenu.command("deploy")
@click.option("--font", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help=cli.HELP_RICHMENU_FONT)
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help=cli.HELP_RICHMENU_OUTPUT)
@click.option("--dry-run", is_flag=True, help=cli.HELP_RICHMENU_DRY_RUN)
def deploy_command(font: Path | None, output: Path | None, dry_run: bool) -> None:
    """Draw the menu image (Thai labels) and install it: create, upload, set as default, delete older ones."""
    settings = services().settings
    try:
        built = build_menu(font)
    except ThaiFontError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(cli.CLI_RICHMENU_TARGET.format(target=settings.line_api_base_url or cli.CLI_RICHMENU_REAL_LINE))
    width, height = built.menu["size"]["width"], built.menu["size"]["height"]
    click.echo(cli.CLI_RICHMENU_IMAGE.format(width=width, height=height, font=built.font.name,
                                               kb=round(len(built.image) / 1024)))
    if output is not None:
        output.write_bytes(built.image)
        click.echo(cli.CLI_RICHMENU_SAVED.format(path=output))
    if dry_run:
        click.echo(cli.CLI_RICHMENU_DRY_RUN)
        return
    org = selected_org()
    try:  # the organisation's own channel (--org), or the environment's for the default organisation
        token = services().channels.access_token(org.id)
    except NoChannel:
        raise click.ClickException(cli.ORG_NO_CHANNEL.format(slug=org.slug)) from None
    with RichMenuApi(token, settings.line_api_base_url, settings.line_request_timeout) as api:
        try:
            deploy(api, built, progress=click.echo)
        except DeployError as exc:
            raise click.ClickException(cli.CLI_RICHMENU_FAILED.format(
                step=cli.CLI_RICHMENU_STEPS.get(exc.step, exc.step), error=exc.cause)) from exc
    click.echo(cli.CLI_RICHMENU_DONE)
