"""Plan import results in Thai: warnings rendered for the CLI and the admin console."""

from __future__ import annotations

from typing import Any

from domain.plan_import import PlanWarning, RowDecision
from texts import chat, cli
from usecases.plan_import import ImportResult


def render_warning(warning: PlanWarning) -> str:
    template = chat.PLAN_WARNINGS.get(warning.code, chat.PLAN_WARNING_OTHER)
    text = template.format(detail=warning.detail, suggestion=warning.suggestion)
    return chat.PLAN_WARNING_ROW.format(row=warning.row, text=text) if warning.row else text


def render_decision(decision: RowDecision) -> str:
    """One source row as `itabot import-plan --dry-run` shows it: what it became and why."""
    kind = cli.PLAN_ROW_KINDS.get(decision.kind, decision.kind).format(measure=decision.measure)
    reason = cli.PLAN_ROW_REASONS.get(decision.reason, decision.reason).format(detail=decision.detail)
    period = cli.PLAN_ROW_PERIOD.format(row=decision.period_row) if decision.period_row else ""
    return cli.PLAN_ROW_LINE.format(row=decision.row, kind=kind, reason=reason, period=period)


def import_json(result: ImportResult) -> dict[str, Any]:
    """The `--json` form: {"fiscal_year_be", "measures": [...], "warnings": [str], "rows": [str]} (rows: how
    each source row was read, one line each)."""
    return {"fiscal_year_be": result.fiscal_year_be, "measures": result.measures,
            "warnings": [render_warning(w) for w in result.warnings],
            "rows": [render_decision(d) for d in result.decisions]}
