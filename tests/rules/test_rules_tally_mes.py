"""The equal-shares rules as dispatched by tally(): wrapping the kernel's result, and the
add1-comparison step. A stand-in kernel keeps these tests independent of the MES code."""

import importlib
from dataclasses import dataclass, field

import numpy as np
import pytest

from pb.rules import Project, make_instance, tally
from pb.rules.model import Comparison, GreedySelected, MesBought, MesUnaffordable
from pb.rules.rulebook import compare_outcomes

# The package re-exports the function tally(), which hides the module of the same name.
tally_module = importlib.import_module("pb.rules.rulebook")

PROJECTS = [Project("A", 60), Project("B", 40), Project("C", 30), Project("D", 30)]


def election(a_voters: int):
    """Scores A a_voters, B 3, C 3, D 3; greedy funds A and B."""
    return make_instance(PROJECTS, 100, [["A"]] * a_voters + [["B", "C"]] * 3 + [["D"]] * 3)


@dataclass
class FakeMesResult:
    selected: list
    rounds: dict
    effective_votes: dict
    lacked: dict
    per_voter_budget: float
    spent: int
    steps: int = 1


@dataclass
class FakeKernel:
    result: FakeMesResult
    calls: list = field(default_factory=list)

    def equal_shares(self, *args, **kwargs):
        self.calls.append(("equal_shares", args, kwargs))
        return self.result

    def equal_shares_add1(self, *args, **kwargs):
        self.calls.append(("equal_shares_add1", args, kwargs))
        return self.result


@pytest.fixture
def kernel(monkeypatch):
    """Puts a stand-in MES kernel in place; it funds B, C, D in that order."""
    fake = FakeKernel(
        FakeMesResult(
            selected=[1, 2, 3],
            rounds={1: 1, 2: 2, 3: 3},
            effective_votes={1: 3.0, 2: 3.0, 3: 2.5},
            lacked={0: (35.5, 60)},
            per_voter_budget=10.0,
            spent=100,
        )
    )
    monkeypatch.setattr(tally_module, "equal_shares", fake.equal_shares)
    monkeypatch.setattr(tally_module, "equal_shares_add1", fake.equal_shares_add1)
    return fake


def test_equal_shares_results_become_reasons(kernel):
    instance = election(4)
    outcome = tally(instance, "equalshares")
    assert outcome.selected == ("B", "C", "D")
    assert outcome.spent == 100 and outcome.per_voter_budget == 10.0
    assert [r.reason for r in outcome.projects] == [
        MesUnaffordable(supporters_money=35.5, cost=60),
        MesBought(round=1, effective_votes=3.0),
        MesBought(round=2, effective_votes=3.0),
        MesBought(round=3, effective_votes=2.5),
    ]
    name, args, kwargs = kernel.calls[0]
    costs, budget, indptr, indices, points, multiplicity = args
    assert name == "equal_shares" and kwargs == {}
    assert costs.tolist() == [60, 40, 30, 30] and costs.dtype == np.int64 and budget == 100
    assert (indptr.tolist(), indices.tolist(), points.tolist(), multiplicity.tolist()) == (
        [0, 1, 3, 4],
        [0, 1, 2, 3],
        [1, 1, 1, 1],
        [4, 3, 3],
    )


def test_add1_passes_the_money_unit(kernel):
    instance = election(4)
    instance.unit = 100
    assert tally(instance, "equalshares/add1").rule == "equalshares/add1"
    assert kernel.calls[0][0] == "equal_shares_add1" and kernel.calls[0][2] == {"unit": 100}


def test_an_unselected_project_without_a_lacked_entry_had_no_money_behind_it(kernel):
    kernel.result.lacked = {}
    assert tally(election(4), "equalshares").projects[0].reason == MesUnaffordable(supporters_money=0.0, cost=60)


@pytest.mark.parametrize(
    ("a_voters", "winner", "selected"),
    [
        (4, "equalshares/add1", ("B", "C", "D")),  # 6 voters prefer MES, 4 greedy
        (6, "equalshares/add1", ("B", "C", "D")),  # 6 against 6: a tie keeps MES
        (7, "greedy", ("A", "B")),  # 7 prefer greedy
    ],
)
def test_add1_comparison_keeps_equal_shares_unless_more_voters_prefer_greedy(kernel, a_voters, winner, selected):
    outcome = tally(election(a_voters), "equalshares/add1-comparison")
    assert outcome.rule == "equalshares/add1-comparison"
    assert outcome.selected == selected
    assert outcome.comparison == Comparison(
        mes_preferred=6,
        greedy_preferred=a_voters,
        indifferent=0,
        winner=winner,
        mes_selected=("B", "C", "D"),
        greedy_selected=("A", "B"),
    )
    if winner == "greedy":
        assert outcome.projects[0].reason == GreedySelected(rank=1, money_left_before=100)
        assert outcome.spent == 100


def test_comparison_counts_projects_funded_on_each_ballot():
    instance = make_instance(PROJECTS, 100, [["A", "B"], ["C"], ["D"], []])
    comparison = compare_outcomes(instance, ["A", "C"], ["B", "D"])
    # Ballot A,B: 1 each (indifferent); C: MES; D: greedy; empty: indifferent.
    assert (comparison.mes_preferred, comparison.greedy_preferred, comparison.indifferent) == (1, 1, 2)
    assert comparison.winner == "equalshares/add1"
