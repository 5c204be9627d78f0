"""Conversations in progress: one row per chat while a multi-step flow runs."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.conversation_models import Conversation


class ConversationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, org_id: int, chat_key: str) -> Conversation | None:
        return self.session.scalar(
            select(Conversation).where(Conversation.org_id == org_id, Conversation.chat_key == chat_key))

    def by_id(self, conversation_id: int) -> Conversation | None:
        return self.session.get(Conversation, conversation_id)

    def save(self, org_id: int, chat_key: str, flow: str, state: str, data: dict[str, Any],
             now: datetime, ttl: timedelta) -> Conversation:
        row = self.get(org_id, chat_key)
        if row is None:
            row = Conversation(org_id=org_id, chat_key=chat_key, started_at=now)
            self.session.add(row)
        row.flow, row.state, row.data = flow, state, dict(data)
        row.updated_at, row.expires_at = now, now + ttl
        self.session.flush()
        return row

    def end(self, row: Conversation) -> None:
        self.session.delete(row)
        self.session.flush()

    def expired(self, now: datetime, limit: int = 100) -> list[Conversation]:
        return list(self.session.scalars(
            select(Conversation).where(Conversation.expires_at < now).order_by(Conversation.expires_at)
            .limit(limit).with_for_update(skip_locked=True)))

    def delete_for_chat(self, org_id: int, chat_key: str) -> None:
        self.session.execute(
            delete(Conversation).where(Conversation.org_id == org_id, Conversation.chat_key == chat_key))
