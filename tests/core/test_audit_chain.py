"""The audit log is append-only and sealed in hash-chained blocks: any edit, removal or reordering is detected."""

from datetime import timedelta

import pytest
from sqlalchemy import delete, update
from sqlalchemy import event as sa_event
from sqlalchemy.exc import IntegrityError

from pb.audit.models import GENESIS_HASH, SEALED, AuditBlock, AuditEvent, content_hash, events_root
from pb.audit.sealing import seal_pending
from pb.audit.services import record, verify_chain
from pb.audit.verification import verify
from pb.extensions import db
from pb.models_base import utcnow
from pb.transactions import commit
from tests.factories import make_user

NO_GRACE = timedelta(0)


def _events(count=3, actor=None):
    actor = actor or make_user()
    for n in range(count):
        record(actor, "test.step", subject=actor, details={"n": n})
    commit()
    return db.session.execute(db.select(AuditEvent).order_by(AuditEvent.id)).scalars().all()


def _blocks():
    return db.session.execute(db.select(AuditBlock).order_by(AuditBlock.id)).scalars().all()


def _sealed(*batches):
    """Events sealed in one block per batch size given; returns (events, blocks)."""
    actor = make_user()
    for count in batches:
        _events(count, actor)
        assert seal_pending(grace=NO_GRACE) == (1, count)
    db.session.expire_all()
    return db.session.execute(db.select(AuditEvent).order_by(AuditEvent.id)).scalars().all(), _blocks()


def _tamper(statement):
    db.session.execute(statement.execution_options(synchronize_session=False))
    commit()
    db.session.expire_all()


def test_an_event_hashes_its_own_content_and_waits_to_be_sealed():
    events = _events()
    first = events[0]
    assert (first.form, first.prev_hash, first.block_id) == (SEALED, None, None)
    assert first.subject_type == "User"
    fields = (first.created_at, first.actor_id, first.action, first.subject_type, first.subject_id, first.details)
    assert first.hash == content_hash(*fields)
    assert len({event.hash for event in events}) == 3
    result = verify()
    assert (result.checked, result.blocks, result.waiting, result.head, result.problems) == (3, 0, 3, None, [])
    assert verify_chain() == (3, [])


def test_recording_adds_one_insert_and_nothing_else():
    """No read of other events, no lock: the INSERT is the only statement an event costs."""
    actor = make_user()
    commit()
    assert actor.id  # loaded again after the commit, before counting
    statements = []

    def seen(_connection, _cursor, statement, *_args):
        statements.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", seen)
    try:
        record(actor, "test.step", subject=actor, details={"n": 1})
        db.session.flush()
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", seen)
    assert len(statements) == 1 and statements[0].startswith("INSERT INTO audit_events"), statements


def test_blocks_hold_their_events_root_and_link_to_the_block_before():
    events, (first, second) = _sealed(3, 2)
    assert (first.prev_hash, second.prev_hash) == (GENESIS_HASH, first.hash)
    assert first.root_hash == events_root([(event.id, event.hash) for event in events[:3]])
    assert (first.first_event_id, first.last_event_id, first.event_count) == (events[0].id, events[2].id, 3)
    assert (second.first_event_id, second.last_event_id, second.event_count) == (events[3].id, events[4].id, 2)
    assert [event.block_id for event in events] == [first.id] * 3 + [second.id] * 2
    assert first.hash == first.compute_hash()
    result = verify()
    assert (result.checked, result.blocks, result.waiting, result.problems) == (5, 2, 0, [])
    assert result.head == (second.id, second.hash)


def test_a_changed_event_is_detected_and_named():
    events, (block,) = _sealed(3)
    _tamper(update(AuditEvent).where(AuditEvent.id == events[1].id).values(details={"n": 99}))
    checked, problems = verify_chain()
    assert checked == 3
    assert problems == [
        f"event {events[1].id}: content changed after it was written",
        (
            f"block {block.id} (events {events[0].id}–{events[2].id}): its events do not match the sealed root: "
            "an event in it was changed, removed, added or reordered"
        ),
    ]


def test_a_changed_event_with_a_rewritten_hash_still_breaks_its_block():
    events, (block,) = _sealed(3)
    changed = events[1]
    forged = content_hash(changed.created_at, changed.actor_id, "test.forged", changed.subject_type,
                          changed.subject_id, changed.details)
    _tamper(update(AuditEvent).where(AuditEvent.id == changed.id).values(action="test.forged", hash=forged))
    problems = verify().problems
    assert len(problems) == 1 and problems[0].startswith(f"block {block.id} ")
    assert "do not match the sealed root" in problems[0]


def test_an_event_changed_before_it_was_sealed_stays_detected():
    events = _events()
    _tamper(update(AuditEvent).where(AuditEvent.id == events[0].id).values(actor_id=None))
    assert verify().problems == [f"event {events[0].id}: content changed after it was written"]
    seal_pending(grace=NO_GRACE)  # the sealer seals the stored hash, not a fresh one
    assert f"event {events[0].id}: content changed after it was written" in verify().problems


def test_a_removed_event_is_detected():
    events, (block,) = _sealed(3)
    _tamper(delete(AuditEvent).where(AuditEvent.id == events[1].id))
    result = verify()
    assert result.checked == 2
    assert result.problems[0] == (
        f"block {block.id} (events {events[0].id}–{events[2].id}): sealed with 3 events, 2 found: "
        "an event was removed from it, added to it or moved to another block"
    )
    assert "do not match the sealed root" in result.problems[1]


