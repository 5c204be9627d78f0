"""complaint timing: complaint events leave only tombstones; private outbox rows go once finished;
a complainant's doings are kept to the hour

Rows written before this revision are brought in line: complaint events the worker had scrubbed at once
(scrubbed in the transaction that processed them) and private outbox rows already scrubbed are deleted;
complaints' receipt, their complainants' timeline entries and their evidence lose their exact times, and
their downloaded evidence its LINE message id. The events deleted here leave no tombstone (this revision
has no key): only a redelivery arriving during the upgrade itself could be handled twice.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 10:00:00
"""
from __future__ import annotations

import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import storage.models

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_TIME = storage.models.UtcDateTime(timezone=True)
_HOUR = 3600


def _hour(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return datetime.fromtimestamp(int(moment.timestamp()) // _HOUR * _HOUR, UTC)


def upgrade() -> None:
    op.create_table('inbox_tombstones',
    sa.Column('event_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('event_hash', name=op.f('pk_inbox_tombstones')),
    sqlite_with_rowid=False
    )

    inbox = sa.table('inbox_events', sa.column('id', sa.Integer), sa.column('scrubbed_at', _TIME),
                     sa.column('processed_at', _TIME))
    op.execute(inbox.delete().where(inbox.c.scrubbed_at.is_not(None),
                                    inbox.c.scrubbed_at == inbox.c.processed_at))
    outbox = sa.table('outbox_messages', sa.column('private', sa.Boolean), sa.column('scrubbed_at', _TIME))
    op.execute(outbox.delete().where(outbox.c.private.is_(True), outbox.c.scrubbed_at.is_not(None)))

    bind = op.get_bind()
    complaints = sa.table('complaints', sa.column('id', sa.Integer), sa.column('received_at', _TIME),
                          sa.column('updated_at', _TIME))
    for cid, received, updated in bind.execute(sa.select(complaints.c.id, complaints.c.received_at,
                                                         complaints.c.updated_at)).all():
        values: dict[str, object] = {'received_at': _hour(received)}
        if updated == received:
            values['updated_at'] = _hour(updated)
        bind.execute(complaints.update().where(complaints.c.id == cid).values(**values))
    entries = sa.table('complaint_entries', sa.column('id', sa.Integer), sa.column('kind', sa.String),
                       sa.column('created_at', _TIME), sa.column('delivered_at', _TIME))
    for eid, kind, created, delivered in bind.execute(sa.select(
            entries.c.id, entries.c.kind, entries.c.created_at, entries.c.delivered_at)).all():
        values = {'delivered_at': _hour(delivered)}
        if kind in ('received', 'from_complainant'):
            values['created_at'] = _hour(created)
        bind.execute(entries.update().where(entries.c.id == eid).values(**values))
    evidence = sa.table('evidence', sa.column('id', sa.Integer), sa.column('owner_kind', sa.String),
                        sa.column('status', sa.String), sa.column('line_message_id', sa.String),
                        sa.column('created_at', _TIME), sa.column('fetched_at', _TIME),
                        sa.column('next_attempt_at', _TIME))
    for vid, status, created, fetched in bind.execute(sa.select(
            evidence.c.id, evidence.c.status, evidence.c.created_at, evidence.c.fetched_at)
            .where(evidence.c.owner_kind == 'complaint')).all():
        values = {'created_at': _hour(created)}
        if status != 'pending':
            values.update(fetched_at=_hour(fetched), next_attempt_at=_hour(created),
                          line_message_id='settled:' + secrets.token_hex(16))
        bind.execute(evidence.update().where(evidence.c.id == vid).values(**values))


def downgrade() -> None:
    # The deleted rows and the exact times are gone for good; only the table goes.
    op.drop_table('inbox_tombstones')
