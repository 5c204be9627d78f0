"""audit_log by actor: the operators' own audit page (#18) finds what operators did across every
organisation's log without reading the whole log

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 08:20:00

`/console/operator/audit` lists the entries made by operators (`actor_user_id` one of the console users with
no organisation) and those with no organisation. The log grows with every organisation's administrative
work (1,000 organisations × their staff's views and changes), and the entries with no organisation are
found by `ix_audit_log_org_at`; this index finds the operators' entries in the others' logs.
"""
from __future__ import annotations

from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_audit_log_actor_user', 'audit_log', ['actor_user_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_audit_log_actor_user', table_name='audit_log')
