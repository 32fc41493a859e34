"""What the result pages read: published and stored runs, and what is derived from a run, cached.

A run never changes after it is stored (:mod:`pb.tally.models`), so what is derived from it in
one language never goes stale. The cache key names the run's content, not just its id,
because ids can come back on a database that was emptied (tests) or restored.
"""

import functools
import threading
from collections import OrderedDict

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from pb.extensions import db
from pb.i18n import current_language
from pb.jobs import JobRun
from pb.rules import available_rules
from pb.tally.models import TallyRun
from pb.tally.reasons import explain_all
from pb.voting.models import RoundBudget

_CACHE = OrderedDict()
_CACHE_LOCK = threading.Lock()
CACHE_SIZE = 256


# --- queries ------------------------------------------------------------------------------


def published_run(budget_id, with_budget=False):
    """The budget's published run; ``with_budget`` reads its budget, round and district along."""
    return db.session.execute(_published_run_query(with_budget), {"budget_id": budget_id}).scalar_one_or_none()


@functools.cache
def _published_run_query(with_budget):
    # Built once: the public results page runs it on every request, and building it cost about as
    # much CPU as running it.
    query = select(TallyRun).where(TallyRun.published_budget_id == bindparam("budget_id"))
    if with_budget:
        budget = joinedload(TallyRun.budget)
        query = query.options(budget.joinedload(RoundBudget.round), budget.joinedload(RoundBudget.district))
    return query


def runs_of(budget_id):
    return db.session.execute(
        select(TallyRun).where(TallyRun.round_budget_id == budget_id).order_by(TallyRun.id.desc())
    ).scalars().all()


def tally_jobs_of(budget_id, limit=5):
    """The newest tally jobs of a budget, for progress on the staff page."""
    return db.session.execute(
        select(JobRun)
        .where(JobRun.id.like(f"tally-{budget_id}-%"))
        .order_by(JobRun.created_at.desc())
        .limit(limit)
    ).scalars().all()


def published_runs_of_round(budget_round):
    """{budget id: published run} for the round's budgets."""
    budget_ids = [budget.id for budget in budget_round.budgets]
    if not budget_ids:
        return {}
    runs = db.session.execute(select(TallyRun).where(TallyRun.published_budget_id.in_(budget_ids))).scalars()
    return {run.round_budget_id: run for run in runs}


# --- derived from stored runs: cached -----------------------------------------------------


def run_key(run):
    return (run.id, run.inputs_hash, run.created_at.isoformat(), run.is_published, current_language())


def cached(kind, run, build):
    """``build()`` once per process for ``run`` in the current language, then from memory."""
    key = (kind, *run_key(run))
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    value = build()
    with _CACHE_LOCK:
        _CACHE[key] = value
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return value


def result_lines(run):
    """One dict per project for the result pages and files, most votes first."""
    return cached("lines", run, lambda: _result_lines(run))


def _result_lines(run):
    outcome = run.outcome
    reasons = explain_all(outcome, vote_type=run.vote_type)
    order = {project_id: position for position, project_id in enumerate(outcome["selected"])}
    lines = [
        {
            "id": result["id"],
            "title": run.title_of(result["id"]),
            "cost": result["cost"] * 100 // outcome["unit"],
            "score": result["score"],
            "supporters": result["supporters"],
            "selected": result["selected"],
            "selection_order": order.get(result["id"]),
            "reason_kind": result["reason"]["kind"],
            "reason": reasons[result["id"]],
        }
        for result in outcome["projects"]
    ]
    file_order = {result["id"]: i for i, result in enumerate(outcome["projects"])}
    lines.sort(key=lambda line: (-line["score"], file_order[line["id"]]))
    return lines


def what_if_summaries(run):
    """Each stored what-if outcome next to the official one: selected ids and what differs."""
    official = set(run.outcome["selected"])
    summaries = []
    for what_if in run.what_ifs:
        if what_if.outcome is None:
            summaries.append({"rule": what_if.rule, "outcome": None, "unavailable": what_if.unavailable})
            continue
        selected = set(what_if.outcome["selected"])
        summaries.append(
            {
                "rule": what_if.rule,
                "outcome": what_if.outcome,
                "unavailable": None,
                "added": [pid for pid in what_if.outcome["selected"] if pid not in official],
                "dropped": [pid for pid in run.outcome["selected"] if pid not in selected],
                "reasons": explain_all(what_if.outcome, vote_type=run.vote_type),
            }
        )
    return summaries


def what_if_rules(run):
    """The rules a what-if shows: every other rule that can count these ballots."""
    rules = [rule for rule in available_rules() if rule != run.rule]
    if run.threshold is None:
        rules = [rule for rule in rules if rule != "greedy-threshold"]
    return rules
