"""``utilitarian-optimal``: the affordable set of projects with the highest total score.

An exact 0/1 knapsack by dynamic programming over the budget, after dividing all costs
and the budget by their greatest common divisor. It is meant for small instances and
refuses (``InstanceTooLarge``) when the table would exceed ``MAX_TABLE_CELLS``.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import gcd

import numpy as np

from .model import OptimalNotSelected, OptimalSelected, Selection

# (projects + 1) x (scaled budget + 1) int64 cells: 5 million cells is 40 MB.
MAX_TABLE_CELLS = 5_000_000


class InstanceTooLarge(ValueError):
    """The instance is too large for the exact knapsack."""


def utilitarian_optimal(costs: Sequence[int], scores: Sequence[int], budget: int) -> Selection:
    """Maximise the total score of the funded projects within the budget.

    Tie-breaking: among sets with the highest total score, the one that funds earlier
    projects in file order (compared project by project from the first). Projects with
    score 0 are never funded, as they add nothing. Selection order is file order.
    """
    costs = [int(cost) for cost in costs]
    scores = [int(score) for score in scores]
    candidates = [i for i, (c, s) in enumerate(zip(costs, scores)) if s > 0 and c <= budget]
    divisor = gcd(budget, *(costs[i] for i in candidates))
    weights = [costs[i] // divisor for i in candidates]
    capacity = min(budget // divisor, sum(weights))
    cells = (len(candidates) + 1) * (capacity + 1)
    if cells > MAX_TABLE_CELLS:
        raise InstanceTooLarge(
            f"utilitarian-optimal handles at most {MAX_TABLE_CELLS:,} table cells; this "
            f"instance needs {cells:,} ({len(candidates)} projects x budget {capacity:,} "
            f"in steps of {divisor:,})"
        )
    # best[i, c]: highest total score using candidates i.. with capacity c.
    best = np.zeros((len(candidates) + 1, capacity + 1), dtype=np.int64)
    for i in range(len(candidates) - 1, -1, -1):
        best[i] = best[i + 1]
        weight, score = weights[i], scores[candidates[i]]
        if weight <= capacity:
            with_it = best[i + 1, : capacity + 1 - weight] + score
            np.maximum(best[i, weight:], with_it, out=best[i, weight:])
    chosen = []
    room = capacity
    for i, project in enumerate(candidates):
        # Taking it whenever that stays optimal prefers earlier projects among ties.
        if weights[i] <= room and best[i + 1, room - weights[i]] + scores[project] == best[i, room]:
            chosen.append(project)
            room -= weights[i]
    chosen_set = set(chosen)
    reasons = tuple(
        OptimalSelected() if i in chosen_set else OptimalNotSelected() for i in range(len(costs))
    )
    return Selection(tuple(chosen), reasons)
