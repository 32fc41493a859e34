"""Sealing the audit log in blocks: idempotent, in batches, late events in a later block, no lock
shared with the requests that write events, and on the job worker's clock."""

import os
from datetime import timedelta

import pytest
from sqlalchemy import text

from pb.audit import sealing
from pb.audit.models import AuditBlock, AuditEvent
from pb.audit.sealing import seal_pending
from pb.audit.services import record
from pb.audit.verification import verify
from pb.extensions import db
from pb.models_base import utcnow
from pb.transactions import commit
from tests.conftest import skip_or_fail
from tests.helpers import backdate

NO_GRACE = timedelta(0)


def _record(count, action="test.step", at=None):
    ids = [record(None, action, details={"n": n}) for n in range(count)]
    if at is not None:
        for event_id in ids:
            backdate(event_id, at)
    commit()
    return ids


def _blocks():
    return db.session.execute(db.select(AuditBlock).order_by(AuditBlock.id)).scalars().all()


def _membership():
    rows = db.session.execute(db.select(AuditEvent.id, AuditEvent.block_id).order_by(AuditEvent.id)).all()
    return dict(rows)


def test_sealing_twice_seals_nothing_more():
    ids = _record(3)
    assert seal_pending(grace=NO_GRACE) == (1, 3)
    [block] = _blocks()
    assert seal_pending(grace=NO_GRACE) == (0, 0)
    assert [b.id for b in _blocks()] == [block.id]
    assert _membership() == dict.fromkeys(ids, block.id)
    assert verify().problems == []


def test_events_younger_than_the_grace_period_wait_for_the_next_run():
    old = _record(2, at=utcnow() - timedelta(minutes=1))
    young = _record(1)
    assert seal_pending(grace=timedelta(seconds=30)) == (1, 2)
    [block] = _blocks()
    assert _membership() == {old[0]: block.id, old[1]: block.id, young[0]: None}
    assert seal_pending(grace=timedelta(seconds=30), now=utcnow() + timedelta(minutes=1)) == (1, 1)
    result = verify()
    assert (result.blocks, result.waiting, result.problems) == (2, 0, [])


def test_a_late_event_with_a_lower_id_goes_in_the_next_block():
    """Membership is explicit: the straggler (lower id, not visible at the first run) is in block 2."""
    [straggler] = _record(1)  # younger than the grace period: as if its transaction had not committed
    later = _record(2, at=utcnow() - timedelta(minutes=1))
    assert straggler < later[0]
    assert seal_pending(grace=timedelta(seconds=30)) == (1, 2)
    assert seal_pending(grace=NO_GRACE) == (1, 1)
    first, second = _blocks()
    assert _membership() == {straggler: second.id, later[0]: first.id, later[1]: first.id}
    assert (second.first_event_id, second.last_event_id) == (straggler, straggler)
    assert verify().problems == []


def test_a_large_backlog_is_sealed_in_linked_batches():
    ids = _record(7)
    assert seal_pending(batch_size=3, grace=NO_GRACE) == (3, 7)
    blocks = _blocks()
    assert [block.event_count for block in blocks] == [3, 3, 1]
    assert [block.prev_hash for block in blocks[1:]] == [block.hash for block in blocks[:-1]]
    assert [block.first_event_id for block in blocks] == [ids[0], ids[3], ids[6]]
    result = verify()
    assert (result.checked, result.blocks, result.waiting, result.problems) == (7, 3, 0, [])


def test_a_failure_leaves_the_blocks_before_it_sealed(monkeypatch):
    _record(5)
    real_seal_block = sealing.seal_block
    calls = []

    def failing_second_time(batch_size, cutoff):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("simulated crash while sealing")
        return real_seal_block(batch_size, cutoff)

    monkeypatch.setattr(sealing, "seal_block", failing_second_time)
    with pytest.raises(RuntimeError, match="simulated crash"):
        seal_pending(batch_size=2, grace=NO_GRACE)
    db.session.expire_all()
    assert [block.event_count for block in _blocks()] == [2]
    assert verify().waiting == 3
    monkeypatch.setattr(sealing, "seal_block", real_seal_block)
    assert seal_pending(batch_size=2, grace=NO_GRACE) == (2, 3)
    result = verify()
    assert (result.blocks, result.waiting, result.problems) == (3, 0, [])


def _postgresql(app):
    if db.engine.dialect.name != "postgresql":
        skip_or_fail("TEST_DATABASE_URL is not a PostgreSQL URL")


