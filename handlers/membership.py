"""Following, blocking, and binding staff accounts with invite codes."""

from __future__ import annotations

import logging

from domain.pseudonyms import pseudonym
from handlers.base import Context
from handlers.events import IncomingEvent
from storage.people import InviteProblem, normalise_invite_code
from texts import chat, common
from views import messages

log = logging.getLogger(__name__)


class FollowHandler:
    def matches(self, event: IncomingEvent, ctx: Context) -> bool:
        return event.type == "follow" and event.user_id is not None

    def handle(self, event: IncomingEvent, ctx: Context) -> str:
        assert event.user_id is not None
        known = ctx.uow.people.member(ctx.org.id, event.user_id)
        returning = event.is_unblocked or (known is not None and known.blocked)
        ctx.uow.people.set_blocked(ctx.org.id, event.user_id, False, ctx.now)
        template = chat.WELCOME_BACK if returning else chat.GREETING
        ctx.reply(messages.text(template.format(org=ctx.org.name)))
        log.info("follow %s unblocked=%s", pseudonym(event.user_id), event.is_unblocked)
        return "follow"


class UnfollowHandler:
    def matches(self, event: IncomingEvent, ctx: Context) -> bool:
        return event.type == "unfollow" and event.user_id is not None

    def handle(self, event: IncomingEvent, ctx: Context) -> str:
        assert event.user_id is not None
        ctx.uow.people.set_blocked(ctx.org.id, event.user_id, True, ctx.now)
        log.info("unfollow %s: no more pushes", pseudonym(event.user_id))
        return "unfollow"


class InviteCodeHandler:
    """A text that looks like an invite code (ITA-XXXX-XXXX, any case, spaces or dashes)."""

    def matches(self, event: IncomingEvent, ctx: Context) -> bool:
        return event.is_text and event.user_id is not None and normalise_invite_code(event.text or "") is not None

    def handle(self, event: IncomingEvent, ctx: Context) -> str:
        code = normalise_invite_code(event.text or "")
        member = ctx.member
        assert code is not None and member is not None
        try:
            binding = ctx.uow.people.redeem_invite(ctx.org.id, code, member, ctx.secret_key, ctx.now)
        except InviteProblem as problem:
            ctx.reply(messages.text(chat.INVITE_PROBLEMS[problem.reason]))
            log.info("invite code refused for %s: %s", pseudonym(event.user_id), problem.reason)
            return f"invite:{problem.reason}"
        unit_line = chat.INVITE_UNIT_LINE.format(unit=binding.unit_name) if binding.unit_name else ""
        ctx.reply(messages.text(chat.INVITE_BOUND.format(role=common.ROLE_NAMES[binding.role], unit_line=unit_line)))
        log.info("member %s bound as %s", pseudonym(event.user_id), binding.role.value)
        return "invite:bound"
