"""The fast MES kernel against the per-voter reference in reference_mes.py: random
instances of every vote type, random costs with free projects and money units, and the
smaller real pabulib files. Needs neither pabutools nor anything but the engine."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pb.rules import Project, make_instance
from pb.rules.equalshares import equal_shares, equal_shares_add1

from . import reference_mes
from .strategies import RULES_SETTINGS, instances
from .test_rules_real_files import load

# Small enough for the reference's add1, which counts every step from scratch: about
# half a second each. Plain MES is checked on every file up to a few thousand voters.
ADD1_FILES = [
    "Netherlands_Assen_2024.pb",
    "Poland_Czestochowa_2024_Mirow.pb",
    "Poland_Gdynia_2023_Chwarzno-Wiczlino__small.pb",
    "Poland_Krakow_2018_Swoszowice.pb",
]
MES_FILES = ADD1_FILES + [
    "Netherlands_Amsterdam_166.pb",
    "Poland_Czestochowa_2024_Polnoc.pb",
    "Poland_Krakow_2022_Krowodrza.pb",
    "Poland_Swiecie_2023.pb",
    "Poland_Warszawa_2025_Rembertow.pb",
    "Poland_Wieliczka_2023_Green_Budget.pb",
]


def arguments(costs, budget, ballots) -> tuple:
    """The kernel's arguments: costs, budget and the CSR ballots."""
    b = ballots
    return np.asarray(costs, dtype=np.int64), budget, b.indptr, b.indices, b.points, b.multiplicity


def per_voter(ballots) -> list[dict[int, int]]:
    """One dict project -> points per voter: each distinct ballot as often as it was cast."""
    votes = []
    for b in range(ballots.n_distinct):
        indices, points = ballots.row(b)
        votes += [dict(zip(indices.tolist(), points.tolist()))] * int(ballots.multiplicity[b])
    return votes


def check_mes(costs, budget, ballots):
    votes = per_voter(ballots)
    b = budget / len(votes) if votes else 0.0
    selected, rhos = reference_mes.mes(list(costs), votes, b)
    result = equal_shares(*arguments(costs, budget, ballots))
    assert result.selected == selected
    assert result.per_voter_budget == b
    for j, rho in rhos.items():
        assert result.effective_votes[j] == pytest.approx(1 / rho, rel=1e-9), f"project {j}"


def check_add1(costs, budget, ballots, unit):
    selected, rhos, b, steps = reference_mes.add1(list(costs), budget, per_voter(ballots), unit)
    result = equal_shares_add1(*arguments(costs, budget, ballots), unit=unit)
    assert (result.selected, result.per_voter_budget, result.steps) == (selected, b, steps)
    assert result.spent == sum(costs[j] for j in selected) <= budget
    for j, rho in rhos.items():
        assert result.effective_votes[j] == pytest.approx(1 / rho, rel=1e-9), f"project {j}"


# --- random instances --------------------------------------------------------------------


@RULES_SETTINGS
@given(instances())
def test_plain_mes_agrees_with_the_reference_on_every_vote_type(instance):
    check_mes(instance.costs.tolist(), instance.budget, instance.ballots)


@RULES_SETTINGS
@given(instances(max_projects=6, max_voters=10), st.integers(1, 3))
def test_add1_agrees_with_the_reference_on_every_vote_type(instance, unit):
    check_add1(instance.costs.tolist(), instance.budget, instance.ballots, unit)


@st.composite
def free_and_priced(draw):
    """Instances some of whose projects cost 0 (or next to nothing)."""
    instance = draw(instances(vote_type=draw(st.sampled_from(["approval", "cumulative"])), max_voters=10))
    costs = [draw(st.integers(0, 3)) if draw(st.booleans()) else cost for cost in instance.costs.tolist()]
    return instance, costs


@RULES_SETTINGS
@given(free_and_priced())
def test_free_projects_agree_with_the_reference(case):
    instance, costs = case
    check_mes(costs, instance.budget, instance.ballots)
    check_add1(costs, instance.budget, instance.ballots, 1)


def test_money_a_rounding_short_of_the_cost_still_buys_it():
    # Nine voters with 10/9 each: their money sums to 9.999999999999998 in floating point,
    # short of the cost 10 only by rounding. Each also approves a project nobody can afford,
    # so the kernel too sums nine ballots rather than one ballot times nine.
    instance = make_instance(
        [Project("all", 10)] + [Project(f"x{i}", 1000) for i in range(9)], 10, [["all", f"x{i}"] for i in range(9)]
    )
    assert sum([10 / 9] * 9) < 10
    check_mes(instance.costs.tolist(), instance.budget, instance.ballots)
    check_add1(instance.costs.tolist(), instance.budget, instance.ballots, 1)
    assert equal_shares(*arguments(instance.costs, instance.budget, instance.ballots)).selected == [0]


# --- real files --------------------------------------------------------------------------


@pytest.mark.parametrize("name", MES_FILES)
def test_plain_mes_agrees_with_the_reference_on_a_real_file(pabulib_dir, name):
    instance = load(pabulib_dir, name)
    check_mes(instance.costs.tolist(), instance.budget, instance.ballots)


@pytest.mark.parametrize("name", ADD1_FILES)
def test_add1_agrees_with_the_reference_on_a_real_file(pabulib_dir, name):
    instance = load(pabulib_dir, name)
    check_add1(instance.costs.tolist(), instance.budget, instance.ballots, instance.unit)
