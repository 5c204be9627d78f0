"""When an expired signed link (a report or an evidence file) stopped working, as its Thai page says it: in
the time zone and the documents digit style of the organisation the link was signed for (the token's
organisation is genuine: expiry is only looked at once the signature holds)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from domain.digits import Numerals, Surface
from storage.uow import UnitOfWork


def expiry_text(uow: UnitOfWork, org_id: int, expired_at: datetime, default_timezone: str) -> str:
    """"7 ธ.ค. 69 14:30" (or in Thai digits), local to the organisation; the deployment's zone and the
    default style if the organisation is gone."""
    org = uow.people.organisation_by_id(org_id)
    zone = ZoneInfo(org.timezone if org is not None else default_timezone)
    numerals = Numerals(uow.report_settings.digit_style(org_id, Surface.DOCUMENTS))
    return numerals.date_time(expired_at.astimezone(zone))
