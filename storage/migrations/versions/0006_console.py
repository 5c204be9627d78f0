"""console: admin console users, failed logins (keyed hashes), plan uploads awaiting "บันทึก", the audit log

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 11:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('console_login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_console_login_failures_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_login_failures'))
    )
    op.create_index('ix_console_login_failures_key', 'console_login_failures', ['key_hash', 'at'], unique=False)
    op.create_index(op.f('ix_console_login_failures_org_id'), 'console_login_failures', ['org_id'], unique=False)

    op.create_table('console_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', storage.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('session_epoch', sa.Integer(), nullable=False),
    sa.Column('last_login_at', storage.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('password_changed_at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('created_at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_console_users_member_id_members')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_console_users_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_users')),
    sa.UniqueConstraint('org_id', 'username', name=op.f('uq_console_users_org_id'))
    )
    op.create_index(op.f('ix_console_users_org_id'), 'console_users', ['org_id'], unique=False)

    op.create_table('console_plan_uploads',
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_console_plan_uploads_org_id_organisations')),
    sa.ForeignKeyConstraint(['user_id'], ['console_users.id'], name=op.f('fk_console_plan_uploads_user_id_console_users')),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_console_plan_uploads'))
    )
    op.create_index(op.f('ix_console_plan_uploads_created_at'), 'console_plan_uploads', ['created_at'], unique=False)
    op.create_index(op.f('ix_console_plan_uploads_user_id'), 'console_plan_uploads', ['user_id'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_member_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=80), nullable=False),
    sa.Column('action', sa.String(length=48), nullable=False),
    sa.Column('target', sa.String(length=80), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_member_id'], ['members.id'], name=op.f('fk_audit_log_actor_member_id_members')),
    sa.ForeignKeyConstraint(['actor_user_id'], ['console_users.id'], name=op.f('fk_audit_log_actor_user_id_console_users')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_audit_log_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_index('ix_audit_log_org_at', 'audit_log', ['org_id', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_audit_log_org_at', table_name='audit_log')
    op.drop_table('audit_log')
    op.drop_index(op.f('ix_console_plan_uploads_user_id'), table_name='console_plan_uploads')
    op.drop_index(op.f('ix_console_plan_uploads_created_at'), table_name='console_plan_uploads')
    op.drop_table('console_plan_uploads')
    op.drop_index(op.f('ix_console_users_org_id'), table_name='console_users')
    op.drop_table('console_users')
    op.drop_index(op.f('ix_console_login_failures_org_id'), table_name='console_login_failures')
    op.drop_index('ix_console_login_failures_key', table_name='console_login_failures')
    op.drop_table('console_login_failures')
