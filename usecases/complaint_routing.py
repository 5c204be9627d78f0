"""Who handles a complaint: officers, never the head of a unit it names, never an officer of such a unit."""

from __future__ import annotations

from domain.complaints.routing import mentions_executive, named_units
from domain.units import KnownUnit
from storage.complaint_models import Complaint
from storage.models import Member, Role
from storage.uow import UnitOfWork


def may_handle(member: Member | None, complaint: Complaint) -> bool:
    """Officers handle complaints, except those naming their own unit. Heads never see complaints."""
    if member is None or member.role != Role.OFFICER.value or member.org_id != complaint.org_id:
        return False
    return member.unit_id is None or member.unit_id not in (complaint.named_unit_ids or [])


def handlers_of(uow: UnitOfWork, complaint: Complaint) -> list[Member]:
    """The officers told about a complaint. When no officer may handle it (none bound, or all in a named
    unit), the administrators not in a named unit are told instead, so no complaint goes unseen."""
    named = set(complaint.named_unit_ids or [])
    candidates = uow.people.reachable_officers_and_admins(complaint.org_id)
    fit = [m for m in candidates if m.unit_id is None or m.unit_id not in named]
    officers = [m for m in fit if m.role == Role.OFFICER.value]
    return officers or [m for m in fit if m.role == Role.ADMIN.value]


def recipients_for(uow: UnitOfWork, complaint: Complaint) -> list[Member]:
    """The assigned officer when there is one who may still handle it, else every handler."""
    if complaint.assigned_member_id is not None:
        assigned = uow.people.member_by_id(complaint.assigned_member_id)
        if assigned is not None and not assigned.blocked and may_handle(assigned, complaint):
            return [assigned]
    return handlers_of(uow, complaint)


def unit_directory(uow: UnitOfWork, org_id: int) -> tuple[list[KnownUnit], dict[str, int]]:
    units = uow.people.units(org_id)
    return [KnownUnit(u.name, tuple(u.aliases or ())) for u in units], {u.name: u.id for u in units}


def resolve(uow: UnitOfWork, org_id: int, texts: list[str]) -> list[int]:
    directory, ids = unit_directory(uow, org_id)
    return [ids[name] for name in named_units(texts, directory) if name in ids]


def about_executive(texts: list[str]) -> bool:
    return mentions_executive(texts)
