"""`itabot outbox status`, `itabot inbox status|retry-failed` and `itabot scrub`: the webhook events coming in,
the messages going out to LINE, and their retention."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from bot.cli.common import services, unit_of_work
from storage.clock import utcnow
from storage.models import OutboxStatus
from usecases.retention import scrub_expired


def _echo_counts(counts: dict[str, int]) -> None:
    """The rows in line and kept to look at (the finished history is not counted: it grows for ever)."""
    click.echo("by status: " + (", ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "nothing in line"))


@click.group("outbox", cls=AppGroup)
def outbox() -> None:
    """Messages waiting for or refused by LINE."""


@outbox.command("status")
def outbox_status() -> None:
    with unit_of_work() as (uow, org_id):
        counts = uow.outbox.counts_in_line()
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


@click.group("inbox", cls=AppGroup)
def inbox() -> None:
    """Webhook events: status, and retrying the ones kept as failed."""


@inbox.command("status")
def inbox_status() -> None:
    with unit_of_work() as (uow, _):
        counts = uow.inbox.counts_in_line()
        failed = uow.inbox.failed(20)
    _echo_counts(counts)
    for event in failed:
        click.echo(f"  #{event.id} {event.event_type} attempts={event.attempts}: {(event.last_error or '')[:200]}")


@inbox.command("retry-failed")
def inbox_retry_failed() -> None:
    with unit_of_work() as (uow, _):
        count = uow.inbox.retry_failed(utcnow())
    click.echo(f"{count} events queued again")


@click.command("scrub")
@with_appcontext
def scrub() -> None:
    """Apply retention now: strip user ids and texts from finished events/messages past RETENTION_DAYS."""
    svc = services()
    result = scrub_expired(svc.uow, svc.settings.retention_days)
    click.echo(f"scrubbed {result.events} events and {result.messages} messages "
               f"older than {svc.settings.retention_days:g} days")
