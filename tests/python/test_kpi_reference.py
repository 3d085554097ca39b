"""docs/kpi_reference.md: generated from the catalog seed and the manifest, stale fails.

A hand-made project (catalog, brief modules) and manifest: each kind of file
a KPI lives in is found, nothing else is, and mistakes are one-line errors.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tenant_kpis import paths
from tenant_kpis.cli import main as cli
from tenant_kpis.errors import UserError
from tenant_kpis.kpi_reference import kpi_files, render, write_or_check

FAMILY_YML = "models/intermediate/kpis/int_kpi_autonomy_adoption_computed.yml"
CATALOG_HEADER = "kpi_name,label,kpi_family,unit,direction,is_cohort_kpi,owner,definition\n"


def _model(name: str, path: str, raw_code: str = "select 1", patch: str | None = None) -> dict:
    return {
        "resource_type": "model",
        "package_name": "p",
        "name": name,
        "unique_id": f"model.p.{name}",
        "original_file_path": path,
        "raw_code": raw_code,
        "patch_path": f"p://{patch}" if patch else None,
    }


def _project(tmp_path: Path, catalog_rows: str) -> Path:
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "kpi_catalog.csv").write_text(CATALOG_HEADER + catalog_rows)
    pages = tmp_path / "src" / "tenant_kpis" / "brief" / "pages"
    pages.mkdir(parents=True)
    (pages / "headline.py").write_text('KPIS = ("adoption_rate_90d",)\n')
    (pages / "other.py").write_text("# adoption_rate_90d in a comment is not a reference\n")
    return tmp_path


def _manifest() -> dict[str, Any]:
    family = _model(
        "int_kpi_autonomy_adoption_computed",
        "models/intermediate/kpis/int_kpi_autonomy_adoption_computed.sql",
        patch=FAMILY_YML,
    )
    scorecard = _model(
        "fct_kpi_scorecard",
        "models/marts/kpis/fct_kpi_scorecard.sql",
        "select * from b where kpi_name = 'adoption_rate_90d'",
    )
    unrelated = _model("dim_kpis", "models/marts/kpis/dim_kpis.sql", "-- adoption_rate_90d")
    singular = {
        "resource_type": "test",
        "package_name": "p",
        "unique_id": "test.p.assert_grid",
        "original_file_path": "tests/assert_grid.sql",
        "raw_code": "select 1",
        "depends_on": {"nodes": [family["unique_id"]]},
    }
    generic_elsewhere = {
        "resource_type": "test",
        "package_name": "p",
        "unique_id": "test.p.accepted",
        "original_file_path": "models/marts/kpis/fct_kpi_weekly.yml",
        "raw_code": "{{ test_accepted_values() }}",
        "test_metadata": {"name": "accepted_values", "kwargs": {"values": ["adoption_rate_90d"]}},
        "depends_on": {"nodes": ["model.p.fct_kpi_weekly"]},
    }
    grid = {
        **singular,
        "unique_id": "test.p.assert_every_family_on_grid",
        "original_file_path": "tests/assert_every_family_on_grid.sql",
        "depends_on": {"nodes": [family["unique_id"], "model.p.int_kpi_autonomy_cost_computed"]},
    }
    column_named_like_the_kpi = {
        **generic_elsewhere,
        "unique_id": "test.p.accepted_range",
        "original_file_path": "models/marts/dim_tenants.yml",
        "test_metadata": {"name": "accepted_range", "kwargs": {"column_name": "adoption_rate_90d"}},
        "depends_on": {"nodes": ["model.p.dim_tenants"]},
    }
    # folded tests name their columns inside the arguments
    ranges_named_like_the_kpi = {
        **column_named_like_the_kpi,
        "unique_id": "test.p.accepted_ranges",
        "original_file_path": "models/marts/dim_users.yml",
        "test_metadata": {
            "name": "accepted_ranges",
            "kwargs": {"ranges": [{"column_name": "adoption_rate_90d", "min_value": 0}]},
        },
    }
    values_keyed_like_the_kpi = {
        **column_named_like_the_kpi,
        "unique_id": "test.p.accepted_values_columns",
        "original_file_path": "models/marts/dim_kpis.yml",
        "test_metadata": {
            "name": "accepted_values_columns",
            "kwargs": {"values_by_column": {"adoption_rate_90d": ["a", "b"]}},
        },
    }
    cost = _model(
        "int_kpi_autonomy_cost_computed",
        "models/intermediate/kpis/int_kpi_autonomy_cost_computed.sql",
    )
    nodes = {
        n["unique_id"]: n
        for n in (
            family,
            cost,
            scorecard,
            unrelated,
            singular,
            generic_elsewhere,
            grid,
            column_named_like_the_kpi,
            ranges_named_like_the_kpi,
            values_keyed_like_the_kpi,
        )
    }
    return {
        "metadata": {"project_name": "p"},
        "nodes": nodes,
        "unit_tests": {
            "unit_test.p.family.case": {
                "package_name": "p",
                "model": "int_kpi_autonomy_adoption_computed",
                "original_file_path": FAMILY_YML,
            }
        },
        "macros": {
            "macro.p.benchmarks": {
                "package_name": "p",
                "original_file_path": "macros/benchmarks.sql",
                "macro_sql": "{% if kpi == 'adoption_rate_90d' %}{% endif %}",
            },
            # names the KPI only to read its band for another KPI, and says so
            "macro.p.targets": {
                "package_name": "p",
                "original_file_path": "macros/targets.sql",
                "macro_sql": "where kpi_name = 'adoption_rate_90d'",
                "meta": {"kpi_names": ["cost_per_learner_usd"]},
            },
        },
        "docs": {
            "doc.p.tnt_adoption_rate_90d": {
                "package_name": "p",
                "name": "tnt_adoption_rate_90d",
                "original_file_path": "models/marts/kpis/_kpis__docs.md",
            },
            "doc.p.adoption_rate": {
                "package_name": "p",
                "name": "adoption_rate",
                "original_file_path": "models/other.md",
            },
        },
        "metrics": {
            "metric.p.adoption_rate_90d": {
                "package_name": "p",
                "name": "adoption_rate_90d",
                "original_file_path": "models/semantic/sem_tenants.yml",
            }
        },
    }


ROW = (
    'adoption_rate_90d,90-day adoption,autonomy_adoption,rate,higher_is_better,true,VP CS,"A / B"\n'
)
#: A second family: a test reading both family models checks every KPI alike.
COST_ROW = "cost_per_learner_usd,Cost,autonomy_cost,usd,lower_is_better,false,CFO,cost\n"


def test_every_kind_of_file_is_found_and_nothing_else(tmp_path: Path) -> None:
    project = _project(tmp_path, ROW + COST_ROW)
    files = kpi_files(_manifest(), project)["adoption_rate_90d"]
    assert files.definition == ("seeds/kpi_catalog.csv", "models/marts/kpis/_kpis__docs.md")
    assert files.sql == (
        "models/intermediate/kpis/int_kpi_autonomy_adoption_computed.sql",
        "models/marts/kpis/fct_kpi_scorecard.sql",
        "macros/benchmarks.sql",
    )
    assert set(files.tests) == {
        "tests/assert_grid.sql",
        "models/marts/kpis/fct_kpi_weekly.yml",
        FAMILY_YML,
    }
    assert files.metric == ("models/semantic/sem_tenants.yml",)
    assert files.brief == ("src/tenant_kpis/brief/pages/headline.py",)
    assert len(files.all()) == 10


def test_a_file_declaring_the_kpis_it_serves_is_listed_under_those(tmp_path: Path) -> None:
    """A macro naming one KPI to read its band for another is the other KPI's SQL."""
    files = kpi_files(_manifest(), _project(tmp_path, ROW + COST_ROW))
    assert "macros/targets.sql" not in files["adoption_rate_90d"].sql
    assert "macros/targets.sql" in files["cost_per_learner_usd"].sql


