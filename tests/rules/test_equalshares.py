"""The Method of Equal Shares kernel (pb.rules.equalshares), on plain arrays.

Hand-checked tables, property tests, the count by ballots against the count by classes,
and the add1 step skipping against the plain unit-step loop. Agreement with pabutools is
in test_equalshares_pabutools.py, with the per-voter reference in
test_rules_reference_mes.py.
"""

import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pb.rules import equalshares
from pb.rules.equalshares import equal_shares, equal_shares_add1

SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)


def csr(votes, multiplicity=None):
    """Ballots (dicts project -> points) as the kernel's CSR arrays, one row per ballot."""
    indptr, indices, points = [0], [], []
    for vote in votes:
        for project, p in sorted(vote.items()):
            indices.append(project)
            points.append(p)
        indptr.append(len(indices))
    mult = [1] * len(votes) if multiplicity is None else multiplicity
    return (
        np.array(indptr, dtype=np.int64),
        np.array(indices, dtype=np.int64),
        np.array(points, dtype=np.int64),
        np.array(mult, dtype=np.int64),
    )


def merged(votes):
    """Identical ballots merged into one row with a multiplicity, as the reader delivers them."""
    counts = {}
    for vote in votes:
        key = tuple(sorted(vote.items()))
        counts[key] = counts.get(key, 0) + 1
    keys = sorted(counts)
    return csr([dict(k) for k in keys], [counts[k] for k in keys])


def kernel(fn, costs, budget, votes, **kwargs):
    return fn(np.array(costs, dtype=np.int64), budget, *merged(votes), **kwargs)


def random_election(seed, cumulative=False):
    """At most 8 projects (cost >= 1) and 12 voters; the budget is below the total cost of
    the supported projects, so that add1 soon overspends."""
    rng = random.Random(seed)
    m = rng.randint(1, 8)
    costs = [rng.randint(1, 40) for _ in range(m)]
    votes = []
    for _ in range(rng.randint(1, 12)):
        chosen = rng.sample(range(m), rng.randint(0, m))
        votes.append({j: rng.randint(1, 4) if cumulative else 1 for j in chosen})
    supported = sum(c for j, c in enumerate(costs) if any(j in v for v in votes))
    budget = rng.randint(1, max(1, supported - 1)) if supported > 1 else rng.randint(1, 40)
    return costs, budget, votes


# --- the kernel's shortcuts give what a count without them gives ---------------------------


@pytest.mark.parametrize("cumulative", [False, True])
def test_plain_mes_by_ballots_gives_the_count_by_classes(cumulative):
    # Plain MES counts ballot by ballot; add1's counts, step 0 included, go through the
    # class structure.
    for seed in range(3000, 3150):
        costs, budget, votes = random_election(seed, cumulative=cumulative)
        by_ballots = kernel(equal_shares, costs, budget, votes)
        prof = equalshares._Profile(costs, *merged(votes))
        b = budget / prof.voters
        relevant = prof.support * b >= prof.fcosts * (1 - equalshares._AFFORD)
        with np.errstate(divide="ignore", invalid="ignore"):
            by_classes = equalshares._Run(prof, equalshares._Structure(prof, relevant), b).result(b, 0)
        assert by_classes.selected == by_ballots.selected, f"seed {seed}"
        assert by_classes.rounds == by_ballots.rounds
        assert by_classes.effective_votes == pytest.approx(by_ballots.effective_votes, rel=1e-9)
        assert by_classes.lacked.keys() == by_ballots.lacked.keys()
        for project, (money, cost) in by_classes.lacked.items():
            assert by_ballots.lacked[project] == (pytest.approx(money, rel=1e-9, abs=1e-6), cost)


@pytest.mark.parametrize("cumulative", [False, True])
def test_a_split_reused_from_another_purchase_order_matches_one_made_afresh(cumulative):
    # add1 keeps how a purchase splits the classes after a set of purchases, and reuses it
    # when a later count buys the same set in another order.
    def canonical(labels):
        first = {}
        return [first.setdefault(label, len(first)) if label >= 0 else -1 for label in labels.tolist()]

    def state(struct, level):
        classes = dict(zip(struct.vcls.tolist(), canonical(struct.vcls)))
        entries = range(level.id_start, level.id_end)
        new = sorted((classes[struct.ek[e]], struct.ej[e], struct.eu[e], struct.w0[e]) for e in entries)
        return canonical(struct.vcls), canonical(struct.eid), new

    checked = 0
    for seed in range(4000, 4200):
        costs, _, votes = random_election(seed, cumulative=cumulative)
        prof = equalshares._Profile(costs, *merged(votes))
        projects = prof.priced.nonzero()[0].tolist()
        if len(projects) < 3:
            continue
        a, b, c = projects[:3]
        kept = equalshares._Structure(prof, prof.priced)
        for r, s in enumerate((a, b, c)):
            kept.after(r, s)
        kept.cut(0)
        kept.after(0, b)
        kept.after(1, a)
        reused = kept.after(2, c)
        assert len(kept.splits) == 5  # {}+a, {a}+b, {a,b}+c, {}+b, {b}+a; {a,b}+c reused
        fresh = equalshares._Structure(prof, prof.priced)
        fresh.after(0, b)
        fresh.after(1, a)
        made = fresh.after(2, c)
        assert state(kept, reused) == state(fresh, made), f"seed {seed}"
        checked += 1
    assert checked > 50


