"""The review maths as pure functions over plain data (no app, no database): easy to check by hand.

- A reviewer's **weighted score** of a proposal is on a 0-100 scale: each answered criterion's points
  are taken as a share of that criterion's maximum, weighted by the criterion's weight, and divided
  by the weights of the criteria *answered*. "Not applicable" (None) is missing data, not zero, so it
  leaves the weights of the other criteria to count in full. A reviewer who answered nothing has no
  score (None) and does not count in the proposal's mean.
- A proposal's **mean** is the plain mean of its reviewers' weighted scores; its **spread** is the
  highest minus the lowest of them. A spread of :data:`DISAGREEMENT_POINTS` or more is flagged for
  discussion in the meeting.
- The **ranking** orders proposals by mean, highest first; proposals without a mean come last. Ties
  are broken by the smaller requested amount (it leaves more of the budget), then by the lower
  proposal id (sent earlier); proposals with the same mean share a rank number. The running total
  adds up the requested amounts in that order and tells whether each still fits the call's budget.

Numbers are exact fractions inside; :func:`rounded` gives one decimal for pages and files.
"""

from dataclasses import dataclass, field
from fractions import Fraction

DISAGREEMENT_POINTS = 25


@dataclass(frozen=True)
class CriterionSpec:
    id: int
    weight: int
    scale_max: int


def weighted_score(criteria, answers):
    """0-100 (a Fraction) over the answered criteria, or None when nothing was answered.

    ``criteria`` is a sequence of :class:`CriterionSpec`; ``answers`` maps criterion id to points or None.
    """
    answered = [c for c in criteria if answers.get(c.id) is not None]
    weights = sum(c.weight for c in answered)
    if not weights:
        return None
    total = sum(Fraction(c.weight) * Fraction(answers[c.id], c.scale_max) for c in answered)
    return 100 * total / weights


@dataclass
class ProposalFigures:
    proposal_id: int
    requested_cents: int
    scores: list = field(default_factory=list)  # each reviewer's weighted score (None if nothing answered)
    recusals: int = 0

    @property
    def counted(self):
        return [score for score in self.scores if score is not None]

    @property
    def reviews(self):
        return len(self.scores)

    @property
    def mean(self):
        counted = self.counted
        return sum(counted, Fraction(0)) / len(counted) if counted else None

    @property
    def spread(self):
        counted = self.counted
        return max(counted) - min(counted) if len(counted) > 1 else (Fraction(0) if counted else None)

    @property
    def disagreement(self):
        return self.spread is not None and self.spread >= DISAGREEMENT_POINTS


@dataclass(frozen=True)
class RankedRow:
    rank: int
    figures: ProposalFigures
    running_total_cents: int
    fits_budget: bool
    tied: bool


def rank(figures, budget_cents):
    """Rows in ranking order (see the module text for the order and the ties)."""

    def order(item):
        mean = item.mean
        return (mean is None, -(mean or 0), item.requested_cents, item.proposal_id)

    ordered = sorted(figures, key=order)
    means = [item.mean for item in ordered]
    rows = []
    running = 0
    current_rank = 0
    for index, item in enumerate(ordered):
        if index == 0 or means[index] != means[index - 1] or means[index] is None:
            current_rank = index + 1
        running += item.requested_cents
        tied = item.mean is not None and means.count(item.mean) > 1
        rows.append(RankedRow(current_rank, item, running, running <= budget_cents, tied))
    return rows


def rounded(value, places=1):
    """A Fraction as a float with ``places`` decimals (None stays None), for pages and files."""
    return None if value is None else round(float(value), places)
