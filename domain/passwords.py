"""Console passwords: argon2id hashes (argon2-cffi's defaults, with their parameters in the hash) and the
rules a new password must meet."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 10
MAX_LENGTH = 256  # argon2 takes anything, but nobody types more; keeps a huge form from costing much

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True when `password` matches; False for a wrong password or a hash that is not argon2."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's defaults."""
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("itabot-no-such-user")


def waste_a_verification(password: str) -> None:
    """Spend what a real verification costs, so an unknown username answers as slowly as a known one."""
    verify_password(_dummy_hash(), password)


def password_problem(password: str, username: str) -> str | None:
    """Why a new password cannot be used ("short", "long", "username", "blank"), or None."""
    if not password.strip():
        return "blank"
    if len(password) < MIN_LENGTH:
        return "short"
    if len(password) > MAX_LENGTH:
        return "long"
    if username and username.lower() in password.lower():
        return "username"
    return None


USERNAME_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789._-"


def normalise_username(text: str) -> str | None:
    """A console username: 3–32 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit (lower-cased);
    None when `text` is not one."""
    name = text.strip().lower()
    if not 3 <= len(name) <= 32 or not name[0].isalnum() or any(c not in USERNAME_CHARS for c in name):
        return None
    return name
