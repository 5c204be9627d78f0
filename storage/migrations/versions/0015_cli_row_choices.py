"""plan row choices made from the command line: `itabot import-plan --row N=KIND` has no console user

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 05:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('plan_row_choices', schema=None) as batch_op:
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM plan_row_choices WHERE user_id IS NULL")
    with op.batch_alter_table('plan_row_choices', schema=None) as batch_op:
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
