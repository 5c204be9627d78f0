"""The secrets the storage layer keys its own hashes and ciphertexts with.

They are derived from COMPLAINT_KEY (`usecases.complaint_config.ComplaintKeys.storage_keys`) by the
composition root and given to the unit of work factory and the webhook's event store; each has its own
purpose, so a hash made for one table cannot be matched against another."""

from __future__ import annotations

import functools
import hashlib
import hmac
from dataclasses import dataclass, field

# Benchmarks and tests that build storage by hand and never file a complaint: the tombstones of deleted
# events are then hashed with a public key (a webhookEventId carries 80 random bits, so even an unkeyed
# hash of it cannot be tested without the id itself).
UNKEYED = b"itabot/unkeyed"


class MissingKey(RuntimeError):
    """A repository needs a key its unit of work was built without."""


@dataclass(frozen=True)
class StorageKeys:
    # Tombstones of complaint events deleted from the inbox (a keyed hash of the webhookEventId).
    events: bytes = field(default=UNKEYED, repr=False)
    # Conversation drafts: the chat's keyed hash and the sealed draft. None: conversations cannot be used.
    drafts: bytes | None = field(default=None, repr=False)


def keyed_hash(key: bytes, purpose: str, value: str) -> str:
    """HMAC-SHA256 of `value` under `key`, for one `purpose`; 64 hex digits."""
    return hmac.new(_sub_key(key, purpose), value.encode(), hashlib.sha256).hexdigest()


@functools.lru_cache(maxsize=64)
def _sub_key(key: bytes, purpose: str) -> bytes:
    """`key`'s key for one `purpose`, derived once (the webhook hashes every event it stores with the same)."""
    return hmac.new(key, b"itabot/storage/" + purpose.encode(), hashlib.sha256).digest()