def _no_waiting_allowed():
    """From here on in this transaction, any wait for a lock fails at once instead of waiting."""
    db.session.execute(text("SET LOCAL lock_timeout = '200ms'"))
    db.session.execute(text("SET LOCAL statement_timeout = '2s'"))


def test_two_transactions_recording_events_do_not_wait_for_each_other(app):
    """On PostgreSQL: while one transaction has written an event and not committed, another writes
    and commits its own without waiting; the sealer seals around the open one, which goes in the
    next block once it commits."""
    _postgresql(app)
    with app.app_context():  # the first request: writes its event, keeps its transaction open
        first_id = record(None, "test.first")
        with app.app_context():  # a second request, on another connection
            _no_waiting_allowed()
            second_id = record(None, "test.second")
            commit()
        with app.app_context():  # the sealer, meanwhile: it does not wait on the open transaction either
            _no_waiting_allowed()
            assert sealing.seal_block(100, utcnow()) is not None
            commit()
        commit()  # the first request ends
    assert first_id < second_id
    assert seal_pending(grace=NO_GRACE) == (1, 1)
    first_block, second_block = _blocks()
    assert _membership() == {first_id: second_block.id, second_id: first_block.id}
    assert verify().problems == []


def test_sealers_wait_for_each_other_not_for_requests(app):
    """On PostgreSQL: a second sealer waits for the first (their own lock) and then seals nothing twice."""
    _postgresql(app)
    _record(2)
    with app.app_context():
        assert sealing.seal_block(100, utcnow()) is not None  # holds the sealers' lock until its commit
        with app.app_context():
            _no_waiting_allowed()
            record(None, "test.during_sealing")  # a request is not held up
            commit()
        with app.app_context():
            _no_waiting_allowed()
            with pytest.raises(Exception, match="lock timeout"):  # another sealer is
                sealing.seal_block(100, utcnow())
            db.session.rollback()
        commit()
    assert seal_pending(grace=NO_GRACE) == (1, 1)
    assert [block.event_count for block in _blocks()] == [2, 1]
    assert verify().problems == []


def test_the_worker_seals_on_its_clock(app, monkeypatch):
    """With Redis: the worker plans the sealing job, RQ's scheduler queues it when due, and it seals."""
    if not os.environ.get("REDIS_URL"):
        skip_or_fail("REDIS_URL is not set; without Redis the schedule is `flask pb audit-seal` from cron")
    import time_machine
    from rq import Queue, SimpleWorker
    from rq.registry import FailedJobRegistry, FinishedJobRegistry, ScheduledJobRegistry
    from rq.scheduler import RQScheduler

    from pb.jobs import PERIODIC_JOBS, PlansPeriodicJobs, redis_connection

    assert PERIODIC_JOBS["pb.audit.sealing.seal_pending"] == 60
    monkeypatch.setitem(app.config, "AUDIT_SEAL_GRACE_SECONDS", 0)
    connection = redis_connection()
    queue = Queue(app.config["RQ_QUEUE"], connection=connection)
    registry = ScheduledJobRegistry(queue=queue)

    def forget_scheduled():
        # Finished runs too: their ids (job and minute) would stop a later test planning that minute.
        for kept in (registry, FinishedJobRegistry(queue=queue), FailedJobRegistry(queue=queue)):
            for job_id in kept.get_job_ids():
                kept.remove(job_id, delete_job=True)

    forget_scheduled()
    queue.empty()
    ids = _record(3)
    worker_class = type("TestPbWorker", (PlansPeriodicJobs, SimpleWorker), {})
    try:
        worker_class([queue], connection=connection).work(burst=True)  # starts: plans the clocks
        [planned] = [job_id for job_id in registry.get_job_ids() if job_id.startswith("periodic-pb_audit_sealing_seal_pending-")]
        assert _blocks() == []
        scheduler = RQScheduler([queue], connection=connection)
        scheduler.acquire_locks()
        due = registry.get_scheduled_time(planned)
        with time_machine.travel(due + timedelta(seconds=1), tick=False):
            scheduler.enqueue_scheduled_jobs()
        scheduler.release_locks()
        assert planned in queue.job_ids
        SimpleWorker([queue], connection=connection).work(burst=True)

        db.session.expire_all()
        [block] = _blocks()
        assert _membership() == dict.fromkeys(ids, block.id)
        assert verify().problems == []
        [following] = [job_id for job_id in registry.get_job_ids() if "seal_pending" in job_id and job_id != planned]
        assert registry.get_scheduled_time(following) > due
    finally:
        forget_scheduled()
        queue.empty()
