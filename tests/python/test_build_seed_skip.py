"""A weekly `tenant-kpis build` leaves unchanged seeds out; an edited one reaches the marts.

The shared build recorded every seed it loaded and tested in
`audit.seeds_loaded` (src/tenant_kpis/seed_skip.py). A copy of the project
with one seed value edited is built on a copy of that warehouse: the edited
seed is loaded and changes the KPI it parameterises, the other seeds and the
tests reading only them are left out, and the build still counts as complete
for publication. Unit tests of the fingerprint rule need no warehouse.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import duckdb
import pandas as pd
from dbt_project import BIN, PROJECT_DIR

from tenant_kpis.build_record import COUNT_COLUMNS
from tenant_kpis.seed_skip import seed_fingerprints, unchanged_seeds

ADOPTION = (
    "select week_start, segment_type, segment_value, value from main.fct_kpi_weekly"
    " where kpi_name = 'adoption_rate_90d' order by all"
)


def _copy_project(destination: Path) -> Path:
    """The project with its package: `tenant-kpis build` runs dbt in its own project."""
    for name in ("models", "macros", "seeds", "analyses", "tests"):
        shutil.copytree(
            PROJECT_DIR / name, destination / name, ignore=shutil.ignore_patterns("python")
        )
    shutil.copytree(
        PROJECT_DIR / "src" / "tenant_kpis",
        destination / "src" / "tenant_kpis",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(PROJECT_DIR / name, destination / name)
    return destination


def _query(database: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.execute(sql).df()


def test_an_edited_seed_is_reloaded_and_reaches_the_marts(shared_build, tmp_path: Path) -> None:
    project = _copy_project(tmp_path / "project")
    parameters = project / "seeds" / "kpi_parameters.csv"
    frame = pd.read_csv(parameters, dtype=str, keep_default_na=False)
    frame.loc[frame["parameter_name"] == "activation_seat_share", "parameter_value"] = "0.5"
    frame.to_csv(parameters, index=False)
    # same file name: DuckDB names the catalog after it
    (tmp_path / "warehouse").mkdir()
    database = tmp_path / "warehouse" / shared_build.database.name
    shutil.copy(shared_build.database, database)
    env = {
        **shared_build.env,
        "PYTHONPATH": str(project / "src"),
        "DBT_PROFILES_DIR": str(project),
        "TENANT_KPIS_DB": str(database),
        "TENANT_KPIS_PUBLISHED_DB": str(tmp_path / "published" / "marts.duckdb"),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
    }
    for command in (["build", "--exclude-resource-type", "unit_test"], ["publish"]):
        completed = subprocess.run(
            [str(BIN / "python"), "-m", "tenant_kpis.cli", *command],
            env=env,
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
        assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]

    results = json.loads((tmp_path / "target" / "run_results.json").read_text())
    ran = {result["unique_id"] for result in results["results"]}
    assert "seed.tenant_kpis.kpi_parameters" in ran
    assert "seed.tenant_kpis.kpi_catalog" not in ran
    # the tests reading only unchanged seeds went with them
    assert not any(node.startswith("test.tenant_kpis.unique_kpi_catalog_") for node in ran)
    stored = _query(
        database,
        "select parameter_value from seeds.kpi_parameters"
        " where parameter_name = 'activation_seat_share'",
    )
    assert stored["parameter_value"].tolist() == [0.5]
    # a higher seat share can only lower adoption, and it does on this feed
    before = _query(shared_build.database, ADOPTION)
    after = _query(database, ADOPTION)
    assert len(after) == len(before)
    assert after["value"].isna().equals(before["value"].isna())
    valued = before["value"].notna()
    assert (after["value"][valued] <= before["value"][valued] + 1e-12).all()
    assert (after["value"][valued] < before["value"][valued]).any()
    recorded = _query(
        database, "select seed_name, fingerprint from audit.seeds_loaded order by recorded_at"
    )
    latest = dict(zip(recorded["seed_name"], recorded["fingerprint"], strict=True))
    assert latest == seed_fingerprints(project)


def _log(build_id: str | None, command: str = "build", minute: int = 0) -> list[dict[str, object]]:
    started = pd.Timestamp("2026-12-07 09:00") + pd.Timedelta(minutes=minute)
    counts = {column: 0 for column in COUNT_COLUMNS} | {
        "nodes_in_project": 10,
        "nodes_selected": 10,
        "nodes_succeeded": 10,
    }
    row = {
        "invocation_id": f"{command}-{minute}",
        "dbt_command": command,
        "started_at": started,
        "recorded_at": started,
        "dbt_version": "1.11",
        "build_id": build_id,
    }
    return [
        {**row, "log_event": "started"},
        {**row, "log_event": "finished", **counts},
    ]


def test_only_seeds_recorded_by_the_last_change_with_their_fingerprint_are_unchanged() -> None:
    fingerprints = {"a": "1", "b": "2", "c": "3"}
    seeds = [
        {"seed_name": "a", "fingerprint": "1", "build_id": "old"},
        {"seed_name": "b", "fingerprint": "2", "build_id": "old"},
        {"seed_name": "a", "fingerprint": "1", "build_id": "last"},
        {"seed_name": "b", "fingerprint": "2", "build_id": "last"},
        {"seed_name": "c", "fingerprint": "0", "build_id": "last"},  # edited since
    ]
    log = _log("old", minute=0) + _log("last", minute=1)
    assert unchanged_seeds(seeds, log, fingerprints) == ["a", "b"]
    # docs and tests change nothing: still unchanged
    assert unchanged_seeds(seeds, log + _log(None, "docs", 2) + _log(None, "test", 3), fingerprints)
    # a `dbt seed` (or any other change) after the last build: every seed loads
    assert unchanged_seeds(seeds, log + _log(None, "seed", 2), fingerprints) == []
    # the last build recorded nothing (killed before its end): every seed loads
    assert unchanged_seeds(seeds, log + _log("killed", minute=2), fingerprints) == []
    assert unchanged_seeds([], log, fingerprints) == []


def test_a_fingerprint_covers_the_file_and_the_seeds_configuration(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "seeds").mkdir(parents=True)
    (project / "dbt_project.yml").write_text("name: p\n")
    (project / "seeds" / "_seeds.yml").write_text("seeds: []\n")
    (project / "seeds" / "one.csv").write_text("a\n1\n")
    (project / "seeds" / "two.csv").write_text("a\n2\n")
    first = seed_fingerprints(project)
    (project / "seeds" / "one.csv").write_text("a\n3\n")
    edited = seed_fingerprints(project)
    assert edited["one"] != first["one"] and edited["two"] == first["two"]
    (project / "seeds" / "_seeds.yml").write_text("seeds: [{name: two}]\n")
    assert seed_fingerprints(project)["two"] != edited["two"]
