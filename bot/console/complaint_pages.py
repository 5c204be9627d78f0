"""The complaints queue for officers, under the rules of LINE (the same service functions): an officer sees
the cases they may handle (usecases.complaint_routing.may_handle: never one naming their own unit), their
category and text but never who complained, except an identified complainant's name and phone to the
officer assigned (who takes the case with its button: showing a page never assigns). Every look is in the
audit log. A status change needs an
internal note and tells the complainant through the outbox, as LINE does; so does a message."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Response, abort, flash, g, make_response, redirect, render_template, request, url_for

from bot.console.blueprint import FormError, access, blueprint, error_page, org_id, roles, services
from domain.complaints.workflow import ComplaintMode, ComplaintStatus, TransitionError, allowed_transitions
from storage.complaint_models import Complaint
from storage.models import Member, Role
from storage.uow import UnitOfWork
from texts import chat, common, console, documents
from usecases.complaint_evidence import evidence_items, may_open, open_evidence
from usecases.complaint_handling import MAX_NOTE, change_status, message_complainant, record_view, take_case
from usecases.complaint_routing import may_handle
from views.complaint_notices import message_push, status_push, told_text
from views.complaint_views import (
    category_name,
    complainant_text,
    deadline_text,
    local_date,
    local_time,
    officer_name,
    overdue_flags,
    status_label,
    where_text,
)

CLOSED_SHOWN = 100
PAGE = 50


def _officer() -> Member:
    member = access().member
    assert member is not None, "officers log in as their LINE member"
    return member


def _case(uow: UnitOfWork, complaint_id: int) -> Complaint:
    """The case if this officer may handle it; otherwise the request ends with a 404 page (as "not found" in
    LINE: whether it exists is not told)."""
    complaint = uow.complaints.get(org_id(), complaint_id)
    if complaint is None or not may_handle(_officer(), complaint):
        abort(make_response(error_page(404, console.CONSOLE_COMPLAINT_NOT_FOUND.format(id=complaint_id))))
    return complaint


@blueprint.get("/complaints")
@roles(Role.OFFICER)
def complaints() -> Any:
    officer = _officer()
    closed = request.args.get("show") == "closed"
    svc = services()
    tz = svc.settings.timezone
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    with svc.uow() as uow:
        found = uow.complaints.closed_cases(org_id(), CLOSED_SHOWN) if closed else uow.complaints.open_cases(org_id())
        mine = [c for c in found if may_handle(officer, c)]
        pages = max(1, -(-len(mine) // PAGE))
        page = min(page, pages)
        rows = [{"id": c.id, "category": category_name(c.category), "status": status_label(c.status),
                 "received": local_date(c.received_at, tz), "overdue": overdue_flags(c, svc.complaints.policy,
                                                                                      g.console_now).strip(" ·"),
                 "mine": c.assigned_member_id == officer.id, "type": common.COMPLAINT_TYPE_NAMES.get(c.type, c.type)}
                for c in mine[(page - 1) * PAGE:page * PAGE]]
    return render_template("console/complaints.html", rows=rows, closed=closed, page=page, pages=pages,
                           total=len(mine))


def _case_page(complaint_id: int, error: str | None = None, status: int = 200, form: dict[str, str] | None = None
               ) -> Any:
    officer = _officer()
    svc = services()
    tz = svc.settings.timezone
    with svc.uow() as uow:
        complaint = _case(uow, complaint_id)
        record_view(uow, complaint, access().actor, g.console_now)
        uow.commit()
        entries = uow.complaints.entries(complaint.id)
        evidence = uow.evidence.count_for_owner("complaint", complaint.id)
        files = [{"id": i.id, "label": console.CONSOLE_EVIDENCE_FILE.format(
                     kind=documents.FILE_KIND_NAMES.get(i.kind, i.kind), number=i.number, kb=max(1, -(-i.size // 1024)))}
                 for i in evidence_items(uow, complaint)] if may_open(officer, complaint) else []
        order = list(ComplaintStatus)
        allowed = sorted(allowed_transitions(ComplaintStatus(complaint.status)), key=order.index)
        case = {
            "id": complaint.id, "status_value": complaint.status,
            "mode": common.COMPLAINT_MODE_NAMES.get(complaint.mode, complaint.mode),
            "anonymous": complaint.mode == ComplaintMode.ANONYMOUS.value,
            "type": common.COMPLAINT_TYPE_NAMES.get(complaint.type, complaint.type),
            "category": category_name(complaint.category), "status": status_label(complaint.status),
            "received": local_date(complaint.received_at, tz),
            "deadlines": deadline_text(complaint, svc.complaints.policy, g.console_now, tz),
            "assignee": officer_name(complaint.assigned_member_id, officer.id),
            "unassigned": complaint.assigned_member_id is None,
            "complainant": complainant_text(svc.complaints.keys.master, complaint, officer.id),
            "details": complaint.details, "where": where_text(complaint),
            "involved": complaint.involved or chat.COMPLAINT_NOT_GIVEN,
            "evidence": chat.COMPLAINT_EVIDENCE_COUNT.format(count=evidence) if evidence else chat.COMPLAINT_NOT_GIVEN,
            "executive": complaint.about_executive,
            "files": files, "files_closed": bool(evidence) and not may_open(officer, complaint),
        }
        timeline = [{"when": local_time(e.created_at, tz), "kind": e.kind, "officer": officer_name(e.member_id, officer.id),
                     "old": status_label(e.status_from), "new": status_label(e.status_to), "note": e.internal_note,
                     "public": e.public_text, "delivered": e.delivered_at is not None} for e in entries]
    return render_template("console/complaint.html", case=case, timeline=timeline, error=error, form=form or {},
                           transitions=[(s.value, status_label(s.value)) for s in allowed],
                           max_note=MAX_NOTE), status


@blueprint.get("/complaints/<int:complaint_id>")
@roles(Role.OFFICER)
def complaint(complaint_id: int) -> Any:
    return _case_page(complaint_id)


@blueprint.post("/complaints/<int:complaint_id>/take")
@roles(Role.OFFICER)
def complaint_take(complaint_id: int) -> Any:
    """The officer takes the case (a POST: a link followed from elsewhere assigns nobody)."""
    officer = _officer()
    svc = services()
    with svc.uow() as uow:
        complaint = _case(uow, complaint_id)
        taken = take_case(uow, complaint, officer, access().actor, g.console_now)
        uow.commit()
    flash(console.CONSOLE_COMPLAINT_TAKEN if taken else console.CONSOLE_COMPLAINT_ALREADY_TAKEN)
    return redirect(url_for("console.complaint", complaint_id=complaint_id))


def _text(name: str) -> str:
    return (request.form.get(name) or "").strip()


@blueprint.post("/complaints/<int:complaint_id>/status")
@roles(Role.OFFICER)
def complaint_status(complaint_id: int) -> Any:
    form = {"status": _text("status"), "note": _text("note"), "public": _text("public")}
    if not form["note"] or len(form["note"]) > MAX_NOTE:
        return _case_page(complaint_id, console.CONSOLE_COMPLAINT_NOTE_REQUIRED.format(limit=MAX_NOTE), 400, form)
    if len(form["public"]) > MAX_NOTE:
        return _case_page(complaint_id, console.CONSOLE_COMPLAINT_TOO_LONG.format(limit=MAX_NOTE), 400, form)
    try:
        new = ComplaintStatus(form["status"])
    except ValueError:
        return _case_page(complaint_id, console.CONSOLE_COMPLAINT_CHOOSE_STATUS, 400, form)
    officer = _officer()
    svc = services()
    public = form["public"] or None
    try:
        with svc.uow() as uow:
            complaint = _case(uow, complaint_id)
            if complaint.status != _text("from"):
                raise FormError(console.CONSOLE_COMPLAINT_CHANGED, 409)
            try:
                change = change_status(uow, svc.complaints.keys.master, complaint, officer, new, form["note"],
                                       public, access().actor, g.console_now, status_push(new.value, public))
            except TransitionError:
                raise FormError(console.CONSOLE_COMPLAINT_CHOOSE_STATUS) from None
            uow.commit()
    except FormError as exc:
        return _case_page(complaint_id, exc.message, exc.status, form)
    flash(chat.COMPLAINT_STATUS_SAVED.format(id=complaint_id, old=status_label(change.old.value),
                                              new=status_label(change.new.value), told=told_text(change.relay.outcome)))
    return redirect(url_for("console.complaint", complaint_id=complaint_id))


@blueprint.post("/complaints/<int:complaint_id>/message")
@roles(Role.OFFICER)
def complaint_message(complaint_id: int) -> Any:
    text = _text("message")
    if not text or len(text) > MAX_NOTE:
        return _case_page(complaint_id, console.CONSOLE_COMPLAINT_MESSAGE_REQUIRED.format(limit=MAX_NOTE), 400, {"message": text})
    officer = _officer()
    svc = services()
    with svc.uow() as uow:
        complaint = _case(uow, complaint_id)
        relay = message_complainant(uow, svc.complaints.keys.master, complaint, officer, text, access().actor,
                                    g.console_now, message_push(text))
        uow.commit()
    flash(chat.COMPLAINT_MESSAGE_SAVED.format(id=complaint_id, told=told_text(relay.outcome)))
    return redirect(url_for("console.complaint", complaint_id=complaint_id))


@blueprint.get("/complaints/<int:complaint_id>/evidence/<int:evidence_id>")
@roles(Role.OFFICER)
def complaint_evidence(complaint_id: int, evidence_id: int) -> Any:
    """One evidence file, to the assigned officer only (403 to another officer who may see the case, 404 to
    one it is hidden from), as an attachment; the opening is in the audit log."""
    svc = services()
    with svc.uow() as uow:
        complaint = _case(uow, complaint_id)
        if not may_open(_officer(), complaint):
            return error_page(403, console.CONSOLE_EVIDENCE_TAKE_FIRST)
        found = open_evidence(uow, complaint, _officer(), evidence_id, access().actor, g.console_now)
        if found is None:
            return error_page(404, console.CONSOLE_EVIDENCE_NOT_FOUND.format(id=complaint_id))
        uow.commit()
    return attachment(found.content, found.content_type, found.file_name(complaint_id))


def attachment(content: bytes, content_type: str, file_name: str) -> Response:
    """A file to save, never to show: the console's after-request adds nosniff, no-store and its CSP."""
    response = Response(content, content_type=content_type)
    response.headers["Content-Disposition"] = f"attachment; filename=\"{file_name}\"; filename*=UTF-8''{quote(file_name)}"
    return response
