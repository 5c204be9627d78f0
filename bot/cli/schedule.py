"""`itabot rounds show|set`, `itabot reminders show|set|run` and `itabot summary send`: the reporting
rounds, the reminder policy and the weekly summary, from the command line."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import click
from flask.cli import AppGroup

from bot.cli.common import org_timezone, selected_org_id, services, unit_of_work
from domain.digits import ARABIC
from domain.fiscal import fiscal_year_of, local_date
from storage.audit_log import Actor
from storage.clock import utcnow
from storage.schedule_settings import SCHEMES, SettingError
from texts import chat, common
from texts import cli as cli_texts
from usecases.reminder_run import run_reminders
from usecases.rounds_change import change_rounds
from usecases.weekly_summary_run import send_weekly_summaries
from views.rounds import round_name


@click.group("rounds", cls=AppGroup)
def rounds() -> None:
    """Reporting rounds of a fiscal year."""


@click.group("reminders", cls=AppGroup)
def reminders() -> None:
    """The reminder policy, office hours and the weekly summary time."""


@click.group("summary", cls=AppGroup)
def summary() -> None:
    """The administrators' weekly summary."""


def _fiscal_year(value: int | None) -> int:
    return value or fiscal_year_of(local_date(utcnow(), ZoneInfo(org_timezone())))


def _print_rounds(fiscal_year: int) -> None:
    with unit_of_work() as (uow, org_id):
        for r in uow.schedule.ensure_rounds(org_id, fiscal_year):
            click.echo(chat.ROUNDS_LINE.format(name=round_name(r), start=ARABIC.date(r.start_date),
                                                end=ARABIC.date(r.end_date), due=ARABIC.date(r.due_date)))


@rounds.command("show")
@click.option("--fiscal-year", "fiscal_year", type=click.IntRange(2500, 2700), help=cli_texts.HELP_FISCAL_YEAR_OR_CURRENT)
def rounds_show(fiscal_year: int | None) -> None:
    """The rounds of a fiscal year (default: the current one)."""
    _print_rounds(_fiscal_year(fiscal_year))


@rounds.command("set")
@click.option("--fiscal-year", "fiscal_year", type=click.IntRange(2500, 2700), help=cli_texts.HELP_FISCAL_YEAR_OR_CURRENT)
@click.option("--scheme", type=click.Choice(SCHEMES), required=True,
              help=cli_texts.HELP_ROUNDS_SCHEME)
@click.option("--due-days", type=click.IntRange(0, 90), default=None, help=cli_texts.HELP_ROUNDS_DUE_DAYS)
def rounds_set(fiscal_year: int | None, scheme: str, due_days: int | None) -> None:
    """Change the rounds; reports of a round that goes move to the new round covering it."""
    year = _fiscal_year(fiscal_year)
    with unit_of_work() as (uow, org_id):
        days = due_days if due_days is not None else uow.schedule.settings(org_id).round_due_days
        change = change_rounds(uow, org_id, year, scheme, days, Actor.cli(), utcnow()).change
    click.echo(chat.ROUNDS_DONE.format(year=year, scheme=common.ROUNDS_SCHEME_LABELS[scheme], days=days, rounds="",
                                        moved=chat.ROUNDS_MOVED.format(count=change.reports_moved)
                                        if change.reports_moved else "").rstrip())
    _print_rounds(year)


def _show_settings(as_json: bool) -> None:
    with unit_of_work() as (uow, org_id):
        settings = uow.schedule.settings(org_id)
    policy = settings.reminders
    values = dict(settings.values(), days_before=list(policy.days_before))
    if as_json:
        click.echo(json.dumps(values, ensure_ascii=False, indent=2))
        return
    click.echo(cli_texts.CLI_REMINDERS_SETTINGS.format(
        **{**values, "days_before": ", ".join(str(d) for d in policy.days_before) or "-",
           "on_due_day": common.YES_NO[policy.on_due_day], "escalate_to_admins": common.YES_NO[policy.escalate_to_admins],
           "summary_day": common.WEEKDAYS[settings.summary_weekday]}))


@reminders.command("show")
@click.option("--json", "as_json", is_flag=True)
def reminders_show(as_json: bool) -> None:
    """The organisation's reminder policy."""
    _show_settings(as_json)


@reminders.command("set")
@click.option("--days-before", help=cli_texts.HELP_REMINDERS_DAYS_BEFORE)
@click.option("--on-due-day/--not-on-due-day", default=None)
@click.option("--overdue-every", "overdue_every_days", type=int)
@click.option("--overdue-max", type=int)
@click.option("--escalate-after", "escalate_after_days", type=int)
@click.option("--escalate-to-admins/--no-escalate-to-admins", default=None)
@click.option("--work-start")
@click.option("--work-end")
@click.option("--summary-day", "summary_weekday", type=click.IntRange(0, 6), help=cli_texts.HELP_REMINDERS_SUMMARY_DAY)
@click.option("--summary-time", help=cli_texts.HELP_REMINDERS_SUMMARY_TIME)
def reminders_set(days_before: str | None, **options: object) -> None:
    """Change the reminder policy (only the options given)."""
    changes = {k: v for k, v in options.items() if v is not None}
    if days_before is not None:
        changes["days_before"] = [p for p in days_before.replace(" ", "").split(",") if p]
    with unit_of_work() as (uow, org_id):
        try:
            uow.schedule.update(org_id, utcnow(), **changes)
        except SettingError as exc:
            raise click.ClickException(cli_texts.CLI_ROUNDS_BAD.format(name=exc.name, value=exc.value)) from None
    _show_settings(False)


@reminders.command("run")
@click.option("--at", "at", help="ISO time to plan for (tests, catching up), e.g. 2024-03-25T08:00+07:00")
def reminders_run(at: str | None) -> None:
    """Queue the reminders due now (the worker does this every few minutes in office hours)."""
    svc = services()
    now = datetime.fromisoformat(at) if at else utcnow()
    run = run_reminders(svc.uow, now, [selected_org_id()])
    click.echo(cli_texts.CLI_REMINDERS_RUN.format(pushes=run.pushes, measures=run.measures, dropped=run.dropped,
                                              unreachable=run.unreachable, escalations=run.escalations))


@summary.command("send")
def summary_send() -> None:
    """Send this week's summary now if it is due and not yet sent."""
    svc = services()
    sent = send_weekly_summaries(svc.uow, svc.complaints.policy, utcnow(), svc.report_link, [selected_org_id()])
    click.echo(str(sent))
