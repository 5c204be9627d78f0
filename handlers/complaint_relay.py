"""Messages between officers and complainants, through the bot: nobody on either side sees the other's
LINE account. Answers to complainants are private outbox rows (scrubbed once sent); the events that
carried a complaint are scrubbed in the same transaction."""

from __future__ import annotations

import logging
from typing import Any

from domain.complaints.crypto import seal_identity
from handlers.base import Context
from storage.complaint_identity import identity_aad
from storage.complaint_models import Complaint
from storage.models import Priority
from usecases import complaint_handling
from usecases.complaint_config import ComplaintConfig
from usecases.complaint_routing import recipients_for
from views import messages

log = logging.getLogger(__name__)


def answer_privately(ctx: Context) -> None:
    """Everything this event answers is a private row, and the event that came in is scrubbed."""
    ctx.scrub_event = True
    ctx.private = True


def push_privately(ctx: Context, user_id: str, *message: dict[str, Any], priority: int = Priority.COMPLAINT) -> None:
    ctx.outbox_ids.extend(complaint_handling.push_privately(ctx.uow, ctx.org.id, user_id, list(message), ctx.now,
                                                            priority))


# -- identity ----------------------------------------------------------------------------------------------
def seal(ctx: Context, config: ComplaintConfig, complaint: Complaint, identity: dict[str, Any]) -> None:
    sealed = seal_identity(config.keys.master, identity, identity_aad(complaint))
    ctx.uow.complaints.seal_identity(complaint, sealed.ciphertext, sealed.wrapped_key)


# -- to officers ------------------------------------------------------------------------------------------------
def notify_handlers(ctx: Context, complaint: Complaint, body: str) -> int:
    """Push `body` to the complaint's handlers (never to a head or an officer of a named unit)."""
    people = recipients_for(ctx.uow, complaint)
    for person in people:
        push_privately(ctx, person.line_user_id, messages.text(body))
    return len(people)
