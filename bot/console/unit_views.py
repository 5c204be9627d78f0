"""The unit directory: add a unit or aliases, rename, merge (storage.unit_directory, as `itabot units`)."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for

from bot.console.blueprint import FormError, access, blueprint, error_page, org_id, roles, services
from storage.models import Role
from texts import chat, cli, console
from usecases.unit_directory import UnitNameTaken, add_unit, merge_unit, rename_unit

MAX_NAME = 120


def _aliases(raw: str) -> list[str]:
    return [a.strip() for a in raw.replace("\n", ",").split(",") if a.strip()]


def _name(raw: str | None) -> str | None:
    name = " ".join((raw or "").split())
    return name if 0 < len(name) <= MAX_NAME else None


def _page(error: str | None = None, status: int = 200) -> Any:
    with services().uow() as uow:
        units = uow.people.units(org_id())
        measures = uow.plans.measure_counts_by_unit(u.id for u in units)
        heads = uow.people.head_counts(org_id())
    return render_template("console/units.html", units=units, measures=measures, heads=heads, error=error), status


@blueprint.get("/units")
@roles(Role.ADMIN)
def units() -> Any:
    return _page()


@blueprint.post("/units/add")
@roles(Role.ADMIN)
def unit_add() -> Any:
    name = _name(request.form.get("name"))
    aliases = _aliases(request.form.get("aliases", ""))
    if name is None or any(len(a) > MAX_NAME for a in aliases):
        return _page(console.CONSOLE_UNIT_BAD_NAME.format(limit=MAX_NAME), 400)
    svc = services()
    try:
        with svc.uow() as uow:
            added = add_unit(uow, org_id(), name, aliases, g.console_now)
            uow.audit.record(org_id(), access().actor, "unit.add" if added.created else "unit.aliases", g.console_now,
                             f"unit:{added.unit.id}", name=added.unit.name, aliases=aliases)
            uow.commit()
            template = console.CONSOLE_UNIT_ADDED if added.created else console.CONSOLE_UNIT_ALIASES_ADDED
            flash(template.format(name=added.unit.name))
    except UnitNameTaken as exc:
        return _page(chat.UNIT_NAME_TAKEN.format(name=exc.name, owner=exc.owner), 400)
    return redirect(url_for("console.units"))


@blueprint.post("/units/<int:unit_id>/rename")
@roles(Role.ADMIN)
def unit_rename(unit_id: int) -> Any:
    name = _name(request.form.get("name"))
    if name is None:
        return _page(console.CONSOLE_UNIT_BAD_NAME.format(limit=MAX_NAME), 400)
    svc = services()
    try:
        with svc.uow() as uow:
            unit = uow.people.unit(unit_id)
            if unit is None or unit.org_id != org_id():
                return error_page(404)
            old = rename_unit(uow, org_id(), unit, name)
            uow.audit.record(org_id(), access().actor, "unit.rename", g.console_now, f"unit:{unit.id}",
                             old=old, new=unit.name)
            uow.commit()
            flash(cli.CLI_UNIT_RENAMED.format(old=old, new=unit.name))
    except UnitNameTaken as exc:
        return _page(chat.UNIT_NAME_TAKEN.format(name=exc.name, owner=exc.owner), 400)
    return redirect(url_for("console.units"))


@blueprint.post("/units/merge")
@roles(Role.ADMIN)
def unit_merge() -> Any:
    try:
        source_id, target_id = int(request.form.get("source", "")), int(request.form.get("target", ""))
    except ValueError:
        return _page(console.CONSOLE_UNIT_MERGE_CHOOSE, 400)
    if source_id == target_id:
        return _page(console.CONSOLE_UNIT_MERGE_SAME, 400)
    svc = services()
    try:
        with svc.uow() as uow:
            source, target = uow.people.unit(source_id), uow.people.unit(target_id)
            if source is None or target is None or source.org_id != org_id() or target.org_id != org_id():
                raise FormError(console.CONSOLE_UNIT_MERGE_CHOOSE)
            names = (source.name, target.name)
            merge_unit(uow, source, target)
            uow.audit.record(org_id(), access().actor, "unit.merge", g.console_now, f"unit:{target_id}",
                             merged=names[0], merged_id=source_id, into=names[1])
            uow.commit()
    except FormError as exc:
        return _page(exc.message, exc.status)
    flash(cli.CLI_UNIT_MERGED.format(source=names[0], target=names[1]))
    return redirect(url_for("console.units"))
