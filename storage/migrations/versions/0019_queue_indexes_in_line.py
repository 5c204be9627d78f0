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

Building them reads the tables once and holds off writes to them meanwhile (about a second per million rows).
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


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for name, table, columns, in_line in INDEXES:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns, unique=False, postgresql_where=sa.text(in_line))


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for name, table, columns, _ in INDEXES:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns, unique=False)
