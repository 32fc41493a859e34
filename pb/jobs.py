"""Background jobs: RQ on Redis when ``REDIS_URL`` is set, inline otherwise.

A job function takes ids only, and is called as ``func(*ids)`` inside an app
context. It is named by its dotted path (``"pb.tally.jobs.run_tally"``), as RQ
allows, so the service that queues a job never imports the job's module (jobs
sit above services). :func:`enqueue` is called after the commit
(``transactions.after_commit`` does that for you) with a fixed ``job_id``: while a
run with that id is queued, running or done, asking again returns it instead of
queueing the work twice. A failed run may be enqueued again under the same id (a retry).
The worker (``flask pb worker`` or ``pb-worker``) builds the app once and runs every
job inside its context.
Pages show progress from the :class:`JobRun` row, which the job updates through
:func:`report_progress` on its own connection, so progress is visible while the
job's own transaction is still open.

A run that says waiting or running may never finish: the worker was killed, or Redis lost the
job. :func:`check_runs` asks RQ (its started and failed job registries, the job's status and
the heartbeats of the worker running it) and marks such runs failed with the reason, so they can
be retried at once; a heartbeat missed for :data:`ABANDONED_AFTER` is enough, without waiting for
RQ's own cleanup. :func:`cancel` stops a waiting or running run on request. A run that could not
be queued at all (Redis down) is failed by :func:`enqueue` itself (:func:`not_queued`).

Work on a clock (:data:`PERIODIC_JOBS`, e.g. closing a vote on time) runs through RQ's scheduler
in the worker (:func:`plan_periodic`); without Redis, a CLI command does the same from cron.
"""

import functools
import importlib
import logging
import re
import traceback
from datetime import UTC, datetime, timedelta

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, String, Text, update
from sqlalchemy.orm import Mapped, mapped_column

from pb.enums import LabelledEnum
from pb.extensions import db
from pb.models_base import UTCDateTime, enum_type, utcnow
from pb.transactions import after_commit

log = logging.getLogger(__name__)

# RQ accepts only these characters in a job id; checked here so inline mode fails the same way.
JOB_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,120}")
FUNCTION_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+")

# A worker started by `work` tells Redis every HEARTBEAT_SECONDS that the job it runs is alive
# (RQ's job_monitoring_interval; RQ's default is 30 s). A started job whose heartbeat is older
# than ABANDONED_AFTER lost its worker: RQ itself would call it abandoned only once the heartbeat's
# lease (the interval plus 60 s) ran out and a cleanup ran.
HEARTBEAT_SECONDS = 10
ABANDONED_AFTER = timedelta(seconds=40)
# Without Redis a job runs inside the request that queued it; one still "running" after this long
# lost its process.
INLINE_STALE_AFTER = timedelta(minutes=15)
# The error notes of runs failed before they could run: the queue refused them, or staff stopped them.
NOT_QUEUED = "not queued"
CANCELLED = "cancelled"


class JobStatus(LabelledEnum):
    QUEUED = "queued", _l("Waiting")
    RUNNING = "running", _l("Running")
    DONE = "done", _l("Done")
    FAILED = "failed", _l("Failed")


class JobRun(db.Model):
    __tablename__ = "job_runs"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    func: Mapped[str] = mapped_column(String(200))
    args: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[JobStatus] = mapped_column(
        enum_type(JobStatus), default=JobStatus.QUEUED
    )
    progress: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def is_finished(self):
        return self.status in (JobStatus.DONE, JobStatus.FAILED)


def _path(func):
    """``"package.module.function"`` for a dotted name or a module-level function."""
    path = func if isinstance(func, str) else f"{func.__module__}.{func.__qualname__}"
    if not FUNCTION_PATH.fullmatch(path):
        raise ValueError(f"job function {path!r}: name a module-level function as 'package.module.function'")
    return path


