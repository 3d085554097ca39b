"""The build record: publish only a warehouse whose last build finished and passed.

The fast tests hand-make the invocation log the dbt hooks write
(macros/build_record/) and check the rule of src/tenant_kpis/build_record.py
on every case the rule must tell apart. The slow test runs the real hooks:
a `dbt build` killed with SIGKILL, then a successful `dbt seed`, must still be
refused, which run_results.json alone cannot tell (the seed overwrites it).
"""

from __future__ import annotations

import os
import signal
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from tenant_kpis.build_record import (
    Invocation,
    check_build_record,
    invocations_from_rows,
)
from tenant_kpis.errors import PublishRefused

T0 = datetime(2026, 11, 16, 6, 0, 0)
PROJECT_NODES = 500


def _finished(
    invocation_id: str,
    command: str = "build",
    minute: int = 0,
    *,
    selected: int = PROJECT_NODES,
    succeeded: int | None = None,
    errored: int = 0,
    failed: int = 0,
) -> Invocation:
    return Invocation(
        invocation_id=invocation_id,
        dbt_command=command,
        started_at=T0 + timedelta(minutes=minute),
        finished_at=T0 + timedelta(minutes=minute, seconds=50),
        dbt_version="1.11.16",
        nodes_in_project=PROJECT_NODES,
        nodes_selected=selected,
        nodes_succeeded=selected if succeeded is None else succeeded,
        nodes_errored=errored,
        nodes_skipped=0,
        models_built=75,
        tests_passed=400,
        tests_warned=0,
        tests_failed=failed,
        tests_errored=0,
    )


def _killed(invocation_id: str, command: str = "build", minute: int = 0) -> Invocation:
    return Invocation(
        invocation_id=invocation_id,
        dbt_command=command,
        started_at=T0 + timedelta(minutes=minute),
        finished_at=None,
        dbt_version="1.11.16",
    )


def test_a_complete_passing_build_is_published() -> None:
    record = check_build_record([_finished("good")], "wh")
    assert record.latest_build.invocation_id == "good"
    assert record.complete_build.invocation_id == "good"


def test_a_killed_build_followed_by_a_successful_seed_is_refused() -> None:
    """The issue's case: run_results.json would show only the seed's success."""
    history = [
        _finished("good", minute=0),
        _killed("killed", minute=10),
        _finished("seed", "seed", minute=20, selected=1),
    ]
    with pytest.raises(PublishRefused, match=r"invocation killed, .* did not finish"):
        check_build_record(history, "wh")


def test_a_killed_first_build_is_refused() -> None:
    with pytest.raises(PublishRefused, match=r"invocation killed.*did not finish"):
        check_build_record([_killed("killed")], "wh")


def test_a_build_with_a_failed_test_is_refused_even_after_a_good_one() -> None:
    history = [_finished("good", minute=0), _finished("bad", minute=10, failed=1, succeeded=499)]
    with pytest.raises(PublishRefused, match=r"invocation bad.*failed: 499 of 500 .* 1 failed"):
        check_build_record(history, "wh")


def test_a_build_with_an_error_is_refused() -> None:
    history = [_finished("bad", errored=1, succeeded=480)]
    with pytest.raises(PublishRefused, match=r"no complete, passing build.*invocation bad"):
        check_build_record(history, "wh")


def test_dbt_run_after_a_build_is_refused() -> None:
    """`dbt run` rebuilds models without their tests."""
    history = [_finished("good"), _finished("run", "run", minute=10, selected=1)]
    with pytest.raises(PublishRefused, match=r"dbt run.*changed the warehouse without testing"):
        check_build_record(history, "wh")


def test_dbt_seed_after_a_build_is_refused() -> None:
    history = [_finished("good"), _finished("seed", "seed", minute=10, selected=1)]
    with pytest.raises(PublishRefused, match=r"dbt seed.*without testing"):
        check_build_record(history, "wh")


