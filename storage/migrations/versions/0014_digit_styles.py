"""each organisation's digit style per surface: chat, console, documents (issue #15 item 9)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 05:30:00

The report setting `thai_digits` (Word reports and public pages) becomes `documents_digits`, next to
`chat_digits` and `console_digits`; values are "thai" or "arabic". An organisation without a row keeps the
defaults (domain.digits.DEFAULT_STYLES).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('report_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chat_digits', sa.String(length=8), nullable=False, server_default='arabic'))
        batch_op.add_column(sa.Column('console_digits', sa.String(length=8), nullable=False,
                                      server_default='arabic'))
        batch_op.add_column(sa.Column('documents_digits', sa.String(length=8), nullable=False,
                                      server_default='thai'))
    op.execute("UPDATE report_settings SET documents_digits = CASE WHEN thai_digits THEN 'thai' ELSE 'arabic' END")
    with op.batch_alter_table('report_settings', schema=None) as batch_op:
        batch_op.drop_column('thai_digits')


def downgrade() -> None:
    with op.batch_alter_table('report_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('thai_digits', sa.Boolean(), nullable=False, server_default=sa.true()))
    op.execute("UPDATE report_settings SET thai_digits = (documents_digits = 'thai')")
    with op.batch_alter_table('report_settings', schema=None) as batch_op:
        batch_op.drop_column('documents_digits')
        batch_op.drop_column('console_digits')
        batch_op.drop_column('chat_digits')
