"""Help, and a helpful answer to whatever no other handler took: never silence."""

from __future__ import annotations

from handlers.base import Context
from handlers.events import IncomingEvent
from texts import chat, common
from views import messages


def _is_help(text: str) -> bool:
    return text.strip().lower() in chat.HELP_WORDS


class HelpHandler:
    def matches(self, event: IncomingEvent, ctx: Context) -> bool:
        return event.is_text and _is_help(event.text or "")

    def handle(self, event: IncomingEvent, ctx: Context) -> str:
        role = ctx.role
        unit = ctx.uow.people.unit(ctx.member.unit_id) if ctx.member else None
        lines = [chat.HELP_HEADER.format(role=common.ROLE_NAMES[role.value])]
        lines += [line.format(unit=unit.name if unit else "หน่วยงานของคุณ") for line in chat.HELP_BY_ROLE.get(role.value, [])]
        lines += chat.HELP_COMMON
        ctx.reply(messages.text("\n".join(lines)))
        return "help"


class FallbackHandler:
    """Last in line: any message or postback from a person gets an answer that says what to do."""

    def matches(self, event: IncomingEvent, ctx: Context) -> bool:
        return event.type in ("message", "postback") and event.user_id is not None

    def handle(self, event: IncomingEvent, ctx: Context) -> str:
        if event.type == "postback":
            ctx.reply(messages.text(chat.UNKNOWN_BUTTON))
            return "fallback:postback"
        if event.message_type == "text":
            ctx.reply(messages.text(chat.NOT_UNDERSTOOD))
        elif event.message_type == "sticker":
            ctx.reply(messages.text(chat.STICKER_REPLY))
        else:
            kind = chat.MEDIA_KIND_NAMES.get(event.message_type or "", "ข้อความ")
            ctx.reply(messages.text(chat.NOT_UNDERSTOOD_MEDIA.format(kind=kind)))
        return f"fallback:{event.message_type}"
