"""Agreement of the MES kernel (pb.rules.equalshares) with pabutools, the reference
implementation, on seeded random small instances: plain MES and add1, approval and
cumulative. Skipped, with the reason, where pabutools is not installed; the rest of the
kernel's tests (test_equalshares.py, test_rules_reference_mes.py) never need it.
"""

import pytest

from pb.rules.equalshares import equal_shares, equal_shares_add1

from .test_equalshares import kernel, random_election

pytest.importorskip("pabutools.election", reason="pabutools (the reference implementation) is not installed")
from pabutools.election import (  # noqa: E402
    AdditiveSatisfaction,
    ApprovalBallot,
    ApprovalProfile,
    Cost_Sat,
    CumulativeBallot,
    CumulativeProfile,
)
from pabutools.election import Instance as PabutoolsInstance  # noqa: E402
from pabutools.election import Project as PabutoolsProject  # noqa: E402
from pabutools.rules import exhaustion_by_budget_increase, method_of_equal_shares  # noqa: E402


class PointsCostSat(AdditiveSatisfaction):
    """Cost utility for cumulative ballots: points x cost."""

    def __init__(self, instance, profile, ballot):
        super().__init__(instance, profile, ballot, lambda inst, prof, b, proj, pre: b.get(proj, 0) * proj.cost)


def tie_names(costs, votes):
    """Project names whose alphabetical order is the kernel's tie-break order (lower
    cost, more supporters, lower index), so pabutools breaks ties the same way."""
    support = [sum(1 for v in votes if j in v) for j in range(len(costs))]
    order = sorted(range(len(costs)), key=lambda j: (costs[j], -support[j], j))
    names = [""] * len(costs)
    for rank, j in enumerate(order):
        names[j] = f"p{rank:02d}"
    return names


def pabutools_election(costs, budget, votes, cumulative):
    names = tie_names(costs, votes)
    instance = PabutoolsInstance()
    projects = [PabutoolsProject(name, cost) for name, cost in zip(names, costs)]
    instance.update(projects)
    instance.budget_limit = budget
    if cumulative:
        profile = CumulativeProfile([CumulativeBallot({projects[j]: p for j, p in v.items()}) for v in votes])
    else:
        profile = ApprovalProfile([ApprovalBallot([projects[j] for j in v]) for v in votes])
    return names, instance, profile


def pabutools_mes(costs, budget, votes, cumulative, add1):
    names, instance, profile = pabutools_election(costs, budget, votes, cumulative)
    sat = PointsCostSat if cumulative else Cost_Sat
    if add1:
        outcome = exhaustion_by_budget_increase(
            instance,
            profile,
            method_of_equal_shares,
            {"sat_class": sat},
            budget_step=len(votes),
            exhaustive_stop=False,
        )
    else:
        outcome = method_of_equal_shares(instance, profile, sat_class=sat)
    index = {name: j for j, name in enumerate(names)}
    return [index[p.name] for p in outcome]


@pytest.mark.parametrize("block", range(4))
def test_plain_mes_agrees_with_pabutools_on_approval(block):
    for seed in range(block, 320, 4):
        costs, budget, votes = random_election(seed)
        ours = kernel(equal_shares, costs, budget, votes).selected
        assert ours == pabutools_mes(costs, budget, votes, False, False), f"seed {seed}"


@pytest.mark.parametrize("block", range(4))
def test_add1_agrees_with_pabutools_budget_increase_on_approval(block):
    for seed in range(1000 + block, 1320, 4):
        costs, budget, votes = random_election(seed)
        ours = kernel(equal_shares_add1, costs, budget, votes).selected
        assert ours == pabutools_mes(costs, budget, votes, False, True), f"seed {seed}"


@pytest.mark.parametrize("block", range(2))
def test_mes_agrees_with_pabutools_on_cumulative_points_times_cost(block):
    for seed in range(2000 + block, 2080, 2):
        costs, budget, votes = random_election(seed, cumulative=True)
        assert kernel(equal_shares, costs, budget, votes).selected == pabutools_mes(
            costs, budget, votes, True, False
        ), f"seed {seed}"
        assert kernel(equal_shares_add1, costs, budget, votes).selected == pabutools_mes(
            costs, budget, votes, True, True
        ), f"seed {seed}"
