"""The inbox claim keeps its rules when some events are overdue (being handled, their lease run out): each
organisation's oldest due event first (an overdue one among them), the oldest of those first, then the rest oldest
first; a chat's events in order (#17: what a cheaper claim must keep)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, text

from storage.clock import utcnow
from storage.db import make_engine
from storage.inbox_claim import claim_rows


def _organisation(c: Connection, slug: str, now: datetime) -> int:
    org: int = c.scalar(text("INSERT INTO organisations (slug, name, timezone, created_at)"
                             " VALUES (:slug, :slug, 'Asia/Bangkok', :now) RETURNING id"), {"slug": slug, "now": now})
    return org


def _event(c: Connection, org: int, name: str, chat: str, at: datetime, status: str = "pending",
           lease_until: datetime | None = None) -> int:
    event_id: int = c.scalar(text(
        "INSERT INTO inbox_events (org_id, webhook_event_id, chat_key, event_type, payload, is_redelivery,"
        " event_time, received_at, status, attempts, next_attempt_at, lease_until)"
        " VALUES (:org, :name, :chat, 'message', '{}', false, :at, :at, :status, :attempts, :at, :lease)"
        " RETURNING id"),
        {"org": org, "name": name, "chat": chat, "at": at, "status": status,
         "attempts": 1 if status == "processing" else 0, "lease": lease_until})
    return event_id


def test_overdue_events_keep_the_claims_order(database_url: str) -> None:
    """Organisation A: an event whose processor's lease ran out (the oldest of all) and a later one of its chat,
    and a newer event of another chat; organisation B: two events. The claim takes A's overdue event and B's
    oldest first, then the rest oldest first; with room for two only, those two."""
    engine = make_engine(database_url)
    now = utcnow()
    minute = timedelta(minutes=1)
    try:
        with engine.begin() as c:
            a, b = _organisation(c, "a", now), _organisation(c, "b", now)
            overdue = _event(c, a, "a1", "Ua", now - 10 * minute, "processing", lease_until=now - minute)
            b_first = _event(c, b, "b1", "Ub", now - 9 * minute)
            a_later = _event(c, a, "a2", "Ua", now - 8 * minute)
            b_later = _event(c, b, "b2", "Ub2", now - 7 * minute)
            a_other = _event(c, a, "a3", "Ua2", now - 6 * minute)
        with engine.connect() as c:
            two = [row[0] for row in claim_rows(c, now, 2, now + minute)]
            c.rollback()
        assert two == [overdue, b_first]
        with engine.begin() as c:
            taken = [(row[0], row[4]) for row in claim_rows(c, now, 10, now + minute)]
        assert taken == [(overdue, 2), (b_first, 1), (a_later, 1), (b_later, 1), (a_other, 1)]
    finally:
        engine.dispose()
