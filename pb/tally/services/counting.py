"""Storing a count: the immutable :class:`TallyRun` of a budget's ballots, and the what-if outcomes.

Used by the jobs (:mod:`pb.tally.jobs`, which commit their single transaction themselves) and,
for small budgets, by :func:`count_now` within the caller's transaction. Flushes, never commits.
"""

from flask_babel import gettext as _

import pb
from pb.audit.services import record
from pb.extensions import db
from pb.rules import tally
from pb.tally.models import TallyRun, WhatIfOutcome
from pb.tally.services.inputs import budget_projects, inputs_hash, load_instance, rule_of
from pb.tally.services.publishing import TallyError, can_start_tally, stored_run
from pb.voting.services.turnout import turnout_snapshot


class TallyInputsChanged(RuntimeError):
    """The ballots are not the ones the count was started for."""


def count_budget(budget, *, expected_hash=None, job_id=None, actor_id=None, progress=None):
    """Count the budget's ballots by its round's rule; add (flush, not commit) the immutable run.

    With ``expected_hash`` the ballots must be exactly those a count was started for.
    ``progress(percent)`` is called on the way (the job records it in its JobRun).
    """
    report = progress or (lambda percent: None)
    rule, threshold = rule_of(budget.round)
    report(5)
    projects = budget_projects(budget.id)
    instance = load_instance(budget, projects=projects)
    report(40)
    hash_value = inputs_hash(instance, rule, threshold)
    if expected_hash is not None and hash_value != expected_hash:
        raise TallyInputsChanged(
            f"the ballots changed after the count was started (now {hash_value[:12]}, "
            f"expected {expected_hash[:12]}); start the count again"
        )
    report(50)
    outcome = tally(instance, rule, threshold=threshold)
    report(85)
    run = TallyRun(
        round_budget_id=budget.id,
        rule=rule,
        threshold=threshold,
        inputs_hash=hash_value,
        vote_type=instance.vote_type,
        ballot_count=instance.ballots.n_voters,
        outcome=outcome.as_dict(),
        details={
            "titles": {str(project_id): title for project_id, _cost, title in projects},
            "turnout": turnout_snapshot(budget),
        },
        software_version=pb.__version__,
        job_id=job_id,
        started_by_id=actor_id,
    )
    db.session.add(run)
    db.session.flush()
    return run


def finished_details(run):
    """What the audit log keeps of a finished count."""
    return {
        "round_budget_id": run.round_budget_id,
        "rule": run.rule,
        "inputs_hash": run.inputs_hash,
        "ballots": run.ballot_count,
        "selected": list(run.outcome["selected"]),
    }


def count_now(budget, actor):
    """Count a small budget in this transaction, without a job (demo data, trials); audited like a job.

    Gives back the stored run if these exact ballots were already counted.
    """
    if not can_start_tally(budget):
        raise TallyError(_("Counting can start only after voting has closed."))
    rule, threshold = rule_of(budget.round)
    hash_value = inputs_hash(load_instance(budget), rule, threshold)
    existing = stored_run(budget.id, hash_value, rule)
    if existing is not None:
        return existing
    record(actor, "tally.started", subject=budget, details={"job_id": None, "rule": rule, "inputs_hash": hash_value})
    run = count_budget(budget, expected_hash=hash_value, actor_id=getattr(actor, "id", None))
    record(actor, "tally.finished", subject=run, details=finished_details(run))
    return run


def store_what_if(run, rule, outcome=None, unavailable=None):
    what_if = WhatIfOutcome(
        tally_run_id=run.id, rule=rule, outcome=outcome.as_dict() if outcome else None, unavailable=unavailable
    )
    db.session.add(what_if)
    return what_if
