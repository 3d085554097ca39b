"""Publishing the public marts for BI tools: atomic swap, refusal on a failed build.

The fast tests use a hand-made warehouse (with the build record the dbt hooks
write, the row accounting and the threshold seed), manifest and published
file, so every expected figure below is written by hand from the inputs, not
read back from the implementation. The slow test runs the real `dbt build`
while another process keeps reading the published marts.
"""

from __future__ import annotations

import errno
import itertools
import json
import os
import re
import resource
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

import tenant_kpis.publish as publish_module
from tenant_kpis.cli import main as cli
from tenant_kpis.publish import BUILD_INFO_TABLE, PublishFailed, PublishRefused, publish

PUBLIC = ("dim_widgets", "dq_row_accounting", "fct_widget_weekly")
PROJECT_NODES = 8
_CLOCK = itertools.count()
T0 = datetime(2026, 11, 16, 6, 0, 0)


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
        "model.demo.dq_row_accounting": _model_node(
            "dq_row_accounting", "public", {"raw_table": "Raw table."}
        ),
        "model.demo.int_widgets_private": _model_node("int_widgets_private", "private", {}),
        "seed.demo.publication_thresholds": {
            "resource_type": "seed",
            "name": "publication_thresholds",
            "alias": "publication_thresholds",
            "schema": "seeds",
        },
        "test.demo.unique_dim_widgets_widget_id": {"resource_type": "test", "name": "unique"},
    }
    target.mkdir(parents=True, exist_ok=True)
    (target / "manifest.json").write_text(json.dumps({"metadata": {}, "nodes": nodes}))


# The build record as the hooks of macros/build_record/ write it.
INVOCATION_LOG = """
    create table if not exists audit.dbt_invocation_log (
        invocation_id varchar, dbt_command varchar, log_event varchar,
        started_at timestamp, recorded_at timestamp, dbt_version varchar,
        nodes_in_project integer, nodes_selected integer, nodes_succeeded integer,
        nodes_errored integer, nodes_skipped integer, models_built integer,
        tests_passed integer, tests_warned integer, tests_failed integer, tests_errored integer
    )
"""


def _record(
    warehouse: Path,
    invocation: str,
    command: str = "build",
    *,
    finished: bool = True,
    selected: int = PROJECT_NODES,
    errored: int = 0,
    failed: int = 0,
) -> None:
    """Append one dbt command to the warehouse's build record (a later start each time)."""
    started = T0 + timedelta(minutes=next(_CLOCK))
    succeeded = selected - errored - failed
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create schema if not exists audit")
        connection.execute(INVOCATION_LOG)
        insert = "insert into audit.dbt_invocation_log values (" + ", ".join("?" * 16) + ")"
        connection.execute(
            insert, [invocation, command, "started", started, started, "1.11.16"] + [None] * 10
        )
        if finished:
            # 3 models built; 3 tests passed, 1 warned, as GOOD_BUILD in the older version
            counts = [PROJECT_NODES, selected, succeeded, errored, 0, 3, 3, 1, failed, 0]
            connection.execute(
                insert,
                [
                    invocation,
                    command,
                    "finished",
                    started,
                    started + timedelta(seconds=30),
                    "1.11.16",
                    *counts,
                ],
            )


# raw_table, rows_raw, rows_staged, rows_quarantined, rows_duplicate
CLEAN_ACCOUNTING = [("widgets", 1000, 990, 10, 0), ("gadgets", 500, 500, 0, 0)]


def _write_accounting(path: Path, rows: list[tuple]) -> None:
    with duckdb.connect(str(path)) as connection:
        connection.execute(
            "create or replace table main.dq_row_accounting (raw_table varchar, load_date date, "
            "rows_raw bigint, rows_staged bigint, rows_quarantined bigint, rows_duplicate bigint)"
        )
        for table, raw, staged, quarantined, duplicate in rows:
            connection.execute(
                "insert into main.dq_row_accounting values (?, null, ?, ?, ?, ?)",
                [table, raw, staged, quarantined, duplicate],
            )


def _write_warehouse(
    path: Path, raw_dir: Path, widgets: int, accounting: list[tuple] = CLEAN_ACCOUNTING
) -> None:
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
        connection.execute("create schema if not exists seeds")
        connection.execute(
            "create or replace table seeds.publication_thresholds as select * from (values "
            "('quarantine_share_max', 'all', 0.5), ('quarantine_share_increase_max', 'all', 0.1), "
            "('staged_rows_decrease_max', 'all', 0.1), ('staged_rows_increase_max', 'all', 1.0), "
            "('relative_guards_min_rows', 'all', 100.0)) "
            "as t(threshold_name, raw_table, threshold_value)"
        )
    _write_accounting(path, accounting)


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
    _record(layout["warehouse"], "inv-good")
    return layout


