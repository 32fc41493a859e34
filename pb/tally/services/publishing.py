"""Starting a count (a background job queued after the commit), stopping one, and publishing its result.

The jobs (:mod:`pb.tally.jobs`) are queued by dotted name, so this module never imports them.
Whether a waiting or running count will ever finish is asked of the job queue (``pb.jobs.check_runs``):
one whose worker died shows as failed, with the reason, and can be started again at once.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from pb import jobs
from pb.audit.services import record
from pb.errors import DomainError
from pb.extensions import db
from pb.jobs import JobRun, enqueue
from pb.models_base import utcnow
from pb.tally.models import TallyRun
from pb.tally.services.inputs import inputs_hash, load_instance, rule_of
from pb.tally.services.pages import published_run, tally_jobs_of
from pb.transactions import after_commit

COUNT_JOB = "pb.tally.jobs.run_tally"
# Without a job queue (inline jobs), a job "running" this long lost its process and may be started again.
STALE_JOB_AFTER = jobs.INLINE_STALE_AFTER


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
    if jobs.is_pending(job):
        check_jobs([job])
        if jobs.is_pending(job):
            return TallyStart(job_id, None, queued=False)
    record(
        actor,
        "tally.started",
        subject=budget,
        details={"job_id": job_id, "rule": rule, "inputs_hash": hash_value, "ballots": instance.ballots.n_voters},
    )
    budget_id, actor_id = budget.id, getattr(actor, "id", None)
    after_commit(lambda: enqueue(COUNT_JOB, budget_id, hash_value, actor_id, job_id=job_id))
    return TallyStart(job_id, None, queued=True)


def tally_job_of(budget, job_id):
    """The budget's tally job ``job_id``, or None (a job id of another budget or kind is not its)."""
    if not job_id.startswith(f"tally-{budget.id}-"):
        return None
    return db.session.get(JobRun, job_id)


def not_queued(budget, job_id, actor):
    """After the commit that queued a count: whether the job queue refused it (then audited).

    The job run is then failed, so the next start queues it again at once.
    """
    job = db.session.get(JobRun, job_id, populate_existing=True)
    if not jobs.not_queued(job):
        return False
    record(actor, "tally.not_queued", subject=budget, details={"job_id": job_id, "error": job.error.splitlines()[0]})
    return True


def check_tally_jobs(budget_round):
    """Mark failed, from the job queue's own state, the counts of the round that will never finish.

    Flushes; returns the jobs marked, each audited.
    """
    return check_jobs([job for budget in budget_round.budgets for job in tally_jobs_of(budget.id)])


def check_jobs(job_runs):
    """Mark failed those of ``job_runs`` that wait or run but will never finish (``pb.jobs.check_runs``),
    each audited with its reason; returns them. Flushes."""
    ended = jobs.check_runs(job_runs)
    for job, reason in ended:
        record(None, "job.abandoned", details={"job_id": job.id, "reason": reason})
    return [job for job, _reason in ended]


def budget_id_of_job(job):
    """The round budget a count job (``run_tally``) counts, or None for any other job."""
    if job.func != COUNT_JOB or not job.args:
        return None
    return job.args[0]


def cancel_tally(budget, job_id, actor):
    """Stop the budget's waiting or running count ``job_id``; it can be started again at once."""
    job = tally_job_of(budget, job_id)
    if job is None:
        raise TallyError(_("There is no such count."), status=404)
    if not jobs.cancel(job, f"stopped by staff member {getattr(actor, 'id', None)}"):
        raise TallyError(_("This count has already ended."))
    record(actor, "tally.cancelled", subject=budget, details={"job_id": job_id})
    return job


def stored_run(budget_id, hash_value, rule):
    return db.session.execute(
        select(TallyRun).where(
            TallyRun.round_budget_id == budget_id, TallyRun.inputs_hash == hash_value, TallyRun.rule == rule
        )
    ).scalar_one_or_none()


def current_inputs_hash(budget):
    """The hash of the budget's ballots as they are now, under its round's rule."""
    rule, threshold = rule_of(budget.round)
    return inputs_hash(load_instance(budget), rule, threshold)


def publish_problem(run):
    """Why ``run`` cannot be published now (a message for staff), or None."""
    if run.is_published:
        return _("This result is already published.")
    if published_run(run.round_budget_id) is not None:
        return _("Another result of this budget is already published. A published result is not replaced.")
    rule, _threshold = rule_of(run.budget.round)
    if run.rule != rule or current_inputs_hash(run.budget) != run.inputs_hash:
        return _(
            "The ballots or the counting rule changed after this count, so it is not the result of the ballots "
            "as they are now. Count the votes again and publish the new count."
        )
    return None


# Higher domains that act on a published result (implementation records of the funded projects)
# register here: the tally never imports them. Each is called with the run, in the same transaction.
_PUBLISHED_LISTENERS = []


def on_published(listener):
    """Call ``listener(run)`` whenever a result is published (in its transaction); returns ``listener``."""
    if listener not in _PUBLISHED_LISTENERS:
        _PUBLISHED_LISTENERS.append(listener)
    return listener


def publish_tally(run, actor):
    """Make ``run`` the budget's public result. A published result is never replaced, and only a count
    of the ballots as they are now is published."""
    problem = publish_problem(run)
    if problem is not None:
        raise TallyError(problem)
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
    for listener in _PUBLISHED_LISTENERS:
        listener(run)
    run_id = run.id
    after_commit(lambda: enqueue("pb.tally.jobs.compute_what_ifs", run_id, job_id=what_if_job_id(run_id)))
    return run
