"""sealed drafts: a conversation in progress is found by a keyed hash of its chat and keeps the chat and
the flow's data sealed (AES-GCM under a key derived from COMPLAINT_KEY), never in clear

The table is made anew: conversations in progress when this runs (at most half an hour's) are dropped with
the evidence sent in them, and their people start again. A migration holds no key to seal them with.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 12:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_DRAFT_OWNERS = ('conversation', 'complaint_draft')


def _drop_conversations() -> None:
    evidence = sa.table('evidence', sa.column('owner_kind', sa.String))
    op.execute(evidence.delete().where(evidence.c.owner_kind.in_(_DRAFT_OWNERS)))
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversations_org_id'))
        batch_op.drop_index(batch_op.f('ix_conversations_expires_at'))
    op.drop_table('conversations')


def _create_conversations(*columns: sa.Column[object], unique: str) -> None:
    op.create_table('conversations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    *columns,
    sa.Column('started_at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_conversations_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversations')),
    sa.UniqueConstraint('org_id', unique, name=op.f('uq_conversations_org_id'))
    )
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversations_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_conversations_org_id'), ['org_id'], unique=False)


def upgrade() -> None:
    _drop_conversations()
    _create_conversations(sa.Column('chat_hash', sa.String(length=64), nullable=False),
                          sa.Column('flow', sa.String(length=32), nullable=False),
                          sa.Column('state', sa.String(length=32), nullable=False),
                          sa.Column('sealed', sa.LargeBinary(), nullable=False), unique='chat_hash')


def downgrade() -> None:
    _drop_conversations()
    _create_conversations(sa.Column('chat_key', sa.String(length=80), nullable=False),
                          sa.Column('flow', sa.String(length=32), nullable=False),
                          sa.Column('state', sa.String(length=32), nullable=False),
                          sa.Column('data', sa.JSON(), nullable=False), unique='chat_key')
