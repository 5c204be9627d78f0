"""The audit log, newest first, a page at a time, filtered by kind of action."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from bot.console.blueprint import blueprint, org_id, roles, services
from domain.fiscal import thai_date
from storage.models import Role
from texts import console

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
        rows = [{"when": f"{thai_date(e.at.astimezone(tz).date())} {e.at.astimezone(tz):%H:%M:%S}",
                 "who": e.actor_label, "channel": console.CONSOLE_AUDIT_CHANNELS.get(e.channel, e.channel),
                 "action": console.CONSOLE_AUDIT_ACTIONS.get(e.action, e.action), "code": e.action,
                 "target": e.target or "", "detail": ", ".join(f"{k}={v}" for k, v in (e.detail or {}).items()
                                                               if v not in (None, "", []))}
                for e in entries]
    return render_template("console/audit.html", rows=rows, kind=prefix or "", kinds=console.CONSOLE_AUDIT_KINDS,
                           page=page, pages=max(1, -(-total // PAGE)), total=total)
