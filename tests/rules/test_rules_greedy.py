"""The greedy family: hand-checked tables, reasons, dispatch, and properties."""

import json
import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pb.rules import RULES, Project, UnknownRule, available_rules, make_instance, tally
from pb.rules.greedy import score_order
from pb.rules.model import (
    Ballots,
    BelowThreshold,
    GreedyAfterStop,
    GreedyDoesNotFit,
    GreedySelected,
    Instance,
)

from .strategies import META, RULES_SETTINGS, instances

PROJECTS = [Project("A", 50), Project("B", 40), Project("C", 30), Project("D", 20), Project("E", 5)]
# Scores: A 10, B 8, C 8, D 5, E 0.
VOTES = [["A", "B", "C", "D"]] * 5 + [["A", "B", "C"]] * 3 + [["A"]] * 2


def election(projects=PROJECTS, meta=None):
    return make_instance(projects, 100, VOTES, meta={**META, **(meta or {})})


def reasons(outcome):
    return {result.id: result.reason for result in outcome.projects}


def test_greedy_takes_what_fits_and_skips_the_rest():
    outcome = tally(election(), "greedy")
    assert outcome.selected == ("A", "B", "E")
    assert outcome.spent == 95
    assert reasons(outcome) == {
        "A": GreedySelected(rank=1, money_left_before=100),
        "B": GreedySelected(rank=2, money_left_before=50),
        "C": GreedyDoesNotFit(rank=3, money_left=10),
        "D": GreedyDoesNotFit(rank=4, money_left=10),
        "E": GreedySelected(rank=5, money_left_before=10),
    }
    by_id = {result.id: result for result in outcome.projects}
    assert (by_id["C"].score, by_id["C"].supporters, by_id["C"].selected) == (8, 8, False)
    assert by_id["E"].score == 0 and by_id["E"].selected


def test_equal_scores_keep_file_order():
    swapped = [PROJECTS[0], PROJECTS[2], PROJECTS[1], PROJECTS[3], PROJECTS[4]]
    outcome = tally(election(swapped), "greedy")
    assert outcome.selected == ("A", "C", "D")
    assert reasons(outcome)["B"] == GreedyDoesNotFit(rank=3, money_left=20)


def test_greedy_no_skip_stops_at_the_first_project_that_does_not_fit():
    outcome = tally(election(), "greedy-no-skip")
    assert outcome.selected == ("A", "B")
    assert reasons(outcome)["C"] == GreedyDoesNotFit(rank=3, money_left=10)
    assert reasons(outcome)["D"] == GreedyAfterStop(rank=4, stopped_at_rank=3)
    assert reasons(outcome)["E"] == GreedyAfterStop(rank=5, stopped_at_rank=3)


def test_greedy_threshold_drops_low_scores_first():
    outcome = tally(election(meta={"min_project_score_threshold": "6"}), "greedy-threshold")
    assert outcome.selected == ("A", "B")
    assert outcome.threshold == 6
    assert reasons(outcome)["D"] == BelowThreshold(score=5, threshold=6)
    assert reasons(outcome)["E"] == BelowThreshold(score=0, threshold=6)
    assert reasons(outcome)["C"] == GreedyDoesNotFit(rank=3, money_left=10)
    # A score equal to the threshold passes; an explicit threshold overrides META.
    assert tally(election(meta={"min_project_score_threshold": "6"}), "greedy-threshold", threshold=5).selected == (
        "A",
        "B",
    )
    assert reasons(tally(election(), "greedy-threshold", threshold=5))["D"] == GreedyDoesNotFit(rank=4, money_left=10)


def test_the_file_rule_is_the_default():
    assert tally(election(meta={"rule": "greedy-no-skip"})).rule == "greedy-no-skip"


@pytest.mark.parametrize(
    ("rule", "threshold", "message"),
    [
        ("majority", None, "unknown rule 'majority'"),
        ("greedy", 3, "only to greedy-threshold"),
        ("greedy-threshold", None, "needs a threshold"),
    ],
)
def test_dispatch_refuses_what_it_cannot_count(rule, threshold, message):
    with pytest.raises(ValueError, match=message):
        tally(election(), rule, threshold)


def test_an_unknown_meta_rule_names_its_source():
    with pytest.raises(UnknownRule, match="from META rule"):
        tally(election(meta={"rule": "greedy-custom"}))


def test_the_registry_lists_every_rule_with_a_summary():
    assert available_rules() == [
        "greedy",
        "greedy-threshold",
        "greedy-no-skip",
        "equalshares",
        "equalshares/add1",
        "equalshares/add1-comparison",
        "utilitarian-optimal",
    ]
    assert all(info.summary and info.name == name for name, info in RULES.items())


def test_an_outcome_serialises_to_json_with_reason_kinds():
    data = json.loads(json.dumps(tally(election(), "greedy").as_dict()))
    assert data["selected"] == ["A", "B", "E"]
    assert data["projects"][2]["reason"] == {"kind": "greedy_does_not_fit", "rank": 3, "money_left": 10}


# --- properties --------------------------------------------------------------------------

GREEDY_RULES = ["greedy", "greedy-no-skip", "greedy-threshold"]


def run(instance, rule):
    return tally(instance, rule, threshold=2 if rule == "greedy-threshold" else None)


@RULES_SETTINGS
@given(instances(), st.sampled_from(GREEDY_RULES + ["utilitarian-optimal"]))
def test_never_over_budget(instance, rule):
    outcome = run(instance, rule)
    costs = {p.id: p.cost for p in instance.projects}
    assert outcome.spent == sum(costs[pid] for pid in outcome.selected) <= instance.budget
    assert len(set(outcome.selected)) == len(outcome.selected)
    assert {r.id for r in outcome.projects if r.selected} == set(outcome.selected)


@RULES_SETTINGS
@given(instances())
def test_greedy_leaves_no_unfunded_project_that_would_still_fit(instance):
    outcome = tally(instance, "greedy")
    money_left = instance.budget - outcome.spent
    assert all(r.cost > money_left for r in outcome.projects if not r.selected)


def unmerged(instance: Instance, order: list[int]) -> Instance:
    """The same voters, one CSR row each (no merging), in the given order of voters."""
    per_voter = []
    for b in range(instance.ballots.n_distinct):
        per_voter += [instance.ballots.row(b)] * int(instance.ballots.multiplicity[b])
    per_voter = [per_voter[v] for v in order]
    indptr = np.cumsum([0] + [len(indices) for indices, _ in per_voter])
    indices = np.concatenate([indices for indices, _ in per_voter] or [np.zeros(0)])
    points = np.concatenate([points for _, points in per_voter] or [np.zeros(0)])
    ballots = Ballots(indptr, indices, points, np.ones(len(per_voter)))
    return Instance(instance.budget, instance.projects, instance.vote_type, ballots, meta=instance.meta)


@RULES_SETTINGS
@given(instances(), st.sampled_from(GREEDY_RULES), st.randoms(use_true_random=False))
def test_greedy_ignores_voter_order_and_merging(instance, rule, rng: random.Random):
    order = list(range(instance.ballots.n_voters))
    rng.shuffle(order)
    assert run(unmerged(instance, order), rule) == run(instance, rule)


@RULES_SETTINGS
@given(instances())
def test_greedy_no_skip_is_a_prefix_of_the_score_ranking(instance):
    outcome = tally(instance, "greedy-no-skip")
    ranking = [instance.projects[i].id for i in score_order(instance.scores())]
    assert list(outcome.selected) == ranking[: len(outcome.selected)]
    greedy_selected = tally(instance, "greedy").selected
    assert greedy_selected[: len(outcome.selected)] == outcome.selected
