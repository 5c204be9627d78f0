"""Plan import by upload: the file is read and parsed (domain.plan_import.parse_plan, units resolved as
`itabot import-plan --dry-run` does) and shown with its warnings; "บันทึก" then imports exactly that file
(usecases.plan_import.import_plan), kept in the database between the two steps (storage.plan_uploads).

The preview lists the table's data rows with what the importer made of each; the admin may read a row
otherwise (a new measure, a continuation, a heading, skipped) and see the plan again. "บันทึก" saves the
plan as last shown and remembers those choices by row fingerprint: uploading the same document again applies
them again (marked as remembered), and each can be set back to "as the importer reads it"."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for

from bot.console.blueprint import FormError, access, blueprint, org_id, roles, services, this_fiscal_year
from bot.console.uploads import read_upload, safe_name, suffix_of
from domain.digits import ARABIC
from domain.plan_import import CHOICES, ParsedPlan, PlanWarning, RowDecision, parse_plan, row_fingerprints
from domain.plan_table import PlanFileError
from domain.plan_year import YearReading, read_year
from storage.models import Role
from texts import console
from usecases.plan_import import import_plan
from usecases.plan_warnings import render_decision, render_warning
from views.complaint_views import local_date

YEARS = range(2500, 2701)


def _plans() -> list[dict[str, Any]]:
    tz = services().settings.timezone
    with services().uow() as uow:
        return [{"year": plan.fiscal_year_be, "source": plan.source_name, "measures": count,
                 "imported": local_date(plan.imported_at, tz)}
                for plan, count in uow.plans.plans_with_measure_counts(org_id())]


def _form(error: str | None = None, year: int | None = None, status: int = 200) -> Any:
    """The upload form; the year field is left empty (read from the table) unless one was typed."""
    return render_template("console/plan.html", plans=_plans(), error=error, year=year or ""), status


def _year(raw: str | None) -> int | None:
    try:
        year = int((raw or "").strip())
    except ValueError:
        return None
    return year if year in YEARS else None


@blueprint.get("/plan")
@roles(Role.ADMIN)
def plan() -> Any:
    return _form()


def _chosen(fingerprints: set[str]) -> dict[str, str]:
    """The row choices the form sends ("row-<fingerprint>": one of CHOICES; anything else is "as the rules
    read it"), for rows of this document only."""
    chosen: dict[str, str] = {}
    for key, value in request.form.items():
        fingerprint = key.removeprefix("row-")
        if key.startswith("row-") and fingerprint in fingerprints and value in CHOICES:
            chosen[fingerprint] = value
    return chosen


def _row_views(rows: list[list[str]], decisions: list[RowDecision], choices: dict[str, str],
               remembered: dict[str, str]) -> list[dict[str, Any]]:
    """The data rows an admin may read otherwise: what the importer made of each, and the choice in force."""
    views = []
    for decision in decisions:
        if decision.kind == "header" or decision.reason in ("blank", "before-header"):
            continue
        cells = rows[decision.row - 1] if decision.row <= len(rows) else []
        text = " | ".join(" ".join(c.split()) for c in cells if c.strip())
        choice = choices.get(decision.fingerprint, "auto")
        views.append({"row": decision.row, "fingerprint": decision.fingerprint, "text": text[:160],
                      "decision": render_decision(decision), "choice": choice,
                      "remembered": choice != "auto" and remembered.get(decision.fingerprint) == choice})
    return views


def _preview(token: str, name: str, year: int, rows: list[list[str]], parsed: ParsedPlan,
             choices: dict[str, str], remembered: dict[str, str],
             year_notes: tuple[str | None, str | None] = (None, None)) -> Any:
    with services().uow() as uow:
        result = import_plan(uow, org_id(), parsed, name, g.console_now, dry_run=True)
        existing = uow.plans.plan_for_year(org_id(), year)
        uow.rollback()
    return render_template("console/plan_preview.html", token=token, name=name, year=year,
                           measures=result.measures, warnings=[render_warning(w) for w in result.warnings],
                           new_units=result.new_units, replaces=existing is not None,
                           year_alarm=year_notes[0], year_note=year_notes[1],
                           deactivates=result.would_deactivate,
                           deactivates_text=console.CONSOLE_PLAN_DEACTIVATES.format(
                               year=year, count=len(result.would_deactivate)),
                           rows=_row_views(rows, parsed.decisions, choices, remembered), choices=choices,
                           choice_names=console.CONSOLE_PLAN_CHOICES,
                           day=lambda iso: ARABIC.date(date.fromisoformat(iso)))


@blueprint.post("/plan/preview")
@roles(Role.ADMIN)
def plan_preview() -> Any:
    raw_year = (request.form.get("fiscal_year") or "").strip()
    year = _year(raw_year) if raw_year else None  # empty: read from the table's periods
    upload = request.files.get("file")
    if raw_year and year is None:
        return _form(console.CONSOLE_PLAN_BAD_YEAR, status=400)
    if upload is None or not upload.filename:
        return _form(console.CONSOLE_PLAN_NO_FILE, year, 400)
    if suffix_of(upload.filename) is None:
        return _form(console.CONSOLE_PLAN_BAD_TYPE, year, 400)
    data, name = upload.read(), safe_name(upload.filename)
    try:
        rows = read_upload(data, name)
        with services().uow() as uow:
            remembered = uow.plan_uploads.row_choices(org_id(), row_fingerprints(rows))
        reading = read_year(lambda y: parse_plan(rows, y, remembered), year or this_fiscal_year())
        if year is None:
            year = reading.detected or this_fiscal_year()
        parsed = parse_plan(rows, year, remembered)
    except PlanFileError as exc:
        return _form(str(exc), year, 400)
    if reading.mismatch and raw_year:
        parsed.warnings.insert(0, PlanWarning("year-mismatch", 0, str(reading.detected), str(year)))
    with services().uow() as uow:  # what "บันทึก" will save: exactly this file
        token = uow.plan_uploads.add(org_id(), access().user.id, name, year, data, g.console_now).token
        uow.commit()
    return _preview(token, name, year, rows, parsed, dict(remembered), remembered,
                    _year_notes(reading, typed=bool(raw_year)))


def _year_notes(reading: YearReading, *, typed: bool) -> tuple[str | None, str | None]:
    """(a loud warning, a quiet note) about the year: the typed year disagrees with the table's periods;
    or, read from the table, where it came from."""
    if typed:
        if reading.mismatch:
            return console.CONSOLE_PLAN_YEAR_MISMATCH.format(
                detected=reading.detected, chosen=reading.chosen, agreeing=reading.agreeing,
                dated=reading.dated), None
        return None, None
    if reading.detected is None:
        return None, console.CONSOLE_PLAN_YEAR_ASSUMED.format(year=reading.chosen)
    return None, console.CONSOLE_PLAN_YEAR_DETECTED.format(year=reading.detected, agreeing=reading.agreeing,
                                                          dated=reading.dated)


@blueprint.post("/plan/preview/rows")
@roles(Role.ADMIN)
def plan_preview_rows() -> Any:
    """The same file read again with the rows the admin chose to read otherwise."""
    token = request.form.get("token", "")
    with services().uow() as uow:
        stored = uow.plan_uploads.find(org_id(), token, access().user.id, g.console_now)
        if stored is None:
            return _form(console.CONSOLE_PLAN_UPLOAD_GONE, status=400)
        name, year, data = stored.original_name, stored.fiscal_year, stored.data
    try:
        rows = read_upload(data, name)
        fingerprints = row_fingerprints(rows)
        chosen = _chosen(set(fingerprints))
        parsed = parse_plan(rows, year, chosen)
    except PlanFileError as exc:
        return _form(str(exc), year, 400)
    with services().uow() as uow:
        remembered = uow.plan_uploads.row_choices(org_id(), fingerprints)
    return _preview(token, name, year, rows, parsed, chosen, remembered)


@blueprint.post("/plan/save")
@roles(Role.ADMIN)
def plan_save() -> Any:
    me = access()
    svc = services()
    try:
        with svc.uow() as uow:
            stored = uow.plan_uploads.find(org_id(), request.form.get("token", ""), me.user.id, g.console_now)
            if stored is None:
                raise FormError(console.CONSOLE_PLAN_UPLOAD_GONE)
            year, name = stored.fiscal_year, stored.original_name
            uow.plan_uploads.forget(stored)  # used once, whatever comes of it
            try:
                rows = read_upload(stored.data, name)
                fingerprints = row_fingerprints(rows)
                choices = _chosen(set(fingerprints))
                parsed = parse_plan(rows, year, choices)
            except PlanFileError as exc:  # it was read for the preview: only a changed parser gets here
                uow.commit()
                raise FormError(str(exc)) from None
            result = import_plan(uow, org_id(), parsed, name, g.console_now)
            # the choices in force are remembered for this document's rows; those set back to "as read" forgotten
            remembered = uow.plan_uploads.row_choices(org_id(), fingerprints)
            uow.plan_uploads.remember_choices(org_id(), me.user.id, {
                **{fingerprint: None for fingerprint in remembered if fingerprint not in choices}, **choices},
                g.console_now)
            uow.audit.record(org_id(), me.actor, "plan.import", g.console_now, f"plan:{year}",
                             measures=len(result.measures), created=result.created, updated=result.updated,
                             deactivated=result.deactivated, warnings=len(result.warnings),
                             new_units=len(result.new_units), row_choices=len(choices))
            uow.commit()
    except FormError as exc:  # the unit of work has ended: the form page may open its own
        return _form(exc.message, status=exc.status)
    flash(console.CONSOLE_PLAN_SAVED.format(year=year, count=len(result.measures),
                                          created=result.created, updated=result.updated,
                                          deactivated=result.deactivated))
    if result.new_units:
        flash(console.CONSOLE_PLAN_NEW_UNITS.format(units=", ".join(result.new_units)))
    return redirect(url_for("console.plan"))


@blueprint.post("/plan/discard")
@roles(Role.ADMIN)
def plan_discard() -> Any:
    svc = services()
    with svc.uow() as uow:
        stored = uow.plan_uploads.find(org_id(), request.form.get("token", ""), access().user.id, g.console_now)
        if stored is not None:
            uow.plan_uploads.forget(stored)
        uow.commit()
    flash(console.CONSOLE_PLAN_DISCARDED)
    return redirect(url_for("console.plan"))
