"""Named numeric rows of a parameter seed (kpi_parameters, risk_model_settings)."""

from __future__ import annotations

import pandas as pd


def seed_values(frame: pd.DataFrame, name_column: str, value_column: str) -> dict[str, float]:
    """The seed's rows as {name: value}."""
    return dict(zip(frame[name_column], frame[value_column].astype(float), strict=True))


def seed_value(values: dict[str, float], seed: str, name: str) -> float:
    """A named row of a parameter seed, or a clear error naming both."""
    if name not in values:
        raise ValueError(f"seed {seed} has no row '{name}': add it (see seeds/{seed}.csv)")
    return values[name]