def _resolve(path):
    # Runs stored before jobs were named by dotted path say "package.module:function".
    module, _, name = path.partition(":") if ":" in path else path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def enqueue(func, *ids, job_id, retries=()):
    """Queue ``func(*ids)`` once under ``job_id``; returns the :class:`JobRun`.

    ``func`` is the job's dotted name (or the function itself, where the caller may import it).
    ``retries`` are the waits in seconds before each automatic retry of a failed run on RQ
    (the run shows as failed meanwhile); inline, a failed run waits for a retry by hand.
    A retry first deletes what RQ kept of the failed attempt (the job and its registry entries),
    so that RQ's later cleanup of a dead attempt cannot fail the new one. If Redis cannot be
    reached, the run is marked failed (:func:`not_queued`) and the error is raised.
    Call it only after the data the job reads is committed.
    """
    if not JOB_ID_PATTERN.fullmatch(job_id):
        raise ValueError(f"job id {job_id!r}: use letters, digits, '-' and '_' only")
    path = _path(func)
    run = db.session.get(JobRun, job_id, with_for_update=True)
    if run is not None and run.status is not JobStatus.FAILED:
        db.session.commit()
        return run
    if run is None:
        run = JobRun(id=job_id, func=path, args=list(ids))
        db.session.add(run)
    run.status = JobStatus.QUEUED
    run.progress = 0
    run.error = None
    try:
        db.session.commit()
    except Exception:
        # Another request created the same run between our read and our insert.
        db.session.rollback()
        return db.session.get(JobRun, job_id)

    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        from rq import Queue, Retry

        retry = Retry(max=len(retries), interval=list(retries)) if retries else None
        try:
            connection = redis_connection()
            _forget_rq_job(job_id, connection)
            Queue(current_app.config["RQ_QUEUE"], connection=connection).enqueue(
                execute, job_id, job_id=job_id, result_ttl=3600, failure_ttl=7 * 86400, retry=retry
            )
        except Exception as exc:
            # The run would wait for ever in a queue that never got it: show it failed, so it can be retried.
            error = f"{NOT_QUEUED}: {type(exc).__name__}: {exc}"
            _set_state(job_id, status=JobStatus.FAILED, finished_at=utcnow(), error=error)
            raise
    else:
        execute(job_id)
        db.session.refresh(run)
    return run


def redis_connection():
    from redis import Redis

    # A Redis host that does not answer must not hang a page: give up connecting after a few seconds.
    return Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=5)


def not_queued(run):
    """True if ``run`` failed because the job queue could not be reached when it was queued."""
    return run is not None and run.status is JobStatus.FAILED and (run.error or "").startswith(NOT_QUEUED)


def is_pending(run):
    return run is not None and run.status in (JobStatus.QUEUED, JobStatus.RUNNING)


def _forget_rq_job(job_id, connection):
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    try:
        Job.fetch(job_id, connection=connection).delete()
    except NoSuchJobError:
        pass


def report_progress(job_id, percent):
    """Record progress on a separate connection so pages see it before the job commits."""
    with db.engine.begin() as connection:
        connection.execute(update(JobRun).where(JobRun.id == job_id).values(progress=max(0, min(100, int(percent)))))


def _set_state(job_id, **values):
    with db.engine.begin() as connection:
        connection.execute(update(JobRun).where(JobRun.id == job_id).values(**values))


def execute(job_id):
    """Run a queued job; this is what the RQ worker (or ``enqueue`` inline) calls, inside the app's context."""
    if not has_app_context():
        raise RuntimeError("pb jobs run inside the app: start workers with `flask pb worker` or `pb-worker`")
    run = db.session.get(JobRun, job_id)
    if run is None:
        log.warning("job %s has no JobRun row; skipped", job_id)
        return
    if run.status is JobStatus.FAILED and (run.error or "").startswith(CANCELLED):
        # Staff stopped it while the queue could not be told (Redis was down): it does not run.
        log.warning("job %s was cancelled; skipped", job_id)
        db.session.rollback()
        return
    func, args = _resolve(run.func), list(run.args)
    db.session.rollback()  # end the read so the job starts its own transaction
    _set_state(job_id, status=JobStatus.RUNNING, started_at=utcnow(), attempts=JobRun.attempts + 1)
    try:
        func(*args)
    except Exception as exc:
        db.session.rollback()
        log.exception("job %s failed", job_id)
        _set_state(
            job_id,
            status=JobStatus.FAILED,
            finished_at=utcnow(),
            error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}",
        )
        if current_app.config.get("REDIS_URL"):
            raise
        return
    _set_state(job_id, status=JobStatus.DONE, progress=100, finished_at=utcnow())
    return


def work(burst=False):
    """Run an RQ worker for the pb queue in the current app context (the app is built once, by the caller).

    The scheduler is on, so that failed runs with ``retries`` are queued again after their wait
    and the :data:`PERIODIC_JOBS` run on time (the worker plans them, see :func:`plan_periodic`).
    The job's heartbeat comes every :data:`HEARTBEAT_SECONDS`, which :func:`check_runs` counts on.
    """
    from rq import Queue

    connection = redis_connection()
    queue = Queue(current_app.config["RQ_QUEUE"], connection=connection)
    worker = worker_class()([queue], connection=connection, job_monitoring_interval=HEARTBEAT_SECONDS)
    worker.work(burst=burst, with_scheduler=True)