def test_a_test_of_every_family_is_listed_once_not_per_kpi(tmp_path: Path) -> None:
    """The grid test reads every family model: a check of every KPI, no KPI's own test."""
    project = _project(tmp_path, ROW + COST_ROW)
    files = kpi_files(_manifest(), project)
    every = "tests/assert_every_family_on_grid.sql"
    assert every not in files["adoption_rate_90d"].tests
    assert every not in files["cost_per_learner_usd"].tests
    assert "tests/assert_grid.sql" in files["adoption_rate_90d"].tests  # reads one family only
    assert "tests/assert_grid.sql" not in files["cost_per_learner_usd"].tests
    text = render(_manifest(), project)
    assert "Checks on every KPI" in text
    assert text.count("assert_every_family_on_grid.sql](") == 1


def test_files_do_not_depend_on_the_manifest_node_order(tmp_path: Path) -> None:
    """A partial parse orders the manifest's nodes differently from a full one:
    the page listed the same tests in another order and `--check` failed."""
    project = _project(tmp_path, ROW)
    manifest = _manifest()
    reordered = {**manifest, "nodes": dict(reversed(list(manifest["nodes"].items())))}
    (files,) = kpi_files(manifest, project).values()
    (files_reordered,) = kpi_files(reordered, project).values()
    assert files_reordered == files


