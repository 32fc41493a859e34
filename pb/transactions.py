"""One commit per request, and work that must wait for it.

Services flush and never commit; a view ends with :func:`commit`. Anything that
leaves the process (a mail, a job for a worker) is registered with
:func:`after_commit` and runs only once the data it refers to is committed, so a
rolled-back request sends nothing and a worker never sees rows that do not
exist yet. Callbacks run after the commit has returned, so they may use the
session themselves (an inline job does).

What was committed stands: a callback that fails (the queue is down, a mail server
refuses) is logged and leaves its own record (a failed job run, an unsent mail), the
other callbacks still run, and the person who acted sees their action succeed.
"""

import logging

from sqlalchemy import event

from pb.extensions import db

log = logging.getLogger(__name__)

_KEY = "pb_after_commit"


def after_commit(callback):
    """Run ``callback()`` once the current transaction is committed by :func:`commit`."""
    if not db.session().in_transaction():
        db.session.begin()  # so that a rollback, even of a transaction without SQL, drops the callback
    db.session.info.setdefault(_KEY, []).append(callback)


def commit():
    db.session.commit()
    callbacks = db.session.info.pop(_KEY, [])
    for callback in callbacks:
        try:
            callback()
        except Exception:
            db.session.rollback()  # whatever the callback left half done; the commit above stands
            log.exception("work after the commit failed: %r", callback)


def _drop_callbacks(session, previous_transaction):
    if previous_transaction.parent is None:
        session.info.pop(_KEY, None)


def init_app(app):
    factory = db.session.session_factory
    if not event.contains(factory, "after_soft_rollback", _drop_callbacks):
        event.listen(factory, "after_soft_rollback", _drop_callbacks)
