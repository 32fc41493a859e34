"""Audit log sealed in blocks: events are written without a lock and sealed afterwards by a job.

New table audit_blocks; audit_events gains form (1 = linked, as before; 2 = sealed in blocks) and
block_id; prev_hash becomes nullable (form 1 only) and neither prev_hash nor hash is unique any
more (writers no longer contend on them). The events already written keep their chain: they are
sealed here in one block of form 1, whose root is the last event's hash, and are still checked
link by link (pb.audit.verification).

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

from pb.audit.models import GENESIS_HASH, block_hash, legacy_hash
from pb.models_base import UTCDateTime, utcnow

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

LINKED = 1  # pb.audit.models.LINKED, as it was when this was written

_events = sa.table(
    "audit_events",
    sa.column("id", sa.Integer()),
    sa.column("created_at", UTCDateTime()),
    sa.column("actor_id", sa.Integer()),
    sa.column("action", sa.String()),
    sa.column("subject_type", sa.String()),
    sa.column("subject_id", sa.String()),
    sa.column("details", sa.JSON()),
    sa.column("prev_hash", sa.String()),
    sa.column("hash", sa.String()),
    sa.column("form", sa.Integer()),
    sa.column("block_id", sa.Integer()),
)
_blocks = sa.table(
    "audit_blocks",
    sa.column("id", sa.Integer()),
    sa.column("form", sa.Integer()),
    sa.column("sealed_at", UTCDateTime()),
    sa.column("prev_hash", sa.String()),
    sa.column("root_hash", sa.String()),
    sa.column("hash", sa.String()),
    sa.column("first_event_id", sa.Integer()),
    sa.column("last_event_id", sa.Integer()),
    sa.column("event_count", sa.Integer()),
)


def upgrade():
    op.create_table(
        "audit_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form", sa.Integer(), nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("root_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("first_event_id", sa.Integer(), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_blocks")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_blocks_hash")),
        sa.UniqueConstraint("prev_hash", name=op.f("uq_audit_blocks_prev_hash")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("form", sa.Integer(), server_default="2", nullable=False))
        batch_op.add_column(sa.Column("block_id", sa.Integer(), nullable=True))
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=True)
        batch_op.drop_constraint("uq_audit_events_prev_hash", type_="unique")
        batch_op.drop_constraint("uq_audit_events_hash", type_="unique")
        batch_op.create_index(batch_op.f("ix_audit_events_block_id"), ["block_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_audit_events_block_id_audit_blocks"), "audit_blocks", ["block_id"], ["id"]
        )
    _seal_linked_events()


def _seal_linked_events():
    """Every event so far is linked (form 1): seal them all in the first block, rooted in the last hash."""
    connection = op.get_bind()
    first_id, last_id, count = connection.execute(
        sa.select(sa.func.min(_events.c.id), sa.func.max(_events.c.id), sa.func.count()).select_from(_events)
    ).one()
    if not count:
        return
    root = connection.execute(sa.select(_events.c.hash).where(_events.c.id == last_id)).scalar_one()
    sealed_at = utcnow()
    block_id = connection.execute(
        _blocks.insert()
        .values(
            form=LINKED, sealed_at=sealed_at, prev_hash=GENESIS_HASH, root_hash=root,
            hash=block_hash(LINKED, GENESIS_HASH, root, count, first_id, last_id, sealed_at),
            first_event_id=first_id, last_event_id=last_id, event_count=count,
        )
        .returning(_blocks.c.id)
    ).scalar_one()
    connection.execute(_events.update().values(form=LINKED, block_id=block_id))


def downgrade():
    _relink_all_events()
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_audit_events_block_id_audit_blocks"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_audit_events_block_id"))
        batch_op.create_unique_constraint("uq_audit_events_hash", ["hash"])
        batch_op.create_unique_constraint("uq_audit_events_prev_hash", ["prev_hash"])
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_column("block_id")
        batch_op.drop_column("form")
    op.drop_table("audit_blocks")


def _relink_all_events():
    """Back to one linked chain: every event (sealed ones too) linked to the one before it, in id order."""
    connection = op.get_bind()
    previous, last_id = GENESIS_HASH, 0
    while True:
        rows = connection.execute(
            sa.select(_events).where(_events.c.id > last_id).order_by(_events.c.id).limit(2000)
        ).all()
        for row in rows:
            linked = legacy_hash(
                previous, row.created_at, row.actor_id, row.action, row.subject_type, row.subject_id, row.details
            )
            if (row.prev_hash, row.hash) != (previous, linked):
                connection.execute(
                    _events.update().where(_events.c.id == row.id).values(prev_hash=previous, hash=linked)
                )
            previous = linked
        if len(rows) < 2000:
            return
        last_id = rows[-1].id
