"""Back-test metrics of the risk models, one row per outcome x model.

On the out-of-time predictions of int_risk_backtest_predictions: ROC AUC and
Brier score of the outcome probability, and the alert threshold on the alert
probability (renewal: probability of NOT renewing; expansion: probability of
expanding) chosen as the lowest threshold whose false-positive rate stays at
or below max_alert_fpr (kpi_parameters), with precision and recall there.
Fewer than min_backtest_tenants predictions or fewer than
min_training_class_count of a class give status insufficient_training_data
and null metrics (the row is still there). Statistics: tenant_kpis.stats.
"""

from __future__ import annotations

import pandas as pd

from tenant_kpis.stats import brier_score, roc_auc, threshold_at_fpr

OUTCOMES = ("renewal", "expansion")
MODELS = (
    ("onboarding_logistic", "probability", "alert_probability"),
    ("baseline_tier_industry", "baseline_probability", "baseline_alert_probability"),
)


def _evaluate(
    outcome: str,
    model_name: str,
    frame: pd.DataFrame,
    probability: str,
    alert_probability: str,
    max_fpr: float,
    min_tenants: int,
    min_class: int,
) -> dict:
    n = len(frame)
    positives = int(frame["is_alert_event"].sum()) if n else 0
    row = {
        "outcome": outcome,
        "model_name": model_name,
        "backtest_tenants": n,
        "alert_events": positives,
        "max_alert_fpr": max_fpr,
        "training_tenants_min": int(frame["training_tenants"].min()) if n else None,
        "training_tenants_median": float(frame["training_tenants"].median()) if n else None,
        "training_tenants_max": int(frame["training_tenants"].max()) if n else None,
        "first_scoring_date": frame["scoring_date"].min() if n else None,
        "last_scoring_date": frame["scoring_date"].max() if n else None,
    }
    if n < min_tenants or positives < min_class or n - positives < min_class:
        row["status"] = "insufficient_training_data"
        return row
    labels = frame["is_outcome"].to_numpy(dtype=bool)
    row["roc_auc"] = roc_auc(labels, frame[probability].to_numpy())
    row["brier_score"] = brier_score(labels, frame[probability].to_numpy())
    alert = threshold_at_fpr(
        frame["is_alert_event"].to_numpy(dtype=bool), frame[alert_probability].to_numpy(), max_fpr
    )
    row.update(
        {
            "alert_threshold": alert.threshold,
            "alerts": alert.alerts,
            "true_positives": alert.true_positives,
            "false_positives": alert.false_positives,
            "precision_at_threshold": alert.precision,
            "recall_at_threshold": alert.recall,
            "false_positive_rate_at_threshold": alert.false_positive_rate,
            "status": "ok",
        }
    )
    return row


def _seed_value(values: dict[str, float], seed: str, name: str) -> float:
    """A named numeric row of a parameter seed, or a clear error naming both."""
    if name not in values:
        raise ValueError(f"seed {seed} has no row '{name}': add it (see seeds/{seed}.csv)")
    return values[name]


def model(dbt, session):
    dbt.config(materialized="table")
    predictions = dbt.ref("int_risk_backtest_predictions").df()
    parameters = dbt.ref("kpi_parameters").df()
    settings_frame = dbt.ref("risk_model_settings").df()
    parameter_values = dict(
        zip(parameters["parameter_name"], parameters["parameter_value"].astype(float), strict=True)
    )
    max_fpr = _seed_value(parameter_values, "kpi_parameters", "max_alert_fpr")
    settings = dict(
        zip(
            settings_frame["setting_name"],
            settings_frame["setting_value"].astype(float),
            strict=True,
        )
    )
    min_tenants = int(_seed_value(settings, "risk_model_settings", "min_backtest_tenants"))
    min_class = int(_seed_value(settings, "risk_model_settings", "min_training_class_count"))

    predictions = predictions.sort_values(["outcome", "tenant_id"], kind="stable")
    rows = []
    for outcome in OUTCOMES:
        frame = predictions[predictions["outcome"] == outcome]
        for model_name, probability, alert_probability in MODELS:
            rows.append(
                _evaluate(
                    outcome,
                    model_name,
                    frame,
                    probability,
                    alert_probability,
                    max_fpr,
                    min_tenants,
                    min_class,
                )
            )
    result = pd.DataFrame(rows).reindex(
        columns=[
            "outcome",
            "model_name",
            "status",
            "backtest_tenants",
            "alert_events",
            "roc_auc",
            "brier_score",
            "max_alert_fpr",
            "alert_threshold",
            "alerts",
            "true_positives",
            "false_positives",
            "precision_at_threshold",
            "recall_at_threshold",
            "false_positive_rate_at_threshold",
            "training_tenants_min",
            "training_tenants_median",
            "training_tenants_max",
            "first_scoring_date",
            "last_scoring_date",
        ]
    )
    for column in ("outcome", "model_name", "status"):
        result[column] = result[column].astype("string")
    for column in (
        "backtest_tenants",
        "alert_events",
        "alerts",
        "true_positives",
        "false_positives",
        "training_tenants_min",
        "training_tenants_max",
    ):
        result[column] = result[column].astype("Int64")
    for column in (
        "roc_auc",
        "brier_score",
        "max_alert_fpr",
        "alert_threshold",
        "precision_at_threshold",
        "recall_at_threshold",
        "false_positive_rate_at_threshold",
        "training_tenants_median",
    ):
        result[column] = result[column].astype("float64")
    for column in ("first_scoring_date", "last_scoring_date"):
        result[column] = pd.to_datetime(result[column])
    return result
