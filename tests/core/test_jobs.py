"""Jobs: enqueue after commit, fixed job ids, progress, failure and retry, on inline and on real RQ."""

import os

import pytest

from pb.audit.models import AuditEvent
from pb.audit.services import record
from pb.extensions import db
from pb.jobs import JobRun, JobStatus, enqueue, report_progress
from pb.transactions import after_commit, commit
from tests.conftest import skip_or_fail
from tests.helpers import run_queued_jobs

FAIL_SWITCH = {"fail": False}


def count_to_audit(marker):
    """A job: records one audit event for ``marker``, reporting progress on the way."""
    run_id = f"count-{marker}"
    report_progress(run_id, 50)
    if FAIL_SWITCH["fail"]:
        raise RuntimeError("simulated crash mid-job")
    record(None, "test.job_ran", details={"marker": marker})
    commit()



def events(marker):
    rows = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "test.job_ran")).scalars()
    return [row for row in rows if row.details["marker"] == marker]


@pytest.fixture(autouse=True)
def _reset_switch():
    FAIL_SWITCH["fail"] = False
    yield
    FAIL_SWITCH["fail"] = False


def test_job_runs_once_and_reports_done(app):
    run = enqueue(count_to_audit, 1, job_id="count-1")
    run_queued_jobs(app)
    db.session.expire_all()
    run = db.session.get(JobRun, "count-1")
    assert run.status is JobStatus.DONE
    assert run.progress == 100
    assert run.attempts == 1
    assert len(events(1)) == 1


def test_same_job_id_is_not_queued_twice(app):
    enqueue(count_to_audit, 2, job_id="count-2")
    enqueue(count_to_audit, 2, job_id="count-2")  # a double click
    run_queued_jobs(app)
    enqueue(count_to_audit, 2, job_id="count-2")  # after it finished
    run_queued_jobs(app)
    db.session.expire_all()
    assert len(events(2)) == 1
    assert db.session.get(JobRun, "count-2").attempts == 1


def test_failed_job_keeps_nothing_and_retry_succeeds_once(app):
    FAIL_SWITCH["fail"] = True
    enqueue(count_to_audit, 3, job_id="count-3")
    run_queued_jobs(app)
    db.session.expire_all()
    run = db.session.get(JobRun, "count-3")
    assert run.status is JobStatus.FAILED
    assert "simulated crash" in run.error
    assert events(3) == []

    FAIL_SWITCH["fail"] = False
    enqueue(count_to_audit, 3, job_id="count-3")
    run_queued_jobs(app)
    db.session.expire_all()
    run = db.session.get(JobRun, "count-3")
    assert run.status is JobStatus.DONE
    assert run.attempts == 2
    assert len(events(3)) == 1


def test_enqueue_after_commit_waits_for_the_commit(app):
    after_commit(lambda: enqueue(count_to_audit, 4, job_id="count-4"))
    assert db.session.get(JobRun, "count-4") is None
    db.session.rollback()  # a failed request: nothing is queued
    commit()
    assert db.session.get(JobRun, "count-4") is None

    after_commit(lambda: enqueue(count_to_audit, 4, job_id="count-4"))
    commit()
    run_queued_jobs(app)
    db.session.expire_all()
    assert db.session.get(JobRun, "count-4").status is JobStatus.DONE


def test_real_redis_worker_is_used_in_ci(app):
    """CI sets REDIS_URL: the job must go through Redis, not run inline."""
    if not os.environ.get("REDIS_URL"):
        skip_or_fail("REDIS_URL is not set; jobs run inline (covered by the other tests)")
    from rq import Queue

    from pb.jobs import redis_connection

    queue = Queue(app.config["RQ_QUEUE"], connection=redis_connection())
    queue.empty()
    enqueue(count_to_audit, 5, job_id="count-5")
    assert db.session.get(JobRun, "count-5").status is JobStatus.QUEUED
    assert queue.count == 1
    run_queued_jobs(app)
    db.session.expire_all()
    assert db.session.get(JobRun, "count-5").status is JobStatus.DONE


