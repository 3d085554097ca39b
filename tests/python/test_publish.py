"""Publishing the public marts for BI tools: atomic swap, refusal on a failed build.

The fast tests use a hand-made warehouse, manifest and run results, so every
expected figure below is written by hand from the inputs, not read back from
the implementation. The slow test runs the real `dbt build` while another
process keeps reading the published marts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from tenant_kpis.cli import main as cli
from tenant_kpis.publish import BUILD_INFO_TABLE, PublishRefused, publish

PUBLIC = ("dim_widgets", "fct_widget_weekly")


def _model_node(name: str, access: str, columns: dict[str, str]) -> dict:
    return {
        "resource_type": "model",
        "name": name,
        "alias": name,
        "schema": "main",
        "database": "warehouse",
        "access": access,
        "config": {"enabled": True, "access": access, "contract": {"enforced": True}},
        "description": f"The {name} model.",
        "columns": {
            column: {"name": column, "description": text, "data_type": "integer"}
            for column, text in columns.items()
        },
    }


def _write_manifest(target: Path) -> None:
    nodes = {
        "model.demo.dim_widgets": _model_node(
            "dim_widgets", "public", {"widget_id": "The widget's key.", "size": "It's size."}
        ),
        "model.demo.fct_widget_weekly": _model_node(
            "fct_widget_weekly", "public", {"widget_id": "Key.", "week": "Week number."}
        ),
        "model.demo.int_widgets_private": _model_node("int_widgets_private", "private", {}),
        "test.demo.unique_dim_widgets_widget_id": {"resource_type": "test", "name": "unique"},
    }
    target.mkdir(parents=True, exist_ok=True)
    (target / "manifest.json").write_text(json.dumps({"metadata": {}, "nodes": nodes}))


def _write_run_results(target: Path, invocation: str, statuses: dict[str, str]) -> None:
    results = [{"unique_id": unique_id, "status": status} for unique_id, status in statuses.items()]
    (target / "run_results.json").write_text(
        json.dumps(
            {
                "metadata": {"invocation_id": invocation, "dbt_version": "1.11.16"},
                "args": {"which": "build"},
                "results": results,
            }
        )
    )


GOOD_BUILD = {
    "model.demo.dim_widgets": "success",
    "model.demo.fct_widget_weekly": "success",
    "model.demo.int_widgets_private": "success",
    "test.demo.unique_dim_widgets_widget_id": "pass",
    "test.demo.not_null_dim_widgets_widget_id": "pass",
    "test.demo.accepted_range_size": "warn",
    "unit_test.demo.dim_widgets.test_sizes": "pass",
    "seed.demo.widget_sizes": "success",
}


def _write_warehouse(path: Path, raw_dir: Path, widgets: int) -> None:
    """`widgets` rows in dim_widgets and 2 x widgets rows in fct_widget_weekly."""
    raw_dir.mkdir(parents=True, exist_ok=True)
    raw_file = raw_dir / "widgets.parquet"
    with duckdb.connect(str(path)) as connection:
        connection.execute(f"copy (select 1 as widget_id) to '{raw_file}' (format parquet)")
        connection.execute("create schema if not exists raw")
        connection.execute(
            f"create or replace view raw.widgets as select * from read_parquet('{raw_file}')"
        )
        connection.execute(
            "create or replace table main.dim_widgets as "
            f"select range as widget_id, range * 10 as size from range({widgets})"
        )
        connection.execute(
            "create or replace table main.fct_widget_weekly as select d.widget_id, w.week "
            "from main.dim_widgets as d cross join (values (1), (2)) as w(week)"
        )
        connection.execute("create or replace table main.int_widgets_private as select 1 as secret")


@pytest.fixture()
def project(tmp_path: Path) -> dict[str, Path]:
    layout = {
        "warehouse": tmp_path / "warehouse.duckdb",
        "target": tmp_path / "target",
        "raw": tmp_path / "raw",
        "published": tmp_path / "published" / "marts.duckdb",
    }
    _write_warehouse(layout["warehouse"], layout["raw"], widgets=3)
    _write_manifest(layout["target"])
    _write_run_results(layout["target"], "inv-good", GOOD_BUILD)
    return layout


def _publish(project: dict[str, Path], **kwargs: Path) -> object:
    return publish(
        warehouse=project["warehouse"],
        destination=project["published"],
        dbt_target=project["target"],
        **kwargs,
    )


def _read_published(path: Path) -> tuple[set[str], dict[str, int], dict[str, object]]:
    with duckdb.connect(str(path), read_only=True) as connection:
        tables = {row[0] for row in connection.execute("show tables").fetchall()}
        counts = {
            table: connection.execute(f"select count(*) from {table}").fetchone()[0]
            for table in tables
        }
        cursor = connection.execute(f"select * from {BUILD_INFO_TABLE}")
        names = [column[0] for column in cursor.description]
        info = dict(zip(names, cursor.fetchone(), strict=True))
    return tables, counts, info


def test_publish_copies_public_models_and_build_info(project: dict[str, Path]) -> None:
    _publish(project)

    tables, counts, info = _read_published(project["published"])
    assert tables == {"dim_widgets", "fct_widget_weekly", BUILD_INFO_TABLE}
    assert counts == {"dim_widgets": 3, "fct_widget_weekly": 6, BUILD_INFO_TABLE: 1}
    assert info["invocation_id"] == "inv-good"
    assert info["dbt_version"] == "1.11.16"
    assert info["dbt_command"] == "build"
    assert info["models_built"] == 3
    assert info["tests_passed"] == 3  # two data tests and one unit test
    assert (info["tests_warned"], info["tests_failed"], info["tests_errored"]) == (1, 0, 0)
    assert info["raw_dir"] == str(project["raw"])
    assert info["git_commit"]
    # no temporary file or WAL is left beside the publication
    assert sorted(p.name for p in project["published"].parent.iterdir()) == [
        ".marts.duckdb.lock",
        "marts.duckdb",
    ]


def test_published_marts_carry_the_manifest_descriptions(project: dict[str, Path]) -> None:
    _publish(project)
    with duckdb.connect(str(project["published"]), read_only=True) as connection:
        table_comment = connection.execute(
            "select comment from duckdb_tables() where table_name = 'dim_widgets'"
        ).fetchone()[0]
        column_comment = connection.execute(
            "select comment from duckdb_columns() "
            "where table_name = 'dim_widgets' and column_name = 'size'"
        ).fetchone()[0]
    assert table_comment == "The dim_widgets model."
    assert column_comment == "It's size."


@pytest.mark.parametrize(
    ("failed_node", "status"),
    [
        ("model.demo.fct_widget_weekly", "error"),
        ("test.demo.unique_dim_widgets_widget_id", "fail"),
        ("test.demo.unique_dim_widgets_widget_id", "error"),
    ],
)
def test_failed_build_keeps_previous_publication(
    project: dict[str, Path], failed_node: str, status: str
) -> None:
    _publish(project)
    before = project["published"].read_bytes()

    _write_warehouse(project["warehouse"], project["raw"], widgets=5)
    _write_run_results(project["target"], "inv-bad", {**GOOD_BUILD, failed_node: status})
    with pytest.raises(PublishRefused, match=failed_node):
        _publish(project)

    assert project["published"].read_bytes() == before
    _, counts, info = _read_published(project["published"])
    assert info["invocation_id"] == "inv-good"
    assert counts["dim_widgets"] == 3


def test_cli_refuses_a_failed_build_with_exit_code_2(project: dict[str, Path]) -> None:
    _write_run_results(
        project["target"], "inv-bad", {**GOOD_BUILD, "model.demo.dim_widgets": "error"}
    )
    result = CliRunner().invoke(
        cli,
        [
            "publish",
            "--warehouse",
            str(project["warehouse"]),
            "--out",
            str(project["published"]),
            "--target",
            str(project["target"]),
        ],
    )
    assert result.exit_code == 2
    assert "model.demo.dim_widgets (error)" in result.output
    assert "Traceback" not in result.output
    assert not project["published"].exists()


def test_cli_missing_manifest_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["publish", "--target", str(tmp_path / "nowhere")])
    assert result.exit_code != 0
    assert "manifest" in result.output and "Traceback" not in result.output


def test_crashed_build_is_refused(project: dict[str, Path]) -> None:
    """dbt rewrote manifest.json but died before writing run_results.json."""
    _publish(project)
    manifest_path = project["target"] / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["metadata"]["invocation_id"] = "inv-crashed"
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(PublishRefused, match="did not record its results"):
        _publish(project)
    assert _read_published(project["published"])[2]["invocation_id"] == "inv-good"
    # the same manifest with its own successful results publishes again
    _write_run_results(project["target"], "inv-crashed", GOOD_BUILD)
    _publish(project)
    assert _read_published(project["published"])[2]["invocation_id"] == "inv-crashed"


def test_missing_public_model_is_refused(project: dict[str, Path]) -> None:
    _publish(project)
    with duckdb.connect(str(project["warehouse"])) as connection:
        connection.execute("drop table main.fct_widget_weekly")
    _write_run_results(project["target"], "inv-partial", GOOD_BUILD)
    with pytest.raises(PublishRefused, match="fct_widget_weekly"):
        _publish(project)
    assert _read_published(project["published"])[2]["invocation_id"] == "inv-good"


def test_parquet_versions_and_current_symlink(project: dict[str, Path], tmp_path: Path) -> None:
    parquet_root = tmp_path / "parquet"
    for widgets in (2, 3, 4, 5):
        _write_warehouse(project["warehouse"], project["raw"], widgets=widgets)
        _publish(project, parquet_dir=parquet_root)

    current = parquet_root / "current"
    assert current.is_symlink()
    assert sorted(p.name for p in current.iterdir()) == [
        "build_info.parquet",
        "dim_widgets.parquet",
        "fct_widget_weekly.parquet",
    ]
    rows = duckdb.sql(f"select count(*) from '{current / 'fct_widget_weekly.parquet'}'")
    assert rows.fetchone()[0] == 10
    versions = [p for p in (parquet_root / "versions").iterdir() if not p.name.startswith(".")]
    assert len(versions) == 3  # older versions are pruned


READER = textwrap.dedent(
    """
    import sys, time, duckdb
    path, stop_file = sys.argv[1], sys.argv[2]
    import os
    reads = 0
    while not os.path.exists(stop_file):
        with duckdb.connect(path, read_only=True) as connection:
            widgets = connection.execute("select count(*) from dim_widgets").fetchone()[0]
            weekly = connection.execute("select count(*) from fct_widget_weekly").fetchone()[0]
            invocation = connection.execute("select invocation_id from build_info").fetchone()[0]
        # every publication is complete and consistent: inv-<n> holds n widgets
        assert invocation == f"inv-{widgets}", (invocation, widgets)
        assert weekly == 2 * widgets, (weekly, widgets)
        reads += 1
    print(reads)
    """
)


def test_reader_process_reads_while_publishing(project: dict[str, Path], tmp_path: Path) -> None:
    _write_run_results(project["target"], "inv-3", GOOD_BUILD)
    _publish(project)
    stop_file = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(project["published"]), str(stop_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for widgets in range(4, 16):
            _write_warehouse(project["warehouse"], project["raw"], widgets=widgets)
            _write_run_results(project["target"], f"inv-{widgets}", GOOD_BUILD)
            _publish(project)
            time.sleep(0.05)
    finally:
        stop_file.touch()
        out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err
    assert int(out.strip()) > 0
    assert _read_published(project["published"])[2]["invocation_id"] == "inv-15"


def test_reader_holding_old_file_keeps_reading_it(project: dict[str, Path]) -> None:
    _publish(project)
    with duckdb.connect(str(project["published"]), read_only=True) as old_reader:
        _write_warehouse(project["warehouse"], project["raw"], widgets=7)
        _write_run_results(project["target"], "inv-7", GOOD_BUILD)
        _publish(project)
        # the open connection still sees the publication it opened
        assert old_reader.execute("select count(*) from dim_widgets").fetchone()[0] == 3
    assert _read_published(project["published"])[1]["dim_widgets"] == 7


def test_environment_default_destination(project: dict[str, Path], monkeypatch) -> None:
    destination = project["published"].parent / "from_env.duckdb"
    monkeypatch.setenv("TENANT_KPIS_PUBLISHED_DB", str(destination))
    monkeypatch.setenv("TENANT_KPIS_DB", str(project["warehouse"]))
    monkeypatch.setenv("DBT_TARGET_PATH", str(project["target"]))
    result = publish()
    assert result.destination == destination.resolve()
    assert os.path.exists(destination)


# --- slow: the real project ----------------------------------------------------

REAL_READER = textwrap.dedent(
    """
    import os, sys, time, duckdb
    path, stop_file = sys.argv[1], sys.argv[2]
    seen = set()
    reads = 0
    while not os.path.exists(stop_file):
        with duckdb.connect(path, read_only=True) as connection:
            info = connection.execute("select invocation_id from build_info").fetchall()
            assert len(info) == 1, info
            rows = connection.execute("select count(*) from fct_kpi_weekly").fetchone()[0]
            assert rows > 0
            tables = {r[0] for r in connection.execute("show tables").fetchall()}
            assert {"dim_tenants", "fct_kpi_scorecard", "build_info"} <= tables, tables
        seen.add(info[0][0])
        reads += 1
        time.sleep(0.02)
    print(reads, ",".join(sorted(seen)))
    """
)


def _publish_cli(workspace, published: Path) -> subprocess.CompletedProcess:
    from fixtures_semantic import TENANT_KPIS

    return subprocess.run(
        [
            TENANT_KPIS,
            "publish",
            "--warehouse",
            str(workspace.warehouse),
            "--out",
            str(published),
            "--target",
            str(workspace.target),
        ],
        capture_output=True,
        text=True,
        env=workspace.env(),
        check=False,
    )


def _published_invocation(published: Path) -> str:
    with duckdb.connect(str(published), read_only=True) as connection:
        return connection.execute("select invocation_id from build_info").fetchone()[0]


@pytest.mark.slow
def test_build_while_bi_reads_then_failed_build_keeps_publication(
    tmp_path: Path, shared_build
) -> None:
    """A dbt build runs on a copy of the shared warehouse while a BI reader reads."""
    import shutil

    from fixtures_semantic import DbtWorkspace, run_dbt

    workspace = DbtWorkspace(
        root=tmp_path,
        raw_dir=Path(shared_build.raw_dir),
        warehouse=tmp_path / "warehouse.duckdb",
        target=tmp_path / "target",
        logs=tmp_path / "logs",
    )
    shutil.copyfile(shared_build.database, workspace.warehouse)
    rebuild = ["build", "--select", "dim_tenants", "fct_kpi_weekly", "fct_kpi_scorecard"]
    run_dbt(workspace, *rebuild)
    published = tmp_path / "published" / "marts.duckdb"
    first = _publish_cli(workspace, published)
    assert first.returncode == 0, first.stderr
    first_invocation = _published_invocation(published)

    stop_file = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", REAL_READER, str(published), str(stop_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # the warehouse is rebuilt while the BI reader keeps reading the publication
        run_dbt(workspace, *rebuild)
        second = _publish_cli(workspace, published)
        assert second.returncode == 0, second.stderr
        time.sleep(1.0)
    finally:
        stop_file.touch()
        out, err = reader.communicate(timeout=120)
    assert reader.returncode == 0, err
    reads, seen = out.split()
    second_invocation = _published_invocation(published)
    assert second_invocation != first_invocation
    assert int(reads) > 10
    assert set(seen.split(",")) <= {first_invocation, second_invocation}
    assert second_invocation in seen.split(",")

    # a build whose tests fail is refused with exit code 2: a duplicated KPI
    # row breaks fct_kpi_weekly's unique-combination test
    with duckdb.connect(str(workspace.warehouse)) as connection:
        connection.execute(
            "insert into main.fct_kpi_weekly select * from main.fct_kpi_weekly limit 1"
        )
    failed = run_dbt(workspace, "test", "--select", "fct_kpi_weekly", check=False)
    assert failed.returncode != 0
    refused = _publish_cli(workspace, published)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "(fail)" in refused.stderr and "previous publication is kept" in refused.stderr
    assert _published_invocation(published) == second_invocation

    # a build that cannot start (a process holds the warehouse's write lock, as
    # a dashboard pointed at the warehouse would) writes no run results: refused too
    run_dbt(workspace, *rebuild)
    assert _publish_cli(workspace, published).returncode == 0
    third_invocation = _published_invocation(published)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
            "print('locked', flush=True); time.sleep(120)",
            str(workspace.warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        failed = run_dbt(workspace, "run", "--select", "dim_tenants", check=False)
        assert failed.returncode != 0
    finally:
        holder.kill()
        holder.wait()
    refused = _publish_cli(workspace, published)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "did not record its results" in refused.stderr
    assert _published_invocation(published) == third_invocation
