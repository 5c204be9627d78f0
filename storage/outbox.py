"""The outbox: every message to LINE is a row first, written in the transaction that caused it.

Messages are written in the organisation's chat digit style (domain.digits): whoever composed them, what a
person reads in one message (texts, labels, alt texts) has one kind of digits; links, postback data and
the texts buttons send back stay as composed."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    Table,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from domain.digits import Numerals, Surface, localise_message
from storage.bulk import insert_rows, insert_rows_scoped
from storage.chat_lists import bound_chats as _bound_chats  # re-exported: shared with the inbox claim
from storage.chat_lists import in_chats
from storage.db import bounded_claim
from storage.models import (
    OUTBOX_IN_LINE,
    OUTBOX_TO_LOOK_AT,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    Priority,
    QuotaSnapshot,
    status_written_in,
)
from storage.report_settings import ReportSettingsRepository
from storage.wakeups import OUTBOX, notify_inbox

MULTICAST_MAX_RECIPIENTS = 500
MAX_MESSAGES_PER_REQUEST = 5
FINISHED = [OutboxStatus.DELIVERED.value, OutboxStatus.FAILED.value, OutboxStatus.CANCELLED.value,
            OutboxStatus.UNCERTAIN.value]


# Rows that hold back the later rows of their chat: not delivered yet and not given up. A parked push (the
# month's quota is used up) does not: the chat's replies, which cost nothing, still go.
IN_LINE = [OutboxStatus.PENDING.value, OutboxStatus.SENDING.value]


def chat_key_of(recipients: Sequence[str]) -> str | None:
    """The one chat a row goes to; None for a multicast (its recipients' other rows do not wait for it)."""
    return recipients[0] if len(recipients) == 1 else None


def _chunks(items: Sequence[Any], size: int) -> list[list[Any]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


@dataclass(frozen=True)
class Delivery:
    """A row LINE accepted: how it went (reply, push, multicast) and LINE's request id."""

    message_id: int
    via: str
    request_id: str | None


@dataclass(frozen=True)
class ClaimedMessage:
    """An outbox row as claimed for sending (plain values: no ORM object outlives the claim)."""

    id: int
    org_id: int
    kind: str
    retry_key: str
    reply_token: str | None
    recipients: list[str]
    messages: list[dict[str, Any]]
    attempts: int  # this attempt included
    reply_attempted: bool  # before this claim: an earlier reply attempt may have been accepted
    private: bool  # about a complaint: deleted once finished (`scrub_if_private`)


_table = cast(Table, OutboxMessage.__table__)
_quota_table = cast(Table, QuotaSnapshot.__table__)
_INSERT_RETURNING_ID = insert(_table).returning(_table.c.id)  # built once: this runs for every answered event
# From this many deferred replies on, PostgreSQL gets them in one statement (storage/bulk.py `insert_rows`: the
# rows as one JSON document) instead of an executemany (an INSERT bound, executed and checked per row): measured,
# 20 rows cost the worker ~32 µs of CPU each that way against ~40, 5 rows about the same either way.
DEFERRED_IN_ONE_FROM = 8
# From this many deliveries on, PostgreSQL marks them in one statement (`_MARK_DELIVERED_ALL`): measured, ~10 µs
# of the worker's CPU a row against ~26 for 20 rows, ~32 against ~50 for 5; one row alone costs ~20 µs more so.
DELIVERED_IN_ONE_FROM = 2


class DeferredRepliesLost(RuntimeError):
    """A savepoint was rolled back while replies were deferred: some may have been written inside it and
    undone. The deferring pass must be undone and done again without deferring."""


def _in_chats(table: Any, dialect: str) -> Any:
    """`table`'s rows in one of the chats bound as `held`: one bound value, however long the list is
    (storage/chat_lists.py)."""
    return in_chats(table.c.chat_key, dialect, "held")


def _held_chats_filter(table: Any, dialect: str) -> Any:
    """`table`'s rows whose chat is not held back: no chat (a multicast), or a chat not in the list bound as
    `held` (read first: `_HELD_CHATS`)."""
    return or_(table.c.chat_key.is_(None), ~_in_chats(table, dialect))


def _due(t: Any) -> Any:
    """Due now (`now` bound): waiting to be sent and its time has come, or being sent and its lease is over."""
    now = bindparam("now", type_=t.c.next_attempt_at.type)
    return or_(and_(t.c.status == status_written_in(OutboxStatus.PENDING), t.c.next_attempt_at <= now),
               and_(t.c.status == status_written_in(OutboxStatus.SENDING), t.c.lease_until < now))


def _claim_statements(dialect: str) -> tuple[Any, Any, Any, Any]:
    """The claim's statements (see `OutboxRepository.claim_due`), with the time, the held-back chats, ids,
    limit and owner bound. No subquery per row: a chat whose rows must wait is read first (`_HELD_CHATS`) and
    left out by a list; each organisation's first row per priority is one GROUP BY over the due rows."""
    return claim_statements_where(and_(_due(_table), _held_chats_filter(_table, dialect)))


def claim_statements_where(condition: Any) -> tuple[Any, Any, Any, Any]:
    """The claim's statements over the rows `condition` finds claimable (`bench/outbox_claims.py` builds the
    claim as it was before with its own condition)."""
    t = _table
    now = bindparam("now", type_=t.c.next_attempt_at.type)
    firsts = select(func.min(t.c.id)).where(condition).group_by(t.c.org_id, t.c.priority)
    columns = (t.c.id, t.c.org_id, t.c.kind, t.c.retry_key, t.c.reply_token, t.c.recipients, t.c.messages,
               t.c.attempts, t.c.reply_attempted_at, t.c.private, t.c.chat_key)
    first_rows = (select(*columns).where(t.c.id.in_(bindparam("firsts", expanding=True)), condition)
                  .order_by(t.c.priority.desc(), t.c.id).limit(bindparam("limit")).with_for_update(skip_locked=True))
    rest_rows = (select(*columns).where(condition, t.c.id.not_in(bindparam("firsts", expanding=True)))
                 .order_by(t.c.priority.desc(), t.c.id).limit(bindparam("limit")).with_for_update(skip_locked=True))
    replying = and_(t.c.kind == OutboxKind.REPLY.value, t.c.reply_token.is_not(None))
    claim = (update(t).where(t.c.id.in_(bindparam("ids", expanding=True)))
             .values(status=OutboxStatus.SENDING.value, lease_until=bindparam("lease_until"),
                     lease_owner=bindparam("owner"), attempts=t.c.attempts + 1,
                     reply_attempted_at=case((replying, func.coalesce(t.c.reply_attempted_at, now)),
                                             else_=t.c.reply_attempted_at)))
    return firsts, first_rows, rest_rows, claim


_CLAIMS = {dialect: _claim_statements(dialect) for dialect in ("postgresql", "sqlite")}
# A due row in one of the chats bound as `held` (`OutboxRepository.due_behind`).
_DUE_IN_CHATS = {dialect: select(_table.c.id).where(_due(_table), _in_chats(_table, dialect)).limit(1)
                 for dialect in ("postgresql", "sqlite")}
# Of the chats bound as `held`, those with a due row (`OutboxRepository.claim_due` narrows a long list with it).
_DUE_CHATS_IN = {dialect: select(_table.c.chat_key).distinct().where(_due(_table), _in_chats(_table, dialect))
                 for dialect in ("postgresql", "sqlite")}
# A list of held chats longer than this is narrowed to those with a due row before the claim's statements use it.
NARROW_HELD_ABOVE = 64
# The chats with a row being sent (its lease running): their later rows wait for it.
_CHATS_OUT = (select(_table.c.chat_key).distinct()
              .where(_table.c.chat_key.is_not(None), _table.c.status == status_written_in(OutboxStatus.SENDING),
                     _table.c.lease_until >= bindparam("now", type_=_table.c.lease_until.type)))
# The chats whose rows must wait, read first in the claim: those with a row still in line that cannot go now —
# waiting for its retry (or LINE's rate limit), or being sent (by this or another sender, its lease running).
# A chat's rows go in the order they were written and never two at once, so none of its rows is claimed. (It was
# a NOT EXISTS per due row — "an earlier row of this chat that cannot go" — bounded only by the claims' statement
# timeout; the inbox's like query once ran for over 9 minutes on PostgreSQL on a plan made on stale statistics.)
# A parked push (the month's quota) holds back nothing. The index on (status, next_attempt_at) serves it.
_HELD_CHATS = (select(_table.c.chat_key).distinct().where(_table.c.chat_key.is_not(None), or_(
    and_(_table.c.status == OutboxStatus.PENDING.value,
         _table.c.next_attempt_at > bindparam("now", type_=_table.c.next_attempt_at.type)),
    and_(_table.c.status == OutboxStatus.SENDING.value,
         _table.c.lease_until >= bindparam("now", type_=_table.c.lease_until.type)))))
# The rows still in line in the claimed rows' chats, up to the last claimed (`_in_chat_order`); built once.
_IN_LINE = (select(_table.c.chat_key, _table.c.id)
            .where(_table.c.chat_key.in_(bindparam("chats", expanding=True)), _table.c.status.in_(IN_LINE),
                   _table.c.id <= bindparam("last")).order_by(_table.c.id))
# PostgreSQL: the whole claim in one statement (`OutboxRepository.claim_due`), the same rules as the statements
# above, which SQLite runs one after another (there the write lock taken at BEGIN excludes other claims, and a
# statement is a call into the library, not a round trip): the held-back chats (`_HELD_CHATS`), each
# organisation's first due row per priority (`_claim_statements`: firsts, then the rest in the usual order, both
# FOR UPDATE SKIP LOCKED), of those the rows whose chat has no earlier row still in line left out
# (`_in_chat_order`), and the claim's UPDATE, which returns the rows. Every list is a join (anti-joins for "not
# held back" and "not taken"), never a subquery re-run per due row; the rows are read once by their chats'
# index, as `_IN_LINE` does.
_PENDING, _SENDING = OutboxStatus.PENDING.value, OutboxStatus.SENDING.value
_DUE_SQL = (f"((t.status = '{_PENDING}' AND t.next_attempt_at <= :now) "
            f"OR (t.status = '{_SENDING}' AND t.lease_until < :now))")
_CLAIM_IN_ONE = text(f"""
WITH held AS MATERIALIZED (
    SELECT DISTINCT chat_key FROM outbox_messages
    WHERE chat_key IS NOT NULL AND ((status = '{_PENDING}' AND next_attempt_at > :now)
                                    OR (status = '{_SENDING}' AND lease_until >= :now))),
firsts AS MATERIALIZED (
    SELECT min(t.id) AS id FROM outbox_messages t LEFT JOIN held h ON h.chat_key = t.chat_key
    WHERE h.chat_key IS NULL AND {_DUE_SQL} GROUP BY t.org_id, t.priority),
first_rows AS MATERIALIZED (
    SELECT t.id, t.priority, t.chat_key, t.reply_attempted_at, 0 AS rest
    FROM outbox_messages t JOIN firsts f ON f.id = t.id
    WHERE {_DUE_SQL} ORDER BY t.priority DESC, t.id LIMIT :limit FOR UPDATE OF t SKIP LOCKED),
rest_rows AS MATERIALIZED (
    SELECT t.id, t.priority, t.chat_key, t.reply_attempted_at, 1 AS rest
    FROM outbox_messages t LEFT JOIN held h ON h.chat_key = t.chat_key LEFT JOIN firsts f ON f.id = t.id
    WHERE h.chat_key IS NULL AND f.id IS NULL AND {_DUE_SQL}
    ORDER BY t.priority DESC, t.id LIMIT (SELECT :limit - count(*) FROM first_rows) FOR UPDATE OF t SKIP LOCKED),
picked AS MATERIALIZED (SELECT * FROM first_rows UNION ALL SELECT * FROM rest_rows),
gaps AS (
    SELECT x.chat_key, min(x.id) AS gap
    FROM outbox_messages x JOIN (SELECT DISTINCT chat_key FROM picked WHERE chat_key IS NOT NULL) c
         ON c.chat_key = x.chat_key
    LEFT JOIN picked q ON q.id = x.id
    WHERE x.status IN ('{_PENDING}', '{_SENDING}') AND q.id IS NULL GROUP BY x.chat_key),
may_go AS (
    SELECT p.* FROM picked p LEFT JOIN gaps g ON g.chat_key = p.chat_key WHERE g.gap IS NULL OR p.id < g.gap)
UPDATE outbox_messages t SET status = '{_SENDING}', lease_until = :lease_until, lease_owner = :owner,
    attempts = t.attempts + 1,
    reply_attempted_at = CASE WHEN t.kind = '{OutboxKind.REPLY.value}' AND t.reply_token IS NOT NULL
                              THEN coalesce(t.reply_attempted_at, :now) ELSE t.reply_attempted_at END
FROM may_go m WHERE t.id = m.id
RETURNING t.id, t.org_id, t.kind, t.retry_key, t.reply_token, t.recipients, t.messages, t.attempts,
    m.reply_attempted_at IS NOT NULL AS reply_attempted, t.private, m.rest, t.priority
""").bindparams(bindparam("now", type_=_table.c.next_attempt_at.type),
                bindparam("lease_until", type_=_table.c.lease_until.type))
_MARK_DELIVERED = (
    update(_table).where(_table.c.id == bindparam("b_id"), _table.c.status != OutboxStatus.DELIVERED.value)
    .values(status=OutboxStatus.DELIVERED.value, delivered_at=bindparam("b_now"), delivered_via=bindparam("b_via"),
            line_request_id=bindparam("b_request_id"), lease_until=None, last_error=None))
# PostgreSQL: the same for every row at once, one statement whatever their number (the rows as one JSON
# document): an executemany is an UPDATE bound, executed and checked per row, each row's values adapted one by
# one in Python; the recording thread wrote one per delivered reply.
_MARK_DELIVERED_ALL = text(
    "UPDATE outbox_messages SET status = :delivered, delivered_at = :now, delivered_via = d.via, "
    "line_request_id = d.request_id, lease_until = NULL, last_error = NULL "
    "FROM json_to_recordset(CAST(:deliveries AS JSON)) AS d(id INTEGER, via VARCHAR, request_id VARCHAR) "
    "WHERE outbox_messages.id = d.id AND outbox_messages.status <> :delivered"
).bindparams(bindparam("now", type_=_table.c.delivered_at.type))


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._numerals: dict[int, Numerals] = {}
        self._woken_in: Any = None  # the transaction that has sent its NOTIFY (`_wake_senders`)
        # Replies waiting to be written in one executemany (`defer_replies`); None: written at once.
        self._deferred: list[dict[str, Any]] | None = None
        self._deferred_spoiled = False
        # Replies of a claim's organisations kept to the claim's end (`hold_deferred`): (scope, rows) each.
        self._held_replies: list[tuple[int, list[dict[str, Any]]]] = []

    def _localised(self, org_id: int, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The messages in the organisation's chat digit style (looked up once per unit of work)."""
        numerals = self._numerals.get(org_id)
        if numerals is None:
            style = ReportSettingsRepository(self.session).digit_style(org_id, Surface.CHAT)
            numerals = self._numerals[org_id] = Numerals(style)
        localised: list[dict[str, Any]] = localise_message(messages, numerals)
        return localised

    def _wake_senders(self) -> None:
        """Once per transaction that queues pushes: wake the workers of other processes when it commits
        (this process's own are woken by the commit: bot.services `answers_committed`)."""
        transaction = self.session.get_transaction()
        if transaction is None or transaction is not self._woken_in:
            notify_inbox(self.session.connection(), OUTBOX)
            self._woken_in = self.session.get_transaction()

    def _add(self, org_id: int, kind: OutboxKind, recipients: list[str], messages: list[dict[str, Any]],
             priority: int, reply_token: str | None, now: datetime) -> list[OutboxMessage]:
        if not messages:
            raise ValueError("an outbox message needs at least one message")
        self._write_deferred()  # rows keep the order they were written in: the replies before them first
        if kind != OutboxKind.REPLY:
            self._wake_senders()
        messages = self._localised(org_id, messages)
        rows = [
            OutboxMessage(
                org_id=org_id,
                kind=kind.value,
                retry_key=str(uuid.uuid4()),
                reply_token=reply_token,
                recipients=recipients,
                chat_key=chat_key_of(recipients),
                messages=batch,
                priority=int(priority),
                status=OutboxStatus.PENDING.value,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
            for batch in _chunks(messages, MAX_MESSAGES_PER_REQUEST)
        ]
        self.session.add_all(rows)
        self.session.flush()
        return rows

    def add_reply(self, org_id: int, reply_token: str, user_id: str | None,
                  messages: list[dict[str, Any]], now: datetime, private: bool = False) -> list[int]:
        """A reply; if LINE refuses its token on the first attempt (expired unused), the same messages go
        by push to `user_id` with the row's retry key. Only the first five messages can ride on the reply
        token; the rest are pushes. `private`: about a complaint (`mark_private`). The ids of the rows
        written: the reply's by one Core INSERT (this runs for every answered event), or none while replies
        are deferred (`defer_replies`: written later, together)."""
        messages = self._localised(org_id, messages) if messages else messages
        first, rest = messages[:MAX_MESSAGES_PER_REQUEST], messages[MAX_MESSAGES_PER_REQUEST:]
        if not first:
            raise ValueError("an outbox message needs at least one message")
        row = {"org_id": org_id, "kind": OutboxKind.REPLY.value, "retry_key": str(uuid.uuid4()),
               "reply_token": reply_token, "recipients": [user_id] if user_id else [], "chat_key": user_id,
               "messages": first, "priority": int(Priority.NORMAL), "status": OutboxStatus.PENDING.value,
               "attempts": 0, "next_attempt_at": now, "created_at": now, "private": private}
        ids: list[int] = []
        if self._deferred is not None:
            self._deferred.append(row)
        else:
            ids.append(self.session.connection().execute(_INSERT_RETURNING_ID, row).scalar_one())
        if rest and user_id:
            pushed = [row.id for row in self.add_push(org_id, user_id, rest, Priority.NORMAL, now)]
            if private:
                self.mark_private(pushed)
            ids += pushed
        return ids

    def defer_replies(self) -> None:
        """From now on replies are kept in memory and written together, in one executemany, by
        `write_deferred` (or before any push, so that rows stay in the order they were written). The
        worker's batch does this inside one savepoint around all its events (handlers/processor.py)."""
        self._deferred, self._deferred_spoiled = [], False

    def write_deferred(self) -> None:
        """Write the deferred replies and write replies at once again. DeferredRepliesLost when a savepoint
        was rolled back meanwhile (`savepoint_undone`)."""
        self._write_deferred()
        spoiled, self._deferred, self._deferred_spoiled = self._deferred_spoiled, None, False
        if spoiled:
            raise DeferredRepliesLost("a savepoint was rolled back while replies were deferred")

    def hold_deferred(self, scope: int) -> None:
        """As `write_deferred`, but the replies are kept, as written under `scope` (the organisation whose turn
        of a claim wrote them), to be written with the other organisations' by `write_held`: one pipeline for
        the claim, not a statement per organisation. The replies written before a push stay written."""
        rows, self._deferred = self._deferred or [], []
        self.write_deferred()
        if rows:
            self._held_replies.append((scope, rows))

    def write_held(self, restore: int | None) -> None:
        """Write the replies `hold_deferred` kept, each organisation's under its own scope (on PostgreSQL
        `itabot.org_id` set to the organisation whose turn wrote them, so row-level security's WITH CHECK
        refuses a row of any other), in one pipeline (storage/bulk.py `insert_rows_scoped`); `restore`: the
        scope to put back after (the unit of work's own)."""
        held, self._held_replies = self._held_replies, []
        if held:
            insert_rows_scoped(self.session, [(scope, _table, rows) for scope, rows in held], restore=restore)

    def forget_deferred(self) -> None:
        """The pass that deferred replies was undone: forget them (those held too), and write replies at once
        again."""
        self._deferred, self._deferred_spoiled = None, False
        self._held_replies = []

    def savepoint_undone(self) -> None:
        """A savepoint was rolled back: replies deferred before it and written inside it (before a push) are
        gone, so the deferring pass cannot be kept (`write_deferred` raises). Its NOTIFY may be gone too:
        the next push sends one again."""
        if self._deferred is not None:
            self._deferred_spoiled = True
        self._woken_in = None

    def _write_deferred(self) -> None:
        if self._deferred:
            rows, self._deferred = self._deferred, []
            insert_rows(self.session, _table, rows, in_one_from=DEFERRED_IN_ONE_FROM)

    def add_push(self, org_id: int, user_id: str, messages: list[dict[str, Any]],
                 priority: int, now: datetime) -> list[OutboxMessage]:
        return self._add(org_id, OutboxKind.PUSH, [user_id], messages, priority, None, now)

    def add_pushes(self, org_id: int, pushes: Sequence[tuple[str, list[dict[str, Any]], int]],
                   now: datetime) -> int:
        """Many pushes (recipient, up to 5 messages, priority) in one statement (storage/bulk.py: not one
        round trip per row, which a busy database host makes slow); how many."""
        rows = [{"org_id": org_id, "kind": OutboxKind.PUSH.value, "retry_key": str(uuid.uuid4()),
                 "reply_token": None, "recipients": [user_id], "chat_key": user_id,
                 "messages": self._localised(org_id, messages[:MAX_MESSAGES_PER_REQUEST]),
                 "priority": int(priority), "status": OutboxStatus.PENDING.value, "attempts": 0,
                 "next_attempt_at": now, "created_at": now, "private": False}
                for user_id, messages, priority in pushes]
        if rows:
            self._write_deferred()
            self._wake_senders()
            insert_rows(self.session, cast(Table, OutboxMessage.__table__), rows)  # one statement on PostgreSQL
        return len(rows)

    def add_multicast(self, org_id: int, user_ids: Sequence[str], messages: list[dict[str, Any]],
                      priority: int, now: datetime) -> list[OutboxMessage]:
        unique = list(dict.fromkeys(user_ids))
        rows: list[OutboxMessage] = []
        for group in _chunks(unique, MULTICAST_MAX_RECIPIENTS):
            kind = OutboxKind.PUSH if len(group) == 1 else OutboxKind.MULTICAST
            rows += self._add(org_id, kind, group, messages, priority, None, now)
        return rows

    def mark_private(self, outbox_ids: Sequence[int]) -> None:
        """Rows about a complaint: deleted as soon as they are finished."""
        if outbox_ids:
            self.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(list(outbox_ids)))
                                 .values(private=True).execution_options(synchronize_session=False))

    def scrub_if_private(self, message_ids: Sequence[int], now: datetime) -> None:
        """Called when rows are finished (delivered, failed, cancelled, uncertain): a private row is deleted. Cleaned
        of its text and recipient, it would still say by its id and times that the person it answered
        right before (a greeting, say) went on to a complaint."""
        if not message_ids:
            return
        self.session.execute(
            delete(OutboxMessage)
            .where(OutboxMessage.id.in_(list(message_ids)), OutboxMessage.private.is_(True),
                   OutboxMessage.status.in_(FINISHED))
            .execution_options(synchronize_session=False))

    def claim_due(self, now: datetime, limit: int, lease_seconds: float, owner: str) -> list[ClaimedMessage]:
        """Take due rows for sending, leased to `owner` (one value per claim), in a few statements whatever
        the batch size and the backlog (none of them with a subquery per row: the chats whose rows must wait
        are read first, `_HELD_CHATS`, and left out by one bound list). PostgreSQL: FOR UPDATE SKIP LOCKED, so several workers drain the outbox at once
        without taking the same row; SQLite: the write lock taken at BEGIN does the same. A row whose lease
        ran out is taken from its old owner, whose later writes then change nothing (except a delivery LINE
        confirmed).

        A reply row (one with its token) is marked as going out (`reply_attempted_at`) by the claim itself:
        commit the claim before sending, and from then on the answer is never pushed unless LINE refuses the
        token unused (`fall_back_to_push`). A row given back unsent is `release`d with `not_accepted` when
        no earlier attempt may have been accepted (`ClaimedMessage.reply_attempted`)."""
        # The organisations take turns (#18): each one's first due row of each priority (lowest id) goes in
        # the claim before anyone's second, so one organisation's backlog never holds up another's answers;
        # an organisation's rows stay in their order. Two queries: the firsts by id, then the rest in the
        # usual order (one ORDER BY on "is it a first" would sort every due row, not keep the top ones).
        # The statements are built once per dialect (`_claim_statements`).
        connection = self.session.connection()
        bounded_claim(connection)
        dialect = connection.dialect.name
        if dialect == "postgresql":
            return self._claim_in_one(connection, now, limit, lease_seconds, owner)
        firsts_of, first_rows_of, rest_rows_of, claim = _CLAIMS[dialect]
        held_chats = list(connection.execute(_HELD_CHATS, {"now": now}).scalars())
        if len(held_chats) > NARROW_HELD_ABOVE:
            # Only a held chat with a due row matters: a LINE outage leaves thousands of chats with a row waiting
            # for its retry and mostly nothing behind it. The long list is sent once, the short one thrice.
            held_chats = list(connection.execute(_DUE_CHATS_IN[dialect], {
                "now": now, "held": _bound_chats(dialect, held_chats)}).scalars())
        held = _bound_chats(dialect, held_chats)
        firsts = list(connection.execute(firsts_of, {"now": now, "held": held}).scalars())
        rows = list(connection.execute(first_rows_of, {"now": now, "held": held, "firsts": firsts,
                                                       "limit": limit}).all())
        if len(rows) < limit:
            rows += connection.execute(rest_rows_of, {"now": now, "held": held, "firsts": firsts,
                                                      "limit": limit - len(rows)}).all()
        rows = self._in_chat_order(rows)
        if not rows:
            return []
        connection.execute(claim, {"ids": [row.id for row in rows], "now": now, "owner": owner,
                                    "lease_until": now + timedelta(seconds=lease_seconds)})
        return [ClaimedMessage(row.id, row.org_id, row.kind, row.retry_key, row.reply_token, list(row.recipients),
                               list(row.messages), row.attempts + 1, row.reply_attempted_at is not None,
                               bool(row.private))
                for row in rows]

    @staticmethod
    def _claim_in_one(connection: Any, now: datetime, limit: int, lease_seconds: float,
                      owner: str) -> list[ClaimedMessage]:
        """PostgreSQL: the claim in one statement (`_CLAIM_IN_ONE`), its rows in the order the statements
        take them: the organisations' firsts, then the rest, each by priority and age."""
        rows = sorted(connection.execute(_CLAIM_IN_ONE, {
            "now": now, "limit": limit, "owner": owner, "lease_until": now + timedelta(seconds=lease_seconds)}),
            key=lambda row: (row.rest, -row.priority, row.id))
        return [ClaimedMessage(row.id, row.org_id, row.kind, row.retry_key, row.reply_token, list(row.recipients),
                               list(row.messages), row.attempts, row.reply_attempted, bool(row.private))
                for row in rows]

    def due_behind(self, now: datetime) -> bool:
        """Whether a due row waits for its chat's row being sent (it may go once that one is recorded)."""
        connection = self.session.connection()
        out = list(connection.execute(_CHATS_OUT, {"now": now}).scalars())
        if not out:
            return False
        dialect = connection.dialect.name
        return connection.execute(_DUE_IN_CHATS[dialect], {"now": now, "held": _bound_chats(dialect, out)}).first() \
            is not None

    def _in_chat_order(self, rows: list[Any]) -> list[Any]:
        """Of the rows found due, those that may go now: a chat's rows go in the order they were written, so
        a row is taken only when every earlier row of its chat still in line (pending, e.g. waiting to be
        retried, or being sent by another sender) is taken with it. Other chats never wait for it."""
        chats = {row.chat_key for row in rows if row.chat_key is not None}
        if not chats:
            return rows
        taken = {row.id for row in rows}
        in_line: dict[str, list[int]] = {}
        for chat, row_id in self.session.connection().execute(_IN_LINE, {"chats": list(chats), "last": max(taken)}):
            in_line.setdefault(chat, []).append(row_id)
        may_go: set[int] = set()
        for ids in in_line.values():
            for row_id in ids:
                if row_id not in taken:
                    break
                may_go.add(row_id)
        return [row for row in rows if row.chat_key is None or row.id in may_go]

    def _held(self, message_ids: Sequence[int], owner: str) -> Any:
        return and_(OutboxMessage.id.in_(list(message_ids)), OutboxMessage.lease_owner == owner,
                    OutboxMessage.status == OutboxStatus.SENDING.value)

    def _set_held(self, message_id: int, owner: str, **values: Any) -> bool:
        """Change a row only while `owner` still holds its lease; whether it did."""
        result = self.session.execute(
            update(OutboxMessage).where(self._held([message_id], owner)).values(**values)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount) == 1  # type: ignore[attr-defined]

    def renew_leases(self, message_ids: Sequence[int], owner: str, lease_until: datetime) -> set[int]:
        """Extend the lease of those rows `owner` still holds; which they are."""
        if not message_ids:
            return set()
        result = self.session.execute(
            update(OutboxMessage).where(self._held(message_ids, owner)).values(lease_until=lease_until)
            .returning(OutboxMessage.id).execution_options(synchronize_session=False)
        )
        return set(result.scalars())

    def fall_back_to_push(self, message_id: int, owner: str) -> bool:
        """The reply was refused before any attempt could have been accepted ("Invalid reply token" on the
        first): the answer goes by push with the row's retry key. Stored before the push is sent (commit
        this first), so a resend is the same push, never a reply. False when `owner` no longer holds it."""
        return self._set_held(message_id, owner, reply_token=None, reply_attempted_at=None)

    def mark_delivered(self, deliveries: Sequence[Delivery], now: datetime) -> None:
        """A batch's delivered rows in one statement (on PostgreSQL one UPDATE for them all, else an
        executemany). LINE confirmed them, so this holds whoever holds the lease now (a sender whose lease ran
        out may learn it last); a row already delivered is left as it was."""
        if not deliveries:
            return
        connection = self.session.connection()
        if connection.dialect.name == "postgresql" and len(deliveries) >= DELIVERED_IN_ONE_FROM:
            connection.execute(_MARK_DELIVERED_ALL, {
                "delivered": OutboxStatus.DELIVERED.value, "now": now,
                "deliveries": json.dumps([{"id": d.message_id, "via": d.via, "request_id": d.request_id}
                                          for d in deliveries], separators=(",", ":"))})
            return
        connection.execute(
            _MARK_DELIVERED,
            [{"b_id": d.message_id, "b_via": d.via, "b_request_id": d.request_id, "b_now": now} for d in deliveries])

    # The outcomes below are written only by the sender holding the row (`owner`); False: it no longer did.
    def mark_retry(self, message_id: int, owner: str, next_attempt_at: datetime, error: str,
                   not_accepted: bool = False) -> bool:
        """Send again later. `not_accepted`: this attempt was the row's first reply and LINE cannot have
        accepted it, so nothing stops a push later."""
        extra = {"reply_attempted_at": None} if not_accepted else {}
        return self._set_held(message_id, owner, status=OutboxStatus.PENDING.value, next_attempt_at=next_attempt_at,
                              lease_until=None, last_error=error[:2000], **extra)

    def release(self, message_id: int, owner: str, next_attempt_at: datetime, error: str,
                not_accepted: bool = False) -> bool:
        """Give a claimed row back without counting the attempt (LINE's rate limit: it was not sent, or
        refused). `not_accepted` as for mark_retry."""
        extra = {"reply_attempted_at": None} if not_accepted else {}
        return self._set_held(message_id, owner, status=OutboxStatus.PENDING.value, next_attempt_at=next_attempt_at,
                              lease_until=None, last_error=error[:2000], attempts=OutboxMessage.attempts - 1,
                              **extra)

    def mark_parked(self, message_id: int, owner: str, error: str) -> bool:
        return self._set_held(message_id, owner, status=OutboxStatus.PARKED.value, lease_until=None,
                              last_error=error[:2000])

    def mark_failed(self, message_id: int, owner: str, error: str) -> bool:
        return self._set_held(message_id, owner, status=OutboxStatus.FAILED.value, lease_until=None,
                              last_error=error[:2000])

    def mark_cancelled(self, message_id: int, owner: str, reason: str) -> bool:
        return self._set_held(message_id, owner, status=OutboxStatus.CANCELLED.value, lease_until=None,
                              last_error=reason[:2000])

    def mark_uncertain(self, message_id: int, owner: str, reason: str) -> bool:
        """A reply LINE may have accepted that cannot be confirmed: finished, not sent again."""
        return self._set_held(message_id, owner, status=OutboxStatus.UNCERTAIN.value, lease_until=None,
                              last_error=reason[:2000])

    def unpark(self, org_id: int, now: datetime) -> int:
        result = self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.org_id == org_id, OutboxMessage.status == OutboxStatus.PARKED.value)
            .values(status=OutboxStatus.PENDING.value, next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def scrub_finished(self, created_before: datetime, now: datetime) -> int:
        """Retention: finished messages older than the cut-off lose their text and recipients (the chat key,
        which names the recipient too, with them: it only orders rows still to be sent)."""
        result = self.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.status.in_(FINISHED),
                OutboxMessage.created_at < created_before,
                OutboxMessage.scrubbed_at.is_(None),
            )
            .values(messages=[], recipients=[], chat_key=None, reply_token=None, scrubbed_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def counts_by_status(self, org_id: int | None = None) -> dict[str, int]:
        """Every message by status, history included: reads the whole table (or the organisation's rows;
        tests, benches). What is polled (/healthz, the quota refresh, `itabot outbox status`) counts
        `counts_in_line`."""
        statement = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        if org_id is not None:
            statement = statement.where(OutboxMessage.org_id == org_id)
        return {status: count for status, count in self.session.execute(statement)}

    def counts_in_line(self) -> dict[str, int]:
        """The messages still in line (pending, being sent, parked) and those to look at (failed, uncertain),
        by status (none for a status with none), never the delivered or cancelled history, which grows for
        ever: on PostgreSQL each half is read from its own partial index (its condition written as it is, so
        the planner sees that it covers the query), on SQLite from the status index."""
        in_line = select(OutboxMessage.status, func.count()).where(text(OUTBOX_IN_LINE)).group_by(OutboxMessage.status)
        to_look_at = (select(OutboxMessage.status, func.count()).where(text(OUTBOX_TO_LOOK_AT))
                      .group_by(OutboxMessage.status))
        return {status: count for status, count in self.session.execute(union_all(in_line, to_look_at))}

    def count_waiting_pushes(self, org_id: int) -> int:
        """The organisation's pushes and multicasts not delivered yet (pending, being sent or parked): what
        will still count against the month's message quota."""
        return self.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.org_id == org_id, OutboxMessage.kind != OutboxKind.REPLY.value,
            OutboxMessage.status.in_([OutboxStatus.PENDING.value, OutboxStatus.SENDING.value,
                                      OutboxStatus.PARKED.value]))) or 0

    def quotas_of(self, org_ids: Sequence[int]) -> dict[int, QuotaSnapshot]:
        """Several organisations' quota snapshots in one query (none for one never read)."""
        return {s.org_id: s for s in self.session.scalars(select(QuotaSnapshot).where(
            QuotaSnapshot.org_id.in_(list(org_ids))))}

    def waiting_pushes_of(self, org_ids: Sequence[int]) -> dict[int, int]:
        """`count_waiting_pushes` of several organisations in one query (0 for one with none)."""
        if not org_ids:
            return {}
        found: dict[int, int] = {org_id: count for org_id, count in self.session.execute(
            select(OutboxMessage.org_id, func.count()).where(
                OutboxMessage.org_id.in_(list(org_ids)), OutboxMessage.kind != OutboxKind.REPLY.value,
                OutboxMessage.status.in_([OutboxStatus.PENDING.value, OutboxStatus.SENDING.value,
                                          OutboxStatus.PARKED.value]))
            .group_by(OutboxMessage.org_id))}
        return {org_id: found.get(org_id, 0) for org_id in org_ids}

    def push_rows(self, org_id: int, pushes: Sequence[tuple[str, list[dict[str, Any]], int]],
                  now: datetime) -> list[dict[str, Any]]:
        """The rows of pushes (recipient, up to 5 messages, priority) of one organisation, to be inserted
        by the caller in this transaction (`ScheduleRepository.queue_reminders`), their messages stored as
        given: already in the organisation's digit style, or reminder payloads (which carry theirs). The
        senders are woken when the transaction commits."""
        rows = [{"org_id": org_id, "kind": OutboxKind.PUSH.value, "retry_key": str(uuid.uuid4()),
                 "reply_token": None, "recipients": [user_id], "chat_key": user_id,
                 "messages": messages[:MAX_MESSAGES_PER_REQUEST],
                 "priority": int(priority), "status": OutboxStatus.PENDING.value, "attempts": 0,
                 "next_attempt_at": now, "created_at": now, "private": False}
                for user_id, messages, priority in pushes]
        if rows:
            self._wake_senders()
        return rows

    def oldest_undelivered_created_at(self) -> datetime | None:
        """When the oldest message still in line (pending, being sent, parked) was written: its statuses
        written as they are (no bound values), so that even the plan PostgreSQL keeps for a statement run
        often (/healthz) reads them from the partial index."""
        return self.session.scalar(select(func.min(OutboxMessage.created_at)).where(text(OUTBOX_IN_LINE)))

    def get(self, message_id: int) -> OutboxMessage | None:
        return self.session.get(OutboxMessage, message_id, populate_existing=True)

    def list_by_status(self, status: OutboxStatus, limit: int = 50) -> list[OutboxMessage]:
        return list(self.session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == status.value)
            .order_by(OutboxMessage.id).limit(limit)
        ))

    # -- quota ---------------------------------------------------------------------------------------
    def quota(self, org_id: int) -> QuotaSnapshot | None:
        return self.session.get(QuotaSnapshot, org_id)

    def save_quota(self, org_id: int, quota_type: str, limit: int | None, usage: int, now: datetime) -> QuotaSnapshot:
        """Keep the quota as just read. One statement, an insert that updates the row when there is one: two
        workers reading the quota at once both save it (the later wins), neither fails on the other's insert.
        A limited quota used up keeps the time it was first seen used up."""
        exhausted = now if quota_type == "limited" and limit is not None and usage >= limit else None
        table = _quota_table
        insert_ = self._upsert_insert().values(org_id=org_id, quota_type=quota_type, quota_limit=limit,
                                               total_usage=usage, checked_at=now, exhausted_at=exhausted)
        excluded = insert_.excluded
        self.session.execute(insert_.on_conflict_do_update(index_elements=[table.c.org_id], set_={
            "quota_type": excluded.quota_type, "quota_limit": excluded.quota_limit,
            "total_usage": excluded.total_usage, "checked_at": excluded.checked_at,
            "exhausted_at": case((excluded.exhausted_at.is_(None), None),
                                 else_=func.coalesce(table.c.exhausted_at, excluded.exhausted_at)),
        }))
        snapshot = self.session.get(QuotaSnapshot, org_id, populate_existing=True)
        assert snapshot is not None
        return snapshot

    def mark_quota_exhausted(self, org_id: int, now: datetime) -> None:
        """LINE said the month's quota is used up (a 429 on a push): keep when, once, as `save_quota` does
        (an insert that updates the row when there is one, so two senders at once both succeed)."""
        insert_ = self._upsert_insert().values(org_id=org_id, quota_type="limited", total_usage=0,
                                               checked_at=now, exhausted_at=now)
        self.session.execute(insert_.on_conflict_do_update(index_elements=[_quota_table.c.org_id], set_={
            "exhausted_at": func.coalesce(_quota_table.c.exhausted_at, insert_.excluded.exhausted_at)}))
        self.session.get(QuotaSnapshot, org_id, populate_existing=True)  # a loaded snapshot sees the change

    def _upsert_insert(self) -> Any:
        """INSERT into quota_snapshots in this database's dialect (both have ON CONFLICT … DO UPDATE)."""
        dialect = postgresql if self.session.get_bind().dialect.name == "postgresql" else sqlite
        return dialect.insert(_quota_table)
