"""`GET /reports/<token>`: the report a signed link names, made from the data as it is now. A link that is
not ours is a Thai 404 page, an expired one a Thai 410 page saying how to get a new one."""

from __future__ import annotations

import logging
from urllib.parse import quote

from flask import Blueprint, Response, current_app, render_template

from bot.report_links import report_links
from bot.services import Services
from bot.web.security_headers import add_security_headers
from domain.reports.links import BadLink, ExpiredLink
from storage.clock import utcnow
from usecases.link_expiry import expiry_text
from usecases.report_files import ReportNotFound, render_ticket, report_file_name

log = logging.getLogger(__name__)
blueprint = Blueprint("downloads", __name__, template_folder="templates")
blueprint.after_request(add_security_headers)


def _page(kind: str, status: int, **context: object) -> tuple[str, int, dict[str, str]]:
    return (render_template("public/message.html", kind=kind, **context), status,
            {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"})


@blueprint.get("/reports/<token>")
def download(token: str) -> Response | tuple[str, int, dict[str, str]]:
    services: Services = current_app.extensions["itabot"]
    try:
        ticket = report_links(services.settings).signer.verify(token, utcnow())
    except ExpiredLink as expired:
        with services.uow(expired.ticket.org_id) as uow:
            when = expiry_text(uow, expired.ticket.org_id, expired.expired_at, services.settings.timezone)
        return _page("expired", 410, expired=when)
    except BadLink:
        return _page("bad-link", 404)
    try:
        with services.uow(ticket.org_id) as uow:  # only the organisation the link was signed for
            data = render_ticket(uow, ticket, services.complaints.policy)
            name = report_file_name(uow, ticket)
    except ReportNotFound as missing:
        log.info("report link for missing %s", missing.reason)
        return _page("gone", 404)
    response = Response(data, content_type=ticket.format.content_type)  # as is: mimetype= adds a charset
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ticket.file_name()}\"; filename*=UTF-8''{quote(name)}")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
