"""Changing the unit directory: add a unit (or aliases to one), rename, merge. `itabot units …` and the admin
console both use these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.models import Unit
from storage.unit_merge import merge_units
from storage.uow import UnitOfWork


class UnitNameTaken(ValueError):
    """The name (or an alias) already belongs to another unit."""

    def __init__(self, name: str, owner: str) -> None:
        super().__init__(f"{name!r} is already a name of {owner!r}")
        self.name = name
        self.owner = owner


@dataclass(frozen=True)
class UnitAdded:
    unit: Unit
    created: bool  # False: the unit existed and got the aliases


def add_unit(uow: UnitOfWork, org_id: int, name: str, aliases: list[str], now: datetime) -> UnitAdded:
    """A new unit, or more aliases for the unit this name already finds (by name or alias). An alias that is
    a name of another unit is refused."""
    aliases = [a.strip() for a in aliases if a.strip()]
    existing = uow.people.find_unit(org_id, name)
    for alias in aliases:
        owner = uow.people.find_unit(org_id, alias)
        if owner is not None and owner is not existing:
            raise UnitNameTaken(alias, owner.name)
    if existing is not None:
        uow.people.add_aliases(existing, aliases)
        return UnitAdded(existing, False)
    return UnitAdded(uow.people.add_unit(org_id, name, aliases, now), True)


def rename_unit(uow: UnitOfWork, org_id: int, unit: Unit, new_name: str) -> str:
    """Rename; the old name stays as an alias. Returns the old name."""
    new_name = new_name.strip()
    owner = uow.people.find_unit(org_id, new_name)
    if owner is not None and owner is not unit:
        raise UnitNameTaken(new_name, owner.name)
    old_name = unit.name
    if new_name != old_name:
        uow.people.add_aliases(unit, [old_name])
        unit.name = new_name
        unit.aliases = [a for a in unit.aliases or [] if a != new_name]
        uow.flush()
    return old_name


def merge_unit(uow: UnitOfWork, source: Unit, target: Unit) -> None:
    """Merge `source` into `target` (its measures, reports, reporters and invites move; its names become
    aliases). Merging a unit into itself does nothing."""
    if source is not target:
        merge_units(uow, source, target)
