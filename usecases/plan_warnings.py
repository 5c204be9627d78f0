"""Plan import results in Thai: warnings rendered for the CLI and the admin console."""

from __future__ import annotations

from typing import Any

from domain.plan_import import PlanWarning
from texts import chat
from usecases.plan_import import ImportResult


def render_warning(warning: PlanWarning) -> str:
    template = chat.PLAN_WARNINGS.get(warning.code, chat.PLAN_WARNING_OTHER)
    text = template.format(detail=warning.detail)
    return chat.PLAN_WARNING_ROW.format(row=warning.row, text=text) if warning.row else text


def import_json(result: ImportResult) -> dict[str, Any]:
    """The `--json` form: {"fiscal_year_be", "measures": [...], "warnings": [str]}."""
    return {"fiscal_year_be": result.fiscal_year_be, "measures": result.measures,
            "warnings": [render_warning(w) for w in result.warnings]}
