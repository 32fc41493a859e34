"""Starting a count (a background job queued after the commit) and publishing its result.

The jobs (:mod:`pb.tally.jobs`) are queued by dotted name, so this module never imports them.
"""

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from pb.audit.services import record
from pb.errors import DomainError
from pb.extensions import db
from pb.jobs import JobRun, JobStatus, enqueue
from pb.models_base import utcnow
from pb.tally.models import TallyRun
from pb.tally.services.inputs import inputs_hash, load_instance, rule_of
from pb.tally.services.pages import published_run
from pb.transactions import after_commit

# A tally takes seconds; a job "running" this long lost its worker and may be started again.
STALE_JOB_AFTER = timedelta(minutes=15)


class TallyError(DomainError):
    """A tally cannot be started or published; the message is for the staff member."""


@dataclass(frozen=True)
class TallyStart:
    job_id: str
    run: TallyRun | None  # the stored run when these exact inputs were already counted
    queued: bool  # False when the same job was already queued or running


def tally_job_id(budget_id, hash_value):
    """One job per budget and exact inputs: a double click or a second start queues nothing new."""
    return f"tally-{budget_id}-{hash_value[:32]}"


def what_if_job_id(run_id):
    return f"tally-what-if-{run_id}"


def can_start_tally(budget):
    return budget.round.is_frozen and budget.round.is_voting_over()


def start_tally(budget, actor):
    """Count ``budget`` by its round's rule, in a background job queued after the commit.

    The job id derives from the exact inputs, so starting twice queues one job, and inputs
    that were already counted give back the stored run. Raises :class:`TallyError` while
    voting is still open.
    """
    if not can_start_tally(budget):
        raise TallyError(_("Counting can start only after voting has closed."))
    rule, threshold = rule_of(budget.round)
    instance = load_instance(budget)
    hash_value = inputs_hash(instance, rule, threshold)
    job_id = tally_job_id(budget.id, hash_value)
    existing = stored_run(budget.id, hash_value, rule)
    if existing is not None:
        return TallyStart(job_id, existing, queued=False)
    job = db.session.get(JobRun, job_id)
    if job is not None and job.status in (JobStatus.QUEUED, JobStatus.RUNNING) and not _is_stale(job):
        return TallyStart(job_id, None, queued=False)
    if job is not None and _is_stale(job):
        job.status = JobStatus.FAILED
        job.error = "The worker stopped before the job finished."
    record(
        actor,
        "tally.started",
        subject=budget,
        details={"job_id": job_id, "rule": rule, "inputs_hash": hash_value, "ballots": instance.ballots.n_voters},
    )
    budget_id, actor_id = budget.id, getattr(actor, "id", None)
    after_commit(lambda: enqueue("pb.tally.jobs.run_tally", budget_id, hash_value, actor_id, job_id=job_id))
    return TallyStart(job_id, None, queued=True)


def _is_stale(job):
    return job.status is JobStatus.RUNNING and job.started_at is not None and utcnow() - job.started_at > STALE_JOB_AFTER


def stored_run(budget_id, hash_value, rule):
    return db.session.execute(
        select(TallyRun).where(
            TallyRun.round_budget_id == budget_id, TallyRun.inputs_hash == hash_value, TallyRun.rule == rule
        )
    ).scalar_one_or_none()


def publish_tally(run, actor):
    """Make ``run`` the budget's public result. A published result is never replaced."""
    if run.is_published:
        raise TallyError(_("This result is already published."))
    if published_run(run.round_budget_id) is not None:
        raise TallyError(_("Another result of this budget is already published. A published result is not replaced."))
    actor_id, budget_id = actor.id, run.round_budget_id  # read before the change: a load would flush half of it
    run.published_at = utcnow()
    run.published_by_id = actor_id
    run.published_budget_id = budget_id
    db.session.flush()
    record(
        actor,
        "tally.published",
        subject=run,
        details={"round_budget_id": run.round_budget_id, "rule": run.rule, "inputs_hash": run.inputs_hash},
    )
    run_id = run.id
    after_commit(lambda: enqueue("pb.tally.jobs.compute_what_ifs", run_id, job_id=what_if_job_id(run_id)))
    return run
