"""Builders of LINE webhook event objects (plain dicts, as LINE sends them). They send nothing."""

from __future__ import annotations

from typing import Any

from . import ids

DEFAULT_DESTINATION = "Udeadbeefdeadbeefdeadbeefdeadbeef"
# JPEG magic bytes around a marker: enough for a bot that sniffs the type, not a decodable picture.
DEFAULT_IMAGE = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00fake-line-image\xff\xd9"
DEFAULT_AUDIO = b"\x00\x00\x00\x18ftypM4A fake-line-audio"
MODES = ("active", "standby")


def base_event(
    event_type: str, user_id: str, reply_token: str | None, mode: str = "active"
) -> dict[str, Any]:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    event: dict[str, Any] = {"type": event_type}
    if reply_token is not None:
        event["replyToken"] = reply_token
    event.update(
        {
            "mode": mode,
            "timestamp": ids.now_ms(),
            "source": {"type": "user", "userId": user_id},
            "webhookEventId": ids.new_ulid(),
            "deliveryContext": {"isRedelivery": False},
        }
    )
    return event


def message_event(
    user_id: str, reply_token: str | None, message: dict[str, Any], mode: str = "active"
) -> dict[str, Any]:
    event = base_event("message", user_id, reply_token, mode)
    event["message"] = {"id": ids.new_message_id(), **message}
    return event


def text_message(text: str) -> dict[str, Any]:
    return {"type": "text", "quoteToken": ids.new_quote_token(), "text": text}


def image_message() -> dict[str, Any]:
    return {"type": "image", "quoteToken": ids.new_quote_token(), "contentProvider": {"type": "line"}}


def file_message(file_name: str, size: int) -> dict[str, Any]:
    return {"type": "file", "fileName": file_name, "fileSize": size}


def location_message(title: str, address: str, latitude: float, longitude: float) -> dict[str, Any]:
    return {
        "type": "location",
        "title": title,
        "address": address,
        "latitude": latitude,
        "longitude": longitude,
    }


def sticker_message(package_id: str, sticker_id: str, keywords: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "sticker",
        "quoteToken": ids.new_quote_token(),
        "packageId": package_id,
        "stickerId": sticker_id,
        "stickerResourceType": "STATIC",
        "keywords": keywords if keywords is not None else ["Happy", "Smile"],
    }


def audio_message(duration_ms: int) -> dict[str, Any]:
    return {"type": "audio", "duration": duration_ms, "contentProvider": {"type": "line"}}


def follow_event(user_id: str, reply_token: str, is_unblocked: bool = False) -> dict[str, Any]:
    event = base_event("follow", user_id, reply_token)
    event["follow"] = {"isUnblocked": is_unblocked}
    return event


def unfollow_event(user_id: str) -> dict[str, Any]:
    return base_event("unfollow", user_id, None)


def postback_event(
    user_id: str,
    reply_token: str | None,
    data: str,
    params: dict[str, str] | None = None,
    mode: str = "active",
) -> dict[str, Any]:
    event = base_event("postback", user_id, reply_token, mode)
    event["postback"] = {"data": data}
    if params:
        event["postback"]["params"] = dict(params)
    return event


def as_redelivery(event: dict[str, Any]) -> dict[str, Any]:
    """The same event (same webhookEventId and replyToken) flagged as a redelivery."""
    redelivered = {key: value for key, value in event.items() if key != "deliveryContext"}
    redelivered["deliveryContext"] = {**event.get("deliveryContext", {}), "isRedelivery": True}
    return redelivered