# --- work on a clock ------------------------------------------------------------------------------
#
# Periodic jobs run through RQ's scheduler, which every worker started by `work` runs (one of them
# holds its lock at a time). Each run is a scheduled RQ job whose id names the job and its minute,
# so any number of workers planning the same run schedule it once; the run first schedules the
# next one, so a failing run does not stop the clock. Workers plan the next run again when they
# start and at each of RQ's maintenance rounds (every 10 minutes), which restarts a clock that
# Redis lost. They take no arguments and leave no JobRun row: they are idempotent sweeps that
# look at the database for what is due. Without Redis, run their CLI commands from cron instead.

# Dotted job function -> period in seconds.
PERIODIC_JOBS = {
    "pb.voting.jobs.apply_due_phases": 60,  # rounds close (and move on) at their announced minute
    "pb.audit.sealing.seal_pending": 60,  # the audit events written meanwhile are sealed in a block
    "pb.proposals.services.send_reminders": 3600,  # applicants' deadline reminders, once each
    "pb.review.jobs.queue_due_reminders": 3600,  # reviewers' reminders before the review deadline, once a day
    "pb.agreements.jobs.queue_due_reminders": 3600,  # grantees' report reminders before and after the due date, once each
}


def next_run_at(period, after):
    """The first multiple of ``period`` seconds (since the epoch) strictly after ``after``."""
    seconds = int(after.timestamp()) // period * period + period
    return datetime.fromtimestamp(seconds, tz=after.tzinfo or UTC)


def periodic_job_id(path, at):
    return "periodic-" + path.replace(".", "_")[-80:] + at.strftime("-%Y%m%dT%H%M%S")


def plan_periodic(connection=None, queue_name=None, after=None):
    """Schedule the next run of every periodic job that has none yet; returns the RQ job ids."""
    return [schedule_next_run(path, period, connection, queue_name, after) for path, period in PERIODIC_JOBS.items()]


def schedule_next_run(path, period, connection=None, queue_name=None, after=None):
    from rq import Queue
    from rq.exceptions import DuplicateJobError

    connection = connection or redis_connection()
    queue = Queue(queue_name or current_app.config["RQ_QUEUE"], connection=connection)
    at = next_run_at(period, after or utcnow())
    job_id = periodic_job_id(_path(path), at)
    try:
        queue.enqueue_at(
            at, run_periodic, path, period, at.isoformat(), job_id=job_id, unique=True,
            result_ttl=10 * period, failure_ttl=7 * 86400, description=f"{path} (every {period} s)",
        )
    except DuplicateJobError:
        pass  # another worker, or an earlier run, planned it
    return job_id


def run_periodic(path, period, planned_at):
    """One run of a periodic job, on the worker (inside the app's context): plan the next, then run.

    The next run comes after this one's planned time even if this one started early (clocks differ
    between machines), so it never gets this run's id.
    """
    from rq import get_current_job

    if not has_app_context():
        raise RuntimeError("pb jobs run inside the app: start workers with `flask pb worker` or `pb-worker`")
    job = get_current_job()
    after = max(utcnow(), datetime.fromisoformat(planned_at))
    schedule_next_run(
        path, period, connection=job.connection if job else None, queue_name=job.origin if job else None, after=after
    )
    return _resolve(path)()


class PlansPeriodicJobs:
    """A worker mixin: plans the periodic jobs when the worker starts and at each maintenance round."""

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        try:
            for queue in self.queues:
                plan_periodic(self.connection, queue.name)
        except Exception:
            log.exception("could not plan the periodic jobs")


@functools.cache
def worker_class():
    from rq import Worker

    return type("PbWorker", (PlansPeriodicJobs, Worker), {})


# --- runs that will never finish, and stopping one ----------------------------------------------


