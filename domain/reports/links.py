"""Signed download links to reports, stateless: what to render and until when, signed with a key derived
from the app's SECRET_KEY. Nothing is stored; a link works until its expiry (or until SECRET_KEY changes).

A token is `<payload>.<signature>` in URL-safe base64; the payload names the organisation, the report
(progress of a round, or complaint statistics), the fiscal year, the format and the expiry."""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

TOKEN_VERSION = "r1"
SIGNATURE_BYTES = 18  # 144 bits


class ReportKind(enum.StrEnum):
    PROGRESS = "progress"
    COMPLAINTS = "complaints"


class ReportFormat(enum.StrEnum):
    DOCX = "docx"
    XLSX = "xlsx"
    CSV = "csv"

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self]


CONTENT_TYPES = {
    ReportFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ReportFormat.CSV: "text/csv; charset=utf-8",
}
FORMATS_BY_KIND = {
    ReportKind.PROGRESS: (ReportFormat.DOCX, ReportFormat.XLSX, ReportFormat.CSV),
    ReportKind.COMPLAINTS: (ReportFormat.DOCX, ReportFormat.XLSX),
}


@dataclass(frozen=True)
class ReportTicket:
    """What a link gives: `round_months` is the round (0 for complaint statistics)."""

    org_id: int
    kind: ReportKind
    fiscal_year_be: int
    round_months: int
    format: ReportFormat

    def __post_init__(self) -> None:
        if self.format not in FORMATS_BY_KIND[self.kind]:
            raise ValueError(f"{self.kind} reports come as {', '.join(FORMATS_BY_KIND[self.kind])}")

    def file_name(self) -> str:
        """An ASCII file name (the Thai one is given alongside in Content-Disposition)."""
        if self.kind is ReportKind.PROGRESS:
            return f"ita-progress-{self.fiscal_year_be}-r{self.round_months}.{self.format}"
        return f"complaint-statistics-{self.fiscal_year_be}.{self.format}"


class BadLink(ValueError):
    """Not a link we made (mangled, forged, or signed with another key)."""


class ExpiredLink(ValueError):
    def __init__(self, ticket: ReportTicket, expired_at: datetime) -> None:
        super().__init__(f"expired at {expired_at.isoformat()}")
        self.ticket = ticket
        self.expired_at = expired_at


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class LinkSigner:
    secret: bytes

    @classmethod
    def from_secret_key(cls, secret_key: str) -> LinkSigner:
        return cls(hmac.new(secret_key.encode("utf-8"), b"itabot/report-link", hashlib.sha256).digest())

    def _signature(self, payload: bytes) -> bytes:
        return hmac.new(self.secret, payload, hashlib.sha256).digest()[:SIGNATURE_BYTES]

    def sign(self, ticket: ReportTicket, expires_at: datetime) -> str:
        expiry = int(expires_at.timestamp())
        payload = (f"{TOKEN_VERSION}|{ticket.org_id}|{ticket.kind}|{ticket.fiscal_year_be}|"
                   f"{ticket.round_months}|{ticket.format}|{expiry}").encode("ascii")
        return f"{_b64(payload)}.{_b64(self._signature(payload))}"

    def verify(self, token: str, now: datetime) -> ReportTicket:
        """The ticket of a genuine, unexpired token; BadLink or ExpiredLink otherwise."""
        try:
            payload_text, signature_text = token.split(".")
            payload, signature = _unb64(payload_text), _unb64(signature_text)
        except (ValueError, binascii.Error):
            raise BadLink("malformed") from None
        if not hmac.compare_digest(signature, self._signature(payload)):
            raise BadLink("bad signature")
        try:
            version, org, kind, year, months, fmt, expiry = payload.decode("ascii").split("|")
            if version != TOKEN_VERSION:
                raise ValueError(version)
            ticket = ReportTicket(int(org), ReportKind(kind), int(year), int(months), ReportFormat(fmt))
            expires_at = datetime.fromtimestamp(int(expiry), UTC)
        except (ValueError, UnicodeDecodeError):
            raise BadLink("bad payload") from None
        if now >= expires_at:
            raise ExpiredLink(ticket, expires_at)
        return ticket


@dataclass(frozen=True)
class SignedLink:
    url: str
    expires_at: datetime


@dataclass(frozen=True)
class ReportLinks:
    """Makes the download links the web app serves under `<base_url>/reports/<token>`."""

    signer: LinkSigner
    base_url: str
    valid_for: timedelta = timedelta(days=7)

    def link(self, ticket: ReportTicket, now: datetime) -> SignedLink:
        expires_at = now + self.valid_for
        return SignedLink(f"{self.base_url.rstrip('/')}/reports/{self.signer.sign(ticket, expires_at)}", expires_at)
