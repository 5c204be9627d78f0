"""Builders of LINE message objects (plain JSON dicts, as the Messaging API takes them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

TEXT_LIMIT = 5000  # UTF-16 code units
QUICK_REPLY_LIMIT = 13
QUICK_REPLY_LABEL_LIMIT = 20


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def clip_text(text: str, limit: int = TEXT_LIMIT) -> str:
    if _utf16_len(text) <= limit:
        return text
    clipped = text[: limit - 1]
    while _utf16_len(clipped) > limit - 1:
        clipped = clipped[:-1]
    return clipped + "…"


def text(body: str, quick_replies: list[str] | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"type": "text", "text": clip_text(body)}
    if quick_replies:
        message["quickReply"] = {
            "items": [
                {"type": "action", "action": {"type": "message", "label": label[:QUICK_REPLY_LABEL_LIMIT],
                                              "text": label}}
                for label in quick_replies[:QUICK_REPLY_LIMIT]
            ]
        }
    return message


MessageBuilder = Callable[[str], dict[str, Any]]  # a complaint's tracking code → the LINE message about it
