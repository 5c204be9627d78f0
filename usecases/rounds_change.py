"""Changing an organisation's reporting rounds, from any surface (LINE `ตั้งรอบ`, `itabot rounds set`, the
console): the setting saved, the fiscal year's rounds made to follow it (`set_rounds`: no report lost) and
the change audited, under whoever made it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.audit_log import Actor
from storage.schedule_settings import RoundChange, ScheduleSettings
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class RoundsChanged:
    settings: ScheduleSettings
    change: RoundChange


def change_rounds(uow: UnitOfWork, org_id: int, fiscal_year_be: int, scheme: str, due_days: int | str,
                  actor: Actor, now: datetime) -> RoundsChanged:
    """Raises SettingError (storage.schedule_settings) for a scheme or number of days that is not valid."""
    saved = uow.schedule.update(org_id, now, round_scheme=scheme, round_due_days=due_days)
    change = uow.schedule.set_rounds(org_id, fiscal_year_be, saved.round_scheme, saved.round_due_days)
    uow.audit.record(org_id, actor, "settings.rounds", now, f"plan:{fiscal_year_be}", scheme=saved.round_scheme,
                     due_days=saved.round_due_days, moved=change.reports_moved)
    return RoundsChanged(saved, change)
