"""The audit log is append-only and hash-chained: any edit or deletion is detected."""

import pytest
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from pb.audit.models import GENESIS_HASH, AuditEvent
from pb.audit.services import record, verify_chain
from pb.extensions import db
from pb.transactions import commit
from tests.factories import make_user


def _three_events():
    user = make_user()
    for n in range(3):
        record(user, "test.step", subject=user, details={"n": n})
    commit()
    return db.session.execute(db.select(AuditEvent).order_by(AuditEvent.id)).scalars().all()


def test_events_link_to_their_predecessor():
    events = _three_events()
    assert events[0].prev_hash == GENESIS_HASH
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert events[0].subject_type == "User"
    assert verify_chain() == (3, [])


def test_changed_details_are_detected():
    events = _three_events()
    db.session.execute(update(AuditEvent).where(AuditEvent.id == events[1].id).values(details={"n": 99}))
    commit()
    checked, problems = verify_chain()
    assert checked == 3
    assert problems == [f"event {events[1].id}: content changed after it was written"]


def test_deleted_row_is_detected():
    events = _three_events()
    db.session.execute(delete(AuditEvent).where(AuditEvent.id == events[1].id))
    commit()
    _, problems = verify_chain()
    assert problems == [f"event {events[2].id}: link broken (previous hash does not match)"]


def test_a_fork_of_the_chain_is_refused_by_the_database():
    events = _three_events()
    fork = AuditEvent(
        created_at=events[2].created_at, action="test.fork", details={}, prev_hash=events[1].hash, hash="f" * 64
    )
    db.session.add(fork)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_audit_verify_command(app):
    _three_events()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["pb", "audit-verify"])
    assert result.exit_code == 0
    assert "3 events checked" in result.output

    db.session.execute(update(AuditEvent).values(action="test.tampered"))
    commit()
    result = runner.invoke(args=["pb", "audit-verify"])
    assert result.exit_code == 1
