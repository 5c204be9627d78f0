"""The complaint settings handlers need, and the keys derived from the complaint master key.

Every secret that touches a complaint comes from COMPLAINT_KEY: the identity encryption (through
`domain.complaints.crypto`) and the keyed hashes of tracking codes, PINs and LINE accounts. Each hash has
its own purpose label, so a hash made for one table cannot be matched against another (the daily intake
counter cannot be joined to the blocklist or to a complaint's owner). The daily intake counter is keyed
once more by a random secret of its day, which the storage destroys when the day is over.

The composition root builds it from the settings (`bot.config.complaint_config`) and gives it to the handlers.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import date

from domain.complaints.codes import hash_secret, secrets_match
from domain.complaints.crypto import MasterKey
from domain.complaints.evidence_links import EvidenceLinks
from domain.complaints.workflow import DeadlinePolicy
from storage.complaints import IntakeKey
from storage.keys import StorageKeys


def _derive(master: MasterKey, purpose: str) -> bytes:
    return hmac.new(master.key, b"itabot/complaints/" + purpose.encode(), hashlib.sha256).digest()


@dataclass(frozen=True)
class ComplaintKeys:
    master: MasterKey = field(repr=False)

    def _account(self, purpose: str, line_user_id: str, extra: str = "") -> str:
        key = _derive(self.master, purpose)
        return hmac.new(key, f"{line_user_id}|{extra}".encode(), hashlib.sha256).hexdigest()

    # -- codes and PINs (normalised by the domain before hashing) --------------------------------------
    def code_hash(self, code: str) -> str:
        return hash_secret(code, _derive(self.master, "code"))

    def pin_hash(self, pin: str, code: str) -> str:
        # The PIN is hashed together with its code: equal PINs of two complaints hash differently.
        return hash_secret(pin, _derive(self.master, "pin/" + self.code_hash(code)))

    def pin_matches(self, pin: str, code: str, digest: str) -> bool:
        return secrets_match(pin, digest, _derive(self.master, "pin/" + self.code_hash(code)))

    # -- LINE accounts, each purpose keyed apart -----------------------------------------------------------
    def owner_hash(self, line_user_id: str) -> str:
        """On identified/confidential complaints: lets the complainant follow up with the code alone."""
        return self._account("owner", line_user_id)

    def block_hash(self, line_user_id: str) -> str:
        return self._account("block", line_user_id)

    def intake_hash(self, line_user_id: str, day: date) -> IntakeKey:
        """The account's key to `day`'s intake counter; the storage keys it again with the day's own random
        secret, destroyed when the day is over, so COMPLAINT_KEY alone never links a counter to an account."""
        return IntakeKey(day.isoformat(), self._account("intake", line_user_id, day.isoformat()))

    def attempt_account_hash(self, line_user_id: str) -> str:
        return self._account("attempt/account", line_user_id)

    def attempt_code_hash(self, code: str) -> str:
        return hmac.new(_derive(self.master, "attempt/code"), self.code_hash(code).encode(),
                        hashlib.sha256).hexdigest()

    # -- the storage layer's own keys -------------------------------------------------------------------
    def storage_keys(self) -> StorageKeys:
        """For the unit of work and the webhook's event store: the tombstones of deleted complaint events and
        the sealed drafts of conversations in progress."""
        return StorageKeys(events=_derive(self.master, "storage/events"),
                           drafts=_derive(self.master, "storage/drafts"))


@dataclass(frozen=True)
class ComplaintConfig:
    keys: ComplaintKeys
    policy: DeadlinePolicy = field(default_factory=DeadlinePolicy)
    daily_limit: int = 5
    retention_days: float = 365.0
    follow_up_failures_per_hour: int = 5
    # the assigned officer's short-lived links to evidence files in LINE (None: no links are offered)
    evidence_links: EvidenceLinks | None = None
