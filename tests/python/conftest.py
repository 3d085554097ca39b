"""Shared pytest fixtures.

The expensive fixture is `shared_build`: one generated dataset built with
`dbt build` and published, shared read-only by every test module. `make test`
builds it in its `dbt-test-build` step (data/test) and pytest reuses it; run
alone, pytest builds it once under a file lock, so parallel workers (xdist)
wait for one build instead of racing. Tests that need a dataset of their own
(dirty data, missing columns, incremental runs) build in tmp_path with
`dbt_project.run_dbt`.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from dbt_project import PROJECT_DIR, BuiltProject, build_project, newest_source_mtime

SHARED_DIR = PROJECT_DIR / "data" / "test"
SHARED_TENANTS = int(os.environ.get("TEST_TENANTS", "60"))
SHARED_SEED = int(os.environ.get("TEST_SEED", "7"))


@pytest.fixture(scope="session")
def project_dir() -> Path:
    return PROJECT_DIR


def _marker_is_current(marker: Path) -> bool:
    """The build is current when nothing it depends on changed after it started.

    The marker records the newest source mtime seen when the build began, so
    an edit made while a build runs makes that build stale.
    """
    if not marker.exists():
        return False
    recorded = json.loads(marker.read_text())
    return (
        recorded.get("tenants") == SHARED_TENANTS
        and recorded.get("seed") == SHARED_SEED
        and recorded.get("sources_mtime", 0) >= newest_source_mtime()
    )


@pytest.fixture(scope="session")
def shared_build() -> Iterator[BuiltProject]:
    """The suite's main dataset: generated, built, tested by dbt and published."""
    SHARED_DIR.mkdir(parents=True, exist_ok=True)
    marker = SHARED_DIR / ".build_ok"
    with (SHARED_DIR.parent / ".test_build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        built = BuiltProject.at(SHARED_DIR, target_dir=PROJECT_DIR / "target_test")
        if not _marker_is_current(marker):
            # taken before the build, as `make dbt-test-build` does: without it
            # the marker never counts as current and every worker rebuilds
            sources_mtime = newest_source_mtime()
            built = build_project(
                SHARED_DIR,
                tenants=SHARED_TENANTS,
                seed=SHARED_SEED,
                target_dir=PROJECT_DIR / "target_test",
            )
            marker.write_text(
                json.dumps(
                    {"tenants": SHARED_TENANTS, "seed": SHARED_SEED, "sources_mtime": sources_mtime}
                )
            )
        elif not built.published_db.exists():
            built.publish()
        fcntl.flock(lock, fcntl.LOCK_UN)
    yield built


@pytest.fixture(scope="session")
def contract_workspace(tmp_path_factory: pytest.TempPathFactory):
    """One raw directory, warehouse and target per worker for the contract tests.

    Fixed paths across examples let dbt parse the project once and reuse its
    partial parse; each build starts from an empty warehouse.
    """
    from contract.build import Workspace

    return Workspace(tmp_path_factory.mktemp("contract"))
