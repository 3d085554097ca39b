"""Python step `risk_scoring`: renewal and expansion probabilities per live
tenant and scoring week (read by the dbt model int_tenant_risk_scored).

For every scoring date (int_risk_scoring_dates) and outcome, two logistic
regressions are fitted on that date's point-in-time training set
(int_risk_training_examples: features complete and outcome known on or before
the scoring date) and score the tenants live that week whose onboarding
features are complete (int_risk_scoring_population):

- onboarding_logistic: the first-30-day onboarding features of seed
  risk_model_features (is_used = 1), standardised, industry and plan tier
  one-hot encoded, L2-regularised (C = regularization_c);
- baseline_tier_industry: plan tier and industry only (the comparison model).

Below min_training_tenants known outcomes (or min_training_class_count of a
class) the tenant is not scored and model_status says
insufficient_training_data; the build still succeeds. Drivers: contribution
of each feature = coefficient x standardised value (one-hot columns of a
category summed); renewal drivers are the three contributions pulling the
renewal probability down most, expansion drivers the three pushing the
expansion probability up most, in the words of seed risk_model_features.

Deterministic: inputs are sorted, the lbfgs solver is deterministic and
random_state is fixed. A training set identical to the previous date's
reuses the fitted model.

Weekly runs re-score only what changed (score_risk_reusing): every scoring
date and outcome gets a digest of everything its rows are computed from
(the training and scored tenants' design rows and outcomes, their
categories, the settings and phrases, this module's code and the numeric
libraries' versions); a date whose digest equals the one the previous run
stored keeps the previous run's rows, which the same inputs would give
again: they stay in the warehouse, neither read nor written again
(warehouse.replace_tables, `retained`). A new week adds one scoring date; a
late event changes the dates whose tenants it touches. The features_pending
rows are always recomputed. Without a previous run (a first build or a full
refresh) every date is scored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from tenant_kpis.python_steps.seed_parameters import seed_value, seed_values

CATEGORICAL = ("industry", "plan_tier")
OUTCOMES = ("renewal", "expansion")
COLUMNS = [
    "scoring_week_start",
    "scoring_date",
    "tenant_id",
    "outcome",
    "model_status",
    "probability",
    "baseline_probability",
    "alert_probability",
    "baseline_alert_probability",
    "training_tenants",
    "training_outcomes",
    "driver_1",
    "driver_2",
    "driver_3",
]


def _design(features: pd.DataFrame, numeric: list[str], categorical: list[str]):
    """Numeric columns (booleans as 0/1, nulls as 0) and one-hot categories, and
    for each column the feature group it belongs to."""
    parts, groups = [], []
    for name in numeric:
        parts.append(
            pd.to_numeric(features[name].astype("float64"), errors="coerce")
            .fillna(0.0)
            .to_numpy(dtype=float)
        )
        groups.append(name)
    for name in categorical:
        values = features[name].fillna("unknown").astype(str)
        for level in sorted(values.unique()):
            parts.append((values == level).to_numpy(dtype=float))
            groups.append(name)
    matrix = np.column_stack(parts) if parts else np.zeros((len(features), 0))
    return matrix, groups


class _Fitted:
    def __init__(self, x: np.ndarray, y: np.ndarray, c: float, random_state: int):
        self.scaler = StandardScaler().fit(x)
        self.model = LogisticRegression(
            C=c, solver="newton-cholesky", max_iter=200, random_state=random_state
        )
        self.model.fit(self.scaler.transform(x), y)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.model.predict_proba(self.scaler.transform(x))[:, 1]

    def contributions(self, x: np.ndarray) -> np.ndarray:
        return self.scaler.transform(x) * self.model.coef_[0]


def _driver_texts(
    contrib: np.ndarray,
    z: np.ndarray,
    groups: list[str],
    raw: pd.DataFrame,
    phrases: pd.DataFrame,
    sign: float,
) -> list[list[str | None]]:
    """Top three feature groups by sign x contribution (> 0 only), in words."""
    names = list(dict.fromkeys(groups))
    index = {g: i for i, g in enumerate(names)}
    member = np.zeros((len(groups), len(names)))
    for column, group in enumerate(groups):
        member[column, index[group]] = 1.0
    grouped = sign * (contrib @ member)
    direction = z @ member
    order = np.argsort(-grouped, axis=1, kind="stable")[:, :3]
    low = [str(phrases.at[name, "low_phrase"]) for name in names]
    high = [str(phrases.at[name, "high_phrase"]) for name in names]
    values = {
        name: raw[name].fillna("unknown").astype(str).tolist()
        for name in names
        if name in CATEGORICAL
    }
    positive = np.take_along_axis(grouped, order, axis=1) > 0
    below = np.take_along_axis(direction, order, axis=1) < 0
    texts = []
    for row, (groups_of_row, keep, is_low) in enumerate(
        zip(order.tolist(), positive.tolist(), below.tolist(), strict=True)
    ):
        words: list[str | None] = []
        for g, use, lower in zip(groups_of_row, keep, is_low, strict=True):
            if not use:
                words.append(None)
            elif names[g] in values:
                words.append(f"{low[g]} {values[names[g]][row]}")
            else:
                words.append(low[g] if lower else high[g])
        texts.append([*words, None, None, None][:3])
    return texts


DIGEST_COLUMNS = ["outcome", "scoring_date", "input_digest"]


#: A group of output rows kept or recomputed together (PythonStep.reuse_key).
GROUP_COLUMNS = ["outcome", "scoring_date", "model_status"]


@dataclass(frozen=True)
class PreviousRun:
    """What the previous run left: the groups its output holds (GROUP_COLUMNS,
    distinct) and its digests (DIGEST_COLUMNS)."""

    groups: pd.DataFrame
    digests: pd.DataFrame


def _digest(*parts: object) -> str:
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, np.ndarray) and part.dtype == object:
            raise TypeError("an object array's bytes are pointers: digest its tolist()")
        if isinstance(part, np.ndarray):
            # dtype and shape too: ["abcd"] and ["ab", "cd"] have the same bytes
            data = repr((part.dtype.str, part.shape)).encode() + part.tobytes()
        else:
            data = repr(part).encode()
        # the length first: two different part lists never hash the same bytes
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


def _day_numbers(days: pd.Series) -> np.ndarray:
    """Days as int64 nanoseconds since the epoch, whatever unit the driver returned."""
    return pd.to_datetime(days).to_numpy(dtype="datetime64[ns]").view("int64")


def _previous_groups(previous: PreviousRun | None) -> tuple[dict, dict]:
    """The previous run's digests, and the model_status of its stored rows,
    by (outcome, scoring date) (features_pending rows are never kept)."""
    if previous is None or previous.digests.empty:
        return {}, {}
    digests = {
        (outcome, pd.Timestamp(day)): value
        for outcome, day, value in previous.digests[DIGEST_COLUMNS].itertuples(index=False)
    }
    groups = previous.groups[previous.groups["model_status"] != "features_pending"]
    statuses = {
        (outcome, pd.Timestamp(day)): status
        for outcome, day, status in groups[GROUP_COLUMNS].itertuples(index=False)
    }
    return digests, statuses


def score_risk(
    population: pd.DataFrame,
    training: pd.DataFrame,
    features: pd.DataFrame,
    settings_frame: pd.DataFrame,
    feature_seed: pd.DataFrame,
) -> pd.DataFrame:
    """One row per scoring date, live tenant and outcome (columns: COLUMNS).

    Inputs are the dbt relations int_risk_scoring_population,
    int_risk_training_examples, int_tenant_onboarding_features and the seeds
    risk_model_settings and risk_model_features.
    """
    scores, _, _ = score_risk_reusing(
        population, training, features, settings_frame, feature_seed, previous=None
    )
    return scores


def score_risk_reusing(
    population: pd.DataFrame,
    training: pd.DataFrame,
    features: pd.DataFrame,
    settings_frame: pd.DataFrame,
    feature_seed: pd.DataFrame,
    previous: PreviousRun | None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """score_risk's rows of every scoring date and outcome whose inputs changed
    since the previous run (all of them without one); the digests
    (DIGEST_COLUMNS) the next run compares with; and the groups
    (GROUP_COLUMNS) whose stored rows stay, None without a previous run.
    The stored rows kept plus the rows returned are score_risk's rows."""
    population = population.copy()
    population["has_features"] = population["has_features"].astype(bool)

    settings = seed_values(settings_frame, "setting_name", "setting_value")
    min_tenants = int(seed_value(settings, "risk_model_settings", "min_training_tenants"))
    min_class = int(seed_value(settings, "risk_model_settings", "min_training_class_count"))
    c_value = float(seed_value(settings, "risk_model_settings", "regularization_c"))
    random_state = int(seed_value(settings, "risk_model_settings", "random_state"))

    phrases = feature_seed.set_index("feature_name")
    used = sorted(feature_seed.loc[feature_seed["is_used"] == 1, "feature_name"])
    unknown = [f for f in used if f not in features.columns]
    if unknown:
        raise ValueError(
            f"seed risk_model_features lists {unknown}, which are not columns of "
            "int_tenant_onboarding_features: fix the feature_name or set is_used = 0"
        )
    numeric = [f for f in used if f not in CATEGORICAL]
    categorical = [f for f in used if f in CATEGORICAL]

    features = features.sort_values("tenant_id", kind="stable").reset_index(drop=True)
    feature_rows = pd.Index(features["tenant_id"])

    def rows_of(tenant_ids: pd.Series) -> np.ndarray:
        # one index for every date (perf: Series.map(dict) rebuilt it 750 times)
        positions = feature_rows.get_indexer(tenant_ids)
        if (positions < 0).any():
            missing = tenant_ids[positions < 0].iloc[0]
            raise ValueError(f"tenant {missing} has no row in int_tenant_onboarding_features")
        return positions

    x_full, groups = _design(features, numeric, categorical)
    x_base, _ = _design(features, [], list(CATEGORICAL))

    pending = population[~population["has_features"]]
    population = population[population["has_features"]].sort_values(
        ["scoring_date", "tenant_id"], kind="stable"
    )
    training = training.sort_values(["outcome", "scoring_date", "tenant_id"], kind="stable")

    stored_digests, stored_statuses = _previous_groups(previous)
    kept_groups = []
    shared = _digest(
        Path(__file__).read_bytes(),
        sklearn.__version__,
        np.__version__,
        pd.__version__,
        (min_tenants, min_class, c_value, random_state),
        numeric,
        categorical,
        groups,
        phrases.to_dict(),
    )
    # digested as fixed-width text and int64 arrays, not as Python lists: the
    # lists' repr took a fifth of the step on the 2,000-tenant weekly run
    category_values = features[list(CATEGORICAL)].fillna("unknown").to_numpy(dtype=str)
    digests = []
    frames = []
    for outcome in OUTCOMES:
        train_outcome = training[training["outcome"] == outcome]
        train_by_date = {d: g for d, g in train_outcome.groupby("scoring_date", sort=True)}
        cache_key, fitted = None, None
        for scoring_date, scored in population.groupby("scoring_date", sort=True):
            train = train_by_date.get(scoring_date)
            rows = rows_of(scored["tenant_id"])
            train_rows = np.zeros(0, dtype=int) if train is None else rows_of(train["tenant_id"])
            digest = _digest(
                shared,
                outcome,
                str(scoring_date),
                scored["tenant_id"].to_numpy(dtype=str),
                _day_numbers(scored["scoring_week_start"]),
                x_full[rows],
                x_base[rows],
                category_values[rows],
                np.zeros(0, dtype=str) if train is None else train["tenant_id"].to_numpy(dtype=str),
                np.zeros(0) if train is None else train["is_outcome"].to_numpy(dtype=int),
                x_full[train_rows],
                x_base[train_rows],
            )
            key_of_date = (outcome, pd.Timestamp(scoring_date))
            digests.append((outcome, scoring_date, digest))
            if stored_digests.get(key_of_date) == digest and key_of_date in stored_statuses:
                kept_groups.append((outcome, scoring_date, stored_statuses[key_of_date]))
                continue
            frame = pd.DataFrame(
                {
                    "scoring_week_start": scored["scoring_week_start"].to_numpy(),
                    "scoring_date": scored["scoring_date"].to_numpy(),
                    "tenant_id": scored["tenant_id"].to_numpy(),
                    "outcome": outcome,
                }
            )
            n_train = 0 if train is None else len(train)
            n_pos = 0 if train is None else int(train["is_outcome"].sum())
            frame["training_tenants"] = n_train
            frame["training_outcomes"] = n_pos
            if n_train < min_tenants or n_pos < min_class or n_train - n_pos < min_class:
                frame["model_status"] = "insufficient_training_data"
                frames.append(frame)
                continue
            key = tuple(train["tenant_id"])
            if key != cache_key:
                y = train["is_outcome"].to_numpy(dtype=int)
                fitted = (
                    _Fitted(x_full[train_rows], y, c_value, random_state),
                    _Fitted(x_base[train_rows], y, c_value, random_state),
                )
                cache_key = key
            full, base = fitted
            frame["model_status"] = "scored"
            frame["probability"] = full.predict(x_full[rows])
            frame["baseline_probability"] = base.predict(x_base[rows])
            contrib = full.contributions(x_full[rows])
            z = full.scaler.transform(x_full[rows])
            sign = -1.0 if outcome == "renewal" else 1.0
            texts = _driver_texts(contrib, z, groups, features.iloc[rows], phrases, sign)
            frame[["driver_1", "driver_2", "driver_3"]] = pd.DataFrame(texts, index=frame.index)
            frames.append(frame)
        if len(pending):
            frames.append(
                pd.DataFrame(
                    {
                        "scoring_week_start": pending["scoring_week_start"].to_numpy(),
                        "scoring_date": pending["scoring_date"].to_numpy(),
                        "tenant_id": pending["tenant_id"].to_numpy(),
                        "outcome": outcome,
                        "model_status": "features_pending",
                    }
                )
            )

    result = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    result = result.reindex(columns=COLUMNS)
    renewal = result["outcome"] == "renewal"
    result["alert_probability"] = np.where(
        renewal, 1 - result["probability"], result["probability"]
    )
    result["baseline_alert_probability"] = np.where(
        renewal, 1 - result["baseline_probability"], result["baseline_probability"]
    )
    for column in (
        "probability",
        "baseline_probability",
        "alert_probability",
        "baseline_alert_probability",
    ):
        result[column] = result[column].astype("float64")
    for column in ("training_tenants", "training_outcomes"):
        result[column] = result[column].astype("Int64")
    for column in ("tenant_id", "outcome", "model_status", "driver_1", "driver_2", "driver_3"):
        result[column] = result[column].astype("string")
    for column in ("scoring_week_start", "scoring_date"):
        # one unit whatever the inputs or the reused rows came in
        result[column] = pd.to_datetime(result[column]).astype("datetime64[ns]")
    result = result.sort_values(
        ["scoring_date", "outcome", "tenant_id"], kind="stable"
    ).reset_index(drop=True)
    digest_frame = pd.DataFrame(digests, columns=DIGEST_COLUMNS)
    digest_frame["scoring_date"] = pd.to_datetime(digest_frame["scoring_date"])
    if previous is None:
        return result, digest_frame, None
    kept = pd.DataFrame(kept_groups, columns=GROUP_COLUMNS)
    kept["scoring_date"] = pd.to_datetime(kept["scoring_date"])
    return result, digest_frame, kept
