"""The signed report links of this deployment: keyed by SECRET_KEY, under PUBLIC_BASE_URL, valid for
REPORT_LINK_DAYS."""

from __future__ import annotations

from datetime import timedelta

from bot.config import Settings
from domain.reports.links import LinkSigner, ReportLinks


def report_links(settings: Settings) -> ReportLinks:
    return ReportLinks(LinkSigner.from_secret_key(settings.secret_key), settings.public_base_url,
                       timedelta(days=settings.report_link_days))
