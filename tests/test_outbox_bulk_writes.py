"""The worker's two per-row writes of the outbox in one statement on PostgreSQL (issue #17): a claim's deferred
replies (`OutboxRepository.write_deferred`, from DEFERRED_IN_ONE_FROM rows: INSERT … FROM json_to_recordset)
and the recording thread's deliveries (`mark_delivered`, from DELIVERED_IN_ONE_FROM rows: UPDATE … FROM
json_to_recordset), where each was an executemany (a statement bound, executed and checked per row). The rows
come out as the executemany wrote them, on both databases; SQLite keeps the executemany."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from storage.clock import utcnow
from storage.models import OutboxMessage, OutboxStatus
from storage.outbox import DEFERRED_IN_ONE_FROM, DELIVERED_IN_ONE_FROM, Delivery
from tests.support.inprocess import ChatBot
from tests.support.outbox_rows import claim, push
from tests.support.sent_sql import sent_statements

USERS = [f"U{n:032x}" for n in range(1, 40)]


def _rows(bot: ChatBot, ids: list[int] | None = None) -> list[dict[str, Any]]:
    with bot.services.uow() as uow:
        statement = select(OutboxMessage).order_by(OutboxMessage.id)
        if ids is not None:
            statement = statement.where(OutboxMessage.id.in_(ids))
        return [{c.name: getattr(row, c.name) for c in OutboxMessage.__table__.columns}
                for row in uow.session.scalars(statement)]


def test_a_claims_deferred_replies_are_written_as_the_executemany_wrote_them(chat_bot: ChatBot) -> None:
    bot = chat_bot
    on_postgresql = bot.services.engine.dialect.name == "postgresql"
    now = utcnow()
    for count in (DEFERRED_IN_ONE_FROM - 1, DEFERRED_IN_ONE_FROM, 3 * DEFERRED_IN_ONE_FROM):
        users = USERS[:count]
        with bot.services.uow() as uow, sent_statements(bot.services.engine) as sent:
            uow.outbox.defer_replies()
            for n, user in enumerate(users):
                messages = [{"type": "text", "text": f"ตอบ {n} \"'\\ ✓"}] * (1 + n % 3)
                assert uow.outbox.add_reply(bot.org_id, f"token-{count}-{n}", user, messages, now,
                                            private=n % 2 == 1) == []
            uow.outbox.write_deferred()
            uow.commit()
        inserts = [x.executemany for x in sent if "INSERT INTO outbox_messages" in x.statement
                   or x.statement.startswith('INSERT INTO "outbox_messages"')]
        assert inserts == [not (on_postgresql and count >= DEFERRED_IN_ONE_FROM)]
        rows = _rows(bot)[-count:]
        assert [(r["reply_token"], r["chat_key"], r["recipients"], r["private"], r["kind"], r["status"],
                 r["attempts"], r["next_attempt_at"], r["created_at"], r["org_id"]) for r in rows] == [
            (f"token-{count}-{n}", user, [user], n % 2 == 1, "reply", OutboxStatus.PENDING.value, 0, now, now,
             bot.org_id) for n, user in enumerate(users)]
        assert [r["messages"][0]["text"] for r in rows] == [f"ตอบ {n} \"'\\ ✓" for n in range(count)]
        assert [len(r["messages"]) for r in rows] == [1 + n % 3 for n in range(count)]
        assert len({r["retry_key"] for r in rows}) == count


def test_deliveries_are_marked_in_one_statement_and_a_row_delivered_before_is_left_as_it_was(
        chat_bot: ChatBot) -> None:
    bot = chat_bot
    on_postgresql = bot.services.engine.dialect.name == "postgresql"
    ids = [push(bot, user) for user in USERS[:6]]
    assert sorted(claim(bot, "sender-1")) == ids
    earlier, now = utcnow() - timedelta(minutes=5), utcnow()
    with bot.services.uow() as uow:  # one row alone: the plain statement on both databases
        uow.outbox.mark_delivered([Delivery(ids[0], "push", "request-0")], earlier)
        uow.commit()
    deliveries = [Delivery(ids[0], "reply", "again"), Delivery(ids[1], "reply", "request-1"),
                  Delivery(ids[2], "push", None), Delivery(ids[3], "push", "request-3")]
    assert len(deliveries) >= DELIVERED_IN_ONE_FROM
    with bot.services.uow() as uow, sent_statements(bot.services.engine) as sent:
        uow.outbox.mark_delivered(deliveries, now)
        uow.commit()
    updates = [x.executemany for x in sent if x.statement.lstrip().startswith("UPDATE outbox_messages")]
    assert updates == [not on_postgresql]
    rows = {r["id"]: r for r in _rows(bot, ids)}
    assert [(rows[i]["status"], rows[i]["delivered_via"], rows[i]["line_request_id"], rows[i]["delivered_at"],
             rows[i]["lease_until"], rows[i]["last_error"]) for i in ids[:4]] == [
        ("delivered", "push", "request-0", earlier, None, None),  # delivered before: kept
        ("delivered", "reply", "request-1", now, None, None),
        ("delivered", "push", None, now, None, None),
        ("delivered", "push", "request-3", now, None, None)]
    assert [rows[i]["status"] for i in ids[4:]] == ["sending", "sending"]  # not among the deliveries
