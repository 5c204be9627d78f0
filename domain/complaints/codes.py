"""Tracking codes ("ร-7K3M-Q9") and PINs that let a complainant follow a complaint without being known.

Codes use an alphabet without look-alikes (0/O, 1/I/L, 5/S, 2/Z), so whatever a person reads off a
screen or a sheet of paper and types back can be matched. PINs and other secrets are stored only as
keyed HMACs."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from domain.thai_text import normalise, to_arabic_digits

CODE_PREFIX = "ร"
CODE_ALPHABET = "346789ABCDEFGHJKMNPQRTUVWXY"
CODE_LENGTH = 6
PIN_LENGTH = 6

_CODE_CHARS = frozenset(CODE_ALPHABET)
# Separators people put inside codes and PINs: spaces, ASCII and Unicode dashes, dots, underscores.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212._/]+")
_FOLLOW_UP = re.compile(r"^ติดตาม(?:เรื่อง)?(?P<rest>.*)$", re.DOTALL)
_FOLLOW_UP_ARGS = re.compile(
    rf"^(?:{CODE_PREFIX}|R)?(?P<code>[0-9A-Z]{{{CODE_LENGTH}}})(?P<pin>[0-9]{{{PIN_LENGTH}}})?$"
)


def new_tracking_code() -> str:
    """A fresh random code such as "ร-7K3M-Q9". It always holds a letter, so it never looks like a PIN."""
    while True:
        body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not body.isdigit():
            return _format_code(body)


def _format_code(body: str) -> str:
    return f"{CODE_PREFIX}-{body[:4]}-{body[4:]}"


def _compact(text: str) -> str:
    return _SEPARATORS.sub("", to_arabic_digits(normalise(text))).upper()


def normalise_tracking_code(text: str) -> str | None:
    """The canonical code ("ร-7K3M-Q9") for what a person typed ("ร7k3mq9", "7K3M Q9", "ร-๗K๓M-Q๙"),
    or None when it cannot be a code we issue."""
    compact = _compact(text)
    if compact.startswith(CODE_PREFIX):
        compact = compact[len(CODE_PREFIX) :]
    elif len(compact) == CODE_LENGTH + 1 and compact.startswith("R"):
        compact = compact[1:]  # the Thai prefix typed on a Latin keyboard
    if len(compact) != CODE_LENGTH or not set(compact) <= _CODE_CHARS or compact.isdigit():
        return None
    return _format_code(compact)


def new_pin() -> str:
    """A random 6-digit PIN (leading zeros kept)."""
    return f"{secrets.randbelow(10**PIN_LENGTH):0{PIN_LENGTH}d}"


def normalise_secret(value: str) -> str:
    """The form a secret is hashed in: a tracking code in canonical form, anything else with Thai digits
    made Arabic, separators removed and letters upper-cased (so "๑๒๓ ๔๕๖" matches "123456")."""
    code = normalise_tracking_code(value)
    if code is not None and not _compact(value).isdigit():
        return code
    return _compact(value)


def hash_secret(value: str, key: bytes) -> str:
    """HMAC-SHA256 (hex) of the normalised value under `key`."""
    if not key:
        raise ValueError("hash_secret needs a non-empty key")
    return hmac.new(key, normalise_secret(value).encode("utf-8"), hashlib.sha256).hexdigest()


def secrets_match(value: str, digest: str, key: bytes) -> bool:
    """Whether `value` hashes to `digest`, compared in constant time."""
    expected = hash_secret(value, key).encode("ascii")
    return hmac.compare_digest(expected, digest.strip().lower().encode("utf-8"))


def parse_follow_up(text: str) -> tuple[str, str | None] | None:
    """(code, PIN or None) for "ติดตาม ร-7K3M-Q9 123456", "ติดตาม ร7k3mq9 ๑๒๓๔๕๖", "ติดตาม ร-7K3M-Q9";
    None when the text is not a follow-up request with a well-formed code (and, if given, a 6-digit PIN)."""
    match = _FOLLOW_UP.match(normalise(text))
    if match is None:
        return None
    found = _FOLLOW_UP_ARGS.match(_compact(match["rest"]))
    if found is None:
        return None
    code = normalise_tracking_code(found["code"])
    if code is None:
        return None
    return code, found["pin"]
