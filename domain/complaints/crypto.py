"""Envelope encryption of a complainant's identity, so it can be destroyed complaint by complaint.

Each complaint's identity (name, contact, LINE user id...) is encrypted with its own random data key
(AES-256-GCM, bound to the complaint by associated data). The data key is stored wrapped (encrypted) by
the master key, which lives only in the environment. Deleting a complaint's wrapped key destroys the
identity for good ("crypto-shredding"): the ciphertext left in the database and in backups is useless.
Rotating the master key re-wraps the data keys; the ciphertexts do not change.

`seal_json`/`open_json` are the same AES-256-GCM for short-lived values sealed under a derived key (the
drafts of conversations in progress)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MASTER_KEY_ENV = "ITABOT_MASTER_KEY"
KEY_BYTES = 32
NONCE_BYTES = 12
KEY_ID_BYTES = 4
_VERSION = b"\x01"
_WRAP_AAD = b"itabot/identity/data-key/v1"
_SEAL_AAD = b"itabot/identity/v1|"


class IdentityCryptoError(ValueError):
    """A sealed identity or wrapped key cannot be opened: wrong master key, wrong complaint (associated
    data), corrupted or truncated bytes."""


@dataclass(frozen=True)
class MasterKey:
    key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.key, bytes) or len(self.key) != KEY_BYTES:
            raise ValueError(f"a master key is {KEY_BYTES} bytes")

    @classmethod
    def from_b64(cls, text: str) -> MasterKey:
        """The key from its base64 text (standard or URL-safe alphabet). The error never echoes the text."""
        cleaned = "".join(text.split())
        if not cleaned:
            raise ValueError(f"the master key is empty: set {MASTER_KEY_ENV} to base64 of {KEY_BYTES} random bytes")
        try:
            cleaned = cleaned.replace("-", "+").replace("_", "/").rstrip("=")
            raw = base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(
                f"the master key is not valid base64: expected base64 of {KEY_BYTES} random bytes"
            ) from None
        if len(raw) != KEY_BYTES:
            raise ValueError(
                f"the master key decodes to {len(raw)} bytes, expected {KEY_BYTES} (base64 of {KEY_BYTES} random bytes)"
            )
        return cls(raw)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, name: str = MASTER_KEY_ENV) -> MasterKey:
        env = os.environ if environ is None else environ
        value = env.get(name)
        if value is None:
            raise ValueError(f"{name} is not set: it must hold base64 of {KEY_BYTES} random bytes")
        return cls.from_b64(value)

    @property
    def key_id(self) -> bytes:
        """A short public fingerprint of the key, stored with each wrapped key to tell which master wrapped it."""
        return hmac.new(self.key, b"itabot/key-id", hashlib.sha256).digest()[:KEY_ID_BYTES]


def generate_master_key_b64() -> str:
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


@dataclass(frozen=True)
class SealedIdentity:
    wrapped_key: bytes = field(repr=False)
    ciphertext: bytes = field(repr=False)


def _encrypt(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _decrypt(key: bytes, blob: bytes, aad: bytes, what: str) -> bytes:
    if len(blob) < NONCE_BYTES + 16:
        raise IdentityCryptoError(f"the {what} is truncated")
    try:
        return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
    except InvalidTag:
        raise IdentityCryptoError(f"the {what} cannot be opened with this key and associated data") from None


def seal_json(key: bytes, value: Any, aad: bytes) -> bytes:
    """version | nonce | AES-256-GCM(`key`, `value` as JSON), bound to `aad`."""
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return _VERSION + _encrypt(key, body, aad)


def open_json(key: bytes, blob: bytes, aad: bytes) -> Any:
    """The value `seal_json` sealed; IdentityCryptoError when this key and `aad` cannot open it."""
    if blob[:1] != _VERSION:
        raise IdentityCryptoError("the sealed value has an unknown format")
    return json.loads(_decrypt(key, blob[1:], aad, "sealed value").decode("utf-8"))


def wrap_key(master: MasterKey, data_key: bytes) -> bytes:
    """version | master key id | nonce | AES-GCM(master, data key)."""
    header = _VERSION + master.key_id
    return header + _encrypt(master.key, data_key, _WRAP_AAD + header)


def unwrap_key(master: MasterKey, wrapped_key: bytes) -> bytes:
    header = wrapped_key[: 1 + KEY_ID_BYTES]
    if len(header) < 1 + KEY_ID_BYTES or header[:1] != _VERSION:
        raise IdentityCryptoError("the wrapped key has an unknown format")
    if header[1:] != master.key_id:
        raise IdentityCryptoError("the wrapped key was wrapped by another master key")
    data_key = _decrypt(master.key, wrapped_key[len(header) :], _WRAP_AAD + header, "wrapped key")
    if len(data_key) != KEY_BYTES:
        raise IdentityCryptoError("the wrapped key holds a key of the wrong size")
    return data_key


def wrapped_by(master: MasterKey, wrapped_key: bytes) -> bool:
    """Whether `wrapped_key` names `master` as its wrapping key (to find the keys left to rotate)."""
    return wrapped_key[:1] == _VERSION and wrapped_key[1 : 1 + KEY_ID_BYTES] == master.key_id


def seal_identity(master: MasterKey, plaintext: dict[str, Any], aad: bytes) -> SealedIdentity:
    """Encrypt `plaintext` (JSON-serialisable) under a fresh data key; `aad` binds it to the complaint
    (e.g. the complaint's id): opening needs the same `aad`."""
    data_key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
    body = json.dumps(plaintext, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    ciphertext = _VERSION + _encrypt(data_key, body, _SEAL_AAD + aad)
    return SealedIdentity(wrapped_key=wrap_key(master, data_key), ciphertext=ciphertext)


def open_identity(master: MasterKey, sealed: SealedIdentity, aad: bytes) -> dict[str, Any]:
    data_key = unwrap_key(master, sealed.wrapped_key)
    if sealed.ciphertext[:1] != _VERSION:
        raise IdentityCryptoError("the sealed identity has an unknown format")
    body = _decrypt(data_key, sealed.ciphertext[1:], _SEAL_AAD + aad, "sealed identity")
    value = json.loads(body.decode("utf-8"))
    if not isinstance(value, dict):
        raise IdentityCryptoError("the sealed identity does not hold an object")
    return value


def rewrap(old_master: MasterKey, new_master: MasterKey, wrapped_key: bytes) -> bytes:
    """The data key in `wrapped_key` wrapped by `new_master` instead (master key rotation)."""
    return wrap_key(new_master, unwrap_key(old_master, wrapped_key))