def test_a_partial_build_after_a_complete_one_is_published() -> None:
    """`dbt build -s model` rebuilds and tests what it selects: the rest was tested before."""
    history = [_finished("good"), _finished("partial", minute=10, selected=3)]
    record = check_build_record(history, "wh")
    assert record.latest_build.invocation_id == "partial"
    assert record.complete_build.invocation_id == "good"


def test_a_partial_build_alone_is_refused() -> None:
    with pytest.raises(PublishRefused, match="selected 3 of the project's 500 nodes"):
        check_build_record([_finished("partial", selected=3)], "wh")


def test_a_selected_node_without_a_result_is_a_failure() -> None:
    """A build whose on-run-start hook failed skips its nodes: 0 of 500 succeeded."""
    history = [_finished("good"), _finished("skipped", minute=10, succeeded=0)]
    with pytest.raises(PublishRefused, match="0 of 500 selected nodes succeeded"):
        check_build_record(history, "wh")


def test_a_passing_dbt_test_after_the_build_is_harmless_and_a_failing_one_refused() -> None:
    passing = [_finished("good"), _finished("test", "test", minute=10, selected=4)]
    assert check_build_record(passing, "wh").latest_build.invocation_id == "good"
    failing = [_finished("good"), _finished("test", "test", minute=10, selected=4, failed=1)]
    with pytest.raises(PublishRefused, match=r"dbt test.*failed"):
        check_build_record(failing, "wh")


def test_docs_generate_and_source_freshness_are_ignored() -> None:
    """Both run the hooks: docs generate succeeds no node, a stale source errors."""
    history = [
        _finished("good"),
        _finished("docs", "generate", minute=10, succeeded=0),
        _finished("fresh", "freshness", minute=20, selected=0, succeeded=0, errored=5),
        _killed("killed-docs", "generate", minute=30),
    ]
    assert check_build_record(history, "wh").latest_build.invocation_id == "good"


def test_a_killed_dbt_test_changes_nothing() -> None:
    history = [_finished("good"), _killed("test", "test", minute=10)]
    assert check_build_record(history, "wh").latest_build.invocation_id == "good"


def test_any_other_command_counts_as_a_change() -> None:
    """`dbt retry` or a snapshot writes relations that no build has tested."""
    for command in ("retry", "snapshot"):
        history = [_finished("good"), _finished("other", command, minute=10, selected=2)]
        with pytest.raises(PublishRefused, match=f"dbt {command}.*without testing"):
            check_build_record(history, "wh")


def test_a_complete_build_after_a_killed_one_is_published() -> None:
    history = [_killed("killed", minute=0), _finished("seed", "seed", 5, selected=1)]
    history.append(_finished("rebuilt", minute=10))
    assert check_build_record(history, "wh").latest_build.invocation_id == "rebuilt"


def test_no_record_at_all_is_refused() -> None:
    with pytest.raises(PublishRefused, match="no build is recorded in wh"):
        check_build_record([], "wh")


def test_rows_pair_into_invocations_in_start_order() -> None:
    def row(invocation: str, event: str, minute: int, **counts: int) -> dict:
        base = dict.fromkeys(
            (
                "nodes_in_project",
                "nodes_selected",
                "nodes_succeeded",
                "nodes_errored",
                "nodes_skipped",
                "models_built",
                "tests_passed",
                "tests_warned",
                "tests_failed",
                "tests_errored",
            )
        )
        base.update(counts)
        return {
            "invocation_id": invocation,
            "dbt_command": "build",
            "log_event": event,
            "started_at": T0 + timedelta(minutes=minute),
            "recorded_at": T0 + timedelta(minutes=minute + 1),
            "dbt_version": "1.11.16",
            **base,
        }

    rows = [
        row("b", "started", 10),
        row("a", "finished", 0, nodes_selected=5, nodes_succeeded=5),
        row("a", "started", 0),
    ]
    first, second = invocations_from_rows(rows)
    assert (first.invocation_id, first.finished, first.nodes_selected) == ("a", True, 5)
    assert first.finished_at == T0 + timedelta(minutes=1)
    assert (second.invocation_id, second.finished, second.nodes_selected) == ("b", False, None)


