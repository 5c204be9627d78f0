"""outbox exactly once: who holds a row's lease, and whether a reply with its token may have been accepted

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 10:00:00

The new status 'uncertain' (a reply LINE may have accepted but cannot confirm) is a plain string in the
existing status column.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_owner', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('reply_attempted_at', storage.models.UtcDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    op.execute("UPDATE outbox_messages SET status = 'failed' WHERE status = 'uncertain'")
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('reply_attempted_at')
        batch_op.drop_column('lease_owner')