def check_runs(runs):
    """Mark failed the runs among ``runs`` that say waiting or running but will never finish.

    With Redis, RQ's state decides: its cleanup of started jobs whose lease ran out (moved to the
    failed registry as abandoned), a job RQ failed, stopped or cancelled (a killed work horse, a
    timeout), a job started by a worker that is gone or whose heartbeat stopped for
    :data:`ABANDONED_AFTER`, a job Redis no longer has. Inline, a run still running after
    :data:`INLINE_STALE_AFTER`. Each is marked failed with its reason in the caller's transaction
    (flushed; a run that ended meanwhile is left as it is, its note too). Returns ``(run, reason)``
    for each one marked, for the caller to audit. If Redis cannot be reached, nothing is marked.
    """
    pending = [run for run in runs if is_pending(run)]
    if not pending:
        return []
    if current_app.config.get("REDIS_URL"):
        from redis.exceptions import RedisError

        try:
            found = _ended_in_rq(pending)
        except RedisError as exc:
            log.warning("cannot check job runs against the job queue: %r", exc)
            return []
    else:
        now = utcnow()
        found = [
            (run, "The job stopped before it finished (its process ended).")
            for run in pending
            if run.status is JobStatus.RUNNING and run.started_at is not None and now - run.started_at > INLINE_STALE_AFTER
        ]
    return [(run, reason) for run, reason in found if _fail_if_pending(run, reason)]


def _ended_in_rq(runs):
    from rq.exceptions import NoSuchJobError
    from rq.job import Job
    from rq.job import JobStatus as RQStatus
    from rq.registry import StartedJobRegistry

    connection = redis_connection()
    # RQ's own check, which its workers run only every few minutes: started jobs whose heartbeat
    # lease ran out go to the failed job registry as abandoned.
    StartedJobRegistry(current_app.config["RQ_QUEUE"], connection=connection).cleanup()
    found = []
    for run in runs:
        try:
            job = Job.fetch(run.id, connection=connection)
        except NoSuchJobError:
            found.append((run, "The job queue no longer has this job (Redis lost it); nothing runs it."))
            continue
        status = job.get_status(refresh=False)
        if status in (RQStatus.FAILED, RQStatus.STOPPED, RQStatus.CANCELED):
            found.append((run, _rq_failure(job, status)))
        elif status == RQStatus.FINISHED:
            # execute() records the end before RQ does: this run's end was never recorded.
            found.append((run, "The job queue says the job ended, but the job did not record its end."))
        elif status == RQStatus.STARTED:
            reason = _worker_gone(job, connection)
            if reason:
                found.append((run, reason))
    return found


def _rq_failure(job, status):
    result = job.latest_result()
    lines = [line.strip() for line in (getattr(result, "exc_string", None) or "").splitlines() if line.strip()]
    detail = lines[-1] if lines else status.value
    return f"The worker stopped before the job finished (job queue: {detail})"


def _worker_gone(job, connection):
    from rq.worker import Worker

    name = job.worker_name or "?"
    if job.worker_name and not connection.exists(Worker.redis_worker_namespace_prefix + job.worker_name):
        return f"The worker running the job is gone (worker {name}: stopped or killed)."
    if job.last_heartbeat is not None and utcnow() - job.last_heartbeat > ABANDONED_AFTER:
        return (
            f"The worker running the job stopped answering (worker {name}, "
            f"last heartbeat {job.last_heartbeat:%Y-%m-%d %H:%M:%S} UTC): it was killed or hangs."
        )
    return None


def _fail_if_pending(run, reason):
    """Mark ``run`` failed unless it ended meanwhile (the row decides, not the loaded object)."""
    result = db.session.execute(
        update(JobRun)
        .where(JobRun.id == run.id, JobRun.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
        .values(status=JobStatus.FAILED, error=reason, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(run)
    return result.rowcount == 1


def cancel(run, reason):
    """Stop ``run`` if it is waiting or running; returns False if it had already ended.

    The run is marked failed (``"cancelled: <reason>"``) in the caller's transaction; once that is
    committed, RQ is told: a waiting job leaves the queue, a running one is stopped (its work horse
    is killed). Should Redis not hear of it, the worker still skips a cancelled run (:func:`execute`).
    """
    if not _fail_if_pending(run, f"{CANCELLED}: {reason}"):
        return False
    if current_app.config.get("REDIS_URL"):
        job_id = run.id
        after_commit(lambda: _stop_in_rq(job_id))
    return True


def _stop_in_rq(job_id):
    from rq.command import send_stop_job_command
    from rq.exceptions import InvalidJobOperation, NoSuchJobError
    from rq.job import Job
    from rq.job import JobStatus as RQStatus

    connection = redis_connection()
    try:
        job = Job.fetch(job_id, connection=connection)
    except NoSuchJobError:
        return
    status = job.get_status(refresh=False)
    try:
        if status == RQStatus.STARTED:
            send_stop_job_command(connection, job_id)
        elif status in (RQStatus.QUEUED, RQStatus.SCHEDULED, RQStatus.DEFERRED):
            job.cancel()
    except InvalidJobOperation:
        pass
