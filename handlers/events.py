"""LINE webhook events as our own plain types.

We read the JSON ourselves instead of through the SDK's strict models: those turn an event with one
unexpected field (a text without quoteToken, a follow without isUnblocked, a new sticker type) into
UnknownEvent and lose its user id. Here a missing field is just missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

ACTIVE = "active"
STANDBY = "standby"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True)
class Location:
    title: str | None
    address: str | None
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class IncomingEvent:
    event_id: str
    type: str
    mode: str = ACTIVE
    timestamp: datetime | None = None
    reply_token: str | None = None
    source_type: str | None = None
    user_id: str | None = None
    chat_id: str | None = None  # where an answer goes: the group/room, else the user
    message_type: str | None = None
    message_id: str | None = None
    text: str | None = None
    file_name: str | None = None
    content_provider: str | None = None
    location: Location | None = None
    postback_data: str | None = None
    postback_params: dict[str, Any] = field(default_factory=dict)
    is_unblocked: bool = False
    is_redelivery: bool = False

    @property
    def is_standby(self) -> bool:
        return self.mode == STANDBY

    @property
    def is_text(self) -> bool:
        return self.type == "message" and self.message_type == "text" and self.text is not None


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def parse_event(raw: dict[str, Any]) -> IncomingEvent:
    source = _dict(raw.get("source"))
    message = _dict(raw.get("message"))
    postback = _dict(raw.get("postback"))
    timestamp = raw.get("timestamp")
    user_id = _str(source.get("userId"))
    chat_id = _str(source.get("groupId")) or _str(source.get("roomId")) or user_id
    location = None
    if message.get("type") == "location":
        location = Location(
            title=_str(message.get("title")),
            address=_str(message.get("address")),
            latitude=_float(message.get("latitude")),
            longitude=_float(message.get("longitude")),
        )
    return IncomingEvent(
        event_id=str(raw.get("webhookEventId", "")),
        type=str(raw.get("type", "unknown")),
        mode=_str(raw.get("mode")) or ACTIVE,
        timestamp=datetime.fromtimestamp(timestamp / 1000, UTC) if isinstance(timestamp, int | float) else None,
        reply_token=_str(raw.get("replyToken")),
        source_type=_str(source.get("type")),
        user_id=user_id,
        chat_id=chat_id,
        message_type=_str(message.get("type")),
        message_id=_str(message.get("id")),
        text=message.get("text") if isinstance(message.get("text"), str) else None,
        file_name=_str(message.get("fileName")),
        content_provider=_str(_dict(message.get("contentProvider")).get("type")),
        location=location,
        postback_data=postback.get("data") if isinstance(postback.get("data"), str) else None,
        postback_params=_dict(postback.get("params")),
        is_unblocked=bool(_dict(raw.get("follow")).get("isUnblocked")),
        is_redelivery=bool(_dict(raw.get("deliveryContext")).get("isRedelivery")),
    )
