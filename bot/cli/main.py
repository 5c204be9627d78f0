"""`itabot`: the command line, a Flask CLI group built on create_app."""

from __future__ import annotations

import sys
from typing import Any

import click
from flask.cli import FlaskGroup

from bot.cli.admins import create_admin
from bot.cli.common import services
from bot.cli.complaints import register_complaint_commands
from bot.cli.plan import import_plan_command, register_unit_commands
from bot.cli.report import report
from bot.cli.richmenu import richmenu
from bot.cli.schedule import register_schedule_commands
from bot.config import ConfigError, Settings
from storage import migrate
from storage.clock import utcnow
from storage.models import OutboxStatus, Role
from storage.people import INVITE_VALID_FOR
from texts import chat, common
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
    from bot.app import create_app

    name = _command_name()
    app = create_app(Settings.from_env(require_line=name is None or name in LINE_COMMANDS))
    if name != "db" and migrate.current_revision(app.extensions["itabot"].engine) is None:
        raise click.ClickException(cli_texts.CLI_DB_NOT_MIGRATED.format(
            url=_safe_url(app.extensions["itabot"].settings.database_url)))
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


# -- database -------------------------------------------------------------------------------------
@cli.group()
def db() -> None:
    """Database migrations (Alembic)."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations and make sure the organisation and its default units exist."""
    settings = services().settings
    migrate.upgrade(settings.database_url)
    services().org_id()
    click.echo(cli_texts.CLI_DB_UPGRADED.format(url=_safe_url(settings.database_url)))


@db.command("current")
def db_current() -> None:
    migrate.current(services().settings.database_url)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# -- people ---------------------------------------------------------------------------------------
@cli.command()
@click.option("--role", type=click.Choice(["head", "officer", "admin"]), required=True)
@click.option("--unit", "unit_name", help="ชื่อหน่วยงาน (จำเป็นสำหรับ head)")
@click.option("--note", help="บันทึกว่าออกรหัสให้ใคร (ไม่บังคับ)")
def invite(role: str, unit_name: str | None, note: str | None) -> None:
    """Print a one-time invite code (valid 7 days) that binds a LINE account to a role."""
    svc = services()
    org_id = svc.org_id()
    with svc.uow() as uow:
        unit = None
        if unit_name:
            unit = uow.people.find_unit(org_id, unit_name)
            if unit is None:
                names = ", ".join(u.name for u in uow.people.units(org_id))
                raise click.ClickException(cli_texts.CLI_UNIT_NOT_FOUND.format(unit=unit_name, units=names))
        elif role == Role.HEAD.value:
            raise click.ClickException(cli_texts.CLI_UNIT_REQUIRED)
        now = utcnow()
        code = uow.people.create_invite(org_id, Role(role), unit.id if unit else None, svc.settings.secret_key,
                                        now, note)
        uow.commit()
    expires = (now.astimezone(svc.settings.tz) + INVITE_VALID_FOR).strftime("%Y-%m-%d %H:%M")
    unit_line = chat.INVITE_UNIT_LINE.format(unit=unit.name) if unit else ""
    click.echo(cli_texts.CLI_INVITE_CREATED.format(code=code, role=common.ROLE_NAMES[role], unit_line=unit_line,
                                               expires=expires))


@cli.command()
@click.option("--all", "include_citizens", is_flag=True, help="รวมผู้ใช้ทั่วไปด้วย")
def members(include_citizens: bool) -> None:
    """List bound staff (id, role, unit, blocked)."""
    from domain.pseudonyms import pseudonym

    svc = services()
    org_id = svc.org_id()
    with svc.uow() as uow:
        rows = uow.people.members(org_id, include_citizens)
        if not rows:
            click.echo(cli_texts.CLI_NO_MEMBERS)
            return
        click.echo(f"{'id':>5}  {'role':<8} {'unit':<28} {'account':<16} {'status':<8} bound")
        for m in rows:
            unit = uow.people.unit(m.unit_id)
            status = "blocked" if m.blocked else "active"
            bound = m.bound_at.astimezone(svc.settings.tz).strftime("%Y-%m-%d") if m.bound_at else "-"
            click.echo(f"{m.id:>5}  {m.role:<8} {(unit.name if unit else '-'):<28} "
                       f"{pseudonym(m.line_user_id):<16} {status:<8} {bound}")


@cli.command()
@click.argument("member_id", type=int)
def revoke(member_id: int) -> None:
    """Unbind a member (staff moved): the account goes back to being a citizen."""
    svc = services()
    org_id = svc.org_id()
    with svc.uow() as uow:
        member = uow.people.member_by_id(member_id)
        if member is None or member.org_id != org_id:
            raise click.ClickException(cli_texts.CLI_MEMBER_NOT_FOUND.format(id=member_id))
        role = member.role
        uow.people.revoke(member)
        uow.commit()
    click.echo(cli_texts.CLI_REVOKED.format(id=member_id, role=role))


@cli.group()
def units() -> None:
    """The organisation's unit directory."""


register_unit_commands(units)
cli.add_command(import_plan_command)
register_complaint_commands(cli)
cli.add_command(report)
cli.add_command(richmenu)
register_schedule_commands(cli)
cli.add_command(create_admin)


