"""Each organisation's report settings: who signs (by position, names optional), and its digit policy: the
digit style of each surface (domain.digits)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.digits import DigitPolicy, DigitStyle, Surface
from domain.reports.progress import ReportOptions, Signatory
from storage.report_models import ReportSettingsRow

MAX_SIGNATORIES = 6
MAX_TEXT = 120


# The digit policy of the organisation whose turn it is in the worker's claim (`admit`), in the session's info:
# every repository of the session sees it (the outbox makes its own to localise replies).
_ADMITTED = "itabot.digit_policy.admitted"


class ReportSettingsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._waiting: dict[int, DigitPolicy] = {}

    def prefetch_policies(self, org_ids: Iterable[int]) -> None:
        """Several organisations' digit policies in one query, held until their organisation's turn
        (`admit`). One whose stored settings are broken is left out: read again in its own turn, it fails
        there, alone."""
        ids = list(org_ids)
        if not ids:
            return
        policies = {org_id: DigitPolicy() for org_id in ids}
        r = ReportSettingsRow
        for org_id, chat, console, documents in self.session.execute(
                select(r.org_id, r.chat_digits, r.console_digits, r.documents_digits).where(r.org_id.in_(ids))):
            try:
                policies[org_id] = DigitPolicy(chat=DigitStyle(chat), console=DigitStyle(console),
                                               documents=DigitStyle(documents))
            except ValueError:
                del policies[org_id]
        self._waiting.update(policies)

    def admit(self, org_id: int) -> None:
        """From now on (until `forget_admitted`) `digit_policy(org_id)` is answered without a query."""
        policy = self._waiting.pop(org_id, None)
        if policy is not None:
            self.session.info[_ADMITTED] = (org_id, policy)

    def forget_admitted(self) -> None:
        self.session.info.pop(_ADMITTED, None)

    def forget_waiting(self) -> None:
        self._waiting = {}

    def digit_policy(self, org_id: int) -> DigitPolicy:
        admitted = self.session.info.get(_ADMITTED)
        if admitted is not None and admitted[0] == org_id:
            return cast(DigitPolicy, admitted[1])
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
        self.forget_admitted()
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
