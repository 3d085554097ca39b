"""Python step `pilot_balance`: balance of the pilot arms at assignment, one
row per experiment (read by the dbt model int_pilot_balance_checked).

Size: tenants per arm with a sample-ratio test against a 1:1 design (exact
binomial), and tenant size (seats_purchased) by standardised difference and
Mann-Whitney U test. Tier and industry: Pearson chi-square p-value of the
arm x category table and the largest absolute standardised difference of a
category share. The arms count as balanced when every p-value is at least
pilot_balance_min_p_value (kpi_parameters). Standardised differences are
reported for judgement, not tested: with a few dozen tenants per arm one of
several category shares often differs by 0.25 by chance. Statistics come
from tenant_kpis.stats and scipy.
"""

from __future__ import annotations

import pandas as pd
from scipy import stats

from tenant_kpis.python_steps.seed_parameters import seed_value, seed_values
from tenant_kpis.stats import chi_square_pvalue, standardized_difference

COLUMNS = [
    "experiment_id",
    "tenants_treatment",
    "tenants_control",
    "sample_ratio_p_value",
    "mean_seats_treatment",
    "mean_seats_control",
    "seats_standardized_difference",
    "seats_mann_whitney_p_value",
    "plan_tier_chi_square_p_value",
    "plan_tier_max_abs_standardized_difference",
    "industry_chi_square_p_value",
    "industry_max_abs_standardized_difference",
    "is_balanced",
    "balance_issues",
]


def _category_checks(group: pd.DataFrame, column: str) -> tuple[float | None, float | None]:
    table = pd.crosstab(group["arm"], group[column])
    p_value = chi_square_pvalue(table.to_numpy()) if table.shape[0] == 2 else None
    differences = []
    treatment = group[group["arm"] == "treatment"]
    control = group[group["arm"] == "control"]
    for value in sorted(group[column].dropna().unique()):
        smd = standardized_difference(
            (treatment[column] == value).astype(float), (control[column] == value).astype(float)
        )
        if smd is not None:
            differences.append(abs(smd))
    return p_value, (max(differences) if differences else None)


def _check_experiment(experiment_id: str, group: pd.DataFrame, min_p: float) -> dict:
    treatment = group[group["arm"] == "treatment"]
    control = group[group["arm"] == "control"]
    n_t, n_c = len(treatment), len(control)
    ratio_p = float(stats.binomtest(n_t, n_t + n_c, 0.5).pvalue) if n_t + n_c else None
    seats_smd = standardized_difference(treatment["seats_purchased"], control["seats_purchased"])
    seats_p = (
        float(stats.mannwhitneyu(treatment["seats_purchased"], control["seats_purchased"]).pvalue)
        if n_t and n_c
        else None
    )
    tier_p, tier_smd = _category_checks(group, "plan_tier")
    industry_p, industry_smd = _category_checks(group, "industry")
    issues = []
    if n_t == 0 or n_c == 0:
        issues.append("an arm has no tenant")
    for label, p_value in (
        ("arm sizes", ratio_p),
        ("seats", seats_p),
        ("plan tier", tier_p),
        ("industry", industry_p),
    ):
        if p_value is not None and p_value < min_p:
            issues.append(f"{label} differ (p = {p_value:.3f})")
    return {
        "experiment_id": experiment_id,
        "tenants_treatment": n_t,
        "tenants_control": n_c,
        "sample_ratio_p_value": ratio_p,
        "mean_seats_treatment": float(treatment["seats_purchased"].mean()) if n_t else None,
        "mean_seats_control": float(control["seats_purchased"].mean()) if n_c else None,
        "seats_standardized_difference": seats_smd,
        "seats_mann_whitney_p_value": seats_p,
        "plan_tier_chi_square_p_value": tier_p,
        "plan_tier_max_abs_standardized_difference": tier_smd,
        "industry_chi_square_p_value": industry_p,
        "industry_max_abs_standardized_difference": industry_smd,
        "is_balanced": not issues,
        "balance_issues": "; ".join(issues) if issues else None,
    }


def check_balance(
    assignments: pd.DataFrame, tenants: pd.DataFrame, parameters: pd.DataFrame
) -> pd.DataFrame:
    """One row per experiment (columns: COLUMNS).

    Inputs are the dbt relations stg_app__experiment_assignments,
    int_tenants_lifecycle and the seed kpi_parameters.
    """
    values = seed_values(parameters, "parameter_name", "parameter_value")
    min_p = seed_value(values, "kpi_parameters", "pilot_balance_min_p_value")

    joined = assignments.merge(
        tenants[["tenant_id", "seats_purchased", "plan_tier", "industry"]],
        on="tenant_id",
        how="left",
    ).sort_values(["experiment_id", "tenant_id"], kind="stable")
    rows = [
        _check_experiment(str(experiment_id), group, min_p)
        for experiment_id, group in joined.groupby("experiment_id", sort=True)
    ]
    result = pd.DataFrame(rows, columns=COLUMNS)
    float_columns = [
        c for c in COLUMNS if c.endswith(("p_value", "difference")) or c.startswith("mean_")
    ]
    result[float_columns] = result[float_columns].astype("float64")
    result[["tenants_treatment", "tenants_control"]] = result[
        ["tenants_treatment", "tenants_control"]
    ].astype("int64")
    result["is_balanced"] = result["is_balanced"].astype(bool)
    result["experiment_id"] = result["experiment_id"].astype("string")
    result["balance_issues"] = result["balance_issues"].astype("string")
    return result
