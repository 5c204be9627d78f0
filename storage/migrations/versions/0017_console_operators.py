"""console operators: console users bound to no organisation (the hosting vendor), who manage the
organisations of a deployment and read none of their data

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 06:20:00

An operator's login row (`console_users`), its failed logins (`console_login_failures`) and its own audit
entries (`audit_log`) carry no organisation: `org_id` becomes nullable there. Operator usernames are unique
among operators. On PostgreSQL the operator's requests run under the scope `itabot.org_id = '0'`
(storage/tenancy.py OPERATOR_SCOPE): those three tables' policies then show only the rows without an
organisation, and every other tenant table shows nothing (no organisation has id 0).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

OPERATOR_TABLES = ("audit_log", "console_login_failures", "console_users")
POLICY = "org_isolation"
SCOPE = "NULLIF(current_setting('itabot.org_id', true), '')"
RULE = f"{SCOPE} IS NULL OR org_id = {SCOPE}::integer"
OPERATOR_RULE = f"{RULE} OR ({SCOPE} = '0' AND org_id IS NULL)"


def upgrade() -> None:
    for table in OPERATOR_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column('org_id', existing_type=sa.Integer(), nullable=True)
    op.create_index('uq_console_operator_username', 'console_users', ['username'], unique=True,
                    sqlite_where=sa.text('org_id IS NULL'), postgresql_where=sa.text('org_id IS NULL'))
    if op.get_bind().dialect.name == "postgresql":
        for table in OPERATOR_TABLES:
            op.execute(f'DROP POLICY {POLICY} ON "{table}"')
            op.execute(f'CREATE POLICY {POLICY} ON "{table}" USING ({OPERATOR_RULE}) WITH CHECK ({OPERATOR_RULE})')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in OPERATOR_TABLES:
            op.execute(f'DROP POLICY {POLICY} ON "{table}"')
            op.execute(f'CREATE POLICY {POLICY} ON "{table}" USING ({RULE}) WITH CHECK ({RULE})')
    op.drop_index('uq_console_operator_username', table_name='console_users')
    for table in OPERATOR_TABLES:
        op.execute(f'DELETE FROM "{table}" WHERE org_id IS NULL')
    for table in OPERATOR_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column('org_id', existing_type=sa.Integer(), nullable=False)
