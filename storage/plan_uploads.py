"""Plan files between the console's preview and "บันทึก" (a repository on the unit of work): in the database,
so whichever web process gets "บันทึก" saves exactly the file another one previewed. A file is its
uploader's only and is forgotten an hour after it came.

Also the organisation's remembered row choices (how an admin chose to read a row in the preview), by row
fingerprint: applied again when the same document is uploaded again."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.console_models import PlanRowChoice, PlanUpload

KEEP_FOR = timedelta(hours=1)


class PlanUploadRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, org_id: int, user_id: int, original_name: str, fiscal_year: int, data: bytes,
            now: datetime) -> PlanUpload:
        self.forget_old(now)
        upload = PlanUpload(token=secrets.token_urlsafe(32), org_id=org_id, user_id=user_id,
                            original_name=original_name[:200], fiscal_year=fiscal_year, data=data, created_at=now)
        self.session.add(upload)
        self.session.flush()
        return upload

    def find(self, org_id: int, token: str, user_id: int, now: datetime) -> PlanUpload | None:
        """The file this user uploaded under `token`, if it is still kept."""
        if not token or len(token) > 64:
            return None
        upload = self.session.get(PlanUpload, token)
        if upload is None or upload.org_id != org_id or upload.user_id != user_id:
            return None
        return upload if now - upload.created_at <= KEEP_FOR else None

    def forget(self, upload: PlanUpload) -> None:
        self.session.delete(upload)
        self.session.flush()

    def forget_old(self, now: datetime) -> int:
        result = self.session.execute(delete(PlanUpload).where(PlanUpload.created_at < now - KEEP_FOR))
        return int(result.rowcount)  # type: ignore[attr-defined]

    def row_choices(self, org_id: int, fingerprints: Iterable[str]) -> dict[str, str]:
        """The remembered choices for these rows: fingerprint -> kind."""
        wanted = sorted(set(fingerprints))
        found: dict[str, str] = {}
        for start in range(0, len(wanted), 500):
            query = select(PlanRowChoice.fingerprint, PlanRowChoice.kind).where(
                PlanRowChoice.org_id == org_id, PlanRowChoice.fingerprint.in_(wanted[start:start + 500]))
            found.update({fingerprint: kind for fingerprint, kind in self.session.execute(query)})
        return found

    def remember_choices(self, org_id: int, user_id: int | None, choices: Mapping[str, str | None], now: datetime) -> None:
        """Keep (a kind) or forget (None) the choice for each row fingerprint (user_id: the console user who
        chose; None from the command line)."""
        if not choices:
            return
        existing = {c.fingerprint: c for c in self.session.scalars(select(PlanRowChoice).where(
            PlanRowChoice.org_id == org_id, PlanRowChoice.fingerprint.in_(list(choices))))}
        for fingerprint, kind in choices.items():
            row = existing.get(fingerprint)
            if kind is None:
                if row is not None:
                    self.session.delete(row)
            elif row is None:
                self.session.add(PlanRowChoice(org_id=org_id, fingerprint=fingerprint, kind=kind, user_id=user_id,
                                               chosen_at=now))
            elif row.kind != kind:
                row.kind, row.user_id, row.chosen_at = kind, user_id, now
        self.session.flush()