def _publish(project: dict[str, Path], **kwargs: object) -> object:
    return publish(
        warehouse=project["warehouse"],
        destination=project["published"],
        dbt_target=project["target"],
        **kwargs,
    )


def _cli_publish(project: dict[str, Path], *options: str) -> object:
    return CliRunner().invoke(
        cli,
        [
            "publish",
            "--warehouse",
            str(project["warehouse"]),
            "--out",
            str(project["published"]),
            "--target",
            str(project["target"]),
            *options,
        ],
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


def _listing(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


def test_publish_copies_public_models_and_build_info(project: dict[str, Path]) -> None:
    _publish(project)

    tables, counts, info = _read_published(project["published"])
    assert tables == {*PUBLIC, BUILD_INFO_TABLE}
    assert counts == {
        "dim_widgets": 3,
        "fct_widget_weekly": 6,
        "dq_row_accounting": 2,
        BUILD_INFO_TABLE: 1,
    }
    assert info["invocation_id"] == "inv-good"
    assert info["complete_build_invocation_id"] == "inv-good"
    assert info["dbt_version"] == "1.11.16"
    assert info["dbt_command"] == "build"
    assert info["models_built"] == 3
    assert info["tests_passed"] == 3
    assert (info["tests_warned"], info["tests_failed"], info["tests_errored"]) == (1, 0, 0)
    assert (info["nodes_selected"], info["nodes_in_project"]) == (PROJECT_NODES, PROJECT_NODES)
    assert info["build_finished_at"] - info["build_started_at"] == timedelta(seconds=30)
    assert info["raw_dir"] == str(project["raw"])
    assert info["git_commit"]
    assert info["accept_anomalies"] is False and info["overridden_anomalies"] is None
    assert info["compared_with_invocation_id"] is None  # a first publication
    # no temporary file or WAL is left beside the publication
    assert _listing(project["published"].parent) == [".marts.duckdb.lock", "marts.duckdb"]


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
    ("record", "reason"),
    [
        ({"errored": 1}, r"inv-bad.*failed: 7 of 8 selected nodes succeeded, 1 errors"),
        ({"failed": 1}, r"inv-bad.*failed: 7 of 8 .* 1 failed tests"),
        ({"finished": False}, r"inv-bad.*did not finish"),
    ],
)
def test_failed_build_keeps_previous_publication(
    project: dict[str, Path], record: dict, reason: str
) -> None:
    _publish(project)
    before = project["published"].read_bytes()

    _write_warehouse(project["warehouse"], project["raw"], widgets=5)
    _record(project["warehouse"], "inv-bad", **record)
    with pytest.raises(PublishRefused, match=reason):
        _publish(project)

    assert project["published"].read_bytes() == before
    _, counts, info = _read_published(project["published"])
    assert info["invocation_id"] == "inv-good"
    assert counts["dim_widgets"] == 3
    assert _listing(project["published"].parent) == [".marts.duckdb.lock", "marts.duckdb"]


def test_cli_refuses_a_failed_build_with_exit_code_2(project: dict[str, Path]) -> None:
    _record(project["warehouse"], "inv-bad", errored=1)
    result = _cli_publish(project)
    assert result.exit_code == 2
    assert "invocation inv-bad" in result.output and "1 errors" in result.output
    assert "Traceback" not in result.output
    assert not project["published"].exists()


def test_cli_missing_manifest_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["publish", "--target", str(tmp_path / "nowhere")])
    assert result.exit_code != 0
    assert "manifest" in result.output and "Traceback" not in result.output


def test_killed_build_then_successful_seed_is_refused(project: dict[str, Path]) -> None:
    """The seed's run_results.json would say success: the build record does not forget."""
    _publish(project)
    _record(project["warehouse"], "inv-killed", finished=False)
    _record(project["warehouse"], "inv-seed", "seed", selected=1)
    with pytest.raises(PublishRefused, match=r"invocation inv-killed.*did not finish"):
        _publish(project)
    assert _read_published(project["published"])[2]["invocation_id"] == "inv-good"
    # a complete build afterwards publishes again
    _record(project["warehouse"], "inv-rebuilt")
    _publish(project)
    assert _read_published(project["published"])[2]["invocation_id"] == "inv-rebuilt"


def test_warehouse_without_a_build_record_is_refused(project: dict[str, Path]) -> None:
    with duckdb.connect(str(project["warehouse"])) as connection:
        connection.execute("drop table audit.dbt_invocation_log")
    with pytest.raises(PublishRefused, match="no build is recorded in"):
        _publish(project)


def test_missing_public_model_is_refused(project: dict[str, Path]) -> None:
    _publish(project)
    with duckdb.connect(str(project["warehouse"])) as connection:
        connection.execute("drop table main.fct_widget_weekly")
    _record(project["warehouse"], "inv-partial")
    with pytest.raises(PublishRefused, match="fct_widget_weekly"):
        _publish(project)
    assert _read_published(project["published"])[2]["invocation_id"] == "inv-good"


