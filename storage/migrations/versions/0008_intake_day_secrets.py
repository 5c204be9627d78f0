"""intake day secrets: each day's intake counters keyed by a random secret of that day, destroyed with them
when the day is over

The counters kept so far were keyed by COMPLAINT_KEY alone (anyone holding it and the database could test
every member's account against them): they are deleted. Today's limits start again from zero.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 11:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('complaint_day_secrets',
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('secret', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_complaint_day_secrets'))
    )
    op.execute(sa.table('complaint_intake_counts').delete())


def downgrade() -> None:
    op.execute(sa.table('complaint_intake_counts').delete())  # keyed by secrets that go with the table
    op.drop_table('complaint_day_secrets')
