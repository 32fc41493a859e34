"""The review maths against tables computed by hand (pb.review.scoring is pure: no app needed)."""

from fractions import Fraction

import pytest

from pb.review.scoring import CriterionSpec, ProposalFigures, rank, rounded, weighted_score

# Criterion A: weight 1, 0-5; B: weight 2, 0-5; C: weight 3, 0-10.
CRITERIA = [CriterionSpec(1, 1, 5), CriterionSpec(2, 2, 5), CriterionSpec(3, 3, 10)]


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        # (1*5/5 + 2*4/5 + 3*6/10) / (1+2+3) = (1 + 1.6 + 1.8) / 6 = 0.7333 -> 73.33
        ({1: 5, 2: 4, 3: 6}, Fraction(220, 3)),
        # A not applicable: (2*5/5 + 3*10/10) / (2+3) = 1 -> 100, not (0 + 2 + 3) / 6
        ({1: None, 2: 5, 3: 10}, Fraction(100)),
        # only C answered: 3*5/10 / 3 = 0.5 -> 50
        ({1: None, 2: None, 3: 5}, Fraction(50)),
        # zeros are answers, not missing
        ({1: 0, 2: 0, 3: 0}, Fraction(0)),
        # nothing answered: no score at all
        ({1: None, 2: None, 3: None}, None),
        ({}, None),
    ],
)
def test_weighted_score_renormalises_over_answered_criteria(answers, expected):
    assert weighted_score(CRITERIA, answers) == expected


def test_mean_spread_and_count_leave_out_a_reviewer_who_answered_nothing():
    scores = [weighted_score(CRITERIA, a) for a in ({1: 5, 2: 4, 3: 6}, {1: None, 2: 5, 3: 10},
                                                      {1: None, 2: None, 3: None}, {1: 0, 2: 0, 3: 0})]
    figures = ProposalFigures(proposal_id=1, requested_cents=100, scores=scores, recusals=1)
    # (220/3 + 100 + 0) / 3 = 520/9 = 57.78; spread 100 - 0
    assert figures.mean == Fraction(520, 9)
    assert rounded(figures.mean) == 57.8
    assert figures.spread == 100
    assert figures.disagreement
    assert figures.reviews == 4 and len(figures.counted) == 3
    assert figures.recusals == 1


def test_no_reviews_no_figures_and_one_review_no_spread():
    assert ProposalFigures(1, 100, []).mean is None
    assert ProposalFigures(1, 100, []).spread is None
    assert ProposalFigures(1, 100, [None]).mean is None
    single = ProposalFigures(1, 100, [Fraction(60)])
    assert single.mean == 60 and single.spread == 0 and not single.disagreement


def test_spread_just_below_the_flag_is_not_flagged():
    assert not ProposalFigures(1, 100, [Fraction(50), Fraction(74)]).disagreement
    assert ProposalFigures(1, 100, [Fraction(50), Fraction(75)]).disagreement


def test_ranking_order_ties_and_running_total():
    figures = [
        ProposalFigures(1, 5_000, [Fraction(80)]),
        ProposalFigures(2, 3_000, [Fraction(70), Fraction(90)]),  # mean 80
        ProposalFigures(3, 4_000, [Fraction(90)]),
        ProposalFigures(4, 1_000, [None]),  # nothing answered: last
        ProposalFigures(5, 3_000, [Fraction(80)]),
    ]
    rows = rank(figures, budget_cents=10_000)
    table = [(r.rank, r.figures.proposal_id, r.tied, r.running_total_cents, r.fits_budget) for r in rows]
    assert table == [
        (1, 3, False, 4_000, True),
        # equal means: the smaller amount first, then the lower id; they share the rank
        (2, 2, True, 7_000, True),
        (2, 5, True, 10_000, True),  # exactly the budget still fits
        (2, 1, True, 15_000, False),
        (5, 4, False, 16_000, False),
    ]


def test_ranking_is_the_same_whatever_the_input_order():
    figures = [ProposalFigures(i, 1_000 * (i % 3), [Fraction(50 + (i % 2) * 10)]) for i in range(1, 8)]
    first = [r.figures.proposal_id for r in rank(figures, 10_000)]
    second = [r.figures.proposal_id for r in rank(list(reversed(figures)), 10_000)]
    assert first == second
