"""The governance check on manifest.json: passes on the project, fails on each breach.

The real manifest comes from `dbt parse` into a private target directory.
Each breach is made by mutating a copy of it, and the test asserts that
exactly the expected new violation appears.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fixtures_semantic import parsed_manifest

from tenant_kpis.cli import main as cli
from tenant_kpis.governance import Violation, check_manifest

PK_TEST_NAMES = {"unique", "not_null"}


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return json.loads(parsed_manifest().read_text())


def _public_model_ids(manifest: dict[str, Any]) -> list[str]:
    return sorted(
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node.get("access") == "public"
    )


def _clean_public_model(manifest: dict[str, Any]) -> str:
    """A public model without any violation today (fct_kpi_weekly when it is clean)."""
    violating = {violation.node for violation in check_manifest(manifest).violations}
    candidates = [
        unique_id
        for unique_id in _public_model_ids(manifest)
        if manifest["nodes"][unique_id]["name"] not in violating
    ]
    assert candidates, "no clean public model in the manifest"
    preferred = "model.tenant_kpis.fct_kpi_weekly"
    return preferred if preferred in candidates else candidates[0]


def _new_violations(before: dict[str, Any], after: dict[str, Any]) -> set[Violation]:
    return set(check_manifest(after).violations) - set(check_manifest(before).violations)


def test_project_manifest_passes_governance(manifest: dict[str, Any]) -> None:
    report = check_manifest(manifest)
    assert report.violations == [], report.summary()


def test_project_publishes_the_spec_marts(manifest: dict[str, Any]) -> None:
    public = {manifest["nodes"][unique_id]["name"] for unique_id in _public_model_ids(manifest)}
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


def test_exposures_declared_for_brief_and_dashboard(manifest: dict[str, Any]) -> None:
    exposures = {node["name"]: node for node in manifest["exposures"].values()}
    assert exposures["weekly_executive_brief"]["type"] == "application"
    assert exposures["kpi_bi_dashboard"]["type"] == "dashboard"
    for exposure in exposures.values():
        assert "model.tenant_kpis.fct_kpi_scorecard" in exposure["depends_on"]["nodes"]


def test_losing_the_contract_fails(manifest: dict[str, Any]) -> None:
    unique_id = _clean_public_model(manifest)
    mutated = copy.deepcopy(manifest)
    mutated["nodes"][unique_id]["config"]["contract"]["enforced"] = False
    name = manifest["nodes"][unique_id]["name"]
    assert {(v.node, v.rule) for v in _new_violations(manifest, mutated)} == {(name, "contract")}


def test_losing_the_model_description_fails(manifest: dict[str, Any]) -> None:
    unique_id = _clean_public_model(manifest)
    mutated = copy.deepcopy(manifest)
    mutated["nodes"][unique_id]["description"] = "  "
    name = manifest["nodes"][unique_id]["name"]
    assert {(v.node, v.rule) for v in _new_violations(manifest, mutated)} == {(name, "description")}


def test_losing_a_column_description_fails(manifest: dict[str, Any]) -> None:
    unique_id = _clean_public_model(manifest)
    mutated = copy.deepcopy(manifest)
    column = sorted(mutated["nodes"][unique_id]["columns"])[0]
    mutated["nodes"][unique_id]["columns"][column]["description"] = ""
    new = _new_violations(manifest, mutated)
    assert len(new) == 1
    (violation,) = new
    assert violation.rule == "column description" and column in violation.detail


def test_losing_the_primary_key_test_fails(manifest: dict[str, Any]) -> None:
    unique_id = _clean_public_model(manifest)
    mutated = copy.deepcopy(manifest)
    removed = [
        test_id
        for test_id, node in mutated["nodes"].items()
        if node["resource_type"] == "test"
        and node.get("attached_node") == unique_id
        and (
            (node.get("test_metadata") or {}).get("name") in PK_TEST_NAMES
            or "unique_combination" in ((node.get("test_metadata") or {}).get("name") or "")
        )
    ]
    assert removed, f"{unique_id} has no primary-key test to remove"
    for test_id in removed:
        del mutated["nodes"][test_id]
    for spec in mutated["nodes"][unique_id]["columns"].values():
        spec["constraints"] = []
    name = manifest["nodes"][unique_id]["name"]
    assert {(v.node, v.rule) for v in _new_violations(manifest, mutated)} == {
        (name, "primary key test")
    }


def test_losing_group_or_access_fails(manifest: dict[str, Any]) -> None:
    unique_id = _clean_public_model(manifest)
    mutated = copy.deepcopy(manifest)
    mutated["nodes"][unique_id]["group"] = None
    mutated["nodes"][unique_id]["config"]["group"] = None
    mutated["nodes"][unique_id]["access"] = "open"
    mutated["nodes"][unique_id]["config"]["access"] = "open"
    name = manifest["nodes"][unique_id]["name"]
    # a model that is no longer public also breaks every exposure reading it
    readers = {
        (exposure["name"], "exposure access")
        for exposure in manifest["exposures"].values()
        if unique_id in exposure["depends_on"]["nodes"]
    }
    assert {(v.node, v.rule) for v in _new_violations(manifest, mutated)} == {
        (name, "group"),
        (name, "access"),
        *readers,
    }


def test_cli_exit_codes(manifest: dict[str, Any], tmp_path: Path) -> None:
    unique_id = _clean_public_model(manifest)
    mutated = copy.deepcopy(manifest)
    mutated["nodes"][unique_id]["config"]["contract"]["enforced"] = False
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(mutated))
    result = CliRunner().invoke(cli, ["check-governance", "--manifest", str(path)])
    assert result.exit_code == 2
    assert f"{manifest['nodes'][unique_id]['name']}: contract" in result.output

    missing = CliRunner().invoke(cli, ["check-governance", "--manifest", str(tmp_path / "no.json")])
    assert missing.exit_code == 2
    assert "manifest not found" in missing.output and "Traceback" not in missing.output


# --- hand-made manifests: the primary-key rule in detail ---------------------


def _tiny_manifest(tests: list[dict[str, Any]], constraints: dict[str, list] | None = None) -> dict:
    columns = {
        name: {
            "name": name,
            "description": f"{name} text",
            "data_type": "varchar",
            "constraints": (constraints or {}).get(name, []),
        }
        for name in ("a", "b")
    }
    nodes: dict[str, Any] = {
        "model.p.m": {
            "resource_type": "model",
            "name": "m",
            "package_name": "p",
            "description": "A model.",
            "group": "g",
            "access": "public",
            "config": {"enabled": True, "contract": {"enforced": True}},
            "columns": columns,
        }
    }
    for index, test in enumerate(tests):
        nodes[f"test.p.t{index}"] = {
            "resource_type": "test",
            "config": {"enabled": True},
            "attached_node": "model.p.m",
            **test,
        }
    return {"metadata": {"project_name": "p"}, "nodes": nodes, "exposures": {}}


def _rules(manifest: dict[str, Any]) -> set[str]:
    return {violation.rule for violation in check_manifest(manifest).violations}


def test_unique_and_not_null_must_be_on_the_same_column() -> None:
    same = _tiny_manifest(
        [
            {"test_metadata": {"name": "unique"}, "column_name": "a"},
            {"test_metadata": {"name": "not_null"}, "column_name": "a"},
        ]
    )
    split = _tiny_manifest(
        [
            {"test_metadata": {"name": "unique"}, "column_name": "a"},
            {"test_metadata": {"name": "not_null"}, "column_name": "b"},
        ]
    )
    assert _rules(same) == set()
    assert _rules(split) == {"primary key test"}


def test_unique_combination_or_not_null_constraint_counts() -> None:
    combination = _tiny_manifest(
        [{"test_metadata": {"name": "usr_unique_combination"}, "column_name": None}]
    )
    constraint = _tiny_manifest(
        [{"test_metadata": {"name": "unique"}, "column_name": "b"}],
        constraints={"b": [{"type": "not_null"}]},
    )
    assert _rules(combination) == set()
    assert _rules(constraint) == set()


def test_exposure_on_a_private_model_is_a_violation() -> None:
    manifest = _tiny_manifest(
        [
            {"test_metadata": {"name": "unique"}, "column_name": "a"},
            {"test_metadata": {"name": "not_null"}, "column_name": "a"},
        ]
    )
    manifest["nodes"]["model.p.hidden"] = {
        **manifest["nodes"]["model.p.m"],
        "name": "hidden",
        "access": "private",
    }
    manifest["exposures"] = {
        "exposure.p.dash": {
            "name": "dash",
            "description": "A dashboard.",
            "depends_on": {"nodes": ["model.p.m", "model.p.hidden"]},
        }
    }
    violations = check_manifest(manifest).violations
    assert [(v.node, v.rule) for v in violations] == [("dash", "exposure access")]