# --- anomaly guards -------------------------------------------------------------

# every widget quarantined: 1000 of 1000 distinct rows, and none staged
HOLLOW_ACCOUNTING = [("widgets", 1000, 0, 1000, 0), ("gadgets", 500, 500, 0, 0)]


def test_a_hollow_build_is_refused_and_the_previous_publication_stays(
    project: dict[str, Path],
) -> None:
    _publish(project)
    before = project["published"].read_bytes()
    _write_accounting(project["warehouse"], HOLLOW_ACCOUNTING)
    _record(project["warehouse"], "inv-hollow")

    result = _cli_publish(project)
    assert result.exit_code == 2, result.output
    message = result.output.strip()
    assert len(message.splitlines()) == 1 and "Traceback" not in message
    assert "widgets: 100.0% of rows quarantined (1,000 of 1,000; threshold 50.0%)" in message
    # staged 990 -> 0 against the previous publication
    assert "widgets: staged rows 990 -> 0 (-100.0%; threshold -10.0%)" in message
    assert "compared with the previous publication (invocation inv-good)" in message
    assert "gadgets" not in message
    assert project["published"].read_bytes() == before
    assert _listing(project["published"].parent) == [".marts.duckdb.lock", "marts.duckdb"]


def test_a_first_publication_applies_the_absolute_threshold(project: dict[str, Path]) -> None:
    _write_accounting(project["warehouse"], HOLLOW_ACCOUNTING)
    with pytest.raises(PublishRefused, match=r"compared with a first publication\): widgets: 100"):
        _publish(project)
    assert not project["published"].exists()


def test_accept_anomalies_publishes_and_build_info_says_what_it_overrode(
    project: dict[str, Path],
) -> None:
    _publish(project)
    _write_accounting(project["warehouse"], HOLLOW_ACCOUNTING)
    _record(project["warehouse"], "inv-hollow")

    result = _cli_publish(project, "--accept-anomalies")
    assert result.exit_code == 0, result.output
    assert "anomalies accepted: widgets: 100.0% of rows quarantined" in result.output
    info = _read_published(project["published"])[2]
    assert info["invocation_id"] == "inv-hollow"
    assert info["accept_anomalies"] is True
    assert info["compared_with_invocation_id"] == "inv-good"
    assert info["overridden_anomalies"] == (
        "widgets: 100.0% of rows quarantined (1,000 of 1,000; threshold 50.0%); "
        "widgets: staged rows 990 -> 0 (-100.0%; threshold -10.0%)"
    )
    # the flag never overrides the build record
    _record(project["warehouse"], "inv-killed", finished=False)
    refused = _cli_publish(project, "--accept-anomalies")
    assert refused.exit_code == 2 and "did not finish" in refused.output


def test_accept_anomalies_on_a_clean_build_records_the_flag_only(
    project: dict[str, Path],
) -> None:
    _publish(project, accept_anomalies=True)
    info = _read_published(project["published"])[2]
    assert info["accept_anomalies"] is True and info["overridden_anomalies"] is None


# --- a full disk ------------------------------------------------------------------


def _no_space(*_args: object, **_kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "marts.duckdb")


def _duckdb_no_space(*_args: object, **_kwargs: object) -> None:
    raise duckdb.IOException(
        'IO Error: Could not write file ".marts.duckdb.tmp": No space left on device'
    )


@pytest.mark.parametrize(
    ("target", "failure"),
    [
        ("_write_build_info", _duckdb_no_space),
        ("verify_publication", _no_space),
        ("_fsync", _no_space),
    ],
)
def test_a_full_disk_is_one_line_and_leaves_nothing_behind(
    project: dict[str, Path], monkeypatch: pytest.MonkeyPatch, target: str, failure: object
) -> None:
    _publish(project)
    before = project["published"].read_bytes()
    _write_warehouse(project["warehouse"], project["raw"], widgets=5)
    _record(project["warehouse"], "inv-next")
    monkeypatch.setattr(publish_module, target, failure)

    result = _cli_publish(project)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    message = result.output.strip()
    assert len(message.splitlines()) == 1 and "Traceback" not in message
    assert "No space left on device" in message and "previous publication is kept" in message
    assert project["published"].read_bytes() == before
    assert _listing(project["published"].parent) == [".marts.duckdb.lock", "marts.duckdb"]


