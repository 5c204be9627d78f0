"""row-level security on the tenant tables (PostgreSQL only; nothing on SQLite)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 02:10:00

Every table with an `org_id` gets a policy: when the transaction set `itabot.org_id` (a unit of work scoped
to an organisation, storage/tenancy.py), only that organisation's rows are seen, updated, deleted or may be
inserted; when it is unset or empty (system-level work: claiming across organisations, retention,
migrations) every row is. FORCE ROW LEVEL SECURITY makes it hold for the tables' owner as well; only a
superuser (or a role with BYPASSRLS) passes it — run the application as an ordinary role.
"""
from __future__ import annotations

from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

TENANT_TABLES = (
    "audit_log", "complaint_blocks", "complaint_entries", "complaints", "console_login_failures",
    "console_plan_uploads", "console_users", "conversations", "evidence", "inbox_events", "invite_codes",
    "measures", "members", "org_credentials", "outbox_messages", "plan_row_choices", "plans",
    "progress_reports", "quota_notices", "quota_snapshots", "reminder_push_days", "reminder_records",
    "report_settings", "reporting_rounds", "schedule_policies", "units", "weekly_summaries",
)
POLICY = "org_isolation"
# current_setting(..., true): NULL when never set on the connection; '' once a SET LOCAL of it has ended.
SCOPE = "NULLIF(current_setting('itabot.org_id', true), '')"
RULE = f"{SCOPE} IS NULL OR org_id = {SCOPE}::integer"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TENANT_TABLES:
        op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
        op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
        op.execute(f'CREATE POLICY {POLICY} ON "{table}" USING ({RULE}) WITH CHECK ({RULE})')


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TENANT_TABLES:
        op.execute(f'DROP POLICY IF EXISTS {POLICY} ON "{table}"')
        op.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
        op.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
