"""`itabot import-plan` and `itabot units add/rename/merge`: the plan and the unit directory."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from bot.cli.common import services
from domain.plan_import import parse_plan
from domain.plan_table import PlanFileError, TableSource, read_source
from storage.clock import utcnow
from storage.models import Unit
from storage.uow import UnitOfWork
from texts import chat, cli
from usecases.plan_import import import_plan
from usecases.plan_warnings import import_json, render_decision, render_warning
from usecases.unit_directory import UnitNameTaken, add_unit, merge_unit, rename_unit


@click.command("import-plan")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--fiscal-year", "fiscal_year", type=click.IntRange(2500, 2700), required=True,
              help="ปีงบประมาณ (พ.ศ.) เช่น 2567")
@click.option("--dry-run", is_flag=True, help="อ่านและตรวจสอบเท่านั้น ไม่บันทึก")
@click.option("--json", "as_json", is_flag=True, help="พิมพ์ผลเป็น JSON")
def import_plan_command(file: Path, fiscal_year: int, dry_run: bool, as_json: bool) -> None:
    """Import a measure table (.tsv .csv .xlsx .docx, or .txt pasted) as the plan of a fiscal year."""
    try:
        source = read_source(file)
        parsed = parse_plan(source.rows, fiscal_year)
    except PlanFileError as exc:
        raise click.ClickException(str(exc)) from exc
    svc = services()
    org_id = svc.org_id()
    with svc.uow() as uow:
        result = import_plan(uow, org_id, parsed, file.name, utcnow(), dry_run=dry_run)
        if not dry_run:
            uow.commit()
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


def _unit_or_fail(uow: UnitOfWork, org_id: int, name: str) -> Unit:
    unit = uow.people.find_unit(org_id, name)
    if unit is None:
        names = ", ".join(u.name for u in uow.people.units(org_id))
        raise click.ClickException(cli.CLI_UNIT_NOT_FOUND.format(unit=name, units=names))
    return unit


def register_unit_commands(units: click.Group) -> None:
    @units.command("add")
    @click.argument("name")
    @click.option("--alias", "aliases", multiple=True, help="ชื่อเรียกอื่น (ใส่ได้หลายครั้ง)")
    def units_add(name: str, aliases: tuple[str, ...]) -> None:
        """Add a unit, or add aliases to an existing one."""
        svc = services()
        org_id = svc.org_id()
        alias_text = cli.CLI_UNIT_ALIASES.format(aliases=", ".join(aliases)) if aliases else ""
        with svc.uow() as uow:
            try:
                added = add_unit(uow, org_id, name, list(aliases), utcnow())
            except UnitNameTaken as exc:
                raise click.ClickException(chat.UNIT_NAME_TAKEN.format(name=exc.name, owner=exc.owner)) from None
            template = cli.CLI_UNIT_ADDED if added.created else cli.CLI_UNIT_UPDATED
            message = template.format(name=added.unit.name, aliases=alias_text)
            uow.commit()
        click.echo(message)

    @units.command("rename")
    @click.argument("old")
    @click.argument("new")
    def units_rename(old: str, new: str) -> None:
        """Rename a unit; the old name stays as an alias."""
        svc = services()
        org_id = svc.org_id()
        with svc.uow() as uow:
            unit = _unit_or_fail(uow, org_id, old)
            try:
                old_name = rename_unit(uow, org_id, unit, new)
            except UnitNameTaken as exc:
                raise click.ClickException(chat.UNIT_NAME_TAKEN.format(name=exc.name, owner=exc.owner)) from None
            uow.commit()
        click.echo(cli.CLI_UNIT_RENAMED.format(old=old_name, new=new.strip()))

    @units.command("merge")
    @click.argument("source")
    @click.argument("target")
    def units_merge(source: str, target: str) -> None:
        """Merge SOURCE into TARGET: its measures, reports and reporters move; its names become aliases."""
        svc = services()
        org_id = svc.org_id()
        with svc.uow() as uow:
            src = _unit_or_fail(uow, org_id, source)
            dst = _unit_or_fail(uow, org_id, target)
            names = (src.name, dst.name)
            merge_unit(uow, src, dst)
            uow.commit()
        click.echo(cli.CLI_UNIT_MERGED.format(source=names[0], target=names[1]))