def test_page_keeps_the_catalog_table_and_links_the_files(tmp_path: Path) -> None:
    text = render(_manifest(), _project(tmp_path, ROW + COST_ROW))
    assert "## Autonomy (tenant level)" in text
    assert "| `adoption_rate_90d` | 90-day adoption | rate | higher | yes | VP CS | A / B |" in text
    assert "[sem_tenants.yml](../models/semantic/sem_tenants.yml)" in text
    assert "| `adoption_rate_90d` | 10 |" in text
    assert "at most 10 files (target: 5)" in text
    assert "## Health" not in text  # a section without KPIs is left out


def test_a_family_without_its_model_is_a_clear_error(tmp_path: Path) -> None:
    row = "nps,NPS,engagement,score,higher_is_better,false,VP CS,x\n"
    with pytest.raises(UserError, match=r"kpi_catalog.csv: kpi_family 'engagement' of 'nps'"):
        kpi_files(_manifest(), _project(tmp_path, row))


def test_a_family_without_a_section_is_a_clear_error(tmp_path: Path) -> None:
    manifest = _manifest()
    manifest["nodes"]["model.p.int_kpi_billing_computed"] = _model(
        "int_kpi_billing_computed", "models/int_kpi_billing_computed.sql"
    )
    row = "arr,ARR,billing,usd,higher_is_better,false,CFO,x\n"
    with pytest.raises(UserError, match="kpi_family billing has no section"):
        render(manifest, _project(tmp_path, ROW + row))


def test_check_fails_on_a_stale_page_and_write_fixes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.setattr(paths, "PROJECT_DIR", _project(project, ROW))
    manifest_path = tmp_path / "manifest.json"
    manifest_path.write_text(json.dumps(_manifest()))
    page = tmp_path / "kpi_reference.md"
    page.write_text("# KPI reference\n\nedited by hand\n")
    args = ["docs", "kpi-reference", "--manifest", str(manifest_path), "--out", str(page)]

    stale = CliRunner().invoke(cli, [*args, "--check"])
    assert stale.exit_code == 2 and "is stale" in stale.output
    assert page.read_text() == "# KPI reference\n\nedited by hand\n"  # --check writes nothing
    written = CliRunner().invoke(cli, args)
    assert written.exit_code == 0, written.output
    assert write_or_check(manifest_path, page, check=True) == (page, True)
    assert CliRunner().invoke(cli, [*args, "--check"]).exit_code == 0


def test_missing_manifest_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["docs", "kpi-reference", "--check", "--manifest", str(tmp_path / "none.json")]
    )
    assert result.exit_code == 2
    assert "dbt manifest not found" in result.output and "Traceback" not in result.output
