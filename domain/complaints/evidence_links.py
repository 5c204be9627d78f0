"""Short-lived signed links to one evidence file of a complaint, for the officer it was made for.

Stateless like the report links (domain/reports/links.py) but keyed apart (its own purpose label) and
valid for minutes: the token names the organisation, the complaint, the evidence file, the officer and the
expiry. A link alone opens nothing: whoever serves it checks again that this officer still handles the case
(usecases/complaint_evidence.py), so a link forwarded to someone else, or kept after the case moved on,
gives nothing more than what the officer may see today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from domain.signed_tokens import BadToken, derive_key, open_token, seal

TOKEN_VERSION = "e1"


@dataclass(frozen=True)
class EvidenceTicket:
    org_id: int
    complaint_id: int
    evidence_id: int
    member_id: int


class BadEvidenceLink(ValueError):
    """Not a link we made (mangled, forged, or signed with another key)."""


class ExpiredEvidenceLink(ValueError):
    def __init__(self, ticket: EvidenceTicket, expired_at: datetime) -> None:
        super().__init__(f"expired at {expired_at.isoformat()}")
        self.ticket = ticket
        self.expired_at = expired_at


@dataclass(frozen=True)
class EvidenceSigner:
    secret: bytes

    @classmethod
    def from_secret_key(cls, secret_key: str) -> EvidenceSigner:
        return cls(derive_key(secret_key, b"itabot/evidence-link"))

    def sign(self, ticket: EvidenceTicket, expires_at: datetime) -> str:
        return seal(self.secret, (TOKEN_VERSION, ticket.org_id, ticket.complaint_id, ticket.evidence_id,
                                  ticket.member_id, int(expires_at.timestamp())))

    def verify(self, token: str, now: datetime) -> EvidenceTicket:
        """The ticket of a genuine, unexpired token; BadEvidenceLink or ExpiredEvidenceLink otherwise."""
        try:
            fields = open_token(self.secret, token)
        except BadToken as exc:
            raise BadEvidenceLink(str(exc)) from None
        try:
            version, org, complaint, evidence, member, expiry = fields
            if version != TOKEN_VERSION:
                raise ValueError(version)
            ticket = EvidenceTicket(int(org), int(complaint), int(evidence), int(member))
            expires_at = datetime.fromtimestamp(int(expiry), UTC)
        except ValueError:
            raise BadEvidenceLink("bad payload") from None
        if now >= expires_at:
            raise ExpiredEvidenceLink(ticket, expires_at)
        return ticket


@dataclass(frozen=True)
class EvidenceLinks:
    """Makes the links the web app serves under `<base_url>/evidence/<token>`."""

    signer: EvidenceSigner
    base_url: str
    valid_for: timedelta = timedelta(minutes=30)

    def link(self, ticket: EvidenceTicket, now: datetime) -> tuple[str, datetime]:
        expires_at = now + self.valid_for
        return f"{self.base_url.rstrip('/')}/evidence/{self.signer.sign(ticket, expires_at)}", expires_at
