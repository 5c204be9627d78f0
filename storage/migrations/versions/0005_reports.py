"""reports: each organisation's report settings (signature block, Thai digits)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 09:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('report_settings',
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('signatories', sa.JSON(), nullable=False),
    sa.Column('thai_digits', sa.Boolean(), nullable=False),
    sa.Column('updated_at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_report_settings_org_id_organisations')),
    sa.PrimaryKeyConstraint('org_id', name=op.f('pk_report_settings'))
    )


def downgrade() -> None:
    op.drop_table('report_settings')
