"""`kpi_parameter` fails, naming the parameter, when the seed lacks it.

The scalar subquery is taken from a model dbt compiled in the shared build
(the macro exactly as it runs) and pointed at another parameter name: one
the seed holds reads its value, one it does not hold raises a conversion
error whose message names it (the old macro returned null, so a KPI read
with a misspelt parameter silently became null).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from dbt_project import BuiltProject

CALL = re.compile(
    r"\(\s*select\s+case\s+when count\(\*\) = 1 .*?kpi_parameters\([a-z0-9_]+\): the seed has .*?"
    r"where parameter_name = '([a-z0-9_]+)'\s*\)",
    re.DOTALL,
)


def _compiled_parameter_subquery(shared_build: BuiltProject) -> tuple[str, str]:
    """(subquery, parameter name) of the first kpi_parameter call in a compiled model."""
    compiled = shared_build.target_dir / "compiled"
    # the KPI families read kpi_parameters only (no risk_model_settings call to skip)
    for path in sorted(compiled.rglob("int_kpi_*_computed.sql")):
        call = CALL.search(path.read_text())
        if call:
            return call.group(0), call.group(1)
    raise AssertionError(f"no compiled kpi_parameter call under {compiled}")


def _read(database: Path, subquery: str) -> object:
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.execute(f"select {subquery}").fetchone()[0]


def test_a_parameter_in_the_seed_reads_its_value(shared_build: BuiltProject) -> None:
    subquery, name = _compiled_parameter_subquery(shared_build)
    expected = shared_build.query(
        f"select parameter_value from seeds.kpi_parameters where parameter_name = '{name}'"
    )
    assert _read(shared_build.database, subquery) == float(expected.iloc[0, 0])


def test_a_missing_parameter_fails_with_its_name(shared_build: BuiltProject) -> None:
    subquery, name = _compiled_parameter_subquery(shared_build)
    missing = subquery.replace(name, "no_such_parameter")
    with pytest.raises(duckdb.ConversionException) as raised:
        _read(shared_build.database, missing)
    assert "kpi_parameters(no_such_parameter): the seed has 0 rows named no_such_parameter" in str(
        raised.value
    )