def test_the_removed_last_event_of_a_block_is_detected():
    events, (block,) = _sealed(3)
    first_id, last_id, block_id = events[0].id, events[2].id, block.id
    _tamper(delete(AuditEvent).where(AuditEvent.id == last_id))
    assert f"block {block_id} (events {first_id}–{last_id}): sealed with 3 events, 2 found" in verify().problems[0]


def test_swapped_times_are_detected_on_both_events():
    events, _ = _sealed(3)
    first, second = events[0], events[1]
    _tamper(update(AuditEvent).where(AuditEvent.id == first.id).values(created_at=second.created_at - timedelta(seconds=1)))
    _tamper(update(AuditEvent).where(AuditEvent.id == second.id).values(created_at=first.created_at))
    problems = verify().problems
    assert f"event {first.id}: content changed after it was written" in problems
    assert f"event {second.id}: content changed after it was written" in problems


def test_events_swapped_between_ids_are_detected():
    """Whole rows swapped (hashes too): each row is consistent in itself, but not in its place."""
    events, (block,) = _sealed(3)
    first, second = events[0], events[1]
    values = [
        {"created_at": event.created_at, "actor_id": event.actor_id, "action": event.action,
         "subject_type": event.subject_type, "subject_id": event.subject_id, "details": event.details, "hash": event.hash}
        for event in (first, second)
    ]
    _tamper(update(AuditEvent).where(AuditEvent.id == first.id).values(**values[1]))
    _tamper(update(AuditEvent).where(AuditEvent.id == second.id).values(**values[0]))
    problems = verify().problems
    assert problems == [
        (
            f"block {block.id} (events {first.id}–{events[2].id}): its events do not match the sealed root: "
            "an event in it was changed, removed, added or reordered"
        )
    ]


def test_an_event_moved_to_another_block_is_detected():
    events, (first, second) = _sealed(2, 2)
    _tamper(update(AuditEvent).where(AuditEvent.id == events[1].id).values(block_id=second.id))
    problems = verify().problems
    assert any(problem.startswith(f"block {first.id} ") and "sealed with 2 events, 1 found" in problem
               for problem in problems)
    assert any(problem.startswith(f"block {second.id} ") and "sealed with 2 events, 3 found" in problem
               for problem in problems)


def test_a_changed_block_is_detected():
    _, (first, _second) = _sealed(2, 2)
    _tamper(update(AuditBlock).where(AuditBlock.id == first.id).values(event_count=1))
    problems = verify().problems
    assert f"block {first.id}: changed after it was sealed" in problems
    assert any(problem.startswith(f"block {first.id} ") and "sealed with 1 events, 2 found" in problem
               for problem in problems)


def test_a_block_rewritten_with_a_fresh_hash_breaks_the_next_link():
    events, (first, second) = _sealed(2, 2)
    block = db.session.get(AuditBlock, first.id)
    block.event_count, block.last_event_id = 1, events[0].id
    block.hash = block.compute_hash()
    _tamper(update(AuditEvent).where(AuditEvent.id == events[1].id).values(block_id=None))
    commit()
    problems = verify().problems
    assert f"block {second.id}: link broken (the previous block's hash does not match): " \
           "a block before it was changed or removed" in problems


def test_a_removed_block_is_detected():
    _, (_first, second, third) = _sealed(1, 1, 1)
    _tamper(update(AuditEvent).where(AuditEvent.block_id == second.id).values(block_id=None))
    _tamper(delete(AuditBlock).where(AuditBlock.id == second.id))
    result = verify()
    assert result.problems == [
        f"block {third.id}: link broken (the previous block's hash does not match): a block before it was changed or removed"
    ]
    assert (result.blocks, result.waiting) == (2, 1)


def test_a_fork_of_the_block_chain_is_refused_by_the_database():
    _sealed(1)
    fork = AuditBlock(prev_hash=GENESIS_HASH, root_hash="a" * 64, hash="b" * 64, first_event_id=1,
                      last_event_id=1, event_count=1)
    db.session.add(fork)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_events_waiting_too_long_mean_the_sealer_is_not_running():
    record(None, "test.late")
    commit()
    assert verify().problems == []
    result = verify(now=utcnow() + timedelta(minutes=11))
    assert result.waiting == 1
    [problem] = result.problems
    assert problem.startswith("1 events are waiting to be sealed") and "is the worker running?" in problem
    seal_pending(grace=NO_GRACE)
    assert verify(now=utcnow() + timedelta(minutes=11)).problems == []


def test_audit_verify_command(app):
    _sealed(3)
    _events(2)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["pb", "audit-verify"])
    assert result.exit_code == 0, result.output
    assert "Events checked: 5\nBlocks: 1\nWaiting to be sealed: 2\n" in result.output
    assert "Problems: 0" in result.output and "Audit log intact: 5 events checked." in result.output

    _tamper(update(AuditEvent).values(action="test.tampered"))
    result = runner.invoke(args=["pb", "audit-verify"])
    assert result.exit_code == 1
    assert "Problems: 6" in result.output


def test_audit_seal_command(app, monkeypatch):
    _events(3)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["pb", "audit-seal"])
    assert result.exit_code == 0, result.output
    assert "Blocks sealed: 0 (0 events)." in result.output  # written less than the grace period ago
    monkeypatch.setitem(app.config, "AUDIT_SEAL_GRACE_SECONDS", 0)
    result = runner.invoke(args=["pb", "audit-seal"])
    assert "Blocks sealed: 1 (3 events)." in result.output
    result = runner.invoke(args=["pb", "audit-seal"])
    assert "Blocks sealed: 0 (0 events)." in result.output
    assert verify().blocks == 1
