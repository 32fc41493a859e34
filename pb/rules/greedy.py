"""The greedy family: fund projects in order of score while the money lasts.

Scores are the projects' total points: approvals for approval and choose-1 ballots,
points for cumulative and scoring, ``k - position + 1`` summed for ordinal rankings.
Ties in score are broken by the projects' order in the file (earlier first).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .model import (
    BelowThreshold,
    GreedyAfterStop,
    GreedyDoesNotFit,
    GreedySelected,
    Reason,
    Selection,
)


def score_order(scores: Sequence[int]) -> list[int]:
    """Project indices by descending score; equal scores keep file order (the sort is
    stable, also in reverse)."""
    scores = _as_list(scores)
    return sorted(range(len(scores)), key=scores.__getitem__, reverse=True)


def _as_list(numbers: Sequence[int]) -> list[int]:
    # The loops run on Python ints; tolist converts an array in one call.
    return numbers.tolist() if isinstance(numbers, np.ndarray) else [int(x) for x in numbers]


def greedy(
    costs: Sequence[int],
    scores: Sequence[int],
    budget: int,
    *,
    threshold: int | None = None,
    skip: bool = True,
) -> Selection:
    """Greedy selection by score.

    Projects are considered by descending score (ties: file order). A project is funded
    if its cost fits in the money left. With ``skip`` (rule ``greedy``) a project that
    does not fit is passed over and the next one considered; without (``greedy-no-skip``)
    counting stops at the first project that does not fit. With ``threshold`` (rule
    ``greedy-threshold``) projects scoring below it are dropped first.
    """
    costs, scores = _as_list(costs), _as_list(scores)
    reasons: list[Reason | None] = [None] * len(costs)
    selected: list[int] = []
    money_left = int(budget)
    stopped_at_rank = None
    for rank, project in enumerate(score_order(scores), start=1):
        if threshold is not None and scores[project] < threshold:
            reasons[project] = BelowThreshold(scores[project], threshold)
        elif stopped_at_rank is not None:
            reasons[project] = GreedyAfterStop(rank, stopped_at_rank)
        elif costs[project] <= money_left:
            reasons[project] = GreedySelected(rank, money_left)
            selected.append(project)
            money_left -= costs[project]
        else:
            reasons[project] = GreedyDoesNotFit(rank, money_left)
            if not skip:
                stopped_at_rank = rank
    return Selection(tuple(selected), tuple(reasons))
