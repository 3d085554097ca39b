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


def _on_clean_probe(
    shared_build: BuiltProject,
    connection: duckdb.DuckDBPyConnection,
    test_name: str,
    model: str,
    **arguments: str,
) -> str:
    """The test's SQL on `probe`, a copy of the tested rows, where it passes."""
    sql = _compiled_instance_sql(shared_build, test_name, model, **arguments)
    relation = _relation_of(sql)
    connection.execute(f"create temp table probe as select * from {relation}")
    on_probe = sql.replace(relation, "probe")
    assert connection.execute(on_probe).fetchall() == []
    return on_probe


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
        "base_app__users",
        {"column_name": "row_payload"},
        "update probe set row_payload = '{}' where " + ONE_ROW.format("quarantine_reason is null"),
    ),
    (
        "null_when_columns",
        "int_users_lifecycle",
        {},
        "update probe set is_activated_within_14d = true where "
        + ONE_ROW.format("days_observed < 14"),
    ),
    (
        "numerators_le_denominators",
        "fct_user_onboarding",
        {},
        "update probe set tasks_completed = tasks_attempted + 1 where "
        + ONE_ROW.format("tasks_attempted is not null"),
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
    on_probe = _on_clean_probe(shared_build, warehouse_copy, test_name, model, **arguments)
    warehouse_copy.execute(defect)
    assert warehouse_copy.execute(on_probe).fetchall() != []


# (folded test, model, defects made in a copy of its rows, what to select from its
# failing rows, the rows expected): a failing row names each column and value.
NAMED_FAILURES = [
    (
        "accepted_ranges",
        "int_user_weeks_aggregated",
        [
            "update probe set active_days = 8, usage_streak_weeks = 0 where "
            + ONE_ROW.format("true"),
            "update probe set usage_streak_weeks = 0 where rowid = (select max(rowid) from probe)",
        ],
        "out_of_range_values",
        [("active_days = 8, usage_streak_weeks = 0",), ("usage_streak_weeks = 0",)],
    ),
    (
        # value in [1, 7] for repeat_usage_days_per_week only (each range's own where)
        "accepted_ranges",
        "int_kpi_engagement_computed",
        [
            "update probe set value = 8 where "
            + ONE_ROW.format("kpi_name = 'repeat_usage_days_per_week' and value is not null"),
            "update probe set value = 50 where "
            + ONE_ROW.format("kpi_name = 'nps' and value is not null"),
        ],
        "out_of_range_values, kpi_name",
        [("value = 8.0", "repeat_usage_days_per_week")],
    ),
    (
        "accepted_values_columns",
        "fct_kpi_scorecard",
        [
            "update probe set direction = 'sideways', status = 'unknown' "
            "where rowid in (select rowid from probe order by rowid limit 2)",
            "update probe set status = 'unknown' where rowid = (select max(rowid) from probe)",
            # a null is no unexpected value, as in dbt's accepted_values
            "update probe set change_vs_prior_week_direction = null "
            "where rowid = (select max(rowid) - 1 from probe)",
        ],
        "*",
        [("direction = sideways, status = unknown", 2), ("status = unknown", 1)],
    ),
    (
        # a tenant observed 10 days: its 90- and 180-day outcomes must still be null
        "null_when_columns",
        "fct_tenant_onboarding",
        [
            "update probe set days_observed = 10, is_activated_within_90d = false, "
            "is_certified_within_target = null, is_expanded = true, expanded_at = null where "
            + ONE_ROW.format("true")
        ],
        "unexpected_values",
        [("is_activated_within_90d = false, is_expanded = true",)],
    ),
    (
        "numerators_le_denominators",
        "fct_retention_cohorts",
        [
            "update probe set retained_users = 7, retained_users_unbounded = 6, "
            "cohort_users = 5 where " + ONE_ROW.format("true")
        ],
        "numerators_above_denominators",
        [
            (
                "retained_users = 7 > retained_users_unbounded = 6, "
                "retained_users_unbounded = 6 > cohort_users = 5",
            )
        ],
    ),
]


@pytest.mark.parametrize(
    ("test_name", "model", "defects", "selected", "expected"),
    NAMED_FAILURES,
    ids=[f"{n[0]}-{n[1]}" for n in NAMED_FAILURES],
)
def test_a_folded_test_names_each_column_and_value_that_failed(
    shared_build: BuiltProject,
    warehouse_copy: duckdb.DuckDBPyConnection,
    test_name: str,
    model: str,
    defects: list[str],
    selected: str,
    expected: list[tuple],
) -> None:
    on_probe = _on_clean_probe(shared_build, warehouse_copy, test_name, model)
    for defect in defects:
        warehouse_copy.execute(defect)
    failing = warehouse_copy.execute(f"select {selected} from ({on_probe}) order by 1")
    assert failing.fetchall() == expected
