"""Messages between officers and complainants, through the bot: nobody on either side sees the other's
LINE account. Answers to complainants are private outbox rows (scrubbed once sent); the events that
carried a complaint are scrubbed in the same transaction."""

from __future__ import annotations

import logging
from typing import Any

from domain.complaints.crypto import IdentityCryptoError, SealedIdentity, open_identity, seal_identity
from domain.complaints.workflow import ComplaintMode
from handlers import messages, texts
from handlers.base import Context
from handlers.complaint_config import ComplaintConfig
from handlers.complaint_routing import recipients_for
from storage.complaint_models import Complaint, ComplaintEntry
from storage.models import Priority

log = logging.getLogger(__name__)

PUSHED = "pushed"
WAITING = "waiting"
UNREACHABLE = "unreachable"


def answer_privately(ctx: Context) -> None:
    """Everything this event answers is a private row, and the event that came in is scrubbed."""
    ctx.scrub_event = True
    ctx.private = True


def push_privately(ctx: Context, user_id: str, *message: dict[str, Any], priority: int = Priority.COMPLAINT) -> None:
    before = len(ctx.outbox_ids)
    ctx.push(user_id, *message, priority=priority)
    ctx.uow.outbox.mark_private(ctx.outbox_ids[before:])


# -- identity ----------------------------------------------------------------------------------------------
def _aad(complaint: Complaint) -> bytes:
    return f"itabot/complaint/{complaint.org_id}/{complaint.id}".encode()


def seal(ctx: Context, config: ComplaintConfig, complaint: Complaint, identity: dict[str, Any]) -> None:
    sealed = seal_identity(config.keys.master, identity, _aad(complaint))
    ctx.uow.complaints.seal_identity(complaint, sealed.ciphertext, sealed.wrapped_key)


def identity_of(config: ComplaintConfig, complaint: Complaint) -> dict[str, Any] | None:
    """The sealed identity (line_user_id, name, phone, code), or None when there is none or it was destroyed."""
    if complaint.identity_key is None or complaint.identity_sealed is None:
        return None
    try:
        return open_identity(config.keys.master, SealedIdentity(complaint.identity_key, complaint.identity_sealed),
                             _aad(complaint))
    except IdentityCryptoError:
        log.error("complaint %s: the sealed identity cannot be opened with the configured key", complaint.id)
        return None


# -- to the complainant --------------------------------------------------------------------------------------
def tell_complainant(ctx: Context, config: ComplaintConfig, complaint: Complaint, entry: ComplaintEntry,
                     build: Any) -> str:
    """Push `build(code)` to an identified/confidential complainant and mark the entry delivered; an
    anonymous complainant sees the entry at their next follow-up."""
    if complaint.mode == ComplaintMode.ANONYMOUS.value:
        return WAITING
    identity = identity_of(config, complaint)
    if identity is None or not identity.get("line_user_id"):
        return UNREACHABLE
    push_privately(ctx, identity["line_user_id"], messages.text(build(identity.get("code", ""))))
    ctx.uow.complaints.mark_delivered([entry], ctx.now)
    return PUSHED


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
