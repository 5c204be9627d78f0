"""Each organisation's LINE channel: its credentials, sealed (domain/organisations.py), never plain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.clock import utcnow
from storage.models import Base, UtcDateTime


class OrgCredentials(Base):
    """One row per organisation with its own LINE Official Account. `version` grows with every change (new
    credentials, a refreshed token): the processes' LINE clients are rebuilt when it moves."""

    __tablename__ = "org_credentials"

    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    token_kind: Mapped[str] = mapped_column(String(16))  # domain.organisations.TokenKind
    channel_id: Mapped[str | None] = mapped_column(String(32), nullable=True)  # short-lived tokens only
    secret_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    token_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # short-lived: not yet issued
    token_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    token_refresh_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
