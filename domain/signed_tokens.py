"""Stateless signed tokens, shared by every signed link (report downloads, complaint evidence): the fields
joined by "|" as the payload, `<payload>.<signature>` in URL-safe base64, HMAC-SHA256 under a key derived
from SECRET_KEY for one purpose (so a token of one kind never verifies as another)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence

SIGNATURE_BYTES = 18  # 144 bits


class BadToken(ValueError):
    """Not a token signed with this key (mangled, forged, or of another purpose)."""


def derive_key(secret_key: str, purpose: bytes) -> bytes:
    return hmac.new(secret_key.encode("utf-8"), purpose, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()[:SIGNATURE_BYTES]


def seal(key: bytes, fields: Sequence[object]) -> str:
    payload = "|".join(str(field) for field in fields).encode("ascii")
    return f"{_b64(payload)}.{_b64(_signature(key, payload))}"


def open_token(key: bytes, token: str) -> list[str]:
    """The fields of a genuine token; BadToken otherwise."""
    try:
        payload_text, signature_text = token.split(".")
        payload, signature = _unb64(payload_text), _unb64(signature_text)
    except (ValueError, binascii.Error):
        raise BadToken("malformed") from None
    if not hmac.compare_digest(signature, _signature(key, payload)):
        raise BadToken("bad signature")
    try:
        return payload.decode("ascii").split("|")
    except UnicodeDecodeError:
        raise BadToken("bad payload") from None
