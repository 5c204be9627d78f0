"""Ends conversations left alone past their timeout and tells the person by push."""

from __future__ import annotations

from handlers.base import Context
from handlers.conversation import Conversations
from handlers.events import IncomingEvent
from storage.clock import utcnow
from storage.uow import UnitOfWorkFactory

SWEEP_EVENT = IncomingEvent(event_id="", type="conversation-expiry")


def expire_abandoned(uow_factory: UnitOfWorkFactory, conversations: Conversations, secret_key: str) -> int:
    """Returns how many conversations were ended (each person gets one short note)."""
    now = utcnow()
    with uow_factory() as uow:
        rows = uow.conversations.expired(now)
        for row in rows:
            org = uow.people.organisation_by_id(row.org_id)
            assert org is not None
            ctx = Context(uow=uow, org=org, event=SWEEP_EVENT, now=now, secret_key=secret_key)
            conversations.expire(ctx, row, reply=False)
        uow.commit()
    return len(rows)
