"""Agreement with pabutools (the reference implementation) on seeded random small instances.

Project ids are p00, p01, ... so pabutools' tie-breaking (by project name) is file
order, the same as ours: outcomes must agree exactly, ties included.
"""

import random

import pytest

from pb.rules import Project, make_instance, tally

pytest.importorskip("pabutools.election", reason="pabutools (the reference implementation) is not installed")
from pabutools.election import (  # noqa: E402
    Additive_Cardinal_Sat,
    AdditiveSatisfaction,
    ApprovalBallot,
    ApprovalProfile,
    Cardinality_Sat,
    Cost_Sat,
    CumulativeBallot,
    CumulativeProfile,
)
from pabutools.election import Instance as PabutoolsInstance  # noqa: E402
from pabutools.election import Project as PabutoolsProject  # noqa: E402
from pabutools.rules import greedy_utilitarian_welfare, max_additive_utilitarian_welfare  # noqa: E402

SEEDS = range(320)


class PointsCostSat(AdditiveSatisfaction):
    """points x cost: greedy by satisfaction per unit of cost then ranks by points."""

    def __init__(self, instance, profile, ballot):
        super().__init__(instance, profile, ballot, lambda inst, prof, b, project, pre: b.get(project, 0) * project.cost)


def random_election(seed: int):
    """A small instance as (ours, pabutools instance, pabutools profile)."""
    rng = random.Random(seed)
    vote_type = "approval" if seed % 2 == 0 else "cumulative"
    n_projects = rng.randint(1, 8)
    ids = [f"p{i:02d}" for i in range(n_projects)]
    costs = [rng.randint(1, 100) for _ in ids]
    budget = rng.randint(1, sum(costs))
    votes = []
    for _ in range(rng.randint(0, 15)):
        chosen = rng.sample(ids, rng.randint(0, n_projects))
        votes.append({pid: rng.randint(1, 5) for pid in chosen} if vote_type == "cumulative" else chosen)
    ours = make_instance([Project(pid, cost) for pid, cost in zip(ids, costs)], budget, votes, vote_type=vote_type)

    theirs = PabutoolsInstance()
    projects = {pid: PabutoolsProject(pid, cost) for pid, cost in zip(ids, costs)}
    theirs.update(projects.values())
    theirs.budget_limit = budget
    if vote_type == "approval":
        profile = ApprovalProfile([ApprovalBallot([projects[pid] for pid in vote]) for vote in votes])
    else:
        profile = CumulativeProfile([CumulativeBallot({projects[pid]: p for pid, p in vote.items()}) for vote in votes])
    return ours, theirs, profile


def without(theirs, removed_ids):
    kept = PabutoolsInstance()
    kept.update(p for p in theirs if p.name not in removed_ids)
    kept.budget_limit = theirs.budget_limit
    return kept


@pytest.mark.parametrize("block", range(4))
def test_greedy_agrees_with_pabutools_greedy_utilitarian_welfare(block):
    for seed in SEEDS[block::4]:
        ours, theirs, profile = random_election(seed)
        sat_class = Cost_Sat if ours.vote_type == "approval" else PointsCostSat
        expected = [p.name for p in greedy_utilitarian_welfare(theirs, profile, sat_class=sat_class)]
        assert list(tally(ours, "greedy").selected) == expected, f"seed {seed}"


@pytest.mark.parametrize("block", range(4))
def test_greedy_threshold_agrees_with_pabutools_greedy_on_the_projects_above_it(block):
    for seed in SEEDS[block::4]:
        ours, theirs, profile = random_election(seed)
        scores = ours.scores()
        threshold = random.Random(seed).randint(0, int(scores.max()) + 1 if len(scores) else 1)
        below = {p.id for p, score in zip(ours.projects, scores) if score < threshold}
        sat_class = Cost_Sat if ours.vote_type == "approval" else PointsCostSat
        expected = [p.name for p in greedy_utilitarian_welfare(without(theirs, below), profile, sat_class=sat_class)]
        assert list(tally(ours, "greedy-threshold", threshold=threshold).selected) == expected, f"seed {seed}"


@pytest.mark.parametrize("block", range(4))
def test_utilitarian_optimal_reaches_pabutools_maximum_welfare(block):
    for seed in SEEDS[block::4]:
        ours, theirs, profile = random_election(seed)
        sat_class = Cardinality_Sat if ours.vote_type == "approval" else Additive_Cardinal_Sat
        best = max_additive_utilitarian_welfare(theirs, profile, sat_class=sat_class)
        scores = dict(zip(ours.project_ids, ours.scores().tolist()))
        assert tally(ours, "utilitarian-optimal").total_score == sum(scores[p.name] for p in best), f"seed {seed}"
