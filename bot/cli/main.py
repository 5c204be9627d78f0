"""`itabot`: the command line, a Flask CLI group built on create_app.

Each module of bot/cli/ defines its commands (a click group, or single commands) and this module adds
them to the group. It is also the CLI's composition root: the commands that need the worker or the
development tools (linesim) are defined here, since no other module of bot/cli/ may import them."""

from __future__ import annotations

import sys
from typing import Any

import click
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from bot.cli.admins import create_admin
from bot.cli.common import add_org_option, safe_url, services
from bot.cli.complaints import complaints, stats
from bot.cli.db import db
from bot.cli.operators import operator
from bot.cli.orgs import org
from bot.cli.people import invite, members, revoke
from bot.cli.plan import import_plan_command
from bot.cli.queues import inbox, outbox, scrub
from bot.cli.report import report
from bot.cli.richmenu import richmenu
from bot.cli.schedule import reminders, rounds, summary
from bot.cli.units import units
from bot.config import ConfigError, Settings
from storage import migrate
from texts import cli as cli_texts

# The commands that talk to LINE (or serve its webhook): only they need the channel's secret and token.
LINE_COMMANDS = frozenset({"worker", "richmenu", "run", "shell"})


def _command_name() -> str | None:
    """The itabot command being run: "rounds" for `itabot rounds set`."""
    ctx = click.get_current_context(silent=True)
    while ctx is not None and ctx.parent is not None and ctx.parent.parent is not None:
        ctx = ctx.parent
    return ctx.info_name if ctx is not None and ctx.parent is not None else None


def _create_app() -> Any:
    """The app for a command: without LINE's secrets unless it talks to LINE, and refused (one Thai line)
    on a database that was never migrated, except by `itabot db`."""
    name = _command_name()
    settings = Settings.from_env(require_line=name is None or name in LINE_COMMANDS)
    from bot.app import create_app  # after the settings: a refusal needs none of the app's imports

    app = create_app(settings)
    if name != "db" and migrate.current_revision(app.extensions["itabot"].engine) is None:
        raise click.ClickException(cli_texts.CLI_DB_NOT_MIGRATED.format(
            url=safe_url(app.extensions["itabot"].settings.database_url)))
    return app


class _Commands(FlaskGroup):
    """itabot's commands are all its own (the app adds none to `app.cli`), so listing or finding one never
    builds the app: `itabot --help` or a mistyped command needs no configuration and no database."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(click.Group.list_commands(self, ctx))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return click.Group.get_command(self, ctx, cmd_name)


@click.group(cls=_Commands, create_app=_create_app, add_version_option=False, load_dotenv=True)
def cli() -> None:
    """itabot — LINE bot for ITA measures and corruption complaints."""


def main() -> None:
    try:
        cli.main(prog_name="itabot")
    except ConfigError as exc:
        click.echo(cli_texts.CLI_CONFIG_ERROR.format(error=exc), err=True)
        sys.exit(2)


# -- the composition root's commands: the worker and the local run ----------------------------------
@click.command("worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Do one pass and exit.")
@click.option("--threads", type=int, default=4, show_default=True, help="Outbox delivery threads.")
@click.option("--event-threads", type=int, default=2, show_default=True, help="Webhook event threads.")
@click.option("--no-scheduler", is_flag=True, help="Never lead: leave reminders and summaries to other workers.")
@click.option("--processes", type=click.IntRange(1, 64), default=1, envvar="WORKER_PROCESSES", show_default=True,
              show_envvar=True,
              help="Worker processes: this one and the rest started beside it (one per core: a process uses one).")
@click.option("--nice", "niceness", type=click.IntRange(0, 19), default=10, envvar="WORKER_NICE", show_default=True,
              show_envvar=True,
              help="CPU priority (Unix niceness): on a host shared with the web, its webhook answers come first.")
def worker(once: bool, threads: int, event_threads: int, no_scheduler: bool, processes: int, niceness: int) -> None:
    """Process webhook events, deliver the outbox, read the LINE quota; the worker holding the leader
    lock also runs the scheduler (reminders, weekly summary). The Procfile's worker."""
    from bot.worker import Worker, WorkerOptions, lower_priority, start_siblings, stop_siblings
    from storage.db import yield_sqlite_writes

    lower_priority(niceness)  # before any thread starts: they inherit it (siblings too)
    # On SQLite the web's transactions go before the worker's next one (storage/sqlite_write_lock.py).
    yield_sqlite_writes(services().engine)

    runner = Worker(services(), WorkerOptions(delivery_threads=threads, event_threads=event_threads,
                                              scheduler=not no_scheduler))
    if once:
        click.echo(runner.run_once())
        return
    runner.install_signal_handlers()
    siblings = start_siblings(processes - 1, ["--threads", str(threads), "--event-threads", str(event_threads),
                                              "--processes", "1", *(["--no-scheduler"] if no_scheduler else [])])
    try:
        runner.run_forever()
        runner.services.sender.close()  # rows claimed and not yet sent go back; waits for the sends out only
    finally:
        stop_siblings(siblings)


@click.command("fake-line", context_settings={"ignore_unknown_options": True}, add_help_option=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def fake_line(args: tuple[str, ...]) -> None:
    """Run the fake LINE platform (see --help)."""
    from linesim.__main__ import run_standalone

    run_standalone(list(args))


@click.group("demo", cls=AppGroup)
def demo() -> None:
    """Demo data for the local run."""


@demo.command("load")
def demo_load() -> None:
    """Bind the demo personas (citizen, unit heads, officer, admin) of the local chat page."""
    from linesim.demo import load_demo

    for line in load_demo(services()):
        click.echo(line)


@click.command("dev")
@click.option("--web-port", default=5000, show_default=True)
@click.option("--line-port", default=8091, show_default=True)
def dev(web_port: int, line_port: int) -> None:
    """Run everything locally: fake LINE platform, web (gunicorn) and worker, with demo data."""
    from linesim.devserver import run_local

    sys.exit(run_local(web_port=web_port, line_port=line_port))


# The commands that work on one organisation: each takes `--org SLUG` (bot/cli/common.py selected_org).
ORG_COMMANDS: tuple[click.Command, ...] = (
    invite, members, revoke, units, import_plan_command, complaints, stats, report, richmenu, rounds, reminders,
    summary, create_admin, outbox, inbox,
)
# The deployment's own: the database, the organisations, retention, the processes.
COMMANDS: tuple[click.Command, ...] = (*ORG_COMMANDS, db, org, operator, scrub, worker, fake_line, demo, dev)
for _command in ORG_COMMANDS:
    add_org_option(_command)
for _command in COMMANDS:
    cli.add_command(_command)


if __name__ == "__main__":
    main()
