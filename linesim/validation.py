"""Minimal checks of request bodies, with LINE's error details (`{"message", "property"}`)."""

from __future__ import annotations

from typing import Any

MAX_MESSAGES = 5
MAX_TEXT_UTF16 = 5000
MAX_MULTICAST_RECIPIENTS = 500
MAX_QUICK_REPLY_ITEMS = 13
MAX_QUICK_REPLY_LABEL = 20
MAX_ALT_TEXT = 1500
MAX_POSTBACK_DATA = 300

Details = list[dict[str, str]]


def _detail(message: str, prop: str) -> dict[str, str]:
    return {"message": message, "property": prop}


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _check_action(action: Any, prop: str) -> Details:
    if not isinstance(action, dict) or not isinstance(action.get("type"), str):
        return [_detail("Must be an action object with a type", prop)]
    details: Details = []
    label = action.get("label")
    if isinstance(label, str) and utf16_length(label) > MAX_QUICK_REPLY_LABEL:
        details.append(_detail(f"Length must be between 0 and {MAX_QUICK_REPLY_LABEL}", f"{prop}.label"))
    data = action.get("data")
    if action["type"] in ("postback", "datetimepicker") and (
        not isinstance(data, str) or utf16_length(data) > MAX_POSTBACK_DATA
    ):
        details.append(_detail(f"Length must be between 0 and {MAX_POSTBACK_DATA}", f"{prop}.data"))
    return details


def _check_quick_reply(quick_reply: Any, prop: str) -> Details:
    items = quick_reply.get("items") if isinstance(quick_reply, dict) else None
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_QUICK_REPLY_ITEMS:
        return [_detail(f"Size must be between 1 and {MAX_QUICK_REPLY_ITEMS}", f"{prop}.items")]
    details: Details = []
    for i, item in enumerate(items):
        action = item.get("action") if isinstance(item, dict) else None
        details += _check_action(action, f"{prop}.items[{i}].action")
    return details


def _check_message(message: Any, prop: str) -> Details:
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        return [_detail("Must be a message object with a type", f"{prop}.type")]
    details: Details = []
    kind = message["type"]
    if kind == "text":
        text = message.get("text")
        if not isinstance(text, str) or not text:
            details.append(_detail("May not be empty", f"{prop}.text"))
        elif utf16_length(text) > MAX_TEXT_UTF16:
            details.append(_detail(f"Length must be between 0 and {MAX_TEXT_UTF16}", f"{prop}.text"))
    elif kind in ("flex", "template"):
        alt = message.get("altText")
        if not isinstance(alt, str) or not alt:
            details.append(_detail("May not be empty", f"{prop}.altText"))
        elif utf16_length(alt) > MAX_ALT_TEXT:
            details.append(_detail(f"Length must be between 0 and {MAX_ALT_TEXT}", f"{prop}.altText"))
        body_key = "contents" if kind == "flex" else "template"
        if not isinstance(message.get(body_key), dict):
            details.append(_detail("May not be empty", f"{prop}.{body_key}"))
    if "quickReply" in message and message["quickReply"] is not None:
        details += _check_quick_reply(message["quickReply"], f"{prop}.quickReply")
    return details


def check_messages(messages: Any) -> Details:
    if not isinstance(messages, list) or not 1 <= len(messages) <= MAX_MESSAGES:
        return [_detail(f"Size must be between 1 and {MAX_MESSAGES}", "messages")]
    details: Details = []
    for i, message in enumerate(messages):
        details += _check_message(message, f"messages[{i}]")
    return details


def check_recipient(to: Any) -> Details:
    if not isinstance(to, str) or not to:
        return [_detail("May not be empty", "to")]
    return []


def check_recipients(to: Any) -> Details:
    if not isinstance(to, list) or not 1 <= len(to) <= MAX_MULTICAST_RECIPIENTS:
        return [_detail(f"Size must be between 1 and {MAX_MULTICAST_RECIPIENTS}", "to")]
    if not all(isinstance(user, str) and user for user in to):
        return [_detail("May not be empty", "to")]
    return []
