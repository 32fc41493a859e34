"""Recording the audit log, and reading it.

Every state change that matters (submit, review, decide, vote, tally, publish,
account and role changes) calls :func:`record` inside the same transaction as
the change itself, so the log and the data cannot disagree.

Recording is one INSERT and nothing else, sent at once: the event's hash covers its own content
only (:func:`pb.audit.models.content_hash`), so no writer reads another event or waits on a lock
that another writer holds, and no unit of work is needed for it. The sealing job
(:mod:`pb.audit.sealing`) later links the events in hash-chained blocks, and
:mod:`pb.audit.verification` checks the whole log.
"""

from sqlalchemy import insert
from werkzeug.local import LocalProxy

from pb.audit.models import SEALED, AuditEvent, content_hash
from pb.audit.verification import verify_chain  # noqa: F401 (the check, where callers have always found it)
from pb.extensions import db
from pb.models_base import utcnow

_INSERT_EVENT = insert(AuditEvent.__table__)


def record(actor, action, subject=None, details=None):
    """Append one event, in the session's transaction. ``subject`` is a model instance (flushed, so it has
    an id) or None. A proxy (``current_user``) is recorded as the object behind it.

    The row is inserted now with a plain (Core) statement on the session's connection: it rolls back
    and commits with the change it records. Returns the new event's id.
    """
    actor, subject = _unproxied(actor), _unproxied(subject)
    event = {
        "created_at": utcnow(),
        "actor_id": getattr(actor, "id", None),
        "action": action,
        "subject_type": type(subject).__name__ if subject is not None else None,
        "subject_id": str(subject.id) if subject is not None else None,
        "details": details or {},
    }
    event["hash"] = content_hash(**event)
    result = db.session.connection().execute(_INSERT_EVENT, {**event, "form": SEALED})
    return result.inserted_primary_key[0]


def _unproxied(value):
    return value._get_current_object() if isinstance(value, LocalProxy) else value


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
