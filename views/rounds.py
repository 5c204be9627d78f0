"""A reporting round's name as every surface shows it (LINE, console, CLI)."""

from __future__ import annotations

from storage.plan_models import ReportingRound
from texts import common


def round_name(rnd: ReportingRound) -> str:
    return common.ROUND_NAME.format(months=rnd.months)
