"""The operators' own audit page (#18): every operator's logins and what each did to which organisation,
newest first, across organisations — with nothing of any organisation's data (no target, no detail; the
organisation named by its slug, which operators already see). Operators only: staff of any organisation get
403 (`roles`).

What an operator does to an organisation is kept in that organisation's log (its administrators read it
there), so this page reads the audit log unscoped: row-level security would show an operator's scope
(OPERATOR_SCOPE) only the operators' own rows. The repository's query is restricted to entries made by
operators (or with no organisation) and reads five columns (`AuditLogRepository.operator_entries`)."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from bot.console.blueprint import blueprint, roles, services
from storage.models import Role
from storage.tenancy import org_scope
from views.audit import operator_audit_rows

PAGE = 50


@blueprint.get("/operator/audit")
@roles(Role.OPERATOR)
def operator_audit() -> Any:
    page = max(1, request.args.get("page", 1, type=int) or 1)
    with org_scope(None), services().uow() as uow:
        total, entries = uow.audit.operator_entries(PAGE, (page - 1) * PAGE)
        rows = operator_audit_rows(entries, services().settings.tz)
    return render_template("console/operator_audit.html", rows=rows, page=page,
                           pages=max(1, -(-total // PAGE)), total=total)
