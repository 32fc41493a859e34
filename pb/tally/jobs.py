"""Background jobs of the tally: the official count, and the "what if" counts by other rules.

Both take ids only and write everything in one transaction at the very end, so a worker that
dies midway leaves nothing behind and the retry (the same job id, see ``pb.jobs``) starts
clean. Both are idempotent: a result that is already stored is not computed again.
"""

from sqlalchemy.exc import IntegrityError

from pb.audit.services import record
from pb.auth.models import User
from pb.extensions import db
from pb.jobs import report_progress
from pb.rules import InstanceTooLarge, tally
from pb.tally import services
from pb.tally.models import TallyRun
from pb.transactions import commit
from pb.voting.models import RoundBudget


def run_tally(round_budget_id, expected_hash, actor_id=None):
    """Count one budget's ballots by its round's rule and store the result as a new TallyRun."""
    job_id = services.tally_job_id(round_budget_id, expected_hash)
    budget = db.session.get(RoundBudget, round_budget_id)
    if budget is None:
        raise LookupError(f"round budget {round_budget_id} does not exist")
    rule, _threshold = services.rule_of(budget.round)
    if services.stored_run(budget.id, expected_hash, rule) is not None:
        return
    run = services.count_budget(
        budget,
        expected_hash=expected_hash,
        job_id=job_id,
        actor_id=actor_id,
        progress=lambda percent: report_progress(job_id, percent),
    )
    actor = db.session.get(User, actor_id) if actor_id is not None else None
    record(actor, "tally.finished", subject=run, details=services.finished_details(run))
    try:
        commit()
    except IntegrityError:
        # Another worker stored the same inputs first: that run is the result.
        db.session.rollback()
        if services.stored_run(budget.id, expected_hash, rule) is None:
            raise


def compute_what_ifs(tally_run_id):
    """Count a run's ballots by every other rule, for the "what if" page (not official)."""
    job_id = services.what_if_job_id(tally_run_id)
    run = db.session.get(TallyRun, tally_run_id)
    if run is None:
        raise LookupError(f"tally run {tally_run_id} does not exist")
    done = {what_if.rule for what_if in run.what_ifs}
    rules = [rule for rule in services.what_if_rules(run) if rule not in done]
    if not rules:
        return
    instance = services.load_instance(run.budget)
    report_progress(job_id, 20)
    same_ballots = services.inputs_hash(instance, run.rule, run.threshold) == run.inputs_hash
    for position, rule in enumerate(rules, start=1):
        if not same_ballots:
            services.store_what_if(run, rule, unavailable="inputs_changed")
            continue
        threshold = run.threshold if rule == "greedy-threshold" else None
        try:
            services.store_what_if(run, rule, tally(instance, rule, threshold=threshold))
        except InstanceTooLarge:
            services.store_what_if(run, rule, unavailable="too_large")
        report_progress(job_id, 20 + 75 * position // len(rules))
    try:
        commit()
    except IntegrityError:
        db.session.rollback()
