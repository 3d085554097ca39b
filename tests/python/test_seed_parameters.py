"""The Python steps read parameter seeds through one helper that names a missing row."""

from __future__ import annotations

import pandas as pd
import pytest

from tenant_kpis.python_steps.seed_parameters import seed_value, seed_values


def test_a_named_row_reads_as_a_float() -> None:
    frame = pd.DataFrame({"setting_name": ["random_state"], "setting_value": ["7"]})
    values = seed_values(frame, "setting_name", "setting_value")
    assert seed_value(values, "risk_model_settings", "random_state") == 7.0


def test_a_missing_row_names_the_seed_and_the_row() -> None:
    with pytest.raises(ValueError, match=r"seed kpi_parameters has no row 'min_effect'"):
        seed_value({}, "kpi_parameters", "min_effect")