def _phase_rows(
    invocation: str, minute: int, build_id: str | None, selected: int | None, **counts: int
) -> list[dict]:
    """The `started` and (unless `selected` is None: killed) `finished` rows of
    one dbt build phase, as the hooks write them."""
    count_columns = (
        "nodes_in_project",
        "nodes_selected",
        "nodes_succeeded",
        "nodes_errored",
        "nodes_skipped",
        "models_built",
        "tests_passed",
        "tests_warned",
        "tests_failed",
        "tests_errored",
    )
    base = {
        "invocation_id": invocation,
        "dbt_command": "build",
        "started_at": T0 + timedelta(minutes=minute),
        "recorded_at": T0 + timedelta(minutes=minute + 1),
        "dbt_version": "1.11.16",
        "build_id": build_id,
    }
    rows = [{**base, **dict.fromkeys(count_columns), "log_event": "started"}]
    if selected is not None:
        finished = dict.fromkeys(count_columns, 0)
        finished.update(
            nodes_in_project=PROJECT_NODES, nodes_selected=selected, nodes_succeeded=selected
        )
        finished.update(counts)
        rows.append({**base, **finished, "log_event": "finished"})
    return rows


def test_the_two_phases_of_one_tenant_kpis_build_are_one_complete_build() -> None:
    """Neither phase selects the whole project; together they do."""
    rows = _phase_rows("phase-1", 0, "run7", 420) + _phase_rows("phase-2", 5, "run7", 80)
    record = check_build_record(invocations_from_rows(rows), "wh")
    build = record.complete_build
    assert (build.invocation_id, build.nodes_selected, build.nodes_in_project) == (
        "phase-2",
        500,
        500,
    )
    assert build.started_at == T0 and build.phases == 2


def test_phases_of_different_builds_are_not_joined() -> None:
    rows = _phase_rows("phase-1", 0, "run7", 420) + _phase_rows("phase-2", 5, "run8", 80)
    with pytest.raises(PublishRefused, match="no complete, passing build"):
        check_build_record(invocations_from_rows(rows), "wh")


def test_a_build_whose_second_phase_never_ran_is_refused_after_a_complete_one() -> None:
    """A failed Python step stops `tenant-kpis build` between its phases: the
    first phase alone looks like a passing partial build, but is not one."""
    rows = (
        _phase_rows("old-1", 0, "run6", 420)
        + _phase_rows("old-2", 5, "run6", 80)
        + _phase_rows("new-1", 10, "run7", 420)
    )
    with pytest.raises(PublishRefused, match=r"tenant-kpis build` run7 .* did not run all its"):
        check_build_record(invocations_from_rows(rows), "wh")


def test_a_killed_second_phase_is_refused() -> None:
    rows = (
        _phase_rows("old-1", 0, "run6", 420)
        + _phase_rows("old-2", 5, "run6", 80)
        + _phase_rows("new-1", 10, "run7", 420)
        + _phase_rows("new-2", 15, "run7", None)
    )
    with pytest.raises(PublishRefused, match=r"run7 \(2 dbt phases.*did not finish"):
        check_build_record(invocations_from_rows(rows), "wh")


def test_a_failed_test_in_the_second_phase_is_refused() -> None:
    rows = _phase_rows("phase-1", 0, "run7", 420) + _phase_rows(
        "phase-2", 5, "run7", 80, nodes_succeeded=79, tests_failed=1
    )
    with pytest.raises(PublishRefused, match=r"run7 .*failed: 499 of 500 .* 1 failed"):
        check_build_record(invocations_from_rows(rows), "wh")


