"""Each organisation's report settings: who signs (by position, names optional), and its digit policy: the
digit style of each surface (domain.digits)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.digits import DigitPolicy, DigitStyle, Surface
from domain.reports.progress import ReportOptions, Signatory
from storage.report_models import ReportSettingsRow

MAX_SIGNATORIES = 6
MAX_TEXT = 120


class ReportSettingsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def digit_policy(self, org_id: int) -> DigitPolicy:
        row = self.session.get(ReportSettingsRow, org_id)
        if row is None:
            return DigitPolicy()
        return DigitPolicy(chat=DigitStyle(row.chat_digits), console=DigitStyle(row.console_digits),
                           documents=DigitStyle(row.documents_digits))

    def chat_digit_styles(self, org_ids: Iterable[int]) -> dict[int, DigitStyle]:
        """Several organisations' chat digit style in one query (the default for one that chose none)."""
        ids = list(org_ids)
        found = {org_id: DigitStyle(style) for org_id, style in self.session.execute(
            select(ReportSettingsRow.org_id, ReportSettingsRow.chat_digits).where(ReportSettingsRow.org_id.in_(ids)))}
        return {org_id: found.get(org_id, DigitPolicy().chat) for org_id in ids}

    def digit_style(self, org_id: int, surface: Surface) -> DigitStyle:
        return self.digit_policy(org_id).style(surface)

    def options(self, org_id: int) -> ReportOptions:
        row = self.session.get(ReportSettingsRow, org_id)
        if row is None:
            return ReportOptions()
        return ReportOptions(digits=DigitStyle(row.documents_digits),
                             signatories=tuple(Signatory(s.get("position", ""), s.get("name", ""))
                                               for s in row.signatories or [] if s.get("position")))

    def save(self, org_id: int, now: datetime, *, signatories: Sequence[Signatory] | None = None,
             digits: Mapping[Surface, DigitStyle] | None = None) -> ReportOptions:
        """Change what is given; the rest keeps its current (or default) value."""
        current = self.options(org_id)
        chosen = current.signatories if signatories is None else tuple(signatories)
        if len(chosen) > MAX_SIGNATORIES or any(not s.position.strip() or len(s.position) > MAX_TEXT
                                                or len(s.name) > MAX_TEXT for s in chosen):
            raise ValueError("signatories")
        row = self.session.get(ReportSettingsRow, org_id)
        if row is None:
            row = ReportSettingsRow(org_id=org_id)
            self.session.add(row)
        row.signatories = [{"position": s.position.strip(), "name": s.name.strip()} for s in chosen]
        policy = self.digit_policy(org_id).changed(digits or {})
        row.chat_digits, row.console_digits = policy.chat.value, policy.console.value
        row.documents_digits = policy.documents.value
        row.updated_at = now
        self.session.flush()
        return self.options(org_id)
