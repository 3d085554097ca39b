"""The project's own generic tests and contract constraints fail on bad rows.

Each check takes the SQL dbt compiled for a real test of the shared build,
points it at a copy of the tested relation with hand-made defects, and
expects exactly the defective rows back. A generic test that cannot fail
would pass here on the clean copy too, so both directions are asserted.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from dbt_project import BuiltProject


def _compiled_test_sql(shared_build: BuiltProject, test_name: str, model: str) -> str:
    """The SQL dbt compiled for the `test_name` generic test attached to `model`."""
    manifest = json.loads((shared_build.target_dir / "manifest.json").read_text())
    paths = [
        node["compiled_path"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and (node.get("test_metadata") or {}).get("name") == test_name
        and node.get("attached_node") == f"model.tenant_kpis.{model}"
    ]
    assert len(paths) == 1, f"expected one {test_name} test on {model}, found {paths}"
    return (shared_build.target_dir.parent / paths[0]).read_text()


def _relation_of(sql: str) -> str:
    match = re.search(r'from ("[^"]+"\."[^"]+"\."[^"]+")', sql)
    assert match, sql
    return match.group(1)


@pytest.fixture()
def warehouse_copy(shared_build: BuiltProject, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    # same file name: DuckDB views embed the catalog name, which is the file stem
    copy = tmp_path / shared_build.database.name
    shutil.copy(shared_build.database, copy)
    with duckdb.connect(str(copy)) as connection:
        yield connection


def test_not_null_columns_returns_each_row_with_a_null_and_names_the_columns(
    shared_build: BuiltProject, warehouse_copy: duckdb.DuckDBPyConnection
) -> None:
    sql = _compiled_test_sql(shared_build, "not_null_columns", "int_user_days_aggregated")
    relation = _relation_of(sql)
    warehouse_copy.execute(
        f"create temp table probe as "
        f"select * from {relation} order by user_id, activity_date limit 4"
    )
    clean = warehouse_copy.execute(sql.replace(relation, "probe")).fetchall()
    assert clean == []

    warehouse_copy.execute(
        "update probe set tenant_id = null "
        "where (user_id, activity_date) = (select (user_id, activity_date) from probe "
        "order by user_id, activity_date limit 1)"
    )
    warehouse_copy.execute(
        "update probe set activity_date = null, last_received_at = null "
        "where (user_id, activity_date) = (select (user_id, activity_date) from probe "
        "order by user_id desc, activity_date desc limit 1)"
    )
    failing = warehouse_copy.execute(
        f"select null_columns from ({sql.replace(relation, 'probe')}) order by 1"
    ).fetchall()
    assert failing == [("activity_date, last_received_at",), ("tenant_id",)]


def test_contract_not_null_constraint_rejects_a_null_key(
    warehouse_copy: duckdb.DuckDBPyConnection,
) -> None:
    # public marts declare not_null in their enforced contract instead of a test
    with pytest.raises(duckdb.ConstraintException, match="kpi_name"):
        warehouse_copy.execute(
            "insert into main.fct_kpi_weekly (week_start, kpi_name, segment_type, segment_value) "
            "values (date '2024-01-01', null, 'all', 'all')"
        )


def _compiled_instance_sql(shared_build: BuiltProject, test_name: str, model: str, **kwargs) -> str:
    """The SQL of the one `test_name` test on `model` whose arguments include `kwargs`.

    Its path is built from the node (the manifest of the second dbt phase of
    `tenant-kpis build` leaves `compiled_path` empty for what it did not run)."""
    manifest = json.loads((shared_build.target_dir / "manifest.json").read_text())
    compiled = shared_build.target_dir / "compiled" / "tenant_kpis"
    paths = [
        compiled / node["original_file_path"] / f"{node['alias']}.sql"
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and (node.get("test_metadata") or {}).get("name") == test_name
        and node.get("attached_node") in (f"model.tenant_kpis.{model}", f"seed.tenant_kpis.{model}")
        and kwargs.items() <= (node["test_metadata"].get("kwargs") or {}).items()
    ]
    assert len(paths) == 1, f"expected one {test_name} test on {model} with {kwargs}: {paths}"
    return paths[0].read_text()


ONE_ROW = "rowid = (select min(rowid) from probe where {})"

# (generic test, model, arguments that pick one instance, defect made in a copy of
# the model's rows). Every generic test of macros/ is here, except not_null_columns
# (above): each passes on the built rows and fails on the defect. The tests folding
# several columns also name what failed (below).
DEFECTS = [
    (
        "accepted_range",
        "stg_support__tickets",
        {"column_name": "ticket_tier"},
        "update probe set ticket_tier = 4 where " + ONE_ROW.format("true"),
    ),
    (
        "accepted_ranges",
        "int_user_weeks_aggregated",
        {},
        "update probe set active_days = 8 where " + ONE_ROW.format("true"),
    ),
    (
        "accepted_values_columns",
        "fct_kpi_scorecard",
        {},
        "update probe set change_vs_4_weeks_direction = 'sideways' where " + ONE_ROW.format("true"),
    ),
    (
        "rate_between_zero_and_one",
        "fct_feature_adoption_weekly",
        {"column_name": "feature_adoption_rate"},
        "update probe set feature_adoption_rate = 1.5 where "
        + ONE_ROW.format("feature_adoption_rate is not null"),
    ),
    (
        "numerator_le_denominator",
        "int_kpi_onboarding_computed",
        {},
        "update probe set numerator = denominator + 1 where "
        + ONE_ROW.format("numerator is not null and denominator is not null"),
    ),
    (
        "unique_combination_of_columns",
        "int_kpi_onboarding_computed",
        {},
        "insert into probe select * from probe where " + ONE_ROW.format("true"),
    ),
    (
        "expression_is_true",
        "int_kpi_autonomy_cost_computed",
        {"expression": "value >= 0"},
        "update probe set value = -1 where " + ONE_ROW.format("value is not null"),
    ),
    (
        "null_when",
        "int_users_lifecycle",
        {"column_name": "is_activated_within_14d"},
        "update probe set is_activated_within_14d = true where "
        + ONE_ROW.format("days_observed < 14"),
    ),
    (
        "not_null_where",
        "fct_tenant_onboarding",
        {"column_name": "is_activated_within_90d"},
        "update probe set is_activated_within_90d = null where "
        + ONE_ROW.format("days_observed >= 90"),
    ),
    (
        "relationships_where",
        "fct_kpi_weekly",
        {"column_name": "kpi_name"},
        "update probe set kpi_name = 'no_such_kpi' where " + ONE_ROW.format("true"),
    ),
    (
        "equal_row_count",
        "fct_kpi_scorecard",
        {},
        "delete from probe where " + ONE_ROW.format("true"),
    ),
    (
        "accepted_values_from_seed",
        "stg_app__tenants",
        {"column_name": "industry"},
        "update probe set industry = 'mining' where " + ONE_ROW.format("true"),
    ),
    (
        "column_not_after",
        "int_risk_training_examples",
        {"column_name": "outcome_known_date"},
        "update probe set outcome_known_date = scoring_date + 1 where "
        + ONE_ROW.format("scoring_date is not null"),
    ),
    (
        "health_weights_sum_to_one",
        "health_score_weights",
        {},
        "update probe set weight = weight + 0.1 where " + ONE_ROW.format("true"),
    ),
]


@pytest.mark.parametrize(
    ("test_name", "model", "arguments", "defect"), DEFECTS, ids=[d[0] for d in DEFECTS]
)
def test_each_generic_test_fails_on_a_defect(
    shared_build: BuiltProject,
    warehouse_copy: duckdb.DuckDBPyConnection,
    test_name: str,
    model: str,
    arguments: dict[str, str],
    defect: str,
) -> None:
    sql = _compiled_instance_sql(shared_build, test_name, model, **arguments)
    relation = _relation_of(sql)
    warehouse_copy.execute(f"create temp table probe as select * from {relation}")
    on_probe = sql.replace(relation, "probe")
    assert warehouse_copy.execute(on_probe).fetchall() == []
    warehouse_copy.execute(defect)
    assert warehouse_copy.execute(on_probe).fetchall() != []


def _probe(shared_build: BuiltProject, connection, test_name: str, model: str) -> str:
    """A copy of the tested rows as `probe`; the test's SQL pointed at it."""
    sql = _compiled_instance_sql(shared_build, test_name, model)
    relation = _relation_of(sql)
    connection.execute(f"create temp table probe as select * from {relation}")
    on_probe = sql.replace(relation, "probe")
    assert connection.execute(on_probe).fetchall() == []
    return on_probe