def test_add1_forgetting_its_split_shapes_changes_nothing(monkeypatch):
    kept = [kernel(equal_shares_add1, *random_election(seed)) for seed in range(4200, 4260)]
    monkeypatch.setattr(equalshares, "_SPLITS_KEPT_MAX", 1)
    for seed, before in zip(range(4200, 4260), kept):
        after = kernel(equal_shares_add1, *random_election(seed))
        assert (after.selected, after.steps, after.per_voter_budget) == (
            before.selected,
            before.steps,
            before.per_voter_budget,
        ), f"seed {seed}"


@pytest.mark.parametrize("cumulative", [False, True])
def test_add1_with_utilities_beyond_exact_floats_sums_them_afresh_to_the_same_outcome(cumulative):
    # Costs times 2**50 put the utilities' sums past 2**53, where the price factors sum
    # the rich supporters' utility afresh instead of taking the poor ones' off. Scaling
    # by a power of two changes no rounding, so the outcome must be the same.
    scale, beyond = 2**50, 0
    for seed in range(4300, 4360):
        costs, budget, votes = random_election(seed, cumulative=cumulative)
        big_costs = [c * scale for c in costs]
        beyond += not equalshares._Profile(big_costs, *merged(votes)).exact_utility
        small = kernel(equal_shares_add1, costs, budget, votes)
        big = kernel(equal_shares_add1, big_costs, budget * scale, votes, unit=scale)
        assert (big.selected, big.steps) == (small.selected, small.steps), f"seed {seed}"
        assert big.per_voter_budget == small.per_voter_budget * scale
    assert beyond >= 40


# --- hand-checked tables --------------------------------------------------------------------

# Budget 100, 4 voters. X (60) by v1 v2 v3; Y (30) by v3 v4; Z (40) by v4.
X, Y, Z = 0, 1, 2
SMALL = ([60, 30, 40], 100, [{X: 1}, {X: 1}, {X: 1, Y: 1}, {Y: 1, Z: 1}])


def test_hand_checked_plain_count():
    # Each voter has 25. Round 1: X at 20 each (rho 1/3, effective votes 3) beats Y at
    # 15 each (rho 1/2); Z needs 40 from v4 alone. Left: 5, 5, 5, 25.
    # Round 2: Y, v3 pays all 5, v4 pays 25 = 30, exactly the cost: rho = 25/30.
    # Left: 5, 5, 0, 0; Z's only supporter has nothing.
    result = kernel(equal_shares, *SMALL)
    assert result.selected == [X, Y]
    assert result.rounds == {X: 1, Y: 2}
    assert result.effective_votes == pytest.approx({X: 3.0, Y: 1.2})
    assert result.lacked == {Z: (pytest.approx(0.0), 40)}
    assert result.per_voter_budget == 25.0
    assert result.spent == 90
    assert result.steps == 0


def test_hand_checked_add1():
    # With b each: X costs v3 20; if b >= 35, v3 still pays 15 for Y, so v4 keeps b - 15,
    # and Z (v4 alone) is bought from b = 55 on: X, Y, Z cost 130 > 100. For b < 35 v4
    # pays 50 - b for Y and keeps 2b - 50 < 40. So steps 0..29 (b = 25..54) buy X, Y and
    # step 30 overspends; step 29 is returned, where v3 and v4 each pay 15 for Y.
    result = kernel(equal_shares_add1, *SMALL)
    assert result.selected == [X, Y]
    assert result.steps == 30
    assert result.per_voter_budget == 54.0
    assert result.effective_votes == pytest.approx({X: 3.0, Y: 2.0})
    assert result.lacked == {Z: (pytest.approx(39.0), 40)}
    assert kernel(equal_shares, *SMALL, per_voter_budget=55.0).selected == [X, Y, Z]


