"""Balance of two arms at assignment: standardised differences and chi-square."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats


def standardized_difference(treatment: Sequence[float], control: Sequence[float]) -> float | None:
    """(mean_t - mean_c) / sqrt((var_t + var_c) / 2); for 0/1 values it is the
    usual standardised difference of proportions. None when undefined."""
    t = np.asarray(treatment, dtype=float)
    c = np.asarray(control, dtype=float)
    if len(t) < 2 or len(c) < 2:
        return None
    pooled_sd = math.sqrt((t.var(ddof=1) + c.var(ddof=1)) / 2)
    if pooled_sd == 0:
        return 0.0 if t.mean() == c.mean() else None
    return float((t.mean() - c.mean()) / pooled_sd)


def chi_square_pvalue(table: Sequence[Sequence[int]]) -> float | None:
    """Pearson chi-square test of independence (no continuity correction) of an
    arms x categories table; categories with no tenant are dropped. None when
    fewer than two categories (or arms) remain."""
    counts = np.asarray(table, dtype=float)
    counts = counts[:, counts.sum(axis=0) > 0]
    counts = counts[counts.sum(axis=1) > 0, :]
    if counts.shape[0] < 2 or counts.shape[1] < 2:
        return None
    _, p_value, _, _ = stats.chi2_contingency(counts, correction=False)
    return float(p_value)
