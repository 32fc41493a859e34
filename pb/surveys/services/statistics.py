"""The statistics of group results, in plain Python (scipy is not a dependency of pb).

- :func:`t_quantile`: Student's t quantile, computed (not looked up) from the regularised incomplete beta
  function (continued fraction, Numerical Recipes 6.4) and bisection; it agrees with the printed tables
  (t(0.975; 4) = 2.776, t(0.975; 30) = 2.042, ...) to 1e-6, and takes the fractional degrees of freedom
  Welch's test needs. tests/surveys/test_statistics.py checks it against a table.
- :func:`mean_with_ci`: the mean of a group with its 95 % confidence interval (t distribution, n - 1 df).
- :func:`welch_difference`: the difference of two means (after minus before) with its 95 % interval by
  Welch's unequal-variance t method.

The intervals are not clipped to 0-100: a wide interval near the edge says honestly that the group is small.
"""

import math
from dataclasses import dataclass

CONFIDENCE = 0.95


def _beta_continued_fraction(a, b, x):
    tiny, epsilon = 1e-300, 3e-16
    qab, qap, qam = a + b, a + 1, a - 1
    c, d = 1.0, 1 - qab * x / qap
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 400):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1) < epsilon:
            break
    return h


def regularized_beta(a, b, x):
    """I_x(a, b), the regularised incomplete beta function."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1) / (a + b + 2):
        return front * _beta_continued_fraction(a, b, x) / a
    return 1 - front * _beta_continued_fraction(b, a, 1 - x) / b


def t_cdf(t, df):
    """P(T <= t) for Student's t with ``df`` (> 0, may be fractional) degrees of freedom."""
    tail = 0.5 * regularized_beta(df / 2, 0.5, df / (df + t * t))
    return 1 - tail if t >= 0 else tail


def t_quantile(p, df):
    """The ``p`` quantile (0.5 < p < 1) of Student's t with ``df`` degrees of freedom."""
    if not 0.5 <= p < 1:
        raise ValueError("p must be in [0.5, 1)")
    if math.isinf(df):
        df = 1e12
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        high *= 2
    for _ in range(200):
        middle = (low + high) / 2
        if t_cdf(middle, df) < p:
            low = middle
        else:
            high = middle
        if high - low < 1e-10:
            break
    return (low + high) / 2


@dataclass(frozen=True)
class MeanCI:
    n: int
    mean: float
    ci_low: float | None  # None for a single value (no spread to estimate)
    ci_high: float | None
    sd: float | None


def mean_with_ci(values, confidence=CONFIDENCE):
    values = [float(value) for value in values]
    n = len(values)
    if n == 0:
        return None
    mean = sum(values) / n
    if n < 2:
        return MeanCI(n, mean, None, None, None)
    sd = math.sqrt(sum((value - mean) ** 2 for value in values) / (n - 1))
    half = t_quantile(1 - (1 - confidence) / 2, n - 1) * sd / math.sqrt(n)
    return MeanCI(n, mean, mean - half, mean + half, sd)


@dataclass(frozen=True)
class Difference:
    change: float
    ci_low: float | None
    ci_high: float | None
    df: float | None


def welch_difference(before, after, confidence=CONFIDENCE):
    """``after.mean - before.mean`` (two :class:`MeanCI`) with Welch's interval; None without both groups."""
    if before is None or after is None:
        return None
    change = after.mean - before.mean
    if before.sd is None or after.sd is None:
        return Difference(change, None, None, None)
    v1, v2 = before.sd**2 / before.n, after.sd**2 / after.n
    se = math.sqrt(v1 + v2)
    if se == 0:
        return Difference(change, change, change, None)
    df = (v1 + v2) ** 2 / (v1**2 / (before.n - 1) + v2**2 / (after.n - 1))
    half = t_quantile(1 - (1 - confidence) / 2, df) * se
    return Difference(change, change - half, change + half, df)
