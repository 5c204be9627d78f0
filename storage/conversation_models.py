"""Tables of conversations in progress and of the evidence (photos, files) people send in them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from storage.clock import utcnow
from storage.models import Base, UtcDateTime


class Conversation(Base):
    """Where a chat is in a multi-step flow (one at a time per chat). Deleted when the flow ends.

    Neither the chat nor the flow's answers so far are kept in clear: the row is found by a keyed hash of
    the chat (`chat_hash`) and holds both sealed with AES-GCM (`sealed`), under a key derived from
    COMPLAINT_KEY. `ConversationRepository` opens a row when it loads or saves it: then `chat_key` and
    `data` are there to read."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("org_id", "chat_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    chat_hash: Mapped[str] = mapped_column(String(64))
    flow: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(32))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)  # {"chat": chat key, "data": the flow's data}
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)

    if TYPE_CHECKING:
        _opened: tuple[str, dict[str, Any]] | None

    def opened_as(self, chat_key: str, data: dict[str, Any]) -> None:
        """What the repository found sealed in the row (or just sealed into it)."""
        self._opened = (chat_key, data)

    def _clear(self) -> tuple[str, dict[str, Any]]:
        opened: tuple[str, dict[str, Any]] | None = getattr(self, "_opened", None)
        if opened is None:
            raise LookupError("a conversation is read through ConversationRepository, which opens it")
        return opened

    @property
    def chat_key(self) -> str:
        """The chat (a LINE user id) this conversation is with."""
        return self._clear()[0]

    @property
    def data(self) -> dict[str, Any]:
        """The flow's data so far."""
        return self._clear()[1]


class Evidence(Base):
    """A photo or file sent as evidence. The handler records it; a worker downloads it from LINE's content
    API right after the commit. It belongs to a conversation while the flow runs, then to what the flow
    saved (`owner_kind` "progress_report", "complaint"…, `owner_id`)."""

    __tablename__ = "evidence"
    __table_args__ = (
        Index("ix_evidence_owner", "owner_kind", "owner_id"),
        Index("ix_evidence_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    owner_kind: Mapped[str] = mapped_column(String(32))
    owner_id: Mapped[int] = mapped_column(Integer)
    line_message_id: Mapped[str] = mapped_column(String(64), unique=True)
    message_type: Mapped[str] = mapped_column(String(16))
    file_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    content_type: Mapped[str | None] = mapped_column(String(128), nullable=True)
    size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, nullable=True))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    fetched_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
