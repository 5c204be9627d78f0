"""Outbox rows written and claimed straight through the repository, as a job and a delivery loop do (either tier)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from storage.clock import utcnow
from storage.models import Priority

if TYPE_CHECKING:
    from tests.support.chat import Bot


def push(bot: Bot, user: str, text: str = "x") -> int:
    """One text pushed to `user`: its row's id."""
    with bot.services.uow() as uow:
        [row] = uow.outbox.add_push(bot.org_id, user, [{"type": "text", "text": text}], Priority.NORMAL, utcnow())
        uow.commit()
        return row.id


def claim(bot: Bot, owner: str, limit: int = 20) -> list[int]:
    """The ids of the rows a delivery loop owned by `owner` claims now."""
    with bot.services.uow() as uow:
        claimed = [row.id for row in uow.outbox.claim_due(utcnow(), limit, 30.0, owner)]
        uow.commit()
        return claimed
