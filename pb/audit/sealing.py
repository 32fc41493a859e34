"""Sealing the audit log: the events written since the last run become the next block.

:func:`seal_pending` runs every minute on the job worker (``pb.jobs.PERIODIC_JOBS``, through
RQ's scheduler), or from ``flask pb audit-seal`` where there is no Redis (run it every minute
from cron). It takes the events not in a block yet that were written at least :data:`GRACE`
ago, in id order, up to a batch; a block records exactly which events it holds (their
``block_id``), so an event whose transaction commits late, with an id lower than events already
sealed, simply goes in a later block.

Sealers serialise among themselves only: on PostgreSQL on an advisory lock of their own that no
request ever takes, and everywhere on the unique ``prev_hash`` of blocks (a second sealer that
read the same last block fails instead of forking the chain). Each block is its own
transaction, so a failure leaves the blocks before it sealed. Running it twice, late or at
once is harmless.
"""

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, text, update

from pb.audit.models import GENESIS_HASH, SEALED, AuditBlock, AuditEvent, events_root
from pb.extensions import db
from pb.models_base import utcnow
from pb.transactions import commit

log = logging.getLogger(__name__)

# Any constant other than a lock a request takes; PostgreSQL advisory locks take a 64-bit key.
SEALER_LOCK_KEY = 7_362_514_002
# Events per block (config AUDIT_SEAL_BATCH_SIZE).
BATCH_SIZE = 5000
# An event is sealed once it is this old (config AUDIT_SEAL_GRACE_SECONDS): most transactions
# that wrote one have committed by then, which keeps blocks in id order in the usual case.
GRACE = timedelta(seconds=5)


def seal_pending(batch_size=None, grace=None, now=None):
    """Seal every event written before ``now - grace``; returns ``(blocks sealed, events sealed)``."""
    batch_size = batch_size or current_app.config.get("AUDIT_SEAL_BATCH_SIZE", BATCH_SIZE)
    if grace is None:
        grace = timedelta(seconds=current_app.config.get("AUDIT_SEAL_GRACE_SECONDS", GRACE.total_seconds()))
    cutoff = (now or utcnow()) - grace
    blocks = events = 0
    while True:
        try:
            block = seal_block(batch_size, cutoff)
            commit()
        except Exception:
            db.session.rollback()
            log.exception("audit log: sealing a block failed (%s blocks sealed before it)", blocks)
            raise
        if block is None:
            break
        blocks += 1
        events += block.event_count
        if block.event_count < batch_size:
            break
    return blocks, events


def seal_block(batch_size, cutoff):
    """Put up to ``batch_size`` unsealed events written before ``cutoff`` in a new block (flushed).

    Returns the block, or None when there is nothing to seal. The caller commits.
    """
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SEALER_LOCK_KEY})
    previous = session.execute(select(AuditBlock.hash).order_by(AuditBlock.id.desc()).limit(1)).scalar_one_or_none()
    # The stored hashes are sealed as they are: an event changed before sealing stays detectable.
    pending = session.execute(
        select(AuditEvent.id, AuditEvent.hash)
        .where(AuditEvent.block_id.is_(None), AuditEvent.created_at <= cutoff)
        .order_by(AuditEvent.id)
        .limit(batch_size)
    ).all()
    if not pending:
        return None
    block = AuditBlock(
        form=SEALED,
        sealed_at=utcnow(),
        prev_hash=previous or GENESIS_HASH,
        root_hash=events_root(pending),
        first_event_id=pending[0].id,
        last_event_id=pending[-1].id,
        event_count=len(pending),
    )
    block.hash = block.compute_hash()
    session.add(block)
    session.flush()
    ids = [row.id for row in pending]
    sealed = session.execute(
        update(AuditEvent)
        .where(AuditEvent.id.in_(ids), AuditEvent.block_id.is_(None))
        .values(block_id=block.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if sealed != len(ids):
        raise RuntimeError(f"audit block {block.id}: {len(ids)} events to seal, {sealed} still unsealed")
    return block
