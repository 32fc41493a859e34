"""Recording and verifying the audit log.

Every state change that matters (submit, review, decide, vote, tally, publish,
account and role changes) calls :func:`record` inside the same transaction as
the change itself, so the log and the data cannot disagree.
"""

from sqlalchemy import event as sa_event
from sqlalchemy import select, text
from werkzeug.local import LocalProxy

from pb.audit.models import GENESIS_HASH, AuditEvent
from pb.extensions import db
from pb.models_base import utcnow

# Any constant; PostgreSQL advisory locks take a 64-bit key.
_CHAIN_LOCK_KEY = 7_362_514_001
_UNLINKED = "pb_audit_unlinked"


def record(actor, action, subject=None, details=None):
    """Append one event. ``subject`` is a model instance (flushed, so it has an id) or None.

    The event joins the chain when the session next flushes (at the latest, when the request
    commits): see :func:`_link_events`. A proxy (``current_user``) is recorded as the object behind it.
    """
    actor, subject = _unproxied(actor), _unproxied(subject)
    event = AuditEvent(
        created_at=utcnow(),
        actor_id=getattr(actor, "id", None),
        action=action,
        subject_type=type(subject).__name__ if subject is not None else None,
        subject_id=str(subject.id) if subject is not None else None,
        details=details or {},
    )
    db.session.add(event)
    db.session.info.setdefault(_UNLINKED, []).append(event)
    return event


def _unproxied(value):
    return value._get_current_object() if isinstance(value, LocalProxy) else value


def _link_events(session, _flush_context, _instances):
    """Link the recorded events to the true last row just before they are inserted.

    On PostgreSQL writers serialise on a transaction-level advisory lock, held until the
    commit. Taking it here rather than in :func:`record` keeps it out of the rest of the
    request: a ballot holds it only for reading the last hash, the insert and the commit.
    """
    events = [event for event in session.info.pop(_UNLINKED, ()) if event in session.new]
    if not events:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    last_hash = session.execute(
        select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).scalar_one_or_none()
    previous = last_hash or GENESIS_HASH
    for event in events:  # inserted in this order, so ids follow the chain
        event.prev_hash = previous
        event.hash = previous = event.compute_hash()


def init_app(app):
    factory = db.session.session_factory
    if not sa_event.contains(factory, "before_flush", _link_events):
        sa_event.listen(factory, "before_flush", _link_events)


def verify_chain():
    """Return ``(checked, problems)``: every row's hash and link, in id order."""
    problems = []
    expected_prev = GENESIS_HASH
    checked = 0
    for event in db.session.execute(db.select(AuditEvent).order_by(AuditEvent.id)).scalars():
        checked += 1
        if event.prev_hash != expected_prev:
            problems.append(f"event {event.id}: link broken (previous hash does not match)")
        if event.compute_hash() != event.hash:
            problems.append(f"event {event.id}: content changed after it was written")
        expected_prev = event.hash
    return checked, problems


def events_query(action=None, actor_id=None, subject_type=None, subject_id=None):
    query = db.select(AuditEvent).order_by(AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    if actor_id:
        query = query.where(AuditEvent.actor_id == actor_id)
    if subject_type:
        query = query.where(AuditEvent.subject_type == subject_type)
    if subject_id:
        query = query.where(AuditEvent.subject_id == str(subject_id))
    return query
