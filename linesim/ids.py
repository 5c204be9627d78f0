"""Identifier formats LINE uses: ULID webhook event ids, numeric message ids, tokens, request ids."""

from __future__ import annotations

import secrets
import time
import uuid

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _base32(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def new_ulid(now: float | None = None) -> str:
    """A 26-character ULID: 48-bit millisecond timestamp + 80 random bits, Crockford base32."""
    millis = int((time.time() if now is None else now) * 1000) & ((1 << 48) - 1)
    return _base32(millis, 10) + _base32(secrets.randbits(80), 16)


def new_message_id() -> str:
    """LINE message ids are decimal strings of about 18 digits."""
    return str(10**17 + secrets.randbelow(9 * 10**17))


def new_reply_token() -> str:
    return secrets.token_hex(16)


def new_quote_token() -> str:
    return secrets.token_urlsafe(48)


def new_request_id() -> str:
    return str(uuid.uuid4())


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return False
    return len(value) == 36


def now_ms() -> int:
    return int(time.time() * 1000)