@units.command("list")
def units_list() -> None:
    svc = services()
    org_id = svc.org_id()
    with svc.uow() as uow:
        for unit in uow.people.units(org_id):
            aliases = f"  (= {', '.join(unit.aliases)})" if unit.aliases else ""
            click.echo(f"{unit.id:>4}  {unit.name}{aliases}")


# -- delivery -------------------------------------------------------------------------------------
@cli.command()
@click.option("--once", is_flag=True, help="Do one pass and exit.")
@click.option("--threads", type=int, default=4, show_default=True, help="Outbox delivery threads.")
@click.option("--event-threads", type=int, default=2, show_default=True, help="Webhook event threads.")
@click.option("--no-scheduler", is_flag=True, help="Never lead: leave reminders and summaries to other workers.")
def worker(once: bool, threads: int, event_threads: int, no_scheduler: bool) -> None:
    """Process webhook events, deliver the outbox, read the LINE quota; the worker holding the leader
    lock also runs the scheduler (reminders, weekly summary). The Procfile's worker."""
    from bot.worker import Worker, WorkerOptions

    runner = Worker(services(), WorkerOptions(delivery_threads=threads, event_threads=event_threads,
                                              scheduler=not no_scheduler))
    if once:
        click.echo(runner.run_once())
        return
    runner.install_signal_handlers()
    runner.run_forever()


@cli.group()
def outbox() -> None:
    """Messages waiting for or refused by LINE."""


@outbox.command("status")
def outbox_status() -> None:
    svc = services()
    org_id = svc.org_id()
    with svc.uow() as uow:
        counts = uow.outbox.counts_by_status()
        oldest = uow.outbox.oldest_undelivered_created_at()
        quota = uow.outbox.quota(org_id)
        problems = uow.outbox.list_by_status(OutboxStatus.FAILED, 20) + uow.outbox.list_by_status(OutboxStatus.PARKED, 20)
        uncertain = uow.outbox.list_by_status(OutboxStatus.UNCERTAIN, 20)
    _echo_counts(counts)
    if counts.get(OutboxStatus.UNCERTAIN.value):
        click.echo(f"uncertain: {counts[OutboxStatus.UNCERTAIN.value]} replies may have been delivered but LINE "
                   "could not confirm it; they are not sent again (a push could double them)")
    problems += uncertain
    if oldest:
        click.echo(f"oldest undelivered: {(utcnow() - oldest).total_seconds():.0f} s")
    if quota:
        click.echo(f"quota: {quota.quota_type} limit={quota.quota_limit} used={quota.total_usage}"
                   + (" EXHAUSTED" if quota.exhausted_at else ""))
    for row in problems:
        click.echo(f"  #{row.id} {row.kind} {row.status} attempts={row.attempts}: {row.last_error}")


def _echo_counts(counts: dict[str, int]) -> None:
    click.echo("by status: " + (", ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "empty"))


@cli.group()
def inbox() -> None:
    """Webhook events: status, and retrying the ones kept as failed."""


@inbox.command("status")
def inbox_status() -> None:
    with services().uow() as uow:
        counts = uow.inbox.counts_by_status()
        failed = uow.inbox.failed(20)
    _echo_counts(counts)
    for event in failed:
        click.echo(f"  #{event.id} {event.event_type} attempts={event.attempts}: {(event.last_error or '')[:200]}")


@inbox.command("retry-failed")
def inbox_retry_failed() -> None:
    with services().uow() as uow:
        count = uow.inbox.retry_failed(utcnow())
        uow.commit()
    click.echo(f"{count} events queued again")


@cli.command()
def scrub() -> None:
    """Apply retention now: strip user ids and texts from finished events/messages past RETENTION_DAYS."""
    from usecases.retention import scrub_expired

    svc = services()
    result = scrub_expired(svc.uow, svc.settings.retention_days)
    click.echo(f"scrubbed {result.events} events and {result.messages} messages "
               f"older than {svc.settings.retention_days:g} days")


# -- local run --------------------------------------------------------------------------------------
@cli.command("fake-line", context_settings={"ignore_unknown_options": True}, add_help_option=False,
             with_appcontext=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def fake_line(args: tuple[str, ...]) -> None:
    """Run the fake LINE platform (see --help)."""
    from linesim.__main__ import run_standalone

    run_standalone(list(args))


@cli.group()
def demo() -> None:
    """Demo data for the local run."""


@demo.command("load")
def demo_load() -> None:
    """Bind the demo personas (citizen, unit heads, officer, admin) of the local chat page."""
    from linesim.demo import load_demo

    for line in load_demo(services()):
        click.echo(line)


@cli.command(with_appcontext=False)
@click.option("--web-port", default=5000, show_default=True)
@click.option("--line-port", default=8091, show_default=True)
def dev(web_port: int, line_port: int) -> None:
    """Run everything locally: fake LINE platform, web (gunicorn) and worker, with demo data."""
    from linesim.devserver import run_local

    sys.exit(run_local(web_port=web_port, line_port=line_port))


if __name__ == "__main__":
    main()
