"""The Python steps' declarations hold together."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from tenant_kpis.engines.warehouse import OutputTable
from tenant_kpis.python_steps import STEPS, PythonStep

TABLE = OutputTable(name="step_output", columns=(("value", "double"),))


@pytest.mark.parametrize(
    ("reuse", "message"),
    [
        # one without the others would never reuse, or never write the kept table
        ({"kept": TABLE}, "set all of kept, compute_reusing and reuse_key"),
        ({"compute_reusing": print}, "set all of kept, compute_reusing and reuse_key"),
        (
            {"kept": TABLE, "compute_reusing": print},
            "set all of kept, compute_reusing and reuse_key",
        ),
        (
            {"kept": TABLE, "compute_reusing": print, "reuse_key": ("missing",)},
            r"reuse_key \('missing',\) not in output",
        ),
    ],
)
def test_a_step_keeping_a_table_needs_its_reusing_function_and_key(
    reuse: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        PythonStep(name="half", inputs=(), compute=pd.DataFrame, output=TABLE, **reuse)


def test_the_risk_step_keeps_its_input_digests() -> None:
    risk = next(step for step in STEPS if step.name == "risk_scoring")
    assert risk.kept is not None and risk.kept.name == "risk_scoring_input_digests"
