"""`itabot import-plan`: a measure table imported as the plan of a fiscal year."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from bot.cli.common import org_timezone, unit_of_work
from domain.fiscal import fiscal_year_of, local_date
from domain.plan_import import PlanWarning, parse_plan
from domain.plan_table import PlanFileError, TableSource, read_source
from domain.plan_year import YearReading, read_year
from storage.clock import utcnow
from texts import cli
from usecases.plan_import import import_plan
from usecases.plan_warnings import import_json, render_decision, render_warning


@click.command("import-plan")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--fiscal-year", "fiscal_year", type=click.IntRange(2500, 2700), default=None,
              help=cli.HELP_FISCAL_YEAR_READ)
@click.option("--dry-run", is_flag=True, help=cli.HELP_IMPORT_DRY_RUN)
@click.option("--json", "as_json", is_flag=True, help=cli.HELP_JSON)
def import_plan_command(file: Path, fiscal_year: int | None, dry_run: bool, as_json: bool) -> None:
    """Import a measure table (.tsv .csv .xlsx .docx .pdf, or .txt pasted) as the plan of a fiscal year: the
    one given, else the one the table's own periods say (issue #15 item 8: a typed year that disagrees with
    them is warned about loudly and counted among the warnings)."""
    try:
        source = read_source(file)
        current = fiscal_year_of(local_date(utcnow(), org_timezone()))
        reading = read_year(lambda y: parse_plan(source.rows, y), fiscal_year or current)
        year = fiscal_year or reading.detected or current
        parsed = parse_plan(source.rows, year)
    except PlanFileError as exc:
        raise click.ClickException(str(exc)) from exc
    if reading.mismatch and fiscal_year is not None:
        parsed.warnings.insert(0, PlanWarning("year-mismatch", 0, str(reading.detected), str(year)))
    if not as_json:
        click.echo(_year_line(reading, typed=fiscal_year is not None))
    with unit_of_work(commit=not dry_run) as (uow, org_id):
        result = import_plan(uow, org_id, parsed, file.name, utcnow(), dry_run=dry_run)
    if as_json:
        click.echo(json.dumps(import_json(result), ensure_ascii=False, indent=1))
        return
    if dry_run:
        click.echo(cli.CLI_IMPORT_DRY_RUN.format(year=year, source=file.name, count=len(result.measures)))
        if source.kind:
            click.echo(_parts_line(source))
    else:
        click.echo(cli.CLI_IMPORT_DONE.format(year=year, source=file.name, count=len(result.measures),
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


def _year_line(reading: YearReading, *, typed: bool) -> str:
    """Where the year came from, or (typed, disagreeing with the table's periods) a loud warning."""
    if typed:
        if reading.mismatch:
            return cli.CLI_IMPORT_YEAR_MISMATCH.format(detected=reading.detected, chosen=reading.chosen,
                                                       agreeing=reading.agreeing, dated=reading.dated)
        return cli.CLI_IMPORT_YEAR_TYPED.format(year=reading.chosen)
    if reading.detected is None:
        return cli.CLI_IMPORT_YEAR_ASSUMED.format(year=reading.chosen)
    return cli.CLI_IMPORT_YEAR_DETECTED.format(year=reading.detected, agreeing=reading.agreeing,
                                               dated=reading.dated)


def _parts_line(source: TableSource) -> str:
    """Which sheets of a workbook, or tables of a document, the rows were read from."""
    names = ", ".join(cli.CLI_IMPORT_PART_NAME[source.kind].format(
        name=part.name, number=part.number, first=part.first_row, last=part.first_row + part.row_count - 1)
        for part in source.used)
    return cli.CLI_IMPORT_PARTS[source.kind].format(names=names, total=source.total)
