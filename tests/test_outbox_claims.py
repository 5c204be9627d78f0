"""The outbox claim has no subquery per row (issue #17): the chats whose rows must wait are read first and left
out by one bound list, and still a chat's rows go in order, never two at once, and nothing else waits for them.

On PostgreSQL the inbox claim's like query once ran for over 9 minutes on a plan made on stale statistics (a
NOT EXISTS re-read for each due row); the outbox claim had the same shape ("an earlier row of this chat that
cannot go now"). The order rules themselves are also tested end to end in tests/test_chat_order.py."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event, insert

from storage.clock import utcnow
from storage.models import OutboxMessage, OutboxStatus, Priority
from tests.support.inprocess import ChatBot
from tests.support.outbox_rows import claim, push
from tests.support.sent_sql import sent_statements

ANN, BEN, CAT = "U" + "a" * 32, "U" + "b" * 32, "U" + "c" * 32


def _plan(bot: ChatBot, statement: str, parameters: Any) -> str:
    """The database's plan of one of the claim's statements, with its parameters."""
    sqlite = bot.services.engine.dialect.name == "sqlite"
    with bot.services.engine.connect() as connection:
        cursor = connection.connection.cursor()
        try:
            cursor.execute(("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") + statement, parameters)
            return "\n".join(" ".join(str(value) for value in row) for row in cursor.fetchall())
        finally:
            cursor.close()
            connection.rollback()


def test_the_claim_reads_no_subquery_per_row(chat_bot: ChatBot) -> None:
    """No statement of the claim is correlated to the rows it reads: no EXISTS in the SQL, and the plan has no
    correlated subquery (SQLite says CORRELATED; PostgreSQL a SubPlan re-run per row). The held chats' list is
    one bound value (the old claim's NOT EXISTS made SQLite's plan say CORRELATED SCALAR SUBQUERY)."""
    bot = chat_bot
    waiting = push(bot, ANN)
    push(bot, ANN)
    push(bot, BEN)
    assert claim(bot, "sender-1", limit=1) == [waiting]
    with bot.services.uow() as uow:
        assert uow.outbox.mark_retry(waiting, "sender-1", utcnow() + timedelta(minutes=1), "HTTP 500")
        uow.commit()
    with sent_statements(bot.services.engine) as sent:
        assert len(claim(bot, "sender-2")) == 1  # BEN's; ANN's second waits for her first
    selects = [(x.statement, x.parameters) for x in sent
               if x.statement.lstrip().upper().startswith(("SELECT", "WITH")) and "outbox_messages" in x.statement]
    if bot.services.engine.dialect.name == "postgresql":
        assert len(selects) == 1, [x.statement for x in sent]  # the claim in one statement
    else:
        assert len(selects) >= 3, [x.statement for x in sent]  # the held chats, the firsts, the rows
    for statement, parameters in selects:
        assert "EXISTS" not in statement.upper(), statement
        plan = _plan(bot, statement, parameters)
        assert "CORRELATED" not in plan and "SubPlan" not in plan, f"{statement}\n{plan}"


def test_a_claim_is_one_statement_on_postgresql(chat_bot: ChatBot) -> None:
    """On PostgreSQL a claim sends its statement timeout and one statement, which claims and returns the rows
    (it was five or six: the held chats, the firsts, the rows, the rest, the chats' rows in line, the
    UPDATE, each a round trip). The rows come back as the statements took them: the organisations' firsts,
    then the rest, each by priority and age; a chat's second row waits for its first."""
    bot = chat_bot
    if bot.services.engine.dialect.name != "postgresql":
        return
    first, second, other = push(bot, ANN, "a1"), push(bot, ANN, "a2"), push(bot, BEN, "b1")
    with bot.services.uow() as uow:
        [urgent] = uow.outbox.add_push(bot.org_id, CAT, [{"type": "text", "text": "c"}], Priority.COMPLAINT, utcnow())
        uow.commit()
        urgent_id = urgent.id
    with sent_statements(bot.services.engine) as sent, bot.services.uow() as uow:
        rows = uow.outbox.claim_due(utcnow(), 20, 30.0, "sender-1")
        uow.commit()
    assert [row.id for row in rows] == [urgent_id, first, second, other]
    assert [row.attempts for row in rows] == [1, 1, 1, 1]
    assert len(sent) == 2 and "statement_timeout" in sent[0].statement, [x.statement for x in sent]
    assert claim(bot, "sender-2") == []


def test_a_chats_rows_wait_for_its_row_in_line_while_other_chats_and_multicasts_go(chat_bot: ChatBot) -> None:
    """A chat with a row being sent (or waiting for its retry) has none of its rows claimed, not even one
    written before it and committed later (two of one chat are never out at once); a multicast (no chat)
    and other chats go; once the row in line is done, the chat's rows go in the order they were written."""
    bot = chat_bot
    first, second = push(bot, ANN, "a1"), push(bot, ANN, "a2")
    assert claim(bot, "sender-1", limit=1) == [first]
    with bot.services.uow() as uow:  # a row of ANN's with a lower id, as a transaction that committed late
        [late] = uow.outbox.add_push(bot.org_id, ANN, [{"type": "text", "text": "a0"}], Priority.NORMAL, utcnow())
        late.id = 0  # below every id the sequence gives
        uow.commit()
        [multicast] = uow.outbox.add_multicast(bot.org_id, [BEN, CAT], [{"type": "text", "text": "m"}],
                                               Priority.NORMAL, utcnow())
        uow.commit()
        multicast_id, late_id = multicast.id, late.id
    other = push(bot, BEN, "b1")
    assert sorted(claim(bot, "sender-2")) == sorted([multicast_id, other])
    with bot.services.uow() as uow:
        uow.outbox.mark_delivered([_delivery(first)], utcnow())
        uow.commit()
    assert claim(bot, "sender-3") == [late_id, second]


