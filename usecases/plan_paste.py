"""A few measures pasted in LINE by an admin ("นำเข้าแผน"): read as the console reads a pasted table
(domain.plan_paste.read_pasted, then parse_plan with the organisation's remembered row choices), the year
read from the table's periods (domain.plan_year), and added to that year's plan (import_plan, adding: no
measure of the plan is deactivated). A paste too big for LINE is refused: the console and the CLI take it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.plan_import import ParsedPlan, PlanFileError, parse_plan, row_fingerprints
from domain.plan_paste import read_pasted
from domain.plan_year import YearReading, read_year
from storage.audit_log import Actor
from storage.uow import UnitOfWork
from usecases.plan_import import ImportResult, import_plan, match_keys

MAX_MEASURES = 30  # more than "a few": the console or the CLI, with the whole preview and row choices
MAX_TEXT = 5000  # LINE's text limit (UTF-16 units): a paste this long may have been cut
SOURCE_NAME = "LINE"


class PasteRefused(Exception):
    """Why a paste is not imported in LINE: "too-long", "too-many" (detail: how many measures), "no-table"
    (detail: the parser's Thai reason), "no-measures"."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code, self.detail = code, detail


@dataclass(frozen=True)
class PastedPlan:
    rows: list[list[str]]
    parsed: ParsedPlan
    reading: YearReading
    year: int
    choices: int  # how many rows were read as a person once chose


@dataclass(frozen=True)
class PastePreview:
    pasted: PastedPlan
    result: ImportResult  # what saving would do (dry run, adding)
    plan_exists: bool
    active_before: int  # the plan's active measures now
    known_units: list[str]
    seqs: list[int]  # the ม.N each pasted measure would have in the plan
    updates: list[bool]  # whether each pasted measure matches one the plan has (and updates it)


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def read_paste(uow: UnitOfWork, org_id: int, text: str, this_year: int, year: int | None = None) -> PastedPlan:
    """The pasted table's measures, read under the year its periods say (else `this_year`), or under `year`
    when given (the year the preview showed). Raises PasteRefused."""
    if utf16_length(text) >= MAX_TEXT:
        raise PasteRefused("too-long")
    rows = read_pasted(text)
    remembered = uow.plan_uploads.row_choices(org_id, row_fingerprints(rows))
    try:
        reading = read_year(lambda y: parse_plan(rows, y, remembered), year or this_year)
        chosen = year or reading.detected or this_year
        parsed = parse_plan(rows, chosen, remembered)
    except PlanFileError as exc:
        raise PasteRefused("no-table", str(exc)) from None
    if not parsed.measures:
        raise PasteRefused("no-measures")
    if len(parsed.measures) > MAX_MEASURES:
        raise PasteRefused("too-many", str(len(parsed.measures)))
    used = sum(1 for d in parsed.decisions if d.reason == "chosen")
    return PastedPlan(rows, parsed, reading, chosen, used)


def preview_paste(uow: UnitOfWork, org_id: int, pasted: PastedPlan, now: datetime) -> PastePreview:
    """What saving the paste would do; nothing is written."""
    result = import_plan(uow, org_id, pasted.parsed, SOURCE_NAME, now, dry_run=True, adding=True)
    plan = uow.plans.plan_for_year(org_id, pasted.year)
    current = uow.plans.measures(plan.id, include_inactive=True) if plan is not None else []
    by_key = {m.match_key: m for m in current}
    seqs, updates = [], []
    last = max((m.seq for m in current), default=0)
    for key in match_keys(pasted.parsed.measures):
        found = by_key.get(key)
        if found is not None:
            seqs.append(found.seq)
            updates.append(True)
        else:
            last += 1
            seqs.append(last)
            updates.append(False)
    return PastePreview(pasted, result, plan is not None, sum(1 for m in current if m.active),
                        sorted(u.name for u in uow.people.units(org_id)), seqs, updates)


def save_paste(uow: UnitOfWork, org_id: int, pasted: PastedPlan, actor: Actor, now: datetime) -> ImportResult:
    """Add the pasted measures to the plan of their year, audited as the console's import is."""
    result = import_plan(uow, org_id, pasted.parsed, SOURCE_NAME, now, adding=True)
    uow.audit.record(org_id, actor, "plan.import", now, f"plan:{pasted.year}", measures=len(result.measures),
                     created=result.created, updated=result.updated, deactivated=result.deactivated,
                     warnings=len(result.warnings), new_units=len(result.new_units), row_choices=pasted.choices,
                     source=SOURCE_NAME)
    return result


def active_count(uow: UnitOfWork, org_id: int, year: int) -> int:
    plan = uow.plans.plan_for_year(org_id, year)
    return len(uow.plans.measures(plan.id)) if plan is not None else 0
