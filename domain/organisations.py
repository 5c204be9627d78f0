"""Organisations served by one deployment: their slugs, and their LINE channel credentials sealed at rest.

Each organisation has its own LINE Official Account (a channel): a channel secret (webhook signatures) and
an access token, either long-lived (issued in the LINE console) or short-lived (issued from the channel id
and the secret, refreshed before it expires). The secret and the token are stored sealed with AES-256-GCM
under CREDENTIALS_KEY, each bound to its organisation and field, so a sealed value copied to another row or
column cannot be opened."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.complaints.crypto import IdentityCryptoError, MasterKey, open_json, seal_json

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_AAD = "itabot/org-credentials/v1|{org_id}|{field}"
# A short-lived token (30 days) is replaced this long before it expires; a shorter-lived one at half its life.
REFRESH_BEFORE = timedelta(days=7)


class TokenKind(enum.StrEnum):
    LONG_LIVED = "long_lived"  # issued in the LINE Developers console, no expiry
    SHORT_LIVED = "short_lived"  # issued from the channel id + secret (POST /v2/oauth/accessToken), 30 days


class CredentialsError(ValueError):
    """Sealed credentials cannot be opened: another CREDENTIALS_KEY, or moved to another row."""


def valid_slug(slug: str) -> bool:
    """1–63 of a–z, 0–9 and '-', not starting with '-': the slug is part of URLs (/callback/<slug>)."""
    return bool(SLUG_PATTERN.match(slug))


def refresh_at(issued_at: datetime, expires_in: timedelta) -> datetime:
    """When a token issued at `issued_at`, living `expires_in`, should be replaced."""
    return issued_at + expires_in - min(REFRESH_BEFORE, expires_in / 2)


@dataclass(frozen=True)
class CredentialsBox:
    """Seals and opens an organisation's channel secret and access token under CREDENTIALS_KEY."""

    key: MasterKey = field(repr=False)

    @classmethod
    def from_b64(cls, text: str) -> CredentialsBox:
        return cls(MasterKey.from_b64(text))

    def seal(self, org_id: int, field_name: str, value: str) -> bytes:
        return seal_json(self.key.key, value, _AAD.format(org_id=org_id, field=field_name).encode())

    def open(self, org_id: int, field_name: str, blob: bytes) -> str:
        try:
            value = open_json(self.key.key, blob, _AAD.format(org_id=org_id, field=field_name).encode())
        except IdentityCryptoError as exc:
            raise CredentialsError(f"the {field_name} of organisation {org_id} cannot be opened: {exc}") from None
        return str(value)
