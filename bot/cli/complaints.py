"""`itabot complaints block|unblock <LINE user id>` (the blocklist keeps only a keyed hash of the id),
`itabot complaints missed` and `itabot stats complaints --fiscal-year 2567 [--json]` (the OIT's published
complaint statistics)."""

from __future__ import annotations

import json
import re

import click
from flask.cli import AppGroup

from bot.cli.common import org_timezone, services, unit_of_work
from bot.config import complaint_config
from domain.complaints.categories import CATEGORY_NAMES_TH, Category
from domain.complaints.stats import complaint_statistics
from storage.clock import utcnow
from texts import cli as cli_texts
from texts import common
from usecases.complaint_config import ComplaintConfig

LINE_USER_ID = re.compile(r"^U[0-9a-f]{32}$")


def _config() -> ComplaintConfig:
    return complaint_config(services().settings)


@click.group("complaints", cls=AppGroup)
def complaints() -> None:
    """Complaints: the blocklist and missed deadlines."""


def _account(line_user_id: str) -> str:
    user_id = line_user_id.strip()
    if not LINE_USER_ID.match(user_id):
        raise click.ClickException(cli_texts.CLI_COMPLAINT_BAD_USER_ID)
    return _config().keys.block_hash(user_id)


@complaints.command("block")
@click.argument("line_user_id")
def block(line_user_id: str) -> None:
    """Stop a LINE account from filing complaints (only a keyed hash of the id is stored)."""
    account = _account(line_user_id)
    with unit_of_work() as (uow, org_id):
        added = uow.complaints.block(org_id, account, utcnow())
    click.echo(cli_texts.CLI_COMPLAINT_BLOCKED if added else cli_texts.CLI_COMPLAINT_ALREADY_BLOCKED)


@complaints.command("unblock")
@click.argument("line_user_id")
def unblock(line_user_id: str) -> None:
    account = _account(line_user_id)
    with unit_of_work() as (uow, org_id):
        removed = uow.complaints.unblock(org_id, account)
    click.echo(cli_texts.CLI_COMPLAINT_UNBLOCKED if removed else cli_texts.CLI_COMPLAINT_NOT_BLOCKED)


@complaints.command("missed")
def missed() -> None:
    """How many complaint deadlines were missed (for the administrator's summary)."""
    with unit_of_work() as (uow, org_id):
        counts = uow.complaints.count_missed_deadlines(org_id)
    click.echo(cli_texts.CLI_COMPLAINTS_MISSED.format(**counts))


@click.group("stats", cls=AppGroup)
def stats() -> None:
    """Statistics the municipality publishes."""


@stats.command("complaints")
@click.option("--fiscal-year", "fiscal_year", type=click.IntRange(2500, 2700), required=True,
              help=cli_texts.HELP_FISCAL_YEAR)
@click.option("--json", "as_json", is_flag=True, help=cli_texts.HELP_JSON)
def stats_complaints(fiscal_year: int, as_json: bool) -> None:
    """Complaint statistics of a fiscal year: counts by month, type, category, status and mode, medians."""
    with unit_of_work() as (uow, org_id):
        facts = uow.complaints.facts(org_id)
    result = complaint_statistics(facts, fiscal_year, org_timezone())
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    click.echo(cli_texts.CLI_STATS_TITLE.format(year=fiscal_year, total=result["total"]))
    names: dict[str, dict[str, str]] = {
        "by_type": common.COMPLAINT_TYPE_NAMES,
        "by_category": {c.value: CATEGORY_NAMES_TH[c] for c in Category},
        "by_status": common.COMPLAINT_STATUS_LABELS,
        "by_mode": common.COMPLAINT_MODE_NAMES,
    }
    for section, labels in names.items():
        click.echo(cli_texts.CLI_STATS_SECTIONS[section])
        for key, count in result[section].items():
            click.echo(cli_texts.CLI_STATS_LINE.format(name=labels.get(key, key), count=count))
    click.echo(cli_texts.CLI_STATS_SECTIONS["by_month"])
    for row in result["by_month"]:
        click.echo(cli_texts.CLI_STATS_LINE.format(name=row["month"], count=row["count"]))
    first, close = result["median_days_to_first_answer"], result["median_days_to_close"]
    click.echo(cli_texts.CLI_STATS_MEDIAN.format(first="-" if first is None else first,
                                             close="-" if close is None else close))
