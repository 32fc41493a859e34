"""The append-only audit log: events written freely, sealed afterwards in hash-chained blocks.

An event carries the hash of its own content (:func:`content_hash`), computed when it is
flushed; writing one reads no other row and takes no lock, so no two transactions ever wait on
each other to write the log. A background job (``pb.audit.sealing``) then seals the events in
blocks: a block holds the hash of its events' ``(id, content hash)`` list (:func:`events_root`)
and the hash of the block before it (:func:`block_hash`), so a changed, removed, added or
reordered event, or a changed or removed block, no longer matches.

Two forms of events (``AuditEvent.form``):

- ``LINKED`` (1): written before blocks existed, each linked to the one before it by
  ``prev_hash`` (:func:`legacy_hash`); the migration sealed them in one block whose root is the
  last event's hash.
- ``SEALED`` (2): everything since, with ``prev_hash`` NULL.

The hash functions here define what is stored: they must never change (old rows would no longer
verify); a new formula would be a new form.
"""

import hashlib
import json
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.extensions import db
from pb.models_base import UTCDateTime, utcnow

GENESIS_HASH = "0" * 64

LINKED = 1  # legacy: hash chained event by event, sealed by migration 0011
SEALED = 2  # content hash only; sealed in blocks by the sealing job


def _digest(payload):
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _content(created_at, actor_id, action, subject_type, subject_id, details):
    return {
        "at": created_at.isoformat(),
        "actor": actor_id,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "details": details,
    }


def content_hash(created_at, actor_id, action, subject_type, subject_id, details):
    """The hash of one event's own content (form 2): no predecessor, so writing it reads nothing."""
    return _digest(_content(created_at, actor_id, action, subject_type, subject_id, details))


def legacy_hash(prev_hash, created_at, actor_id, action, subject_type, subject_id, details):
    """The hash of a linked event (form 1): its content and its predecessor's hash."""
    return _digest({"prev": prev_hash, **_content(created_at, actor_id, action, subject_type, subject_id, details)})


class RootHasher:
    """The root of a sealed block: SHA-256 over the lines ``"<event id> <content hash>\\n"`` in id order.

    Fed one event at a time, so neither sealing nor verifying holds a block's events in memory.
    """

    def __init__(self):
        self._hash = hashlib.sha256(b"pb-audit-block-v2\n")

    def add(self, event_id, event_hash):
        self._hash.update(f"{event_id} {event_hash}\n".encode())

    def hexdigest(self):
        return self._hash.hexdigest()


def events_root(pairs):
    """The root over ``[(event id, content hash), ...]`` in the given (id) order."""
    hasher = RootHasher()
    for event_id, event_hash in pairs:
        hasher.add(event_id, event_hash)
    return hasher.hexdigest()


def block_hash(form, prev_hash, root_hash, event_count, first_event_id, last_event_id, sealed_at):
    """A block's own hash, which the next block stores as its ``prev_hash``."""
    return _digest(
        {
            "form": form,
            "prev": prev_hash,
            "root": root_hash,
            "count": event_count,
            "first": first_event_id,
            "last": last_event_id,
            "sealed_at": sealed_at.isoformat(),
        }
    )


class AuditBlock(db.Model):
    """A sealed run of events. Blocks form one hash chain; only the sealing job writes them."""

    __tablename__ = "audit_blocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    form: Mapped[int] = mapped_column(default=SEALED)
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Unique: two sealers that read the same last block cannot both extend the chain (a fork).
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Form 2: events_root() of the block's events; form 1: the last linked event's hash.
    root_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    first_event_id: Mapped[int]
    last_event_id: Mapped[int]
    event_count: Mapped[int]

    def compute_hash(self):
        return block_hash(
            self.form, self.prev_hash, self.root_hash, self.event_count,
            self.first_event_id, self.last_event_id, self.sealed_at,
        )


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(80), index=True)
    subject_type: Mapped[str | None] = mapped_column(String(60))
    subject_id: Mapped[str | None] = mapped_column(String(60))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    form: Mapped[int] = mapped_column(default=SEALED, server_default=str(SEALED))
    # Form 1 only: the hash of the event before it. Nothing unique here: writers never contend.
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # NULL until the sealing job puts the event in a block.
    block_id: Mapped[int | None] = mapped_column(ForeignKey("audit_blocks.id"), index=True)

    actor = relationship("User", lazy="joined")

    def compute_hash(self):
        """The hash this event's stored content calls for (of its form)."""
        fields = (self.created_at, self.actor_id, self.action, self.subject_type, self.subject_id, self.details)
        if self.form == LINKED:
            return legacy_hash(self.prev_hash, *fields)
        return content_hash(*fields)
