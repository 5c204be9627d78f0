"""organisations as data: each organisation's LINE channel credentials (sealed), and disabling one

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 02:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'org_credentials',
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('token_kind', sa.String(length=16), nullable=False),
        sa.Column('channel_id', sa.String(length=32), nullable=True),
        sa.Column('secret_sealed', sa.LargeBinary(), nullable=False),
        sa.Column('token_sealed', sa.LargeBinary(), nullable=True),
        sa.Column('token_expires_at', storage.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column('token_refresh_at', storage.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('updated_at', storage.models.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['organisations.id'],
                                name=op.f('fk_org_credentials_org_id_organisations')),
        sa.PrimaryKeyConstraint('org_id', name=op.f('pk_org_credentials')),
    )
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disabled_at', storage.models.UtcDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('disabled_at')
    op.drop_table('org_credentials')