def test_accepted_ranges_names_each_column_and_value_out_of_its_range(
    shared_build: BuiltProject, warehouse_copy: duckdb.DuckDBPyConnection
) -> None:
    on_probe = _probe(shared_build, warehouse_copy, "accepted_ranges", "int_user_weeks_aggregated")
    warehouse_copy.execute(
        "update probe set active_days = 8, usage_streak_weeks = 0 where " + ONE_ROW.format("true")
    )
    warehouse_copy.execute(
        "update probe set usage_streak_weeks = 0 where rowid = (select max(rowid) from probe)"
    )
    failing = warehouse_copy.execute(f"select out_of_range_values from ({on_probe}) order by 1")
    assert failing.fetchall() == [
        ("active_days = 8, usage_streak_weeks = 0",),
        ("usage_streak_weeks = 0",),
    ]


def test_accepted_ranges_applies_each_range_to_the_rows_of_its_where(
    shared_build: BuiltProject, warehouse_copy: duckdb.DuckDBPyConnection
) -> None:
    # int_kpi_engagement_computed: value in [1, 7] for repeat_usage_days_per_week only
    on_probe = _probe(
        shared_build, warehouse_copy, "accepted_ranges", "int_kpi_engagement_computed"
    )
    warehouse_copy.execute(
        "update probe set value = 8 where "
        + ONE_ROW.format("kpi_name = 'repeat_usage_days_per_week' and value is not null")
    )
    warehouse_copy.execute(
        "update probe set value = 50 where "
        + ONE_ROW.format("kpi_name = 'nps' and value is not null")
    )
    failing = warehouse_copy.execute(f"select out_of_range_values, kpi_name from ({on_probe})")
    assert failing.fetchall() == [("value = 8.0", "repeat_usage_days_per_week")]


def test_accepted_values_columns_counts_each_unexpected_combination(
    shared_build: BuiltProject, warehouse_copy: duckdb.DuckDBPyConnection
) -> None:
    on_probe = _probe(shared_build, warehouse_copy, "accepted_values_columns", "fct_kpi_scorecard")
    warehouse_copy.execute(
        "update probe set direction = 'sideways', status = 'unknown' where "
        "rowid in (select rowid from probe order by rowid limit 2)"
    )
    warehouse_copy.execute(
        "update probe set status = 'unknown' where rowid = (select max(rowid) from probe)"
    )
    # a null is not an unexpected value, as in dbt's accepted_values
    warehouse_copy.execute(
        "update probe set change_vs_prior_week_direction = null "
        "where rowid = (select max(rowid) - 1 from probe)"
    )
    failing = warehouse_copy.execute(f"select * from ({on_probe}) order by 1")
    assert failing.fetchall() == [
        ("direction = sideways, status = unknown", 2),
        ("status = unknown", 1),
    ]
