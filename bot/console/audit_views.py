"""The audit log, newest first, a page at a time, filtered by kind of action."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from bot.console.blueprint import blueprint, org_id, roles, services
from storage.models import Role
from texts import console
from views.audit import audit_rows

PAGE = 50


@blueprint.get("/audit")
@roles(Role.ADMIN)
def audit() -> Any:
    kind = request.args.get("kind", "")
    prefix = kind if kind in console.CONSOLE_AUDIT_KINDS else None
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    tz = services().settings.tz
    with services().uow() as uow:
        total = uow.audit.count(org_id(), prefix)
        entries = uow.audit.recent(org_id(), PAGE, (page - 1) * PAGE, prefix)
        rows = audit_rows(uow, org_id(), entries, tz)
    return render_template("console/audit.html", rows=rows, kind=prefix or "", kinds=console.CONSOLE_AUDIT_KINDS,
                           page=page, pages=max(1, -(-total // PAGE)), total=total)
