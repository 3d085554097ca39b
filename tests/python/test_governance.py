"""The conventions of dbt-bouncer.yml: the project passes, and every rule fails on a defect.

The real manifest comes from `dbt parse` into a private target directory.
Each defect is made by mutating a copy of it; dbt-bouncer then runs with the
project's config, limited to the rule under test, and must fail on exactly
the resource that was broken. A last group of tests checks that every listed
exception still excuses something, so a restructure that fixes a model
cannot leave its exception behind.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from click.testing import CliRunner
from fixtures_semantic import parsed_manifest

from tenant_kpis.cli import main as cli
from tenant_kpis.governance import project_config, run_governance

Manifest = dict[str, Any]
PROJECT = "tenant_kpis"


def model_id(name: str) -> str:
    return f"model.{PROJECT}.{name}"


@pytest.fixture(scope="module")
def manifest() -> Manifest:
    return json.loads(parsed_manifest().read_text())


def bounce(
    manifest: Manifest, directory: Path, checks: str | None = None, config: dict | None = None
) -> tuple[int, list[dict[str, Any]]]:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "manifest.json").write_text(json.dumps(manifest))
    run = run_governance(directory, checks=checks, config=config, capture=True)
    return run.code, run.failures


def errors(failures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [failure for failure in failures if failure["severity"] == "error"]


# --- the project as it is ---------------------------------------------------


@pytest.fixture(scope="module")
def project_run(manifest: Manifest, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    return bounce(manifest, tmp_path_factory.mktemp("project"))


def test_project_passes_every_rule(project_run: tuple) -> None:
    code, failures = project_run
    assert errors(failures) == [] and code == 0, failures


def test_no_rule_is_only_a_warning(project_run: tuple) -> None:
    """Every rule is an error: column-description drift included (it was a warning)."""
    _, failures = project_run
    assert failures == []


def test_project_publishes_the_spec_marts(manifest: Manifest) -> None:
    public = {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("access") == "public"
    }
    spec_marts = {
        "dim_tenants",
        "dim_users",
        "fct_tenant_onboarding",
        "fct_user_onboarding",
        "fct_tenant_activity_weekly",
        "fct_retention_cohorts",
        "fct_kpi_weekly",
        "fct_kpi_scorecard",
        "fct_kpi_alerts",
        "dq_row_accounting",
    }
    assert spec_marts <= public, sorted(spec_marts - public)


def test_exposures_declared_for_brief_and_dashboard(manifest: Manifest) -> None:
    exposures = {node["name"]: node for node in manifest["exposures"].values()}
    assert exposures["weekly_executive_brief"]["type"] == "application"
    assert exposures["kpi_bi_dashboard"]["type"] == "dashboard"


# --- one defect per rule ------------------------------------------------------


def _model(manifest: Manifest, name: str) -> dict[str, Any]:
    return manifest["nodes"][model_id(name)]


def _set_access(manifest: Manifest, name: str, access: str) -> None:
    _model(manifest, name)["access"] = access
    _model(manifest, name)["config"]["access"] = access


def _add_parent(manifest: Manifest, child: str, parent: str) -> None:
    _model(manifest, child)["depends_on"]["nodes"].append(parent)


def _tests_on(manifest: Manifest, unique_id: str) -> list[str]:
    return [
        test_id
        for test_id, node in manifest["nodes"].items()
        if node["resource_type"] == "test" and node.get("attached_node") == unique_id
    ]


def _drop_tests(manifest: Manifest, unique_id: str, names: set[str]) -> None:
    for test_id in _tests_on(manifest, unique_id):
        if (manifest["nodes"][test_id].get("test_metadata") or {}).get("name") in names:
            del manifest["nodes"][test_id]


def _move(manifest: Manifest, name: str, new_path: str) -> None:
    _model(manifest, name)["original_file_path"] = new_path


def _rename_model(manifest: Manifest, name: str, new_name: str) -> str:
    node = _model(manifest, name)
    node["name"] = new_name
    return model_id(name)


def _add_doc_block(manifest: Manifest, name: str, path: str) -> None:
    manifest["docs"][f"doc.{PROJECT}.{name}"] = {
        "name": name,
        "resource_type": "doc",
        "package_name": PROJECT,
        "path": path.removeprefix("models/"),
        "original_file_path": path,
        "unique_id": f"doc.{PROJECT}.{name}",
        "block_contents": "A doc block.",
    }


def _use_doc_block(manifest: Manifest, name: str) -> None:
    _model(manifest, "dim_kpis")["doc_blocks"].append(f"doc.{PROJECT}.{name}")


# Each defect breaks its own resource, so that all of them can be checked in
# one dbt-bouncer run without one hiding another.


def _break_access_marts(m: Manifest) -> str:
    _set_access(m, "fct_persona_kpis", "protected")
    return model_id("fct_persona_kpis")


def _break_access_intermediate(m: Manifest) -> str:
    _set_access(m, "int_risk_scoring_dates", "protected")
    return model_id("int_risk_scoring_dates")


def _break_access_staging(m: Manifest) -> str:
    _set_access(m, "stg_learning__content", "public")
    return model_id("stg_learning__content")


def _break_group(m: Manifest) -> str:
    _model(m, "int_dates_spined")["group"] = None
    _model(m, "int_dates_spined")["config"]["group"] = None
    return model_id("int_dates_spined")


def _break_contract(m: Manifest) -> str:
    # dbt writes the contract twice: in config and at the top level
    _model(m, "fct_kpi_weekly")["config"]["contract"]["enforced"] = False
    _model(m, "fct_kpi_weekly")["contract"]["enforced"] = False
    return model_id("fct_kpi_weekly")


def _break_column_description(m: Manifest) -> str:
    _model(m, "dim_tenants")["columns"]["tenant_id"]["description"] = ""
    return model_id("dim_tenants")


def _break_column_type(m: Manifest) -> str:
    _model(m, "dim_users")["columns"]["user_id"]["data_type"] = None
    return model_id("dim_users")


def _break_unique_test(m: Manifest) -> str:
    unique_id = model_id("fct_tenant_health_weekly")
    _drop_tests(m, unique_id, {"unique", "unique_combination_of_columns"})
    return unique_id


def _break_key_not_null(m: Manifest) -> str:
    _model(m, "fct_tenant_onboarding")["columns"]["tenant_id"]["constraints"] = []
    _drop_tests(m, model_id("fct_tenant_onboarding"), {"not_null", "not_null_columns"})
    return model_id("fct_tenant_onboarding")


def _break_model_description(m: Manifest) -> str:
    _model(m, "int_kpi_health_computed")["description"] = " "
    return model_id("int_kpi_health_computed")


def _break_properties_file(m: Manifest) -> str:
    _model(m, "int_pilot_lifts_computed")["patch_path"] = None
    return model_id("int_pilot_lifts_computed")


def _break_properties_directory(m: Manifest) -> str:
    node = _model(m, "int_risk_backtest_calibrated")
    node["patch_path"] = f"{PROJECT}://models/int_risk_backtest_calibrated.yml"
    return model_id("int_risk_backtest_calibrated")


def _break_exposure_public(m: Manifest) -> str:
    exposure = m["exposures"][f"exposure.{PROJECT}.kpi_bi_dashboard"]
    exposure["depends_on"]["nodes"].append(model_id("int_weeks_spined"))
    return f"exposure.{PROJECT}.kpi_bi_dashboard"


def _break_exposure_description(m: Manifest) -> str:
    m["exposures"][f"exposure.{PROJECT}.weekly_executive_brief"]["description"] = ""
    return f"exposure.{PROJECT}.weekly_executive_brief"


def _break_exposure_owner(m: Manifest) -> str:
    m["exposures"][f"exposure.{PROJECT}.kpi_bi_dashboard"]["owner"] = {"name": "someone"}
    return f"exposure.{PROJECT}.kpi_bi_dashboard"


def _break_source_description(m: Manifest) -> str:
    m["sources"][f"source.{PROJECT}.support.support_tickets"]["description"] = ""
    return f"source.{PROJECT}.support.support_tickets"


def _break_source_freshness(m: Manifest) -> str:
    source = m["sources"][f"source.{PROJECT}.app.users"]
    source["freshness"] = None
    source["config"]["freshness"] = None
    return f"source.{PROJECT}.app.users"


def _break_seed_description(m: Manifest) -> str:
    m["nodes"][f"seed.{PROJECT}.kpi_catalog"]["description"] = ""
    return f"seed.{PROJECT}.kpi_catalog"


def _break_directory(m: Manifest) -> str:
    _move(m, "int_user_kpi_windows_unioned", "models/utilities/int_user_kpi_windows_unioned.sql")
    return model_id("int_user_kpi_windows_unioned")


def _break_staging_name(m: Manifest) -> str:
    return _rename_model(m, "stg_app__experiment_assignments", "app_experiment_assignments")


def _break_intermediate_name(m: Manifest) -> str:
    return _rename_model(m, "int_tenant_outcomes_labeled", "tenant_outcomes_labeled")


def _break_mart_name(m: Manifest) -> str:
    return _rename_model(m, "fct_investment_priority", "investment_priority")


def _break_data_quality_name(m: Manifest) -> str:
    return _rename_model(m, "dq_quarantine_summary", "fct_quarantine_summary")


def _break_semantic_name(m: Manifest) -> str:
    return _rename_model(m, "metricflow_time_spine", "time_spine")


def _break_macro_name(m: Manifest) -> str:
    m["macros"][f"macro.{PROJECT}.clean_string"]["name"] = "tnt_clean_string"
    return f"macro.{PROJECT}.clean_string"


def _break_doc_block_name(m: Manifest) -> str:
    _add_doc_block(m, "usr_persona", "models/marts/onboarding/persona.md")
    _use_doc_block(m, "usr_persona")
    return "usr_persona"


def _break_doc_block_used(m: Manifest) -> str:
    _add_doc_block(m, "orphan_definition", "models/marts/kpis/orphan.md")
    return "orphan_definition"


def _break_source_outside_staging(m: Manifest) -> str:
    _add_parent(m, "int_as_of_date", f"source.{PROJECT}.app.tenants")
    return model_id("int_as_of_date")


def _break_multiple_sources(m: Manifest) -> str:
    _add_parent(m, "base_finance__learning_costs", f"source.{PROJECT}.app.experiment_assignments")
    return model_id("base_finance__learning_costs")


def _break_orphan_source(m: Manifest) -> str:
    _model(m, "base_learning__content")["depends_on"]["nodes"].remove(
        f"source.{PROJECT}.learning.content"
    )
    return f"source.{PROJECT}.learning.content"


def _break_source_fanout(m: Manifest) -> str:
    _add_parent(m, "base_billing__subscription_events", f"source.{PROJECT}.learning.certifications")
    return f"source.{PROJECT}.learning.certifications"


def _break_hard_coded_reference(m: Manifest) -> str:
    node = _model(m, "int_tenant_feature_weeks_aggregated")
    node["raw_code"] += "\n-- joined later\nselect * from raw.tenants\n"
    return model_id("int_tenant_feature_weeks_aggregated")


def _break_staging_reads_downstream(m: Manifest) -> str:
    _add_parent(m, "stg_app__users", model_id("int_user_weeks_aggregated"))
    return model_id("stg_app__users")


def _break_stg_reads_stg(m: Manifest) -> str:
    _add_parent(m, "stg_support__tickets", model_id("stg_app__tenants"))
    return model_id("stg_support__tickets")


def _break_base_joins(m: Manifest) -> str:
    _add_parent(m, "base_app__tenants", model_id("stg_learning__certifications"))
    return model_id("base_app__tenants")


def _break_intermediate_reads_base(m: Manifest) -> str:
    _add_parent(m, "int_kpi_onboarding_computed", model_id("base_app__users"))
    return model_id("int_kpi_onboarding_computed")


def _break_mart_reads_base(m: Manifest) -> str:
    _add_parent(m, "dim_kpis", model_id("base_app__users"))
    return model_id("dim_kpis")


def _break_data_quality_reads_mart(m: Manifest) -> str:
    _add_parent(m, "dq_source_freshness", model_id("fct_kpi_alerts"))
    return model_id("dq_source_freshness")


def _break_semantic_reads_staging(m: Manifest) -> str:
    # renamed by _break_semantic_name; the lineage rule goes by path, not name
    _add_parent(m, "metricflow_time_spine", model_id("stg_app__tenants"))
    return model_id("metricflow_time_spine")


def _break_max_parents(m: Manifest) -> str:
    # int_tenant_weeks_aggregated reads 5 models; 2 seeds make 7 parents.
    for seed in ("kpi_parameters", "kpi_catalog"):
        _add_parent(m, "int_tenant_weeks_aggregated", f"seed.{PROJECT}.{seed}")
    return model_id("int_tenant_weeks_aggregated")


def _break_max_lines(m: Manifest) -> str:
    node = _model(m, "int_risk_training_examples")
    node["raw_code"] += "\n" * 260
    return model_id("int_risk_training_examples")


def _break_incremental_key(m: Manifest) -> str:
    _model(m, "int_user_days_aggregated")["config"]["unique_key"] = None
    return model_id("int_user_days_aggregated")


def _break_semicolon(m: Manifest) -> str:
    node = _model(m, "int_pilot_arm_outcomes")
    node["raw_code"] = node["raw_code"].rstrip() + ";\n"
    return model_id("int_pilot_arm_outcomes")


def _break_description_consistency(m: Manifest) -> str:
    # kpi_name is described by one doc block everywhere; a second text is drift
    _model(m, "fct_kpi_alerts")["columns"]["kpi_name"]["description"] = "The KPI."
    return "kpi_name"


#: (check name, defect): the defect returns the unique_id (or, for a
#: project-wide check, a name in the message) that must fail.
DEFECTS: list[tuple[str, Callable[[Manifest], str]]] = [
    ("check_model_access", _break_access_marts),
    ("check_model_access", _break_access_intermediate),
    ("check_model_access", _break_access_staging),
    ("check_model_has_group", _break_group),
    ("check_model_contract_enforced_for_public_model", _break_contract),
    ("check_model_column_description_populated", _break_column_description),
    ("check_model_columns_have_types", _break_column_type),
    ("check_model_has_unique_test", _break_unique_test),
    ("check_model_primary_key_not_null", _break_key_not_null),
    ("check_model_description_populated", _break_model_description),
    ("check_model_has_properties_file", _break_properties_file),
    ("check_model_documented_in_same_directory", _break_properties_directory),
    ("check_exposure_based_on_non_public_models", _break_exposure_public),
    ("check_exposure_description_populated", _break_exposure_description),
    ("check_exposure_has_owner", _break_exposure_owner),
    ("check_source_description_populated", _break_source_description),
    ("check_source_freshness_populated", _break_source_freshness),
    ("check_seed_description_populated", _break_seed_description),
    ("check_model_directories", _break_directory),
    ("check_model_names", _break_staging_name),
    ("check_model_names", _break_intermediate_name),
    ("check_model_names", _break_mart_name),
    ("check_model_names", _break_data_quality_name),
    ("check_model_names", _break_semantic_name),
    ("check_macro_names", _break_macro_name),
    ("check_doc_block_names", _break_doc_block_name),
    ("check_doc_blocks_used", _break_doc_block_used),
    ("check_lineage_source_cannot_be_used", _break_source_outside_staging),
    ("check_model_depends_on_multiple_sources", _break_multiple_sources),
    ("check_source_not_orphaned", _break_orphan_source),
    ("check_source_used_by_only_one_model", _break_source_fanout),
    ("check_model_hard_coded_references", _break_hard_coded_reference),
    ("check_lineage_permitted_upstream_models", _break_staging_reads_downstream),
    ("check_lineage_permitted_upstream_models", _break_stg_reads_stg),
    ("check_lineage_permitted_upstream_models", _break_base_joins),
    ("check_model_does_not_directly_join_to_source", _break_base_joins),
    ("check_lineage_permitted_upstream_models", _break_intermediate_reads_base),
    ("check_lineage_permitted_upstream_models", _break_mart_reads_base),
    ("check_lineage_permitted_upstream_models", _break_data_quality_reads_mart),
    ("check_lineage_permitted_upstream_models", _break_semantic_reads_staging),
    ("check_model_max_parents", _break_max_parents),
    ("check_model_max_number_of_lines", _break_max_lines),
    ("check_model_incremental_has_unique_key", _break_incremental_key),
    ("check_model_has_semi_colon", _break_semicolon),
    ("check_column_descriptions_consistent", _break_description_consistency),
]


class DefectRun(NamedTuple):
    broken: dict[str, str]  # defect function name -> the resource it broke
    failures: list[dict[str, Any]]  # dbt-bouncer's errors on the broken manifest


@pytest.fixture(scope="module")
def defect_run(manifest: Manifest, tmp_path_factory: pytest.TempPathFactory) -> DefectRun:
    """All defects applied to one copy of the manifest, checked in one dbt-bouncer run."""
    mutated = copy.deepcopy(manifest)
    broken = {defect.__name__: defect(mutated) for _, defect in DEFECTS}
    code, failures = bounce(mutated, tmp_path_factory.mktemp("defects"))
    assert code != 0
    return DefectRun(broken, errors(failures))


def _names(failure: dict[str, Any], resource: str) -> bool:
    if failure.get("unique_id") == resource:
        return True
    return re.search(rf"\b{re.escape(resource)}\b", failure["failure_message"]) is not None


@pytest.mark.parametrize(
    ("check", "defect"),
    DEFECTS,
    ids=[f"{check}-{defect.__name__.removeprefix('_break_')}" for check, defect in DEFECTS],
)
def test_rule_fails_on_its_defect(
    defect_run: DefectRun, check: str, defect: Callable[[Manifest], str]
) -> None:
    broken = defect_run.broken[defect.__name__]
    caught = [
        failure
        for failure in defect_run.failures
        if failure["check_run_id"].split(":")[0] == check and _names(failure, broken)
    ]
    assert caught, f"{check} did not fail on {defect.__name__}"


#: Resources a defect breaks besides its own: a model reading a second source
#: also joins two sources, and that source gains a second reader; a model
#: moved out of the layers breaks the lineage rule of its readers.
SIDE_EFFECTS = {
    model_id("int_kpi_engagement_computed"),
    model_id("int_kpi_early_warning_computed"),
    model_id("base_finance__learning_costs"),
    model_id("base_billing__subscription_events"),
    model_id("int_as_of_date"),
    f"source.{PROJECT}.app.tenants",
    f"source.{PROJECT}.app.experiment_assignments",
}


def test_defects_fail_nothing_else(defect_run: DefectRun) -> None:
    """Every error is on a resource a defect broke: the rules do not fire at random."""
    expected = set(defect_run.broken.values()) | SIDE_EFFECTS
    unexplained = [
        failure
        for failure in defect_run.failures
        if not any(_names(failure, resource) for resource in expected)
    ]
    assert unexplained == []


def test_every_configured_rule_has_a_defect() -> None:
    configured = {entry["name"] for entry in project_config()["manifest_checks"]}
    tested = {check for check, _ in DEFECTS}
    assert configured - tested == set()
    assert tested <= configured


# --- exceptions: each one still excuses a real violation ---------------------

#: Parameters that list a check's exceptions: dbt-bouncer's path `exclude`,
#: and the project checks' own lists over doc blocks.
EXCEPTION_KEYS = ("exclude", "exclude_paths", "exclude_names")


def _entries_with_exceptions() -> list[dict[str, Any]]:
    return [
        entry
        for entry in project_config()["manifest_checks"]
        if any(entry.get(key) for key in EXCEPTION_KEYS)
    ]


@pytest.fixture(scope="module")
def unexcused_failures(manifest: Manifest, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The rules with exceptions, run without them: failures by config entry index."""
    config = project_config()
    config["manifest_checks"] = [
        {key: value for key, value in entry.items() if key not in EXCEPTION_KEYS}
        for entry in _entries_with_exceptions()
    ]
    _, failures = bounce(manifest, tmp_path_factory.mktemp("unexcused"), config=config)
    by_entry: dict[int, list[dict[str, Any]]] = {}
    for failure in errors(failures):
        by_entry.setdefault(int(failure["check_run_id"].split(":")[1]), []).append(failure)
    return by_entry