def _delivery(message_id: int) -> Any:
    from storage.outbox import Delivery

    return Delivery(message_id, "push", None)


@contextmanager
def _few_parameters(bot: ChatBot, most: int) -> Iterator[None]:
    """SQLite connections that take at most `most` parameters in a statement (its default is 32,766: a
    list of chats bound a parameter each would fail past that). Nothing to set on PostgreSQL."""
    engine = bot.services.engine
    if engine.dialect.name != "sqlite":
        yield
        return

    def limit(connection: Any, _record: Any) -> None:
        connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, most)

    event.listen(engine, "connect", limit)
    engine.dispose()  # the pooled connections are made again, with the limit
    try:
        yield
    finally:
        event.remove(engine, "connect", limit)
        engine.dispose()


def test_a_claim_leaves_out_more_waiting_chats_than_a_statement_has_parameters(chat_bot: ChatBot) -> None:
    """A LINE outage can leave tens of thousands of chats with a row waiting for its retry: the list is one
    bound value, whatever its length (SQLite takes 32,766 parameters in a statement: here it is made to take
    500, and 1,200 chats wait), narrowed to the chats with a due row behind their waiting one before the
    claim's statements use it, and the claim still finds the one chat that may go."""
    bot = chat_bot
    now = utcnow()
    rows = [{"org_id": bot.org_id, "kind": "push", "retry_key": str(uuid.uuid4()), "recipients": [f"U{n:032d}"],
             "chat_key": f"U{n:032d}", "messages": [{"type": "text", "text": "x"}], "priority": 50,
             "next_attempt_at": now + timedelta(minutes=10), "created_at": now, "attempts": 1,
             "status": OutboxStatus.PENDING.value} for n in range(WAITING)]
    with bot.services.uow() as uow:
        uow.session.execute(insert(OutboxMessage), rows)
        uow.commit()
    behind = push(bot, f"U{7:032d}")  # waits behind its chat's row
    free = push(bot, BEN)
    with _few_parameters(bot, 500), sent_statements(bot.services.engine) as sent:
        assert claim(bot, "sender-1") == [free]
        assert claim(bot, "sender-2") == []  # `behind` still waits for its chat's row
    if bot.services.engine.dialect.name == "postgresql":
        # one statement a claim, which reads the waiting chats itself: no list is bound, however long it is
        claims = [x for x in sent if "outbox_messages" in x.statement]
        assert len(claims) == 2 and all(_bound_list(x.parameters) is None for x in claims)
        assert behind
        return
    lists = [(x.statement.lower(), found) for x in sent if (found := _bound_list(x.parameters)) is not None]
    # the long list, once per claim, narrowed to the held chats with a due row behind (only `behind`'s) for
    # the claim's statements
    assert [len(found) for s, found in lists if "distinct" in s] == [WAITING, WAITING + 1]
    assert {tuple(found) for s, found in lists if "min(" in s} == {(f"U{7:032d}",)}
    assert behind


WAITING = 1_200


def _bound_list(parameters: Any) -> list[str] | None:
    """The list bound as one value among a statement's parameters (an array, or JSON text on SQLite)."""
    for value in parameters.values() if isinstance(parameters, dict) else parameters:
        if isinstance(value, list):
            return value
        if isinstance(value, str) and value.startswith("["):
            found: list[str] = json.loads(value)
            return found
    return None


def test_delivery_loops_woken_together_claim_one_at_a_time_and_the_claiming_one_looks_again(
        chat_bot: ChatBot) -> None:
    """Committed answers wake every delivery loop at once; with delivery pipelined one claim at a time is
    enough, so a loop that finds another claiming goes back to sleep (before, each claimed, most finding
    nothing: ~1 empty claim per event at 100 events/s, bench/worker_trickle.py). What woke it may have been
    committed after the other claim looked: that loop then looks again rather than sleep."""
    bot = chat_bot
    sender = bot.services.sender
    inner: list[int] = []

    def another_loop(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "outbox_messages" in statement and not inner:
            inner.append(sender.dispatch_due(wait_seconds=0.1))

    event.listen(bot.services.engine, "before_cursor_execute", another_loop)
    try:
        outer = sender.dispatch_due(wait_seconds=0.1)  # nothing due
    finally:
        event.remove(bot.services.engine, "before_cursor_execute", another_loop)
    assert inner == [0], "a second loop claimed while the first was claiming"
    assert outer == 1, "the claiming loop did not look again for what woke the other"
    assert sender.dispatch_due(wait_seconds=0.1) == 0  # then idle
