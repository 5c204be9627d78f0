"""Messages between officers and complainants, through the bot: nobody on either side sees the other's
LINE account. Answers to complainants are private outbox rows (scrubbed once sent); the events that
carried a complaint are scrubbed in the same transaction."""

from __future__ import annotations

import logging
from typing import Any

from domain.complaints.crypto import seal_identity
from handlers import messages, texts
from handlers.base import Context
from handlers.complaint_config import ComplaintConfig
from handlers.complaint_routing import recipients_for
from handlers.complaint_views import status_label
from storage import complaint_handling
from storage.complaint_handling import PUSHED, WAITING, identity_aad
from storage.complaint_models import Complaint
from storage.models import Priority

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


# -- to the complainant --------------------------------------------------------------------------------------
def status_push(status: str, public: str | None) -> complaint_handling.MessageBuilder:
    """What the complainant gets when their case changes status, in LINE and from the console alike."""
    public_line = texts.COMPLAINT_PUBLIC_LINE.format(text=public) if public else ""
    return lambda code: messages.text(texts.COMPLAINT_STATUS_PUSH.format(
        code=code, status=status_label(status), public=public_line))


def message_push(text: str) -> complaint_handling.MessageBuilder:
    """What the complainant gets when an officer writes to them."""
    return lambda code: messages.text(texts.COMPLAINT_MESSAGE_PUSH.format(code=code, text=text))


def told_text(outcome: str) -> str:
    return {PUSHED: texts.COMPLAINT_TOLD_PUSHED, WAITING: texts.COMPLAINT_TOLD_WAITING}.get(
        outcome, texts.COMPLAINT_TOLD_UNREACHABLE)


# -- to officers ------------------------------------------------------------------------------------------------
def notify_handlers(ctx: Context, complaint: Complaint, body: str) -> int:
    """Push `body` to the complaint's handlers (never to a head or an officer of a named unit)."""
    people = recipients_for(ctx.uow, complaint)
    for person in people:
        push_privately(ctx, person.line_user_id, messages.text(body))
    return len(people)
