"""A reporting round's name as every surface shows it (domain.rounds.round_label): it says what it covers."""

from __future__ import annotations

from domain.rounds import round_label
from storage.plan_models import ReportingRound

period_name = round_label  # the name of a round ending `months` months into the year, from `start` to `end`


def round_name(rnd: ReportingRound) -> str:
    return round_label(rnd.months, rnd.start_date, rnd.end_date)
