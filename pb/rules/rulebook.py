"""One entry point for every rule: ``tally(instance, rule)``, and the rule registry.

Rule names are pabulib's META ``rule`` values, so an imported file is counted by the
rule it names. :data:`RULES` lists them with a one-line summary for the web UI.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .equalshares import equal_shares, equal_shares_add1
from .greedy import greedy
from .model import (
    Comparison,
    Instance,
    MesBought,
    MesUnaffordable,
    Outcome,
    ProjectResult,
    Selection,
)
from .optimal import utilitarian_optimal

THRESHOLD_META = "min_project_score_threshold"


class UnknownRule(ValueError):
    """The rule name is not one this engine can count."""


@dataclass(frozen=True)
class RuleInfo:
    """A countable rule: its pabulib name, a one-line summary, and whether it takes a threshold."""

    name: str
    summary: str
    run: Callable[[Instance, int | None], Outcome]
    takes_threshold: bool = False


def tally(instance: Instance, rule: str | None = None, threshold: int | None = None) -> Outcome:
    """Count ``instance`` by ``rule`` (default: the file's META ``rule``).

    ``threshold`` is the minimum score for ``greedy-threshold`` and overrides META
    ``min_project_score_threshold``; it is refused for other rules.
    """
    name = rule or instance.meta.get("rule")
    if name not in RULES:
        source = "" if rule else " (from META rule)"
        raise UnknownRule(f"unknown rule {name!r}{source}; available: {', '.join(RULES)}")
    if threshold is not None and not RULES[name].takes_threshold:
        raise ValueError(f"a threshold applies only to greedy-threshold, not to {name}")
    return RULES[name].run(instance, threshold)


def available_rules() -> list[str]:
    return list(RULES)


# --- the rules -------------------------------------------------------------------------


def _greedy(instance: Instance, threshold: int | None) -> Outcome:
    """Greedy by score; equal scores in file order (see :func:`pb.rules.greedy.greedy`)."""
    return _greedy_outcome(instance, "greedy", skip=True)


def _greedy_no_skip(instance: Instance, threshold: int | None) -> Outcome:
    """Greedy that stops at the first project that does not fit; equal scores in file order."""
    return _greedy_outcome(instance, "greedy-no-skip", skip=False)


def _greedy_threshold(instance: Instance, threshold: int | None) -> Outcome:
    """Greedy over the projects scoring at least the threshold; equal scores in file order."""
    if threshold is None:
        if THRESHOLD_META not in instance.meta:
            raise ValueError(f"greedy-threshold needs a threshold: give one or set META {THRESHOLD_META}")
        threshold = int(instance.meta[THRESHOLD_META])
    return _greedy_outcome(instance, "greedy-threshold", skip=True, threshold=threshold)


def _greedy_outcome(instance: Instance, rule: str, *, skip: bool, threshold: int | None = None) -> Outcome:
    totals = instance.totals()
    costs = [project.cost for project in instance.projects]
    selection = greedy(costs, totals[0], instance.budget, threshold=threshold, skip=skip)
    return _outcome(instance, rule, selection, totals, threshold=threshold)


def _optimal(instance: Instance, threshold: int | None) -> Outcome:
    """Best total score within budget; ties prefer earlier projects (see :mod:`pb.rules.optimal`)."""
    totals = instance.totals()
    selection = utilitarian_optimal(instance.costs, totals[0], instance.budget)
    return _outcome(instance, "utilitarian-optimal", selection, totals)


def _equal_shares(instance: Instance, threshold: int | None) -> Outcome:
    """MES with cost utilities; tie-breaking as documented in :mod:`pb.rules.equalshares`."""
    result = equal_shares(*_mes_arguments(instance))
    return _mes_outcome(instance, "equalshares", result)


def _equal_shares_add1(instance: Instance, threshold: int | None) -> Outcome:
    """MES raising each voter's share one currency unit at a time (:mod:`pb.rules.equalshares`)."""
    result = equal_shares_add1(*_mes_arguments(instance), unit=instance.unit)
    return _mes_outcome(instance, "equalshares/add1", result)


def _equal_shares_add1_comparison(instance: Instance, threshold: int | None) -> Outcome:
    """add1, then greedy wins only if more voters prefer it (a tie keeps equal shares)."""
    mes = _equal_shares_add1(instance, None)
    greedy_outcome = _greedy(instance, None)
    comparison = compare_outcomes(instance, mes.selected, greedy_outcome.selected)
    winner = greedy_outcome if comparison.winner == "greedy" else mes
    return Outcome(
        rule="equalshares/add1-comparison",
        budget=winner.budget,
        unit=winner.unit,
        spent=winner.spent,
        selected=winner.selected,
        projects=winner.projects,
        per_voter_budget=mes.per_voter_budget,
        comparison=comparison,
    )


def compare_outcomes(instance: Instance, mes_selected: Sequence[str], greedy_selected: Sequence[str]) -> Comparison:
    """Count voters preferring each outcome: the one that funds more projects on their ballot.

    Greedy wins only if strictly more voters prefer it; otherwise equal shares stays.
    """
    index = instance.project_index()
    ballots = instance.ballots
    rows = ballots.row_of_entry()

    def funded_per_ballot(selected) -> np.ndarray:
        funded = np.zeros(len(instance.projects), dtype=np.int64)
        funded[[index[pid] for pid in selected]] = 1
        return np.bincount(rows, weights=funded[ballots.indices], minlength=ballots.n_distinct)

    difference = funded_per_ballot(mes_selected) - funded_per_ballot(greedy_selected)
    mes_preferred = int(ballots.multiplicity[difference > 0].sum())
    greedy_preferred = int(ballots.multiplicity[difference < 0].sum())
    return Comparison(
        mes_preferred=mes_preferred,
        greedy_preferred=greedy_preferred,
        indifferent=int(ballots.multiplicity[difference == 0].sum()),
        winner="greedy" if greedy_preferred > mes_preferred else "equalshares/add1",
        mes_selected=tuple(mes_selected),
        greedy_selected=tuple(greedy_selected),
    )


def _mes_arguments(instance: Instance) -> tuple:
    ballots = instance.ballots
    return (
        instance.costs,
        instance.budget,
        ballots.indptr,
        ballots.indices,
        ballots.points,
        ballots.multiplicity,
    )


def _mes_outcome(instance: Instance, rule: str, result) -> Outcome:
    rounds, effective_votes, lacked = result.rounds, result.effective_votes, result.lacked
    reasons = []
    for project, details in enumerate(instance.projects):
        if project in rounds:
            reasons.append(MesBought(rounds[project], float(effective_votes[project])))
        else:
            money, cost = lacked.get(project, (0.0, details.cost))
            reasons.append(MesUnaffordable(float(money), int(cost)))
    selection = Selection(tuple(result.selected), tuple(reasons))
    return _outcome(instance, rule, selection, instance.totals(), per_voter_budget=float(result.per_voter_budget))


def _outcome(instance: Instance, rule: str, selection: Selection, totals, **extra) -> Outcome:
    """The outcome of ``selection``; ``totals``: the projects' scores and supporters."""
    chosen = set(selection.selected)
    scores, supporters = totals
    projects = tuple(
        ProjectResult(project.id, project.cost, score, supporters, i in chosen, reason)
        for i, (project, score, supporters, reason) in enumerate(
            zip(instance.projects, scores.tolist(), supporters.tolist(), selection.reasons)
        )
    )
    funded = [instance.projects[i] for i in selection.selected]
    return Outcome(
        rule=rule,
        budget=instance.budget,
        unit=instance.unit,
        spent=sum(project.cost for project in funded),
        selected=tuple(project.id for project in funded),
        projects=projects,
        **extra,
    )


RULES: dict[str, RuleInfo] = {
    info.name: info
    for info in (
        RuleInfo(
            "greedy",
            "Fund the most supported projects in order while money lasts; skip those that do not fit.",
            _greedy,
        ),
        RuleInfo(
            "greedy-threshold",
            "Like greedy, but only projects with at least the minimum score.",
            _greedy_threshold,
            takes_threshold=True,
        ),
        RuleInfo(
            "greedy-no-skip",
            "Like greedy, but stop at the first project that does not fit.",
            _greedy_no_skip,
        ),
        RuleInfo(
            "equalshares",
            "Method of Equal Shares: each voter controls an equal part of the budget.",
            _equal_shares,
        ),
        RuleInfo(
            "equalshares/add1",
            "Equal Shares, raising each voter's part by one unit while the outcome fits the budget.",
            _equal_shares_add1,
        ),
        RuleInfo(
            "equalshares/add1-comparison",
            "Equal Shares (add1), replaced by greedy only if more voters prefer the greedy outcome.",
            _equal_shares_add1_comparison,
        ),
        RuleInfo(
            "utilitarian-optimal",
            "The affordable set of projects with the highest total score (small elections only).",
            _optimal,
        ),
    )
}
