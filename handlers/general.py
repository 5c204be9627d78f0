"""Help, and a helpful answer to whatever no other handler took: never silence."""

from __future__ import annotations

from typing import Any

from domain.small_talk import small_talk
from handlers.base import Context
from handlers.events import IncomingEvent
from texts import chat, common
from views import messages


def _is_help(text: str) -> bool:
    return text.strip().lower() in chat.HELP_WORDS


def menu(ctx: Context, opening: str | None = None) -> dict[str, Any]:
    """What this person can do here (their role's commands), with the main ones as quick replies."""
    role = ctx.role
    unit = ctx.uow.people.unit(ctx.member.unit_id) if ctx.member else None
    lines = [opening, ""] if opening else []
    lines.append(chat.HELP_HEADER.format(role=common.ROLE_NAMES[role.value]))
    lines += [line.format(unit=unit.name if unit else "หน่วยงานของคุณ") for line in chat.HELP_BY_ROLE.get(role.value, [])]
    lines += chat.HELP_COMMON
    return messages.text("\n".join(lines), chat.MENU_CHOICES_BY_ROLE.get(role.value))


class HelpHandler:
    def matches(self, event: IncomingEvent, ctx: Context) -> bool:
        return event.is_text and _is_help(event.text or "")

    def handle(self, event: IncomingEvent, ctx: Context) -> str:
        ctx.reply(menu(ctx))
        return "help"


class FallbackHandler:
    """Last in line: any message or postback from a person gets an answer that says what to do. Greetings,
    thanks, emoji and English get a polite word and the menu."""

    def matches(self, event: IncomingEvent, ctx: Context) -> bool:
        return event.type in ("message", "postback") and event.user_id is not None

    def handle(self, event: IncomingEvent, ctx: Context) -> str:
        if event.type == "postback":
            ctx.reply(messages.text(chat.UNKNOWN_BUTTON))
            return "fallback:postback"
        if event.message_type == "text":
            talk = small_talk(event.text or "")
            if talk is not None:
                ctx.reply(menu(ctx, chat.SMALL_TALK_REPLIES[talk.value]))
                return f"fallback:{talk.value}"
            ctx.reply(messages.text(chat.NOT_UNDERSTOOD, chat.MENU_CHOICES_BY_ROLE.get(ctx.role.value)))
        elif event.message_type == "sticker":
            ctx.reply(messages.text(chat.STICKER_REPLY, chat.MENU_CHOICES_BY_ROLE.get(ctx.role.value)))
        else:
            kind = chat.MEDIA_KIND_NAMES.get(event.message_type or "", "ข้อความ")
            how = chat.MEDIA_HOW_BY_ROLE.get(ctx.role.value, chat.MEDIA_HOW_DEFAULT)
            ctx.reply(messages.text(chat.NOT_UNDERSTOOD_MEDIA.format(kind=kind, how=how)))
        return f"fallback:{event.message_type}"
