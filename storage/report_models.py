"""Tables of the reports: each organisation's report settings (the signature block and the digit style of
each surface).
Download links are stateless (signed with SECRET_KEY), so nothing about them is stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.clock import utcnow
from storage.models import Base, UtcDateTime


class ReportSettingsRow(Base):
    """How an organisation's published reports are signed and written (a missing row = the defaults)."""

    __tablename__ = "report_settings"

    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    # [{"position": "ปลัดเทศบาล", "name": "นายสมชาย ใจดี"}, ...] in signing order; a blank name prints a
    # dotted line to write it in by hand
    signatories: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # "thai" or "arabic" per surface (domain.digits): LINE chat, the admin console, documents (Word, public pages)
    chat_digits: Mapped[str] = mapped_column(String(8), default="arabic", server_default="arabic")
    console_digits: Mapped[str] = mapped_column(String(8), default="arabic", server_default="arabic")
    documents_digits: Mapped[str] = mapped_column(String(8), default="thai", server_default="thai")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
