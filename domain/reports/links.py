"""Signed download links to reports, stateless: what to render and until when, signed with a key derived
from the app's SECRET_KEY. Nothing is stored; a link works until its expiry (or until SECRET_KEY changes).

A token is `<payload>.<signature>` in URL-safe base64; the payload names the organisation, the report
(progress of a round, or complaint statistics), the fiscal year, the format and the expiry."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from domain.signed_tokens import BadToken, derive_key, open_token, seal

TOKEN_VERSION = "r1"


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


@dataclass(frozen=True)
class LinkSigner:
    secret: bytes

    @classmethod
    def from_secret_key(cls, secret_key: str) -> LinkSigner:
        return cls(derive_key(secret_key, b"itabot/report-link"))

    def sign(self, ticket: ReportTicket, expires_at: datetime) -> str:
        return seal(self.secret, (TOKEN_VERSION, ticket.org_id, ticket.kind, ticket.fiscal_year_be,
                                  ticket.round_months, ticket.format, int(expires_at.timestamp())))

    def verify(self, token: str, now: datetime) -> ReportTicket:
        """The ticket of a genuine, unexpired token; BadLink or ExpiredLink otherwise."""
        try:
            fields = open_token(self.secret, token)
        except BadToken as exc:
            raise BadLink(str(exc)) from None
        try:
            version, org, kind, year, months, fmt, expiry = fields
            if version != TOKEN_VERSION:
                raise ValueError(version)
            ticket = ReportTicket(int(org), ReportKind(kind), int(year), int(months), ReportFormat(fmt))
            expires_at = datetime.fromtimestamp(int(expiry), UTC)
        except ValueError:
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
