"""`GET /evidence/<token>`: one evidence file of a complaint, through the short-lived signed link LINE gave
the assigned officer. The link names the officer; whether they may still open the file is checked again
now (usecases/complaint_evidence.py), and every file served is in the audit log. A link that is not ours,
expired, or for someone who may no longer open the file serves nothing: a Thai page, 404 or 410."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, current_app, render_template

from bot.services import Services
from bot.web.security_headers import add_security_headers
from domain.complaints.evidence_links import BadEvidenceLink, ExpiredEvidenceLink
from storage.audit_log import Actor
from storage.clock import utcnow
from texts import common
from usecases.complaint_evidence import open_evidence
from usecases.link_expiry import expiry_text

blueprint = Blueprint("evidence", __name__, template_folder="templates")
blueprint.after_request(add_security_headers)
NO_STORE = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}


def _page(kind: str, status: int, **values: str) -> tuple[str, int, dict[str, str]]:
    heading, body = common.EVIDENCE_LINK_PAGES[kind]
    return (render_template("public/message.html", kind=kind, heading=heading, body=body.format(**values)),
            status, NO_STORE)


@blueprint.get("/evidence/<token>")
def evidence_file(token: str) -> Response | tuple[str, int, dict[str, str]]:
    services: Services = current_app.extensions["itabot"]
    links = services.complaints.evidence_links
    if links is None:
        return _page("refused", 404)
    now = utcnow()
    try:
        ticket = links.signer.verify(token, now)
    except ExpiredEvidenceLink as expired:
        with services.uow(expired.ticket.org_id) as uow:
            when = expiry_text(uow, expired.ticket.org_id, expired.expired_at, services.settings.timezone)
        return _page("expired", 410, expired=when)
    except BadEvidenceLink:
        return _page("bad-link", 404)
    with services.uow(ticket.org_id) as uow:  # only the organisation the link was signed for
        complaint = uow.complaints.get(ticket.org_id, ticket.complaint_id)
        member = uow.people.member_by_id(ticket.member_id)
        found = None
        if complaint is not None and member is not None and member.org_id == ticket.org_id:
            found = open_evidence(uow, complaint, member, ticket.evidence_id, Actor.member(member.id), now)
        if found is None:
            return _page("refused", 404)
        uow.commit()
    name = found.file_name(ticket.complaint_id)
    response = Response(found.content, content_type=found.content_type)
    response.headers["Content-Disposition"] = f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"
    response.headers.update(NO_STORE)
    return response
