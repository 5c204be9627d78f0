"""`itabot import-plan`: a measure table imported as the plan of a fiscal year."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from bot.cli.common import org_timezone, unit_of_work
from domain.fiscal import fiscal_year_of, local_date
from domain.plan_import import PlanWarning, parse_plan, row_fingerprints
from domain.plan_table import PlanFileError, TableSource, read_source
from domain.plan_year import YearReading, read_year
from domain.thai_text import to_arabic_digits
from storage.audit_log import Actor
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
@click.option("--row", "typed_rows", multiple=True, metavar="N=KIND", help=cli.HELP_IMPORT_ROW)
def import_plan_command(file: Path, fiscal_year: int | None, dry_run: bool, as_json: bool,
                        typed_rows: tuple[str, ...]) -> None:
    """Import a measure table (.tsv .csv .xlsx .docx .pdf, or .txt pasted) as the plan of a fiscal year: the
    one given, else the one the table's own periods say (issue #15 item 8: a typed year that disagrees with
    them is warned about loudly and counted among the warnings). Rows are read as the organisation's admins
    chose before (the console's remembered row choices) and as `--row N=KIND` says; saving remembers the
    `--row` choices for the next import of the same document, here or in the console (issue #16)."""
    typed = _typed_rows(typed_rows)
    try:
        source = read_source(file)
    except PlanFileError as exc:
        raise click.ClickException(str(exc)) from exc
    current = fiscal_year_of(local_date(utcnow(), org_timezone()))
    with unit_of_work(commit=not dry_run) as (uow, org_id):
        fingerprints = row_fingerprints(source.rows)
        remembered = uow.plan_uploads.row_choices(org_id, fingerprints)
        try:
            flips = _flips(source.rows, fingerprints, typed, fiscal_year or current)
            choices = {f: kind for f, kind in {**remembered, **flips}.items() if kind is not None}
            reading = read_year(lambda y: parse_plan(source.rows, y, choices), fiscal_year or current)
            year = fiscal_year or reading.detected or current
            parsed = parse_plan(source.rows, year, choices)
        except PlanFileError as exc:
            raise click.ClickException(str(exc)) from exc
        if reading.mismatch and fiscal_year is not None:
            parsed.warnings.insert(0, PlanWarning("year-mismatch", 0, str(reading.detected), str(year)))
        if not as_json:
            click.echo(_year_line(reading, typed=fiscal_year is not None))
        now = utcnow()
        result = import_plan(uow, org_id, parsed, file.name, now, dry_run=dry_run)
        if not dry_run:
            uow.plan_uploads.remember_choices(org_id, None, flips, now)
            uow.audit.record(org_id, Actor.cli(), "plan.import", now, f"plan:{year}", measures=len(result.measures),
                             created=result.created, updated=result.updated, deactivated=result.deactivated,
                             warnings=len(result.warnings), new_units=len(result.new_units),
                             row_choices=len(choices))
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
    if choices or flips:
        typed_kept = sum(1 for kind in flips.values() if kind is not None)
        click.echo(cli.CLI_ROW_CHOICES_USED.format(count=len(choices), typed=typed_kept,
                                                   remembered=len(choices.keys() - flips.keys())))
    if dry_run:
        click.echo(cli.CLI_IMPORT_ROWS)
        for decision in result.decisions:
            click.echo(f"  {render_decision(decision)}")
        if flips:
            click.echo(cli.CLI_ROW_CHOICES_DRY)
    elif flips:
        forgot = sum(1 for f, kind in flips.items() if kind is None and f in remembered)
        click.echo(cli.CLI_ROW_CHOICES_SAVED.format(kept=len(flips) - sum(1 for k in flips.values() if k is None),
                                                    forgot=forgot))
    if result.warnings:
        click.echo(cli.CLI_WARNINGS.format(count=len(result.warnings)))
        for warning in result.warnings:
            click.echo(f"  - {render_warning(warning)}")


def _typed_rows(values: tuple[str, ...]) -> dict[int, str | None]:
    """`--row N=KIND` values: source row → the choice kept (domain.plan_import.CHOICES), None for "auto"."""
    typed: dict[int, str | None] = {}
    for value in values:
        number, _, word = value.partition("=")
        number = to_arabic_digits(number.strip())
        kind = word.strip().lower()
        if not number.isdigit() or int(number) < 1 or kind not in cli.ROW_CHOICE_WORDS:
            raise click.ClickException(cli.CLI_ROW_BAD.format(value=value))
        typed[int(number)] = cli.ROW_CHOICE_WORDS[kind]
    return typed


def _flips(rows: list[list[str]], fingerprints: list[str], typed: dict[int, str | None],
           year: int) -> dict[str, str | None]:
    """The typed choices by row fingerprint, for data rows only (as the console offers them)."""
    if not typed:
        return {}
    decisions = {d.row: d for d in parse_plan(rows, year).decisions}
    flips: dict[str, str | None] = {}
    for row, kind in sorted(typed.items()):
        if row > len(rows):
            raise click.ClickException(cli.CLI_ROW_OUT_OF_TABLE.format(row=row, count=len(rows)))
        decision = decisions.get(row)
        what = "header" if decision is None or decision.kind == "header" else decision.reason
        if what in cli.CLI_ROW_NOT_DATA_WHAT:
            raise click.ClickException(cli.CLI_ROW_NOT_DATA.format(row=row, what=cli.CLI_ROW_NOT_DATA_WHAT[what]))
        flips[fingerprints[row - 1]] = kind
    return flips


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
