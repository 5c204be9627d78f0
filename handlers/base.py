"""Handlers as small objects registered on an Application (the python-telegram-bot way).

A handler says whether it takes an event (`matches`) and handles it through a `Context`, which gives it
the unit of work, the sender's member record and ways to answer. Answers are outbox rows written in the
same transaction as the handler's changes: they are sent only if the changes commit, and never lost.

A handler runs inside that one transaction (on SQLite it holds the database's write lock), so it makes no
network calls and does nothing slow: downloading evidence or calling LINE happens after the commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from handlers.events import IncomingEvent
from storage.models import Member, Organisation, Priority, Role
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)


@dataclass
class Context:
    uow: UnitOfWork
    org: Organisation
    event: IncomingEvent
    now: datetime
    secret_key: str
    outbox_ids: list[int] = field(default_factory=list)  # answers and pushes, sent right after commit
    replies: list[dict[str, Any]] = field(default_factory=list)  # sent together as one reply by flush()
    # Set by a handler when the stored webhook event must not keep who sent it or what it said (anonymous
    # complaints): the processor scrubs it in the same transaction.
    scrub_event: bool = False
    # Set when the answers are about a complaint: their outbox rows keep no recipient or text once sent.
    private: bool = False
    # Whether a reply was written (its row may not have an id yet: the worker's batch writes its replies
    # together, storage/outbox.py `defer_replies`).
    replied: bool = False
    _member: Member | None = None

    @property
    def member(self) -> Member | None:
        """The sender's member record (created as a citizen on first contact); None for group events
        without a user."""
        if self._member is None and self.event.user_id:
            self._member = self.uow.people.get_or_create_member(self.org.id, self.event.user_id, self.now)
        return self._member

    @property
    def answered(self) -> bool:
        """Whether this event wrote anything to send (answers or pushes)."""
        return self.replied or bool(self.outbox_ids)

    @property
    def role(self) -> Role:
        member = self.member
        return Role(member.role) if member else Role.CITIZEN

    @property
    def personal_chat_key(self) -> str | None:
        """The key of a one-to-one chat with a person (conversations run only there)."""
        return self.event.user_id if self.event.source_type == "user" else None

    def reply(self, *messages: dict[str, Any]) -> None:
        """Answer the event. Everything handlers reply goes out together, in one reply (the token is
        single-use), when the processor calls `flush()`."""
        self.replies.extend(messages)

    def flush(self) -> None:
        """Write the collected answers to the outbox: by the reply API while the token is fresh, else by
        push. Events in standby mode are never answered."""
        messages, self.replies = self.replies, []
        if not messages or self.event.is_standby:
            return
        if self.event.reply_token:
            self.outbox_ids.extend(self.uow.outbox.add_reply(self.org.id, self.event.reply_token,
                                                             self.event.chat_id, messages, self.now,
                                                             private=self.private))
            self.replied = True
        elif self.event.chat_id:
            self.push(self.event.chat_id, *messages)

    def push(self, user_id: str, *messages: dict[str, Any], priority: int = Priority.NORMAL) -> None:
        rows = self.uow.outbox.add_push(self.org.id, user_id, list(messages), priority, self.now)
        self._sent([row.id for row in rows])

    def _sent(self, ids: list[int]) -> None:
        self.outbox_ids.extend(ids)
        if self.private:
            self.uow.outbox.mark_private(ids)


class Handler(Protocol):
    def matches(self, event: IncomingEvent, ctx: Context) -> bool: ...

    def handle(self, event: IncomingEvent, ctx: Context) -> str:
        """Do the work; return a short outcome label for the inbox record (no personal data)."""
        ...


UNHANDLED = "unhandled"


class Application:
    """Handlers in groups; within a group the first that matches handles the event."""

    def __init__(self) -> None:
        self._groups: dict[int, list[Handler]] = {}

    def add_handler(self, handler: Handler, group: int = 0) -> None:
        self._groups.setdefault(group, []).append(handler)

    @property
    def handlers(self) -> list[Handler]:
        return [h for group in sorted(self._groups) for h in self._groups[group]]

    def dispatch(self, event: IncomingEvent, ctx: Context) -> str:
        outcomes = []
        for group in sorted(self._groups):
            for handler in self._groups[group]:
                if handler.matches(event, ctx):
                    outcomes.append(handler.handle(event, ctx))
                    break
        return ",".join(outcomes) if outcomes else UNHANDLED
