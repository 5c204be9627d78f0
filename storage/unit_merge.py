"""Merging one unit into another (a unit an import created from a misspelt name, a renamed กอง)."""

from __future__ import annotations

from sqlalchemy import delete, func, select, update

from storage.models import InviteCode, Member, Unit
from storage.plan_models import MeasureUnit, ProgressReport
from storage.schedule_models import ReminderRecord
from storage.uow import UnitOfWork


def merge_units(uow: UnitOfWork, source: Unit, target: Unit) -> None:
    """Move everything of `source` to `target` and keep the source's names as aliases of the target."""
    session = uow.session
    target_measures = set(session.scalars(select(MeasureUnit.measure_id).where(MeasureUnit.unit_id == target.id)))
    for link in list(session.scalars(select(MeasureUnit).where(MeasureUnit.unit_id == source.id))):
        if link.measure_id not in target_measures:
            session.add(MeasureUnit(measure_id=link.measure_id, unit_id=target.id))
        session.delete(link)
    # The source's reports become later versions of the target's (versions stay unique per round).
    moved = list(session.scalars(select(ProgressReport).where(ProgressReport.unit_id == source.id)
                                 .order_by(ProgressReport.created_at, ProgressReport.id)))
    for report in moved:
        top = session.scalar(select(func.max(ProgressReport.version)).where(
            ProgressReport.measure_id == report.measure_id, ProgressReport.unit_id == target.id,
            ProgressReport.round_id == report.round_id)) or 0
        report.unit_id, report.version = target.id, top + 1
        session.flush()
    # What the source was reminded of no longer applies: the target's reminders are decided afresh.
    session.execute(delete(ReminderRecord).where(ReminderRecord.unit_id == source.id))
    session.execute(update(Member).where(Member.unit_id == source.id).values(unit_id=target.id))
    session.execute(update(InviteCode).where(InviteCode.unit_id == source.id).values(unit_id=target.id))
    uow.people.add_aliases(target, [source.name, *(source.aliases or [])])
    session.flush()
    session.delete(source)
    session.flush()
