"""`itabot import-plan`: a measure table imported as the plan of a fiscal year."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from bot.cli.common import unit_of_work
from domain.plan_import import parse_plan
from domain.plan_table import PlanFileError, TableSource, read_source
from storage.clock import utcnow
from texts import cli
from usecases.plan_import import import_plan
from usecases.plan_warnings import import_json, render_decision, render_warning


@click.command("import-plan")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--fiscal-year", "fiscal_year", type=click.IntRange(2500, 2700), required=True,
              help=cli.HELP_FISCAL_YEAR)
@click.option("--dry-run", is_flag=True, help=cli.HELP_IMPORT_DRY_RUN)
@click.option("--json", "as_json", is_flag=True, help=cli.HELP_JSON)
def import_plan_command(file: Path, fiscal_year: int, dry_run: bool, as_json: bool) -> None:
    """Import a measure table (.tsv .csv .xlsx .docx .pdf, or .txt pasted) as the plan of a fiscal year."""
    try:
        source = read_source(file)
        parsed = parse_plan(source.rows, fiscal_year)
    except PlanFileError as exc:
        raise click.ClickException(str(exc)) from exc
    with unit_of_work(commit=not dry_run) as (uow, org_id):
        result = import_plan(uow, org_id, parsed, file.name, utcnow(), dry_run=dry_run)
    if as_json:
        click.echo(json.dumps(import_json(result), ensure_ascii=False, indent=1))
        return
    if dry_run:
        click.echo(cli.CLI_IMPORT_DRY_RUN.format(year=fiscal_year, source=file.name, count=len(result.measures)))
        if source.kind:
            click.echo(_parts_line(source))
    else:
        click.echo(cli.CLI_IMPORT_DONE.format(year=fiscal_year, source=file.name, count=len(result.measures),
                                                created=result.created, updated=result.updated,
                                                deactivated=result.deactivated))
    for seq, m in enumerate(result.measures, start=1):
        units = cli.CLI_ALL_UNITS if m["all_units"] else ", ".join(m["units"]) or "-"
        click.echo(cli.CLI_IMPORT_MEASURE.format(seq=seq, issue=m["issue_no"] or "-", title=m["title"][:70],
                                                   units=units, start=m["start"], end=m["end"]))
    if dry_run:
        click.echo(cli.CLI_IMPORT_ROWS)
        for decision in result.decisions:
            click.echo(f"  {render_decision(decision)}")
    if result.warnings:
        click.echo(cli.CLI_WARNINGS.format(count=len(result.warnings)))
        for warning in result.warnings:
            click.echo(f"  - {render_warning(warning)}")


def _parts_line(source: TableSource) -> str:
    """Which sheets of a workbook, or tables of a document, the rows were read from."""
    names = ", ".join(cli.CLI_IMPORT_PART_NAME[source.kind].format(
        name=part.name, number=part.number, first=part.first_row, last=part.first_row + part.row_count - 1)
        for part in source.used)
    return cli.CLI_IMPORT_PARTS[source.kind].format(names=names, total=source.total)