def test_job_ids_are_checked_before_queueing():
    with pytest.raises(ValueError, match="letters, digits"):
        enqueue(count_to_audit, 6, job_id="count.6")
    assert db.session.get(JobRun, "count.6") is None


# --- work on a clock: the periodic jobs through RQ's scheduler -------------------------------------


def test_periodic_runs_fall_on_the_period_and_are_named_by_it():
    from datetime import UTC, datetime

    from pb.jobs import next_run_at, periodic_job_id

    at = next_run_at(60, datetime(2026, 11, 30, 17, 59, 30, tzinfo=UTC))
    assert at == datetime(2026, 11, 30, 18, 0, tzinfo=UTC)
    assert next_run_at(60, at) == datetime(2026, 11, 30, 18, 1, tzinfo=UTC)  # strictly after
    job_id = periodic_job_id("pb.voting.jobs.apply_due_phases", at)
    assert job_id == "periodic-pb_voting_jobs_apply_due_phases-20261130T180000"


def test_worker_schedules_the_phase_clock_and_its_scheduler_runs_it(app):
    """With Redis: the worker plans the periodic job, RQ's scheduler queues it when due, and the run
    closes a vote whose time has come (audited as done by the schedule) and plans the next run."""
    if not os.environ.get("REDIS_URL"):
        skip_or_fail("REDIS_URL is not set; without Redis the schedule is the CLI command (tests/voting/test_phases.py)")
    from datetime import timedelta

    import time_machine
    from rq import Queue, SimpleWorker
    from rq.registry import ScheduledJobRegistry
    from rq.scheduler import RQScheduler

    from pb.jobs import PERIODIC_JOBS, PlansPeriodicJobs, redis_connection
    from pb.models_base import utcnow
    from pb.voting.models import BudgetRound, RoundPhase
    from tests.factories import make_round

    connection = redis_connection()
    queue = Queue(app.config["RQ_QUEUE"], connection=connection)
    registry = ScheduledJobRegistry(queue=queue)

    def forget_scheduled():
        for job_id in registry.get_job_ids():
            registry.remove(job_id, delete_job=True)

    forget_scheduled()
    queue.empty()
    budget_round = make_round("voting", voting_closes_at=utcnow() - timedelta(minutes=1))
    worker_class = type("TestPbWorker", (PlansPeriodicJobs, SimpleWorker), {})
    try:
        worker_class([queue], connection=connection).work(burst=True)  # starts: plans the clocks
        clocks = sorted(registry.get_job_ids())
        assert len(clocks) == len(PERIODIC_JOBS)
        [planned] = [job_id for job_id in clocks if job_id.startswith("periodic-pb_voting_jobs_apply_due_phases-")]
        worker_class([queue], connection=connection).work(burst=True)  # a second worker plans each once
        assert sorted(registry.get_job_ids()) == clocks
        db.session.expire_all()
        assert db.session.get(BudgetRound, budget_round.id).phase is RoundPhase.VOTING  # not due yet

        scheduler = RQScheduler([queue], connection=connection)
        scheduler.acquire_locks()
        due = registry.get_scheduled_time(planned)
        with time_machine.travel(due + timedelta(seconds=1), tick=False):
            scheduler.enqueue_scheduled_jobs()
        scheduler.release_locks()
        assert planned in queue.job_ids  # (with the hourly clocks too when the minute is a full hour)
        SimpleWorker([queue], connection=connection).work(burst=True)

        db.session.expire_all()
        budget_round = db.session.get(BudgetRound, budget_round.id)
        assert budget_round.phase is RoundPhase.RESULTS
        event = db.session.execute(
            db.select(AuditEvent).filter_by(action="voting.phase_changed", subject_id=str(budget_round.id))
        ).scalar_one()
        assert event.actor_id is None and event.details["by"] == "schedule"
        [following] = [job_id for job_id in registry.get_job_ids() if "apply_due_phases" in job_id and job_id != planned]
        assert following != planned and registry.get_scheduled_time(following) > due
    finally:
        forget_scheduled()
        queue.empty()
