"""Checking the audit log: every sealed block, every event in it, and the events still waiting.

:func:`verify` streams the log (a few thousand rows at a time, block by block), so it runs in
the same memory on a log of millions of events. What it recomputes, from the rows as they are:

- each event's hash from its content (and, for the old linked events, from its predecessor);
- each block's root from its events' recomputed hashes in id order, its event count and its
  first and last event id, its own hash, and its link to the block before it;
- the events not yet sealed: their content hashes, and how long the oldest has waited (more than
  :data:`STALE_AFTER` means the sealing job is not running).

Removing the newest block together with its events leaves nothing behind to compare with: the
result's ``head`` (the newest block's id and hash), noted down or published, is what shows that.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from pb.audit.models import (
    GENESIS_HASH,
    LINKED,
    SEALED,
    AuditBlock,
    AuditEvent,
    RootHasher,
    block_hash,
    content_hash,
    legacy_hash,
)
from pb.extensions import db
from pb.models_base import utcnow

# Events not sealed after this long: the sealing job (every minute) is not running.
STALE_AFTER = timedelta(minutes=10)
# Rows read per query.
CHUNK = 2000

_EVENT_COLUMNS = (
    AuditEvent.id, AuditEvent.created_at, AuditEvent.actor_id, AuditEvent.action, AuditEvent.subject_type,
    AuditEvent.subject_id, AuditEvent.details, AuditEvent.form, AuditEvent.prev_hash, AuditEvent.hash,
)


@dataclass
class Verification:
    """What :func:`verify` found: counts, the newest block, and the problems as sentences."""

    checked: int = 0  # events whose hashes were recomputed, sealed or not
    blocks: int = 0
    waiting: int = 0  # events not sealed yet
    oldest_waiting: datetime | None = None
    head: tuple[int, str] | None = None  # the newest block: (id, hash)
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self):
        return not self.problems


def verify_chain():
    """``(events checked, problems)``: the short form of :func:`verify`."""
    result = verify()
    return result.checked, result.problems


def verify(now=None, stale_after=STALE_AFTER):
    """Check the whole log; returns a :class:`Verification`."""
    result = Verification()
    expected_prev = GENESIS_HASH
    for block in _blocks():
        result.blocks += 1
        if block.prev_hash != expected_prev:
            result.problems.append(
                f"block {block.id}: link broken (the previous block's hash does not match): "
                "a block before it was changed or removed"
            )
        computed = block_hash(
            block.form, block.prev_hash, block.root_hash, block.event_count,
            block.first_event_id, block.last_event_id, block.sealed_at,
        )
        if computed != block.hash:
            result.problems.append(f"block {block.id}: changed after it was sealed")
        expected_prev = block.hash
        _check_block(block, result)
        result.head = (block.id, block.hash)
    _check_waiting(result, now or utcnow(), stale_after)
    return result


def _blocks():
    last_id = 0
    while True:
        query = select(AuditBlock.__table__).where(AuditBlock.id > last_id).order_by(AuditBlock.id).limit(CHUNK)
        rows = db.session.execute(query).all()
        yield from rows
        if len(rows) < CHUNK:
            return
        last_id = rows[-1].id


def _events(block_id):
    """The events of one block (``None``: those not sealed yet), in id order, a chunk at a time."""
    membership = AuditEvent.block_id.is_(None) if block_id is None else AuditEvent.block_id == block_id
    last_id = 0
    while True:
        query = select(*_EVENT_COLUMNS).where(membership, AuditEvent.id > last_id).order_by(AuditEvent.id).limit(CHUNK)
        rows = db.session.execute(query).all()
        yield from rows
        if len(rows) < CHUNK:
            return
        last_id = rows[-1].id


def _content_of(event):
    return event.created_at, event.actor_id, event.action, event.subject_type, event.subject_id, event.details


def _check_block(block, result):
    problems = result.problems
    root = RootHasher()
    expected_prev = GENESIS_HASH  # linked (form 1) events start their own chain
    count, first_id, last_id = 0, None, None
    for event in _events(block.id):
        count += 1
        first_id = event.id if first_id is None else first_id
        last_id = event.id
        if event.form != block.form:
            problems.append(f"event {event.id}: its form was changed (it does not belong in block {block.id})")
        if block.form == LINKED:
            if event.prev_hash != expected_prev:
                problems.append(f"event {event.id}: link broken (previous hash does not match)")
            recomputed = legacy_hash(event.prev_hash, *_content_of(event))
            expected_prev = event.hash
        else:
            recomputed = content_hash(*_content_of(event))
            root.add(event.id, recomputed)
        if recomputed != event.hash:
            problems.append(f"event {event.id}: content changed after it was written")
    result.checked += count

    span = f"events {block.first_event_id}–{block.last_event_id}"
    if count != block.event_count:
        problems.append(
            f"block {block.id} ({span}): sealed with {block.event_count} events, {count} found: "
            "an event was removed from it, added to it or moved to another block"
        )
    elif (first_id, last_id) != (block.first_event_id, block.last_event_id):
        problems.append(
            f"block {block.id} ({span}): its events now run from {first_id} to {last_id}: "
            "an event was moved or its id changed"
        )
    if block.form == LINKED:
        if count and expected_prev != block.root_hash:
            problems.append(
                f"block {block.id} ({span}): the linked events end in a different hash than was sealed: "
                f"the last event ({last_id}) was changed, or an event after it removed"
            )
    elif root.hexdigest() != block.root_hash:
        problems.append(
            f"block {block.id} ({span}): its events do not match the sealed root: "
            "an event in it was changed, removed, added or reordered"
        )


def _check_waiting(result, now, stale_after):
    oldest = None
    for event in _events(None):
        result.waiting += 1
        if event.form != SEALED:
            result.problems.append(f"event {event.id}: an old linked event outside its sealed block")
        elif content_hash(*_content_of(event)) != event.hash:
            result.problems.append(f"event {event.id}: content changed after it was written")
        if oldest is None or event.created_at < oldest.created_at:
            oldest = event
    result.checked += result.waiting
    if oldest is not None:
        result.oldest_waiting = oldest.created_at
        if now - oldest.created_at > stale_after:
            minutes = int(stale_after.total_seconds() // 60)
            result.problems.append(
                f"{result.waiting} events are waiting to be sealed, the oldest (event {oldest.id}, written "
                f"{oldest.created_at:%Y-%m-%d %H:%M} UTC) for more than {minutes} minutes: is the worker running? "
                "(`flask pb worker`, or `flask pb audit-seal` from cron without Redis)"
            )