def test_hand_checked_points_and_a_cost_tie_break():
    # Budget 90, 3 voters with 30 each. v1 gives P (40) 2 points; v2 gives P and Q (20)
    # 1 point each; v3 gives Q 2 points. Utilities: P 80 and 40, Q 20 and 40.
    # Both rho are 1/3 (P: 40/120, Q: 20/60), a tie: the cheaper Q goes first, v2 pays
    # 20/3 and v3 40/3. Then P at rho 1/3: v1 pays 80/3 of 30, v2 40/3 of 70/3.
    P, Q = 0, 1
    result = kernel(equal_shares, [40, 20], 90, [{P: 2}, {P: 1, Q: 1}, {Q: 2}])
    assert result.selected == [Q, P]
    assert result.effective_votes == pytest.approx({Q: 3.0, P: 3.0})
    assert result.spent == 60


def test_ties_then_go_to_more_supporters_then_file_order():
    # R gets 2 points from one voter, S 1 point from two: same cost, same rho 1/2.
    R, S, T = 0, 1, 2
    result = kernel(equal_shares, [10, 10, 10], 300, [{R: 2}, {S: 1, T: 1}, {S: 1, T: 1}])
    assert result.selected == [S, T, R]


def test_free_projects_are_bought_first_and_unsupported_never():
    result = kernel(equal_shares, [0, 10, 0, 5], 20, [{1: 1, 2: 1}, {2: 1}])
    assert result.selected == [2, 1]
    assert result.rounds == {2: 1, 1: 2}
    assert result.effective_votes == pytest.approx({2: 2.0, 1: 1.0})
    assert result.lacked == {}


def test_no_voters_buy_nothing():
    nothing = np.array([], dtype=np.int64)
    empty = (np.array([0]), nothing, nothing, nothing)
    assert equal_shares(np.array([5]), 10, *empty).selected == []
    assert equal_shares_add1(np.array([5]), 10, *empty).selected == []


# --- properties ------------------------------------------------------------------------------


@st.composite
def elections(draw, cumulative=None):
    m = draw(st.integers(1, 7))
    costs = draw(st.lists(st.integers(1, 60), min_size=m, max_size=m))
    is_cumulative = draw(st.booleans()) if cumulative is None else cumulative
    points = st.integers(1, 3) if is_cumulative else st.just(1)
    vote = st.dictionaries(st.integers(0, m - 1), points, max_size=m)
    votes = draw(st.lists(vote, min_size=1, max_size=10))
    budget = draw(st.integers(1, 150))
    return costs, budget, votes


@SETTINGS
@given(elections(), st.randoms(use_true_random=False))
def test_plain_mes_is_within_budget_and_ignores_ballot_order_and_splitting(election, rng):
    costs, budget, votes = election
    result = kernel(equal_shares, costs, budget, votes)
    assert result.spent <= budget
    assert result.spent == sum(costs[j] for j in result.selected)
    supported = {j for v in votes for j in v}
    assert set(result.selected) <= supported
    assert set(result.lacked) == supported - set(result.selected)
    # The voters in another order, each voter a ballot of its own or identical ones merged.
    shuffled = [dict(v) for v in votes]
    rng.shuffle(shuffled)
    assert equal_shares(np.array(costs), budget, *csr(shuffled)).selected == result.selected
    assert equal_shares(np.array(costs), budget, *merged(shuffled)).selected == result.selected


@SETTINGS
@given(elections())
def test_add1_stays_within_budget_and_the_next_step_overspends(election):
    costs, budget, votes = election
    arrays = merged(votes)
    result = equal_shares_add1(np.array(costs), budget, *arrays)
    assert result.spent <= budget
    again = equal_shares(np.array(costs), budget, *arrays, per_voter_budget=result.per_voter_budget)
    assert again.selected == result.selected
    base = budget / len(votes)
    if result.per_voter_budget == pytest.approx(base + budget):
        # The loop ran to its bound, step K = budget: every step stayed within budget.
        assert result.steps == budget
    else:
        assert result.per_voter_budget == pytest.approx(base + result.steps - 1)
        after = equal_shares(np.array(costs), budget, *arrays, per_voter_budget=base + result.steps)
        assert after.spent > budget


@SETTINGS
@given(elections(), st.integers(1, 3))
def test_add1_skipping_gives_the_unit_step_loop_outcome(election, unit):
    costs, budget, votes = election
    arrays = merged(votes)
    base = budget / len(votes)
    previous, step = None, 0
    while step <= budget // unit:
        outcome = equal_shares(np.array(costs), budget, *arrays, per_voter_budget=base + step * unit)
        if step and outcome.spent > budget:
            break
        previous, step = outcome, step + 1
    else:
        step -= 1
    result = equal_shares_add1(np.array(costs), budget, *arrays, unit=unit)
    assert (result.selected, result.steps) == (previous.selected, step)
