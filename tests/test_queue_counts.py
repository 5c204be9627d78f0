"""What /healthz, the quota refresh and `itabot inbox|outbox status` count of the two queues (#18): the rows in line
and those kept to look at, never the history of handled events and delivered messages, which a deployment keeps
for ever. On PostgreSQL each count reads a partial index of the queue (migrations 0019 and 0020), so a health
check polled every few seconds costs the same with a year of history as without."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sqlalchemy import Engine, event, text, update

from storage.clock import utcnow
from storage.models import InboxEvent, OutboxMessage, OutboxStatus, Priority
from tests.conftest import RunningBot, wait_for
from tests.support.botcli import run_cli
from tests.support.owner import database_owner

HISTORY = 3000
PARTIAL = {"ix_inbox_events_due", "ix_inbox_events_chat", "ix_outbox_messages_due", "ix_outbox_messages_chat",
           "ix_outbox_messages_to_look_at"}
USER = "U" + "c" * 32


@pytest.fixture
def owner(database_url: str, migrated_template: str) -> Iterator[Engine]:
    with database_owner(migrated_template, "PostgreSQL only: plans of the queues' partial indexes") as engine:
        yield engine


def _queue(bot: RunningBot, outbox: list[str], inbox: list[str]) -> None:
    """Outbox rows and webhook events (through the webhook) with these statuses."""
    with bot.services.uow() as uow:
        for status in outbox:
            [message] = uow.outbox.add_push(bot.org_id, USER, [{"type": "text", "text": status}], Priority.NORMAL,
                                            utcnow())
            uow.session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id).values(status=status))
        uow.commit()
    for i, _ in enumerate(inbox):
        assert bot.fake.send_text(USER, f"m{i}").status_code == 200
    def stored() -> int:
        with bot.services.uow() as uow:
            return sum(uow.inbox.counts_by_status().values())

    assert wait_for(lambda: stored() == len(inbox), timeout=10)
    with bot.services.uow() as uow:
        ids = sorted(uow.session.scalars(text("SELECT id FROM inbox_events")))
        for event_id, status in zip(ids, inbox, strict=True):
            uow.session.execute(update(InboxEvent).where(InboxEvent.id == event_id).values(status=status))
        uow.commit()


def test_healthz_and_the_cli_count_what_is_in_line_and_to_look_at_not_the_history(bot_without_worker: RunningBot
                                                                                  ) -> None:
    bot = bot_without_worker
    _queue(bot, ["delivered", "delivered", "cancelled", "pending", "parked", "failed", "uncertain", "uncertain"],
           ["done", "done", "ignored", "pending", "failed"])
    body = requests.get(f"{bot.url}/healthz", timeout=5).json()
    assert body["outbox"]["by_status"] == {"pending": 1, "parked": 1, "failed": 1, "uncertain": 2}
    assert body["inbox"]["by_status"] == {"pending": 1, "failed": 1}
    assert body["outbox"]["oldest_undelivered_age_seconds"] >= 0
    assert "by status: failed=1, parked=1, pending=1, uncertain=2" in run_cli(bot, "outbox", "status")
    assert "by status: failed=1, pending=1" in run_cli(bot, "inbox", "status")
    with bot.services.uow() as uow:  # the whole count, history included, is still there for tests and benches
        assert uow.outbox.counts_by_status()[OutboxStatus.DELIVERED.value] == 2


def _history(engine: Engine, org_id: int, rows: int) -> None:
    """`rows` handled events and delivered messages, a few of each finished status, one of each still in line."""
    now = utcnow()
    with engine.begin() as c:
        c.execute(text(
            "INSERT INTO inbox_events (org_id, webhook_event_id, chat_key, event_type, payload, is_redelivery,"
            " received_at, status, attempts, next_attempt_at, processed_at)"
            " SELECT :org, 'e' || i, 'U' || (i % 100), 'message', '{}', false, :now,"
            " COALESCE((ARRAY['pending', 'processing', 'failed', 'ignored'])[i + 1], 'done'),"
            " 1, :now, :now FROM generate_series(0, :n) i"), {"org": org_id, "now": now, "n": rows})
        c.execute(text(
            "INSERT INTO outbox_messages (org_id, kind, chat_key, retry_key, recipients, messages, priority,"
            " status, attempts, next_attempt_at, created_at, private)"
            " SELECT :org, 'push', 'U' || (i % 100), 'r' || i, '[]', '[]', 0,"
            " COALESCE((ARRAY['pending', 'sending', 'parked', 'failed', 'uncertain', 'cancelled'])[i + 1],"
            " 'delivered'), 1, :now, :now, false FROM generate_series(0, :n) i"),
            {"org": org_id, "now": now, "n": rows})
        c.execute(text("ANALYZE inbox_events, outbox_messages"))


def _scans(node: dict[str, Any]) -> Iterator[tuple[str, str]]:
    if "Relation Name" in node or "Index Name" in node:
        yield node["Node Type"], node.get("Index Name") or node["Relation Name"]
    for child in node.get("Plans", []):
        yield from _scans(child)


def test_healthz_reads_the_queues_by_their_partial_indexes_not_the_history(bot_without_worker: RunningBot,
                                                                           owner: Engine) -> None:
    """3,000 finished rows in each queue: every statement /healthz runs on them is planned (as the bot's role, in
    its transaction, with the values it bound) on the partial indexes alone, and binds no value that would
    hide from the plan PostgreSQL keeps for a statement run often that its rows fall under their condition."""
    bot = bot_without_worker
    _history(owner, bot.org_id, HISTORY)
    plans: dict[str, list[tuple[str, str]]] = {}
    bound: dict[str, Any] = {}

    def explain(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if "inbox_events" in statement or "outbox_messages" in statement:
            if parameters:
                bound[statement] = parameters
            [(plan,)] = cursor.connection.execute("EXPLAIN (FORMAT JSON) " + statement, parameters).fetchall()
            plans[statement] = list(_scans((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]))

    event.listen(bot.services.engine, "after_cursor_execute", explain)
    try:
        body = requests.get(f"{bot.url}/healthz", timeout=5).json()
    finally:
        event.remove(bot.services.engine, "after_cursor_execute", explain)
    assert body["status"] == "ok"
    for statement, scans in plans.items():
        assert not any(node == "Seq Scan" for node, _ in scans), f"{statement}\n{scans}"
        assert scans and all(name in PARTIAL for _, name in scans), f"{statement}\n{scans}"
    assert not bound, bound
    assert body["outbox"]["by_status"] == {"pending": 1, "sending": 1, "parked": 1, "failed": 1, "uncertain": 1}
    assert body["inbox"]["by_status"] == {"pending": 1, "processing": 1, "failed": 1}
    assert len(plans) == 3, plans  # the oldest undelivered, and the two queues' counts