def test_a_log_written_before_build_ids_is_still_read() -> None:
    """A warehouse whose log predates the build_id column (the next dbt command's
    hook adds it) is judged as before: every invocation on its own."""
    from tenant_kpis.build_record import COUNT_COLUMNS, invocation_log_query

    with duckdb.connect() as connection:
        counts = ", ".join(f"{column} integer" for column in COUNT_COLUMNS)
        connection.execute(
            "create table log (invocation_id varchar, dbt_command varchar, log_event varchar, "
            f"started_at timestamp, recorded_at timestamp, dbt_version varchar, {counts})"
        )
        connection.execute(
            "insert into log (invocation_id, dbt_command, log_event, started_at, recorded_at, "
            "dbt_version, nodes_in_project, nodes_selected, nodes_succeeded) values "
            f"('a', 'build', 'started', '{T0}', '{T0}', '1.11', null, null, null), "
            f"('a', 'build', 'finished', '{T0}', '{T0}', '1.11', 5, 5, 5)"
        )
        columns = [row[0] for row in connection.execute("describe log").fetchall()]
        cursor = connection.execute(invocation_log_query("log", columns))
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    (invocation,) = invocations_from_rows(rows)
    assert invocation.build_id is None and invocation.complete and invocation.succeeded


# --- slow: the real hooks -----------------------------------------------------


def _log(warehouse: Path) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(
            "select invocation_id, dbt_command, log_event, nodes_selected, nodes_succeeded "
            "from audit.dbt_invocation_log order by started_at, log_event desc"
        ).fetchall()


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


def _kill_build_once_a_model_runs(workspace) -> None:
    """Start `dbt build`, SIGKILL it as soon as it logs its first model, like the OOM killer."""
    from dbt_project import with_stable_paths
    from fixtures_semantic import DBT, PROJECT_DIR

    process = subprocess.Popen(
        [DBT, "build", "--profiles-dir", str(PROJECT_DIR), "--project-dir", str(PROJECT_DIR)],
        cwd=PROJECT_DIR,
        # the warehouse path the workspace's other dbt commands use (run_command):
        # its own path would make dbt re-parse the whole project first
        env=with_stable_paths(workspace.env()),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    try:
        for line in process.stdout:
            if " START sql " in line and " model " in line:
                break
        else:
            raise AssertionError("dbt build ended before it started a model")
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL


@pytest.mark.slow
def test_killed_build_then_seed_is_refused_end_to_end(tmp_path: Path, shared_build) -> None:
    from fixtures_semantic import copy_of_shared_build, run_dbt

    workspace = copy_of_shared_build(shared_build, tmp_path)
    published = tmp_path / "published" / "marts.duckdb"
    run_dbt(workspace, "parse")
    first = _publish_cli(workspace, published)
    assert first.returncode == 0, first.stderr
    complete_build = _published_invocation(published)

    # a partial `dbt build` rebuilds and tests what it selects: published, on
    # top of the complete build
    run_dbt(workspace, "build", "--select", "dim_kpis")
    partial = _publish_cli(workspace, published)
    assert partial.returncode == 0, partial.stderr
    with duckdb.connect(str(published), read_only=True) as connection:
        info = connection.execute(
            "select invocation_id, complete_build_invocation_id, nodes_selected, "
            "nodes_in_project from build_info"
        ).fetchone()
    assert info[0] != complete_build and info[1] == complete_build
    assert 0 < info[2] < info[3]
    # a passing `dbt test` changes nothing
    run_dbt(workspace, "test", "--select", "dim_kpis")
    assert _publish_cli(workspace, published).returncode == 0
    partial_build = info[0]
    before = published.read_bytes()

    # a build killed mid-way, then a successful `dbt seed`: run_results.json now
    # describes the seed alone, but the record in the warehouse keeps the killed build
    _kill_build_once_a_model_runs(workspace)
    run_dbt(workspace, "seed", "--select", "kpi_catalog")
    # oldest first, each invocation's started row before its finished row
    log = _log(workspace.warehouse)
    assert [row[1:3] for row in log[-3:]] == [
        ("build", "started"),
        ("seed", "started"),
        ("seed", "finished"),
    ]
    killed = log[-3]
    assert not [row for row in log if row[0] == killed[0] and row[2] == "finished"]

    refused = _publish_cli(workspace, published)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    message = refused.stderr.strip()
    assert f"invocation {killed[0]}" in message and "did not finish" in message
    assert "previous publication is kept" in message
    assert "Traceback" not in refused.stderr and len(message.splitlines()) == 1
    assert published.read_bytes() == before
    assert _published_invocation(published) == partial_build
