"""A per-voter reference of the Method of Equal Shares and of add1, in plain Python.

Slow and obvious on purpose: the tests check the fast kernel (pb.rules.equalshares)
against it. Semantics as documented there and in DESIGN.md section 5: cost utilities
(``points * cost``), ties within a relative 1e-9 broken by lower cost, then more
supporters, then lower index; supporters' money within a relative 1e-12 below a cost
still covers it. ``votes``: one dict project -> points per voter (1 for an approval).
"""

TOL = 1e-9  # price factors this close (relative) are tied
AFFORD = 1e-12  # money this close (relative) below a cost still covers it


def price_factor(cost, money, utility):
    """The smallest rho at which the supporters, each paying min(money, rho * utility),
    raise the cost (or all their money, if that is short of it only within AFFORD)."""
    target, paid, rest = min(cost, sum(money)), 0.0, sum(utility)
    by_money_per_utility = sorted(zip(money, utility), key=lambda mu: mu[0] / mu[1])
    for k, (m, u) in enumerate(by_money_per_utility):
        rho = (target - paid) / rest
        if rho * u <= m or k == len(by_money_per_utility) - 1:
            return rho
        paid, rest = paid + m, rest - u  # this one cannot pay in full: pays all it has


def mes(costs, votes, per_voter):
    """Plain MES, every voter starting with ``per_voter``: (selected in order, {project: rho})."""
    money = [per_voter] * len(votes)
    supporters = [[i for i, vote in enumerate(votes) if vote.get(j, 0) > 0] for j in range(len(costs))]

    def tie_break(j):
        return costs[j], -len(supporters[j]), j

    # Supported projects of cost 0 cost nobody anything: bought first, in tie-break order.
    selected = sorted((j for j, c in enumerate(costs) if c == 0 and supporters[j]), key=tie_break)
    left, rhos = [j for j, c in enumerate(costs) if c > 0 and supporters[j]], {}
    while True:
        prices = {}
        for j in left:
            have = [money[i] for i in supporters[j]]
            if sum(have) >= costs[j] * (1 - AFFORD):
                prices[j] = price_factor(costs[j], have, [votes[i][j] * costs[j] for i in supporters[j]])
        if not prices:
            return selected, rhos
        best = min(prices.values())
        s = min((j for j, rho in prices.items() if rho <= best * (1 + TOL)), key=tie_break)
        for i in supporters[s]:
            money[i] = max(money[i] - prices[s] * votes[i][s] * costs[s], 0.0)
        selected.append(s)
        left.remove(s)
        rhos[s] = prices[s]


def add1(costs, budget, votes, unit=1):
    """Step k = 0, 1, ... runs MES with ``budget / N + k * unit`` each, until a step's
    outcome costs more than ``budget`` or k reaches ``budget // unit``.

    Returns (selected, rhos, per-voter budget) of the last step within budget, and the
    step at which the loop stopped (the first over budget, or ``budget // unit``)."""
    if not votes:
        return [], {}, 0.0, 0
    base, last = budget / len(votes), budget // unit
    kept = *mes(costs, votes, base), base  # step 0 is plain MES, never over budget
    for k in range(1, last + 1):
        selected, rhos = mes(costs, votes, base + k * unit)
        if sum(costs[j] for j in selected) > budget:
            return *kept, k
        kept = selected, rhos, base + k * unit
    return *kept, last
