"""Counts that survive faults: the job queue down when counting starts, the worker killed mid-count,
a count stopped by staff. Each ends with a clear message, no stuck or partial state, and a retry
that works at once.

The worker tests need Redis (CI has it): they use RQ's own registries and a real worker.
"""

import os
import signal
import uuid
from datetime import timedelta

import pytest

from pb import jobs
from pb.audit.models import AuditEvent
from pb.auth.models import User
from pb.extensions import db
from pb.jobs import JobRun, JobStatus
from pb.models_base import utcnow
from pb.tally import services
from pb.tally.models import TallyRun
from pb.transactions import commit
from pb.voting.models import RoundBudget
from tests.conftest import skip_or_fail
from tests.factories import make_user
from tests.helpers import post_form, run_queued_jobs
from tests.tally.support import add_ballots, make_round

CLOSED_PORT = "redis://127.0.0.1:1/0"


@pytest.fixture
def staff():
    return make_user(staff=True, locale="en")


@pytest.fixture
def budget():
    budget = make_round().budgets[0]
    park, benches, library, gym = budget.projects
    add_ballots(budget, [[park, benches], [park, gym], [library]])
    return budget


@pytest.fixture
def redis(app):
    if not app.config.get("REDIS_URL"):
        skip_or_fail("REDIS_URL is not set: these tests need RQ's registries and a real worker")
    from rq import Queue

    connection = jobs.redis_connection()
    queue = Queue(app.config["RQ_QUEUE"], connection=connection)
    queue.empty()
    return queue


def actions():
    return db.session.execute(db.select(AuditEvent.action).order_by(AuditEvent.id)).scalars().all()


def tally_runs():
    return db.session.execute(db.select(TallyRun)).scalars().all()


def manage_url(budget):
    return f"/results/manage/rounds/{budget.round_id}"


