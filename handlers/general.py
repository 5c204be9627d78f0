"""Help, and a helpful answer to whatever no other handler took: never silence."""

from __future__ import annotations

from handlers import messages, texts
from handlers.base import Context
from handlers.events import IncomingEvent


def _is_help(text: str) -> bool:
    return text.strip().lower() in texts.HELP_WORDS


class HelpHandler:
    def matches(self, event: IncomingEvent, ctx: Context) -> bool:
        return event.is_text and _is_help(event.text or "")

    def handle(self, event: IncomingEvent, ctx: Context) -> str:
        role = ctx.role
        unit = ctx.uow.people.unit(ctx.member.unit_id) if ctx.member else None
        lines = [texts.HELP_HEADER.format(role=texts.ROLE_NAMES[role.value])]
        lines += [line.format(unit=unit.name if unit else "หน่วยงานของคุณ") for line in texts.HELP_BY_ROLE.get(role.value, [])]
        lines += texts.HELP_COMMON
        ctx.reply(messages.text("\n".join(lines)))
        return "help"


class FallbackHandler:
    """Last in line: any message or postback from a person gets an answer that says what to do."""

    def matches(self, event: IncomingEvent, ctx: Context) -> bool:
        return event.type in ("message", "postback") and event.user_id is not None

    def handle(self, event: IncomingEvent, ctx: Context) -> str:
        if event.type == "postback":
            ctx.reply(messages.text(texts.UNKNOWN_BUTTON))
            return "fallback:postback"
        if event.message_type == "text":
            ctx.reply(messages.text(texts.NOT_UNDERSTOOD))
        elif event.message_type == "sticker":
            ctx.reply(messages.text(texts.STICKER_REPLY))
        else:
            kind = texts.MEDIA_KIND_NAMES.get(event.message_type or "", "ข้อความ")
            ctx.reply(messages.text(texts.NOT_UNDERSTOOD_MEDIA.format(kind=kind)))
        return f"fallback:{event.message_type}"
