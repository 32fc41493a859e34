"""Counting, or publishing, every budget of a round in one action.

Each action has a plan: one line per budget, saying what will happen to it or why it is left out.
The confirmation page shows the plan; the action does what the plan says. Publishing all carries
the plan it was confirmed with (:func:`plan_token`), and is refused if the plan changed since the
page was shown (a count that finished meanwhile is not published unseen).
"""

from dataclasses import dataclass

from flask_babel import gettext as _

from pb import jobs
from pb.extensions import db
from pb.jobs import JobRun
from pb.tally.models import TallyRun
from pb.tally.services.inputs import inputs_hash, load_instance, rule_of
from pb.tally.services.pages import published_run, runs_of
from pb.tally.services.publishing import (
    TallyError,
    can_start_tally,
    publish_tally,
    start_tally,
    stored_run,
    tally_job_id,
)


@dataclass(frozen=True)
class BudgetPlan:
    budget: object  # RoundBudget
    run: TallyRun | None  # publishing: the run to publish; counting: the stored count of these ballots
    problem: str | None  # why the action leaves this budget out (None: it is included)

    @property
    def included(self):
        return self.problem is None


def _current(budget):
    rule, threshold = rule_of(budget.round)
    hash_value = inputs_hash(load_instance(budget), rule, threshold)
    return rule, hash_value


def _count_pending(budget, hash_value):
    job = db.session.get(JobRun, tally_job_id(budget.id, hash_value))
    return jobs.is_pending(job)


def count_plan(budget_round):
    """For each budget: will its count start, or why not."""
    plans = []
    for budget in budget_round.budgets:
        if not can_start_tally(budget):
            plans.append(BudgetPlan(budget, None, _("Counting can start only after voting has closed.")))
            continue
        if published_run(budget.id) is not None:
            plans.append(BudgetPlan(budget, None, _("Its result is already published.")))
            continue
        rule, hash_value = _current(budget)
        existing = stored_run(budget.id, hash_value, rule)
        if existing is not None:
            plans.append(BudgetPlan(budget, existing, _("These ballots are already counted.")))
        elif _count_pending(budget, hash_value):
            plans.append(BudgetPlan(budget, None, _("Its count is already running.")))
        else:
            plans.append(BudgetPlan(budget, None, None))
    return plans


def count_all(budget_round, actor):
    """Start the count of every budget of the round that can start (each audited, queued after the commit).

    Returns (budget, :class:`~pb.tally.services.publishing.TallyStart`) of each; raises :class:`TallyError`
    when no budget's count can start.
    """
    to_count = [plan.budget for plan in count_plan(budget_round) if plan.included]
    if not to_count:
        raise TallyError(
            _("No count was started: no budget of this round has ballots waiting to be counted. The list shows why.")
        )
    return [(budget, start_tally(budget, actor)) for budget in to_count]


def publish_plan(budget_round):
    """For each budget: the run that will be published, or why none is."""
    plans = []
    for budget in budget_round.budgets:
        published = published_run(budget.id)
        if published is not None:
            plans.append(BudgetPlan(budget, published, _("Its result is already published.")))
            continue
        if not can_start_tally(budget):
            plans.append(BudgetPlan(budget, None, _("Voting has not closed yet.")))
            continue
        rule, hash_value = _current(budget)
        run = stored_run(budget.id, hash_value, rule)
        if run is not None:
            plans.append(BudgetPlan(budget, run, None))
        elif _count_pending(budget, hash_value):
            plans.append(BudgetPlan(budget, None, _("Its count is still running. Publish it when it is done.")))
        elif runs_of(budget.id):
            plans.append(BudgetPlan(
                budget, None, _("The ballots changed after the last count. Count the votes again first.")
            ))
        else:
            plans.append(BudgetPlan(budget, None, _("The votes are not counted yet.")))
    return plans


def plan_token(plans):
    """The included lines of a publishing plan as text ("budget:run,..."), carried by the confirmation form."""
    return ",".join(f"{plan.budget.id}:{plan.run.id}" for plan in plans if plan.included)


def publish_all(budget_round, actor, confirmed_token):
    """Publish every counted, unpublished budget of the round, as confirmed (each audited).

    Refused when nothing can be published, or when the plan is not the one the staff member confirmed.
    """
    plans = publish_plan(budget_round)
    token = plan_token(plans)
    if not token:
        raise TallyError(_("Nothing was published: no budget of this round has a count waiting to be published."))
    if token != confirmed_token:
        raise TallyError(
            _("Nothing was published: the counts changed after this page was shown. Check the list again."),
            status=409,
        )
    return [publish_tally(plan.run, actor) for plan in plans if plan.included]
