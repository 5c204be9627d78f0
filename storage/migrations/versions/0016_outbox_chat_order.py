"""outbox chat order: the chat each row goes to, so that a chat's rows go out in the order they were written

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 05:40:00

`chat_key` is the single recipient of a reply or push (NULL for a multicast), filled in for the rows still
to send; with it, a claim holds back a row while an earlier row of its chat is pending or being sent.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

UNFINISHED = ("pending", "sending", "parked")


def upgrade() -> None:
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chat_key', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_outbox_messages_chat', ['chat_key', 'status'], unique=False)
    outbox = sa.table('outbox_messages', sa.column('id', sa.Integer), sa.column('recipients', sa.JSON),
                      sa.column('status', sa.String), sa.column('chat_key', sa.String))
    bind = op.get_bind()
    rows = bind.execute(sa.select(outbox.c.id, outbox.c.recipients).where(outbox.c.status.in_(UNFINISHED))).all()
    keyed = [{"b_id": row.id, "b_key": row.recipients[0]} for row in rows
             if isinstance(row.recipients, list) and len(row.recipients) == 1]
    if keyed:
        bind.execute(sa.update(outbox).where(outbox.c.id == sa.bindparam("b_id"))
                     .values(chat_key=sa.bindparam("b_key")), keyed)


def downgrade() -> None:
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_chat')
        batch_op.drop_column('chat_key')
