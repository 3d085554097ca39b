"""The brief reads the columns the marts' contracts declare, one name per field.

This repo owns every contract the brief reads, so `brief.marts.FIELDS` maps
each logical field to exactly one column, and that column must be declared in
the model's YAML (the enforced contract) or, for the publication's own
`build_info` table, in `publish.BUILD_INFO_COLUMNS`. A renamed mart column
fails here instead of turning a brief figure into "n/a".
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
import yaml

from tenant_kpis.brief.context import Brief, Scope, load_catalog
from tenant_kpis.brief.marts import FIELDS, Marts
from tenant_kpis.errors import UserError
from tenant_kpis.publish import BUILD_INFO_COLUMNS

PROJECT = Path(__file__).resolve().parents[2]


def _contracted_columns() -> dict[str, list[str]]:
    columns: dict[str, list[str]] = {}
    for path in (PROJECT / "models").rglob("*.yml"):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models") or []:
            columns[model["name"]] = [c["name"] for c in model.get("columns") or []]
    columns["build_info"] = list(BUILD_INFO_COLUMNS)
    return columns


def _uncontracted(fields: dict[str, dict[str, str]]) -> list[str]:
    contracted = _contracted_columns()
    return [
        f"{table}.{column} ({field})"
        for table, mapping in fields.items()
        for field, column in mapping.items()
        if column not in contracted.get(table, [])
    ]


def test_every_field_is_one_contracted_column() -> None:
    assert _uncontracted(FIELDS) == []


def test_a_column_the_contract_does_not_declare_is_reported() -> None:
    broken = {**FIELDS, "fct_kpi_scorecard": {**FIELDS["fct_kpi_scorecard"], "x": "band_low"}}
    assert _uncontracted(broken) == ["fct_kpi_scorecard.band_low (x)"]


def _marts_with_catalog(tmp_path: Path, kpi_name: str, label: str, unit: str = "") -> Path:
    """A publication holding only dim_kpis, with one KPI (no unit column when unit is empty)."""
    import duckdb

    described = (
        f", '{unit}' as unit, 'higher_is_better' as direction, 'd' as definition" if unit else ""
    )
    path = tmp_path / "marts.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute(
            f"create table dim_kpis as select '{kpi_name}' as kpi_name, '{label}' as kpi_label"
            f"{described}"
        )
    return path


def test_unit_and_direction_come_from_dim_kpis_not_from_the_name(tmp_path: Path) -> None:
    # A name ending in _days would have been guessed as days / lower_is_better.
    path = _marts_with_catalog(tmp_path, "odd_name_days", "Odd", unit="rate")
    with Marts(path) as marts:
        info = load_catalog(marts)["odd_name_days"]
    assert (info.label, info.unit, info.direction) == ("Odd", "rate", "higher_is_better")
    assert info.higher_is_better


def test_a_kpi_the_publication_does_not_describe_is_an_error(tmp_path: Path) -> None:
    path = _marts_with_catalog(tmp_path, "nps", "NPS", unit="score")
    with Marts(path) as marts:
        scope = Scope(week=date(2026, 11, 9))
        brief = Brief(marts=marts, scope=scope, build={}, catalog=load_catalog(marts))
        assert brief.kpi("nps").unit == "score"
        with pytest.raises(UserError, match="'cost_per_learner_usd' is not described"):
            brief.kpi("cost_per_learner_usd")


def test_dim_kpis_without_a_unit_column_is_a_clear_error(tmp_path: Path) -> None:
    path = _marts_with_catalog(tmp_path, "nps", "NPS")
    with Marts(path) as marts, pytest.raises(UserError, match="dim_kpis has no column for unit"):
        load_catalog(marts)


@pytest.mark.parametrize(
    ("parameter_name", "default_name"),
    [
        ("alert_owner_capacity", "DEFAULT_CAPACITY"),
        ("alert_consecutive_weeks", "DEFAULT_CONSECUTIVE_WEEKS"),
        ("alert_minimum_units", "DEFAULT_MINIMUM_UNITS"),
        ("early_warning_cohort_weeks", "DEFAULT_EARLY_WARNING_COHORT_WEEKS"),
        ("early_warning_consecutive_weeks", "DEFAULT_EARLY_WARNING_CONSECUTIVE_WEEKS"),
        ("early_warning_minimum_units", "DEFAULT_EARLY_WARNING_MINIMUM_UNITS"),
        ("interval_confidence", "DEFAULT_INTERVAL_CONFIDENCE"),
    ],
)
def test_alert_page_defaults_are_the_seeds_values(parameter_name: str, default_name: str) -> None:
    """The alert page's fallbacks (a publication without dim_kpi_rule_parameters)
    restate seeds/kpi_parameters.csv; a retuned seed must take them along."""
    from tenant_kpis.brief.pages import alerts
    from tenant_kpis.paths import PROJECT_DIR

    with (PROJECT_DIR / "seeds" / "kpi_parameters.csv").open(newline="") as handle:
        seeds = {
            row["parameter_name"]: float(row["parameter_value"]) for row in csv.DictReader(handle)
        }
    assert getattr(alerts, default_name) == seeds[parameter_name]