@pytest.mark.parametrize(
    ("index", "entry"),
    list(enumerate(_entries_with_exceptions())),
    ids=[entry["name"] for entry in _entries_with_exceptions()],
)
def test_every_exception_still_excuses_a_violation(
    manifest: Manifest, unexcused_failures: dict, index: int, entry: dict[str, Any]
) -> None:
    """Without its exceptions a rule fails on each of them: a fixed model's exception must go."""
    failures = unexcused_failures.get(index, [])
    paths = {failure.get("file_path") or "" for failure in failures}
    messages = " ".join(failure["failure_message"] for failure in failures)
    docs = {doc["name"]: doc["original_file_path"] for doc in manifest["docs"].values()}
    stale = [
        pattern
        for pattern in entry.get("exclude", [])
        if not any(re.match(pattern, path) for path in paths)
    ]
    stale += [
        pattern
        for pattern in entry.get("exclude_paths", [])
        if not any(
            re.match(pattern, path) and re.search(rf"\b{name}\b", messages)
            for name, path in docs.items()
        )
    ]
    stale += [
        name for name in entry.get("exclude_names", []) if not re.search(rf"\b{name}\b", messages)
    ]
    assert stale == [], f"exceptions of {entry['name']} no longer needed: {stale}"


# --- the command line ---------------------------------------------------------


def test_cli_exit_codes(manifest: Manifest, tmp_path: Path) -> None:
    mutated = copy.deepcopy(manifest)
    _break_contract(mutated)
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(mutated))
    result = CliRunner().invoke(cli, ["check-governance", "--manifest", str(path)])
    assert result.exit_code == 2
    assert "dbt-bouncer found violations" in result.output
    # one line per failure, long messages cut: the log of `make test` stays readable
    assert "ERROR check_model_contract_enforced_for_public_model" in result.output
    assert "fct_kpi_weekly" in result.output
    assert max(len(line) for line in result.output.splitlines()) < 600

    elsewhere = tmp_path / "elsewhere" / "manifest.json"
    missing = CliRunner().invoke(cli, ["check-governance", "--manifest", str(elsewhere)])
    assert missing.exit_code == 2
    assert "manifest not found" in missing.output and "Traceback" not in missing.output
