"""outbox rows to look at: a small partial index of the failed and uncertain messages, so that /healthz and
`itabot outbox status` count and list them without reading the delivered history (#18)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-08 01:40:00

On PostgreSQL it is built CONCURRENTLY (outside the migration's transaction): building reads the whole table
(about a second per million rows) and writes to the outbox go on meanwhile. A failed build (cancelled, or
`lock_timeout`) leaves an invalid index behind: it is dropped and built again when the migration is run again.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

NAME = 'ix_outbox_messages_to_look_at'
TO_LOOK_AT = "status IN ('failed', 'uncertain')"


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        op.create_index(NAME, 'outbox_messages', ['status', 'id'], unique=False, sqlite_where=sa.text(TO_LOOK_AT))
        return
    with op.get_context().autocommit_block():
        op.execute(f'DROP INDEX CONCURRENTLY IF EXISTS {NAME}')  # an invalid one left by a failed build
        op.create_index(NAME, 'outbox_messages', ['status', 'id'], unique=False,
                        postgresql_where=sa.text(TO_LOOK_AT), postgresql_concurrently=True)


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        op.drop_index(NAME, table_name='outbox_messages')
        return
    with op.get_context().autocommit_block():
        op.drop_index(NAME, table_name='outbox_messages', postgresql_concurrently=True)
