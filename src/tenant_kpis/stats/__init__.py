"""Pure-Python statistics shared by the dbt Python models and the tests.

- `proportions`: Wilson and Newcombe intervals, two-proportion z-test.
- `balance`: standardised differences and chi-square balance checks of pilot arms.
- `classification`: ROC AUC, Brier score, calibration by decile and the alert
  threshold under a false-positive-rate budget.
"""

from tenant_kpis.stats.balance import chi_square_pvalue, standardized_difference
from tenant_kpis.stats.classification import (
    AlertThreshold,
    brier_score,
    calibration_by_decile,
    roc_auc,
    threshold_at_fpr,
)
from tenant_kpis.stats.proportions import LiftResult, two_proportion_lift, wilson_interval

__all__ = [
    "AlertThreshold",
    "LiftResult",
    "brier_score",
    "calibration_by_decile",
    "chi_square_pvalue",
    "roc_auc",
    "standardized_difference",
    "threshold_at_fpr",
    "two_proportion_lift",
    "wilson_interval",
]
