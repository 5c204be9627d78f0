"""Pseudonyms for logs: a LINE user id never reaches a log line, a keyed hash of it does."""

from __future__ import annotations

import hashlib
import hmac

_key: bytes = b"itabot-unconfigured"


def configure_pseudonyms(secret_key: str) -> None:
    global _key
    _key = hashlib.sha256(b"itabot-log-pseudonym:" + secret_key.encode()).digest()


def pseudonym(line_user_id: str | None) -> str:
    """A stable, non-reversible reference to a LINE user for log lines: `u:3f9a1c2b7d0e`."""
    if not line_user_id:
        return "u:-"
    return "u:" + hmac.new(_key, line_user_id.encode(), hashlib.sha256).hexdigest()[:12]
