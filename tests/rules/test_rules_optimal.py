"""utilitarian-optimal: exact knapsack, its tie-breaking and its size limit."""

from itertools import combinations

import pytest
from hypothesis import given

from pb.rules import InstanceTooLarge, Project, make_instance, tally
from pb.rules.model import OptimalNotSelected, OptimalSelected
from pb.rules.optimal import MAX_TABLE_CELLS, utilitarian_optimal

from .strategies import RULES_SETTINGS, instances


def test_optimal_beats_greedy_where_greedy_is_short_sighted():
    projects = [Project("big", 60), Project("x", 50), Project("y", 50)]
    votes = [["big", "x"], ["big", "y"], ["big"], ["x"], ["y"]]  # big 3, x 2, y 2
    instance = make_instance(projects, 100, votes)
    assert tally(instance, "greedy").selected == ("big",)
    outcome = tally(instance, "utilitarian-optimal")
    assert outcome.selected == ("x", "y")
    assert outcome.total_score == 4
    assert [r.reason for r in outcome.projects] == [OptimalNotSelected(), OptimalSelected(), OptimalSelected()]


def test_ties_prefer_earlier_projects_and_zero_scores_are_never_funded():
    # a+b and c score the same (2) and both fit; a comes first. z has no votes.
    selection = utilitarian_optimal([5, 5, 10, 1], [1, 1, 2, 0], 10)
    assert selection.selected == (0, 1)
    assert utilitarian_optimal([10, 5, 5, 1], [2, 1, 1, 0], 10).selected == (0,)


def test_costs_are_divided_by_their_common_divisor_before_the_table_is_built():
    # 3 projects x budget 10**9 would be far too large without dividing by 10**8.
    selection = utilitarian_optimal([3 * 10**8, 4 * 10**8, 5 * 10**8], [3, 4, 5], 10**9)
    assert selection.selected == (1, 2)


def test_too_large_instances_are_refused_clearly():
    costs = [1_000_003 + i for i in range(10)]
    with pytest.raises(InstanceTooLarge, match=f"at most {MAX_TABLE_CELLS:,} table cells"):
        utilitarian_optimal(costs, [1] * 10, 9_000_000)


@RULES_SETTINGS
@given(instances(max_projects=6))
def test_optimal_matches_brute_force_including_tie_breaking(instance):
    costs, scores = instance.costs.tolist(), instance.scores().tolist()
    candidates = [i for i in range(len(costs)) if scores[i] > 0]
    subsets = [
        subset
        for size in range(len(candidates) + 1)
        for subset in combinations(candidates, size)
        if sum(costs[i] for i in subset) <= instance.budget
    ]
    best = max(sum(scores[i] for i in subset) for subset in subsets)
    # Earlier projects first: compare membership vectors in file order, larger wins.
    tied = [s for s in subsets if sum(scores[i] for i in s) == best]
    expected = max(tied, key=lambda s: [int(i in s) for i in range(len(costs))])
    assert utilitarian_optimal(costs, scores, instance.budget).selected == expected


@RULES_SETTINGS
@given(instances())
def test_optimal_scores_at_least_as_much_as_greedy(instance):
    assert tally(instance, "utilitarian-optimal").total_score >= tally(instance, "greedy").total_score
