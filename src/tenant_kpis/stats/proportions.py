"""Difference of two proportions: the statistics of the pilot mart.

The mart computes the same formulas in SQL (macro `two_proportion_lift`);
the tests check that both agree and that the interval's coverage is ~95%.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

Z_95 = 1.959963984540054


@dataclass(frozen=True)
class LiftResult:
    """Lift of treatment over control with a Newcombe interval and a z-test p-value."""

    rate_treatment: float
    rate_control: float
    lift: float
    ci_lower: float
    ci_upper: float
    p_value: float | None


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval of successes / trials."""
    if trials <= 0:
        raise ValueError("trials must be positive")
    if not 0 <= successes <= trials:
        raise ValueError("successes must be between 0 and trials")
    p = successes / trials
    centre = p + z * z / (2 * trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    denominator = 1 + z * z / trials
    return (centre - half) / denominator, (centre + half) / denominator


def two_proportion_lift(
    x_treatment: int, n_treatment: int, x_control: int, n_control: int, z: float = Z_95
) -> LiftResult:
    """Lift = p_t - p_c, Newcombe hybrid score CI (method 10) and pooled z-test p-value."""
    p_t = x_treatment / n_treatment
    p_c = x_control / n_control
    lift = p_t - p_c
    lower_t, upper_t = wilson_interval(x_treatment, n_treatment, z)
    lower_c, upper_c = wilson_interval(x_control, n_control, z)
    ci_lower = lift - math.sqrt((p_t - lower_t) ** 2 + (upper_c - p_c) ** 2)
    ci_upper = lift + math.sqrt((upper_t - p_t) ** 2 + (p_c - lower_c) ** 2)
    pooled = (x_treatment + x_control) / (n_treatment + n_control)
    variance = pooled * (1 - pooled) * (1 / n_treatment + 1 / n_control)
    p_value = None
    if variance > 0:
        p_value = float(2 * stats.norm.sf(abs(lift) / math.sqrt(variance)))
    return LiftResult(p_t, p_c, lift, ci_lower, ci_upper, p_value)
