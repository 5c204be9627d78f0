"""Signs webhook bodies exactly as LINE does and posts them to the bot."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import requests

USER_AGENT = "LineBotWebhook/2.0"


def sign(channel_secret: str, body: bytes) -> str:
    """base64(HMAC-SHA256(channel secret, raw body bytes)): the `x-line-signature` header value."""
    digest = hmac.new(channel_secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def encode_body(destination: str, events: list[dict[str, Any]]) -> bytes:
    """Compact UTF-8 JSON, like LINE's own payloads."""
    payload = {"destination": destination, "events": events}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def post_webhook(
    url: str,
    body: bytes,
    signature: str | None,
    timeout: float = 10.0,
) -> requests.Response:
    """POSTs the raw body; `signature=None` leaves the header out (for testing the bot's rejection)."""
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT}
    if signature is not None:
        headers["x-line-signature"] = signature
    return requests.post(url, data=body, headers=headers, timeout=timeout)
