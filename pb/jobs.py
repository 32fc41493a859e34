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
"""

import importlib
import logging
import re
import traceback
from datetime import datetime

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, String, Text, update
from sqlalchemy.orm import Mapped, mapped_column

from pb.enums import LabelledEnum
from pb.extensions import db
from pb.models_base import UTCDateTime, enum_type, utcnow

log = logging.getLogger(__name__)

# RQ accepts only these characters in a job id; checked here so inline mode fails the same way.
JOB_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,120}")
FUNCTION_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+")


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
            Queue(current_app.config["RQ_QUEUE"], connection=redis_connection()).enqueue(
                execute, job_id, job_id=job_id, result_ttl=3600, failure_ttl=7 * 86400, retry=retry
            )
        except Exception as exc:
            # The run would wait for ever in a queue that never got it: show it failed, so it can be retried.
            _set_state(job_id, status=JobStatus.FAILED, finished_at=utcnow(), error=f"not queued: {exc!r}")
            raise
    else:
        execute(job_id)
        db.session.refresh(run)
    return run


def redis_connection():
    from redis import Redis

    return Redis.from_url(current_app.config["REDIS_URL"])


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
        return None
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
        return None
    _set_state(job_id, status=JobStatus.DONE, progress=100, finished_at=utcnow())
    return None


def work(burst=False):
    """Run an RQ worker for the pb queue in the current app context (the app is built once, by the caller).

    The scheduler is on, so that failed runs with ``retries`` are queued again after their wait.
    """
    from rq import Queue, Worker

    connection = redis_connection()
    queue = Queue(current_app.config["RQ_QUEUE"], connection=connection)
    Worker([queue], connection=connection).work(burst=burst, with_scheduler=True)
