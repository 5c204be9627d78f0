"""plan row choices: how an admin chose to read a row of a plan file, kept for the next upload of it

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 02:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'plan_row_choices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('fingerprint', sa.String(length=16), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('chosen_at', storage.models.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_plan_row_choices_org_id_organisations')),
        sa.ForeignKeyConstraint(['user_id'], ['console_users.id'], name=op.f('fk_plan_row_choices_user_id_console_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_row_choices')),
        sa.UniqueConstraint('org_id', 'fingerprint', name='uq_plan_row_choice'),
    )


def downgrade() -> None:
    op.drop_table('plan_row_choices')
