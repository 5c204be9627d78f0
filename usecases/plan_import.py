"""Importing a parsed measure table into an organisation's plan.

Units are resolved against the organisation's directory; a sub-section (งาน/ฝ่าย) that matches none is given
to the กอง/สำนัก its name suggests, with a warning naming that suggestion (an alias added to the right unit
and a re-import change it); any other unit string that matches none becomes a new unit (listed in the
warnings for an admin to merge or rename). Re-importing a plan updates it: measures are
matched by their text and ITA codes, so progress already reported stays with the measures that remain;
measures no longer in the table are kept inactive with their reports.

Adding (`adding=True`, a few measures pasted in LINE) changes nothing else in the plan: measures matched by
their text are updated, the others are appended after the plan's last one, and no measure is deactivated.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.plan_import import ParsedMeasure, ParsedPlan, PlanWarning, RowDecision
from domain.rounds import round_periods, scheme_months
from domain.thai_text import squeeze
from domain.units import KnownUnit, resolve_units
from storage.models import Unit
from storage.plan_models import Measure
from storage.uow import UnitOfWork


@dataclass
class ImportResult:
    fiscal_year_be: int
    measures: list[dict[str, Any]]
    warnings: list[PlanWarning]
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    new_units: list[str] = field(default_factory=list)
    # The plan's measures now active that this table does not have: saving makes them inactive.
    would_deactivate: list[str] = field(default_factory=list)
    decisions: list[RowDecision] = field(default_factory=list)  # how each source row was read


def match_keys(measures: list[ParsedMeasure] | list[Measure]) -> list[str]:
    """What identifies a measure across re-imports: its text and ITA codes (and which repeat it is)."""
    seen: Counter[str] = Counter()
    keys = []
    for m in measures:
        base = squeeze(m.title) + "|" + ",".join(m.ita_codes)
        seen[base] += 1
        keys.append(hashlib.sha256(f"{base}|{seen[base]}".encode()).hexdigest()[:64])
    return keys


def _measure_json(m: ParsedMeasure, unit_names: list[str]) -> dict[str, Any]:
    return {"issue_no": m.issue_no, "issue": m.issue, "title": m.title, "steps": list(m.steps),
            "units": unit_names, "all_units": m.all_units, "start": m.start.isoformat(), "end": m.end.isoformat(),
            "ita_codes": list(m.ita_codes), "monitoring_rounds_months": list(m.monitoring_rounds_months)}


def import_plan(uow: UnitOfWork, org_id: int, parsed: ParsedPlan, source_name: str, now: datetime,
                dry_run: bool = False, adding: bool = False) -> ImportResult:
    """Save (or, dry_run, only read) a parsed table as the plan of its year: replacing the plan's measures
    (those not in the table become inactive), or, adding, only adding and updating measures."""
    units = uow.people.units(org_id)
    directory = [KnownUnit(u.name, tuple(u.aliases or ())) for u in units]
    by_name: dict[str, Unit | None] = {u.name: u for u in units}
    result = ImportResult(parsed.fiscal_year_be, [], list(parsed.warnings), decisions=list(parsed.decisions))
    unit_names_per_measure: list[list[str]] = []
    for m in parsed.measures:
        resolution = resolve_units(list(m.unit_texts), directory)
        for new_name in resolution.new_names:
            if new_name in by_name:
                continue
            result.new_units.append(new_name)
            result.warnings.append(PlanWarning("new-unit", m.row, new_name))
            directory.append(KnownUnit(new_name))
            by_name[new_name] = None
            if not dry_run:
                by_name[new_name] = uow.people.add_unit(org_id, new_name, [], now)
        for text, suggested in resolution.suggestions:
            result.warnings.append(PlanWarning("sub-unit", m.row, text, suggested))
        suggested_names = [name for _, name in resolution.suggestions]
        names = list(dict.fromkeys([*resolution.names, *suggested_names, *resolution.new_names]))
        if not names and not m.all_units:
            result.warnings.append(PlanWarning("no-units", m.row, m.title[:60]))
        unit_names_per_measure.append(names)
        result.measures.append(_measure_json(m, names))
    plan = uow.plans.plan_for_year(org_id, parsed.fiscal_year_be)
    if plan is not None and not adding:
        keys = set(match_keys(parsed.measures))
        result.would_deactivate = [m.title for m in uow.plans.measures(plan.id, include_inactive=True)
                                   if m.active and m.match_key not in keys]
    if dry_run:
        return result
    if plan is None:
        plan = uow.plans.add_plan(org_id, parsed.fiscal_year_be, source_name, now)
    elif adding:
        plan.imported_at = now
    else:
        plan.source_name, plan.imported_at = source_name, now
    existing = {m.match_key: m for m in uow.plans.measures(plan.id, include_inactive=True)}
    last_seq = max((m.seq for m in existing.values()), default=0) if adding else 0
    rows: list[tuple[Measure, list[str]]] = []
    for m, key, names in zip(parsed.measures, match_keys(parsed.measures), unit_names_per_measure, strict=True):
        row = existing.pop(key, None)
        if row is None:
            row = uow.plans.add_measure(org_id, plan.id, key)
            result.created += 1
            last_seq += 1
            row.seq = last_seq
        else:
            result.updated += 1
        if not adding:  # the table's order is the plan's; added measures go after the plan's last one
            row.seq = len(rows) + 1
        row.issue_no, row.issue, row.title = m.issue_no, m.issue, m.title
        row.steps, row.all_units = list(m.steps), m.all_units
        row.start_date, row.end_date = m.start, m.end
        row.ita_codes, row.monitoring_rounds_months = list(m.ita_codes), list(m.monitoring_rounds_months)
        row.active, row.updated_at = True, now
        rows.append((row, names))
    for row in existing.values() if not adding else ():  # no longer in the table: kept, inactive, with reports
        if row.active:
            row.active, row.updated_at = False, now
            result.deactivated += 1
    uow.flush()
    uow.plans.replace_measure_units({
        row.id: [u.id for n in names if (u := by_name.get(n)) is not None] for row, names in rows})
    months = sorted({mo for m in parsed.measures for mo in m.monitoring_rounds_months})
    settings = uow.schedule.settings(org_id)
    uow.plans.ensure_rounds(org_id, parsed.fiscal_year_be, round_periods(
        parsed.fiscal_year_be, scheme_months(settings.round_scheme, months), settings.round_due_days))
    uow.flush()
    return result