def press_count(client, budget):
    response = post_form(
        client, f"/results/manage/budgets/{budget.id}/count", {}, form_url=manage_url(budget), follow_redirects=True
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    return response.get_data(as_text=True)


def the_job(budget):
    [job] = services.tally_jobs_of(budget.id)
    return job


# --- the job queue is down when counting starts ---------------------------------------------


def test_counting_with_the_queue_down_says_so_and_the_next_press_retries_at_once(
    app, client, login, budget, staff, monkeypatch
):
    working_queue = app.config["REDIS_URL"]
    login(staff)
    monkeypatch.setitem(app.config, "REDIS_URL", CLOSED_PORT)

    html = press_count(client, budget)
    assert "The count could not be queued: the job queue is not reachable. Nothing was counted" in html
    assert "Counting started" not in html
    job = the_job(budget)
    assert job.status is JobStatus.FAILED and job.error.startswith("not queued:")
    assert "Failed" in html and "not queued" in html  # the page it ends on shows the failed job
    assert [action for action in actions() if action.startswith("tally.")] == ["tally.started", "tally.not_queued"]

    html = press_count(client, budget)  # still down: tried again, not "already running"
    assert "The count could not be queued" in html and "already running" not in html

    monkeypatch.setitem(app.config, "REDIS_URL", working_queue)
    html = press_count(client, budget)
    assert "Counting started" in html
    run_queued_jobs(app)
    db.session.expire_all()
    job = the_job(budget)
    assert job.status is JobStatus.DONE and job.error is None
    assert len(tally_runs()) == 1


def test_the_staff_pages_work_while_the_queue_is_down(app, client, login, budget, staff, monkeypatch):
    services.start_tally(budget, staff)
    commit()
    login(staff)
    monkeypatch.setitem(app.config, "REDIS_URL", CLOSED_PORT)
    for url in (manage_url(budget), f"{manage_url(budget)}/progress", "/staff/jobs", "/staff/"):
        assert client.get(url).status_code == 200, url


# --- the worker dies mid-count ---------------------------------------------------------------


def take_job_and_vanish(app, job_id, *, worker_alive=False, heartbeat_age=None, lease_expired=False):
    """What RQ holds when a worker took ``job_id`` and was then killed (SIGKILL: no goodbye).

    The job is STARTED by the worker and in the started job registry; the JobRun says running
    at 40 %, as ``pb.jobs.execute`` left it. ``worker_alive`` keeps the worker's registration
    (its key); ``heartbeat_age`` makes the job's last heartbeat that old; ``lease_expired`` lets
    the started registry's lease run out, as it does 70 s after the last heartbeat.
    """
    from rq import Queue, SimpleWorker
    from rq.job import Job
    from rq.registry import StartedJobRegistry

    connection = jobs.redis_connection()
    queue = Queue(app.config["RQ_QUEUE"], connection=connection)
    job = Job.fetch(job_id, connection=connection)
    queue.remove(job)
    worker = SimpleWorker([queue], connection=connection, name=f"gone-{uuid.uuid4().hex[:8]}")
    if worker_alive:
        worker.register_birth()
    execution = worker.prepare_execution(job)
    worker.prepare_job_execution(job)
    jobs._set_state(job_id, status=JobStatus.RUNNING, started_at=utcnow(), attempts=1, progress=40)
    if not worker_alive:
        connection.delete(worker.key)
    if heartbeat_age is not None:
        job.heartbeat(utcnow() - heartbeat_age, 60)
    if lease_expired:
        connection.zadd(StartedJobRegistry(queue.name, connection=connection).key, {execution.composite_key: 1})
    return worker


def started_count(budget, staff):
    started = services.start_tally(budget, staff)
    commit()
    assert db.session.get(JobRun, started.job_id).status is JobStatus.QUEUED
    return started.job_id


def test_a_count_whose_worker_is_gone_shows_failed_with_the_reason_and_is_retried_at_once(
    app, client, login, budget, staff, redis
):
    from rq.registry import StartedJobRegistry

    job_id = started_count(budget, staff)
    take_job_and_vanish(app, job_id)
    login(staff)

    html = client.get(manage_url(budget)).get_data(as_text=True)
    job = db.session.get(JobRun, job_id)
    assert job.status is JobStatus.FAILED
    assert job.error.startswith("The worker running the job is gone")
    assert "Failed" in html and "The worker running the job is gone" in html
    assert "Stop this count" not in html and "Start the count again" in html
    note = job.error

    # RQ's own cleanup of the lost job, later, and another look at the page change nothing.
    StartedJobRegistry(redis.name, connection=redis.connection).cleanup(timestamp=utcnow().timestamp() + 3600)
    client.get(manage_url(budget))
    db.session.expire_all()
    assert db.session.get(JobRun, job_id).error == note

    html = press_count(client, budget)  # at once, not after 15 minutes
    assert "Counting started" in html
    run_queued_jobs(app)
    db.session.expire_all()
    job = db.session.get(JobRun, job_id)
    assert job.status is JobStatus.DONE and job.attempts == 2
    assert len(tally_runs()) == 1
    assert actions().count("job.abandoned") == 1


def test_a_count_whose_worker_stopped_its_heartbeat_fails_within_a_minute(app, budget, staff, redis):
    job_id = started_count(budget, staff)
    take_job_and_vanish(app, job_id, worker_alive=True, heartbeat_age=timedelta(seconds=5))
    assert services.check_jobs([db.session.get(JobRun, job_id)]) == []  # a live worker's job runs on
    assert db.session.get(JobRun, job_id).status is JobStatus.RUNNING

    job = db.session.get(JobRun, job_id)
    from rq.job import Job

    Job.fetch(job_id, connection=redis.connection).heartbeat(utcnow() - timedelta(seconds=50), 60)
    assert jobs.ABANDONED_AFTER < timedelta(minutes=1)
    assert services.check_jobs([job]) == [job]
    commit()
    db.session.expire_all()
    job = db.session.get(JobRun, job_id)
    assert job.status is JobStatus.FAILED and "stopped answering" in job.error


def test_a_job_rq_itself_found_abandoned_shows_rqs_reason(app, budget, staff, redis):
    job_id = started_count(budget, staff)
    take_job_and_vanish(app, job_id, worker_alive=True, lease_expired=True)
    [job] = services.check_jobs([db.session.get(JobRun, job_id)])
    commit()
    assert job.status is JobStatus.FAILED
    assert "AbandonedJobError" in job.error


def test_a_worker_killed_mid_count_fails_the_job_and_the_retry_succeeds(app, budget, staff, redis, monkeypatch):
    """A real forking worker whose work horse is killed (SIGKILL) while it counts."""
    from rq import Worker

    import pb.tally.services.counting

    job_id = started_count(budget, staff)
    budget_id, staff_id = budget.id, staff.id
    monkeypatch.setattr(pb.tally.services.counting, "tally", lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL))
    # The work horse is a fork of this process: it must not share this process's database connections.
    db.session.remove()
    db.engine.dispose()
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        Worker([redis], connection=redis.connection, job_monitoring_interval=1).work(burst=True)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    monkeypatch.undo()

    job = db.session.get(JobRun, job_id)
    assert job.status is JobStatus.RUNNING and job.progress == 50  # what the killed job left behind
    assert services.check_jobs([job]) == [job]
    commit()
    db.session.expire_all()
    job = db.session.get(JobRun, job_id)
    assert job.status is JobStatus.FAILED and "Work-horse terminated unexpectedly" in job.error
    assert tally_runs() == []

    again = services.start_tally(db.session.get(RoundBudget, budget_id), db.session.get(User, staff_id))
    commit()
    assert again.queued and again.job_id == job_id
    run_queued_jobs(app)
    db.session.expire_all()
    assert db.session.get(JobRun, job_id).status is JobStatus.DONE
    assert len(tally_runs()) == 1


