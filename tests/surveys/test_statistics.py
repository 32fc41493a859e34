"""Scoring and the statistics of group results."""

import math

import pytest

from pb.surveys.services.answers import score
from pb.surveys.services.statistics import mean_with_ci, t_quantile, welch_difference
from tests.surveys.support import loaded_instrument, values

# Two-sided 95 % critical values of Student's t, from the printed tables.
T_TABLE = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 9: 2.262, 10: 2.228, 20: 2.086, 30: 2.042,
           60: 2.000, 120: 1.980, math.inf: 1.960}


@pytest.mark.parametrize(("df", "expected"), T_TABLE.items())
def test_t_quantile_agrees_with_the_table(df, expected):
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=5e-4)


def test_t_quantile_takes_fractional_degrees_of_freedom():
    assert T_TABLE[5] > t_quantile(0.975, 5.5) > T_TABLE[10]


def test_scores_rescale_the_mean_to_0_100_with_reversed_items_flipped():
    instrument = loaded_instrument()
    assert score(instrument, values(5, 5, 5, 1)) == 100
    assert score(instrument, values(1, 1, 1, 5)) == 0
    assert score(instrument, values(3, 3, 3, 3)) == 50
    # 4 -> 75, 2 -> 25, 5 -> 100, reversed 2 -> 4 -> 75: mean 68.75
    assert score(instrument, values(4, 2, 5, 2)) == 68.75
    # Three of four answered (the file's minimum): the mean of those three.
    assert score(instrument, {"belong": 5, "heard": 3, "left_out": 5}) == pytest.approx(50)
    assert score(instrument, {"belong": 5, "heard": 3}) is None


def test_mean_with_a_t_interval():
    result = mean_with_ci([40, 50, 60, 70, 80])
    half = 2.776 * math.sqrt(250) / math.sqrt(5)
    assert result.mean == 60
    assert result.ci_low == pytest.approx(60 - half, abs=0.01)
    assert result.ci_high == pytest.approx(60 + half, abs=0.01)
    single = mean_with_ci([40])
    assert (single.mean, single.ci_low, single.ci_high) == (40, None, None)
    assert mean_with_ci([]) is None


def test_welch_difference_of_means():
    before, after = mean_with_ci([1, 2, 3, 4, 5]), mean_with_ci([2, 4, 6, 8, 10])
    result = welch_difference(before, after)
    assert result.change == 3
    assert result.df == pytest.approx(5.8824, abs=1e-3)
    half = t_quantile(0.975, result.df) * math.sqrt(2.5 / 5 + 10 / 5)
    assert (result.ci_low, result.ci_high) == (pytest.approx(3 - half), pytest.approx(3 + half))
    assert 2.447 < t_quantile(0.975, result.df) < 2.571
    assert welch_difference(None, after) is None
    same = welch_difference(mean_with_ci([50, 50]), mean_with_ci([60, 60]))
    assert (same.change, same.ci_low, same.ci_high) == (10, 10, 10)
