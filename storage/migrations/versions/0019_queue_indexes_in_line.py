"""queue indexes in line: on PostgreSQL the inbox's and the outbox's status indexes hold only the rows still in
line, not the history (#17/#18)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 23:55:00

A deployment keeps every handled event and every delivered message (retention only scrubs them), so
`ix_inbox_events_due`, `ix_inbox_events_chat`, `ix_outbox_messages_due` and `ix_outbox_messages_chat` were
mostly the history's entries: with 300,000 of each, 45 MB of the 91 MB of the two tables' indexes, and every
claim and every "done" or "delivered" wrote new entries into trees that deep (a status change is never a HOT
update). Rebuilt partial: the inbox's events pending, being handled or failed, the outbox's rows pending,
being sent or parked (`storage/models.py` INBOX_IN_LINE, OUTBOX_IN_LINE). A finished row leaves them. SQLite
keeps them whole: it uses a partial index only when a query repeats the index's condition word for word.

On PostgreSQL each index is built CONCURRENTLY under a new name, outside the migration's transaction, then the
old one dropped CONCURRENTLY and the new one renamed (#18): building reads the table twice (about a second
per million rows each) while the webhook's inserts and the claims go on; only the rename takes a brief lock.
(Before, each was dropped and built in the migration's transaction, holding off every write to both queues
until the four were built.) A run that fails half-way (a lock it waited 30 s for, `lock_timeout`) leaves at
most an index named `…_new` behind (perhaps invalid): running the migration again drops it and carries on.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

INBOX_IN_LINE = "status IN ('pending', 'processing', 'failed')"
OUTBOX_IN_LINE = "status IN ('pending', 'sending', 'parked')"
INDEXES = (
    ('ix_inbox_events_due', 'inbox_events', ['status', 'next_attempt_at'], INBOX_IN_LINE),
    ('ix_inbox_events_chat', 'inbox_events', ['chat_key', 'status'], INBOX_IN_LINE),
    ('ix_outbox_messages_due', 'outbox_messages', ['status', 'next_attempt_at'], OUTBOX_IN_LINE),
    ('ix_outbox_messages_chat', 'outbox_messages', ['chat_key', 'status'], OUTBOX_IN_LINE),
)


def _rebuild(name: str, table: str, columns: list[str], where: str | None) -> None:
    """`name` rebuilt with `where` (None: whole) without holding off the table's writes (see above)."""
    with op.get_context().autocommit_block():
        op.execute(f'DROP INDEX CONCURRENTLY IF EXISTS {name}_new')
        op.create_index(f'{name}_new', table, columns, unique=False, postgresql_concurrently=True,
                        postgresql_where=None if where is None else sa.text(where))
        op.execute(f'DROP INDEX CONCURRENTLY IF EXISTS {name}')
        op.execute(f'ALTER INDEX {name}_new RENAME TO {name}')


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for name, table, columns, in_line in INDEXES:
        _rebuild(name, table, columns, in_line)


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for name, table, columns, _ in INDEXES:
        _rebuild(name, table, columns, None)