def test_a_real_write_limit_is_one_line_and_leaves_nothing_behind(
    project: dict[str, Path],
) -> None:
    """The kernel refuses the writes (RLIMIT_FSIZE, as a full disk would): no injection."""
    _publish(project)
    before = project["published"].read_bytes()
    _record(project["warehouse"], "inv-next")

    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

    completed = subprocess.run(
        [
            str(Path(sys.executable).parent / "tenant-kpis"),
            "publish",
            "--warehouse",
            str(project["warehouse"]),
            "--out",
            str(project["published"]),
            "--target",
            str(project["target"]),
        ],
        preexec_fn=limit_file_size,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 2, completed.stdout + completed.stderr
    message = completed.stderr.strip()
    assert len(message.splitlines()) == 1 and "Traceback" not in message
    assert message.startswith("Error: could not publish to ") and "File too large" in message
    assert project["published"].read_bytes() == before
    assert _listing(project["published"].parent) == [".marts.duckdb.lock", "marts.duckdb"]


def test_a_failed_swap_is_one_line_and_leaves_nothing_behind(
    project: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _publish(project)
    before = project["published"].read_bytes()
    monkeypatch.setattr(publish_module.os, "replace", _no_space)
    with pytest.raises(PublishFailed, match=r"could not publish to .*No space left on device"):
        _publish(project)
    assert project["published"].read_bytes() == before
    assert _listing(project["published"].parent) == [".marts.duckdb.lock", "marts.duckdb"]


def test_a_full_disk_while_writing_parquet_leaves_no_partial_version(
    project: dict[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    parquet_root = tmp_path / "parquet"
    _publish(project, parquet_dir=parquet_root)
    first_version = _listing(parquet_root / "versions")
    _record(project["warehouse"], "inv-next")
    real_connect = duckdb.connect

    class FullDisk:
        """A read-only connection whose COPY ... TO fails as on a full disk."""

        def __init__(self, *args: object, **kwargs: object) -> None:
            self.connection = real_connect(*args, **kwargs)

        def __enter__(self) -> FullDisk:
            return self

        def __exit__(self, *exc: object) -> None:
            self.connection.close()

        def execute(self, sql: str, *args: object) -> object:
            if sql.startswith("copy "):
                _duckdb_no_space()
            return self.connection.execute(sql, *args)

    def connect(database: str, read_only: bool = False) -> object:
        return FullDisk(database, read_only=read_only) if read_only else real_connect(database)

    monkeypatch.setattr(publish_module.duckdb, "connect", connect)
    result = _cli_publish(project, "--parquet-dir", str(parquet_root))
    assert result.exit_code == 2, result.output
    assert "Parquet copy" in result.output and "No space left on device" in result.output
    assert "Traceback" not in result.output
    assert _listing(parquet_root / "versions") == first_version  # no .building directory
    assert os.readlink(parquet_root / "current") == f"versions/{first_version[0]}"


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
        "dq_row_accounting.parquet",
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
    _record(project["warehouse"], "inv-3")
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
            _record(project["warehouse"], f"inv-{widgets}")
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
        _record(project["warehouse"], "inv-7")
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
    from fixtures_semantic import copy_of_shared_build, run_dbt

    workspace = copy_of_shared_build(shared_build, tmp_path)
    rebuild = [
        "build",
        "--select",
        "dim_tenants",
        "fct_kpi_weekly",
        "fct_kpi_scorecard",
        "--exclude-resource-type",  # the publication guards read data tests, not unit tests
        "unit_test",
    ]
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

    # a dbt command that cannot start (a process holds the warehouse's write
    # lock, as a dashboard pointed at the warehouse would) changes nothing and
    # records nothing: the warehouse still holds the build already published
    with duckdb.connect(str(workspace.warehouse), read_only=True) as connection:
        recorded = connection.execute("select count(*) from audit.dbt_invocation_log").fetchone()
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
    with duckdb.connect(str(workspace.warehouse), read_only=True) as connection:
        assert (
            connection.execute("select count(*) from audit.dbt_invocation_log").fetchone()
            == recorded
        )
    unchanged = _publish_cli(workspace, published)
    assert unchanged.returncode == 0, unchanged.stdout + unchanged.stderr
    assert _published_invocation(published) == second_invocation

    # a build whose tests fail is refused with exit code 2: a duplicated KPI
    # row breaks fct_kpi_weekly's unique-combination test, and the warehouse
    # stays unpublishable until a complete build passes again
    with duckdb.connect(str(workspace.warehouse)) as connection:
        connection.execute(
            "insert into main.fct_kpi_weekly select * from main.fct_kpi_weekly limit 1"
        )
    failed = run_dbt(workspace, "test", "--select", "fct_kpi_weekly", check=False)
    assert failed.returncode != 0
    refused = _publish_cli(workspace, published)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert re.search(
        r"`dbt test` \(invocation .*\) failed: .* [1-9][0-9]* failed tests", refused.stderr
    )
    assert "previous publication is kept" in refused.stderr
    assert _published_invocation(published) == second_invocation
    run_dbt(workspace, *rebuild)  # a partial build does not clear a failed test
    assert _publish_cli(workspace, published).returncode == 2
