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
