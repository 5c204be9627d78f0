"""Conversations in progress: one row per chat while a multi-step flow runs.

A draft (a complaint being written, a progress report being filled in) is sealed at rest: the row holds a
keyed hash of the chat to be found by, and the chat and the flow's data encrypted (AES-256-GCM, bound to
the row's chat hash), so a reader of the database learns neither who is in a flow nor what they wrote."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from domain.complaints.crypto import IdentityCryptoError, open_json, seal_json
from storage.conversation_models import Conversation
from storage.keys import MissingKey, keyed_hash
from storage.read_ahead import ReadAhead

log = logging.getLogger(__name__)

_AAD = b"itabot/conversation/v1|"


class ConversationRepository:
    def __init__(self, session: Session, key: bytes | None = None) -> None:
        self.session = session
        self._key = key
        self._keys: dict[str, bytes] = {}
        # Opened rows by (org_id, chat), None for "no conversation": only once `prefetch` was called (the
        # worker's batch); kept up to date by save/end, forgotten when a savepoint is rolled back.
        self._rows: dict[tuple[int, str], Conversation | None] | None = None
        # Rows read for several organisations at once (`prefetch_of`), opened, held out of the session until
        # their organisation's turn (`admit`)
        self._waiting: ReadAhead[Conversation] = ReadAhead()

    # -- sealing ------------------------------------------------------------------------------------------
    def _key_for(self, purpose: str) -> bytes:
        derived = self._keys.get(purpose)
        if derived is None:
            if self._key is None:
                raise MissingKey("conversations need StorageKeys.drafts (from COMPLAINT_KEY)")
            derived = hmac.new(self._key, b"itabot/storage/conversation/" + purpose.encode(), hashlib.sha256).digest()
            self._keys[purpose] = derived
        return derived

    def _chat_hash(self, org_id: int, chat_key: str) -> str:
        return keyed_hash(self._key_for("chat"), "conversation/chat", f"{org_id}|{chat_key}")

    def _seal(self, row: Conversation, chat_key: str, data: dict[str, Any]) -> None:
        row.sealed = seal_json(self._key_for("seal"), {"chat": chat_key, "data": data},
                               _AAD + row.chat_hash.encode())
        row.opened_as(chat_key, data)

    def _open(self, row: Conversation) -> Conversation | None:
        """The row, opened; None when it cannot be (sealed under another COMPLAINT_KEY)."""
        try:
            value = open_json(self._key_for("seal"), row.sealed, _AAD + row.chat_hash.encode())
        except IdentityCryptoError:
            return None
        row.opened_as(str(value["chat"]), dict(value["data"]))
        return row

    # -- rows -----------------------------------------------------------------------------------------------
    def prefetch(self, org_id: int, chat_keys: Iterable[str]) -> None:
        """Load these chats' conversations in one query and answer `get` for them from memory until the unit
        of work ends (or a savepoint is rolled back: `forget_cached`)."""
        if self._rows is None:
            self._rows = {}
        hashes = {self._chat_hash(org_id, key): key for key in dict.fromkeys(chat_keys)
                  if (org_id, key) not in self._rows}
        if not hashes:
            return
        found = {row.chat_hash: row for row in self.session.scalars(select(Conversation).where(
            Conversation.org_id == org_id, Conversation.chat_hash.in_(list(hashes))))}
        for chat_hash, key in hashes.items():
            row = found.get(chat_hash)
            self._rows[(org_id, key)] = self._open(row) if row is not None else None

    def prefetch_of(self, wanted: Mapping[int, Iterable[str]]) -> None:
        """Several organisations' conversations ({org_id: chats}) in one query, opened and held out of the
        session until their organisation's turn comes (`admit`), as `PeopleRepository.prefetch_members_of`."""
        hashes = {self._chat_hash(org_id, key): (org_id, key) for org_id, keys in wanted.items()
                  for key in dict.fromkeys(keys)}
        if not hashes:
            return
        found: dict[str, Conversation] = {}
        for row in self.session.scalars(select(Conversation).where(
                Conversation.org_id.in_({org_id for org_id, _ in hashes.values()}),
                Conversation.chat_hash.in_(list(hashes)))):
            self.session.expunge(row)
            found[row.chat_hash] = row
        for chat_hash, (org_id, key) in hashes.items():
            opened = found.get(chat_hash)
            self._waiting.hold(org_id, key, self._open(opened) if opened is not None else None)

    def admit(self, org_id: int) -> None:
        """Put the organisation's conversations read by `prefetch_of` in the session (no query), and answer
        `get` for them from memory as `prefetch` does."""
        self._rows = self._waiting.admit(self.session, org_id, self._rows)

    def forget_waiting(self) -> None:
        self._waiting.forget()

    def forget_cached(self) -> None:
        if self._rows is not None:
            self._rows = {}

    def _find(self, org_id: int, chat_key: str) -> Conversation | None:
        return self.session.scalar(select(Conversation).where(
            Conversation.org_id == org_id, Conversation.chat_hash == self._chat_hash(org_id, chat_key)))

    def get(self, org_id: int, chat_key: str) -> Conversation | None:
        if self._rows is not None and (org_id, chat_key) in self._rows:
            return self._rows[(org_id, chat_key)]
        row = self._find(org_id, chat_key)
        opened = self._open(row) if row is not None else None
        if self._rows is not None:
            self._rows[(org_id, chat_key)] = opened
        return opened

    def by_id(self, conversation_id: int) -> Conversation | None:
        return self.session.get(Conversation, conversation_id)

    def save(self, org_id: int, chat_key: str, flow: str, state: str, data: dict[str, Any],
             now: datetime, ttl: timedelta) -> Conversation:
        cached = self._rows.get((org_id, chat_key)) if self._rows is not None else None
        row = cached if cached is not None else self._find(org_id, chat_key)
        if row is None:
            row = Conversation(org_id=org_id, chat_hash=self._chat_hash(org_id, chat_key), started_at=now)
            self.session.add(row)
        row.flow, row.state = flow, state
        self._seal(row, chat_key, dict(data))
        row.updated_at, row.expires_at = now, now + ttl
        self.session.flush()
        if self._rows is not None:
            self._rows[(org_id, chat_key)] = row
        return row

    def end(self, row: Conversation) -> None:
        if self._rows is not None:
            self._rows = {key: None if cached is row else cached for key, cached in self._rows.items()}
        self.session.delete(row)
        self.session.flush()

    def expired(self, now: datetime, limit: int = 100) -> list[Conversation]:
        """Conversations past their timeout, opened. One sealed under another key (COMPLAINT_KEY changed)
        cannot be told of; it is deleted."""
        rows = list(self.session.scalars(
            select(Conversation).where(Conversation.expires_at < now).order_by(Conversation.expires_at)
            .limit(limit).with_for_update(skip_locked=True)))
        opened = []
        for row in rows:
            if self._open(row) is not None:
                opened.append(row)
            else:
                log.warning("conversation %s cannot be opened with this COMPLAINT_KEY: deleted", row.id)
                self.end(row)
        return opened

    def chat_of(self, conversation_id: int) -> str | None:
        """The chat of a conversation in progress (to tell them about their evidence), or None."""
        row = self.session.get(Conversation, conversation_id)
        opened = self._open(row) if row is not None else None
        return opened.chat_key if opened is not None else None

    def delete_for_chat(self, org_id: int, chat_key: str) -> None:
        if self._rows is not None:
            self._rows[(org_id, chat_key)] = None
        self.session.execute(delete(Conversation).where(
            Conversation.org_id == org_id, Conversation.chat_hash == self._chat_hash(org_id, chat_key)))
