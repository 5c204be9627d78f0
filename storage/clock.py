"""Time in one place: aware UTC datetimes everywhere in storage and domain code."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
