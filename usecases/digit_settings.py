"""Changing an organisation's digit style per surface (domain.digits), from the console or `itabot report
settings`: saved with the report settings and audited under whoever changed it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from domain.digits import DigitPolicy, DigitStyle, Surface
from storage.audit_log import Actor
from storage.uow import UnitOfWork


def change_digits(uow: UnitOfWork, org_id: int, styles: Mapping[Surface, DigitStyle], actor: Actor,
                  now: datetime) -> DigitPolicy:
    """Save the styles given (the other surfaces keep theirs); an audit entry with every surface's style
    when something changed."""
    before = uow.report_settings.digit_policy(org_id)
    after = before.changed(styles)
    if after != before:
        uow.report_settings.save(org_id, now, digits=styles)
        uow.audit.record(org_id, actor, "settings.digits", now, None,
                         **{s.value: after.style(s).value for s in Surface})
    return after