def test_a_job_left_running_without_a_queue_fails_after_a_while(app, budget, staff, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    hash_value = services.inputs_hash(services.load_instance(budget), "greedy")
    job_id = services.tally_job_id(budget.id, hash_value)
    db.session.add(JobRun(id=job_id, func="pb.tally.jobs.run_tally", args=[budget.id, hash_value, staff.id],
                          status=JobStatus.RUNNING, started_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    job = db.session.get(JobRun, job_id)
    assert services.check_jobs([job]) == []
    job.started_at = utcnow() - jobs.INLINE_STALE_AFTER - timedelta(minutes=1)
    db.session.commit()
    assert services.check_jobs([job]) == [job]
    assert job.status is JobStatus.FAILED


# --- staff stop a count ----------------------------------------------------------------------


def press_stop(client, budget, job_id):
    response = post_form(
        client,
        f"/results/manage/budgets/{budget.id}/jobs/{job_id}/cancel",
        {},
        form_url=manage_url(budget),
        follow_redirects=True,
    )
    assert response.status_code == 200
    db.session.expire_all()
    return response.get_data(as_text=True)


def test_staff_stop_a_waiting_count_and_start_it_again(app, client, login, budget, staff, redis):
    job_id = started_count(budget, staff)
    login(staff)
    assert "Stop this count" in client.get(manage_url(budget)).get_data(as_text=True)

    html = press_stop(client, budget, job_id)
    assert "The count was stopped" in html
    job = db.session.get(JobRun, job_id)
    assert job.status is JobStatus.FAILED and job.error.startswith("cancelled: ")
    assert redis.count == 0  # RQ no longer has it waiting
    assert actions()[-1] == "tally.cancelled"
    assert "This count has already ended" in press_stop(client, budget, job_id)

    assert "Counting started" in press_count(client, budget)
    run_queued_jobs(app)
    db.session.expire_all()
    assert db.session.get(JobRun, job_id).status is JobStatus.DONE
    assert len(tally_runs()) == 1


def test_a_count_stopped_while_the_queue_is_down_never_runs(app, client, login, budget, staff, redis, monkeypatch):
    job_id = started_count(budget, staff)
    login(staff)
    working_queue = app.config["REDIS_URL"]
    monkeypatch.setitem(app.config, "REDIS_URL", CLOSED_PORT)
    assert "The count was stopped" in press_stop(client, budget, job_id)
    monkeypatch.setitem(app.config, "REDIS_URL", working_queue)

    assert redis.count == 1  # the queue could not be told ...
    run_queued_jobs(app)  # ... but the worker skips it
    db.session.expire_all()
    job = db.session.get(JobRun, job_id)
    assert job.status is JobStatus.FAILED and job.error.startswith("cancelled: ")
    assert tally_runs() == []


def test_stopping_a_job_of_another_budget_is_not_found(client, login, budget, staff):
    other = make_round(districts=(("Kallio", 500),)).budgets[0]
    login(staff)
    response = post_form(
        client, f"/results/manage/budgets/{other.id}/jobs/tally-{budget.id}-abc/cancel", {}, form_url=manage_url(budget)
    )
    assert response.status_code == 404


def test_the_jobs_page_offers_stop_and_count_again_for_counts(app, client, login, budget, staff, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", CLOSED_PORT)
    services.start_tally(budget, staff)
    commit()  # not queued: failed
    login(staff)
    html = client.get("/staff/jobs").get_data(as_text=True)
    assert f'action="/results/manage/budgets/{budget.id}/count"' in html and "Count again" in html
