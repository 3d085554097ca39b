"""Back-test metrics of a probabilistic classifier (pure numpy)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats


def _check(y: np.ndarray, p: np.ndarray) -> None:
    if y.shape != p.shape:
        raise ValueError("labels and probabilities must have the same length")
    if len(y) == 0:
        raise ValueError("no predictions")


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    """ROC AUC as the Mann-Whitney probability that a positive outscores a
    negative (ties count one half). None when a class is absent."""
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=float)
    _check(y, s)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = stats.rankdata(s)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def brier_score(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """Mean squared difference between the probability and the 0/1 outcome."""
    y = np.asarray(labels, dtype=float)
    p = np.asarray(probabilities, dtype=float)
    _check(y, p)
    return float(np.mean((p - y) ** 2))


def calibration_by_decile(labels: np.ndarray, probabilities: np.ndarray) -> pd.DataFrame:
    """Predictions sorted by probability (ties broken by input order) and cut
    into ten groups of near-equal size: decile (1 = lowest), predictions,
    mean predicted probability, observed rate. Fewer than ten predictions
    give fewer groups."""
    y = np.asarray(labels, dtype=float)
    p = np.asarray(probabilities, dtype=float)
    _check(y, p)
    order = np.argsort(p, kind="stable")
    groups = np.array_split(order, min(10, len(p)))
    rows = [
        {
            "decile": i + 1,
            "predictions": len(g),
            "mean_predicted": float(p[g].mean()),
            "observed_rate": float(y[g].mean()),
        }
        for i, g in enumerate(groups)
    ]
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class AlertThreshold:
    """Alert when probability >= threshold; its confusion counts and rates."""

    threshold: float | None
    alerts: int
    true_positives: int
    false_positives: int
    precision: float | None
    recall: float | None
    false_positive_rate: float | None


def threshold_at_fpr(
    labels: np.ndarray, probabilities: np.ndarray, max_fpr: float
) -> AlertThreshold:
    """The lowest threshold (most alerts, best recall) among the predicted
    probabilities whose false-positive rate stays at or below max_fpr. Alert =
    probability >= threshold; positives are the event alerted on. When no
    threshold qualifies, nothing is alerted (threshold None)."""
    y = np.asarray(labels, dtype=bool)
    p = np.asarray(probabilities, dtype=float)
    _check(y, p)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    best = AlertThreshold(None, 0, 0, 0, None, 0.0 if n_pos else None, 0.0 if n_neg else None)
    for t in np.unique(p)[::-1]:
        alert = p >= t
        fp = int((alert & ~y).sum())
        fpr = fp / n_neg if n_neg else 0.0
        if fpr > max_fpr:
            break
        tp = int((alert & y).sum())
        best = AlertThreshold(
            threshold=float(t),
            alerts=int(alert.sum()),
            true_positives=tp,
            false_positives=fp,
            precision=tp / int(alert.sum()),
            recall=tp / n_pos if n_pos else None,
            false_positive_rate=fpr if n_neg else None,
        )
    return best
