"""A complaint's sealed identity: the associated data that binds it to its complaint, and opening it with
the master key (None when there is none or it was destroyed by retention)."""

from __future__ import annotations

import logging
from typing import Any

from domain.complaints.crypto import IdentityCryptoError, MasterKey, SealedIdentity, open_identity
from storage.complaint_models import Complaint

log = logging.getLogger(__name__)


def identity_aad(complaint: Complaint) -> bytes:
    return f"itabot/complaint/{complaint.org_id}/{complaint.id}".encode()


def complainant_identity(master: MasterKey, complaint: Complaint) -> dict[str, Any] | None:
    """The sealed identity (line_user_id, name, phone, code), or None when there is none or it was destroyed."""
    if complaint.identity_key is None or complaint.identity_sealed is None:
        return None
    try:
        return open_identity(master, SealedIdentity(complaint.identity_key, complaint.identity_sealed),
                             identity_aad(complaint))
    except IdentityCryptoError:
        log.error("complaint %s: the sealed identity cannot be opened with the configured key", complaint.id)
        return None
